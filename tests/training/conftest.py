from datetime import date
from decimal import Decimal

import pytest

from qiangshi.training import services
from tests.api.conftest import api_as  # noqa: F401  (a fixture)


def make_programme(actor, **extra):
    values = {
        "title": "新课标专题培训",
        "level": "district",
        "provider": "思明区教师进修学校",
        "hours": Decimal("24"),
        "category": "centralised",
        "capacity": 2,
        "starts_on": date(2026, 3, 2),
        "ends_on": date(2026, 3, 6),
        "mode": "in_person",
        "subject": "mathematics",
        "stage": "primary",
        "target_groups": ["science_teachers"],
    }
    values.update(extra)
    return services.programme_create(actor=actor, **values)


@pytest.fixture
def programme(world):
    return make_programme(world["users"]["district"])
