from datetime import date

import pytest

from qiangshi.talent import services
from tests.api.conftest import api_as  # noqa: F401  (the API client fixture)


@pytest.fixture
def longyan_partnership(world):
    """The bureau's mountain–sea partnership with Longyan, a training activity (12 hours) and a
    visit, both in 2025."""
    bureau = world["users"]["bureau"]
    partnership = services.partnership_create(
        actor=bureau, kind="mountain_sea", title="厦龙山海协作教育共同体", partner="龙岩市教育局",
        starts_on=date(2024, 9, 1), terms="结对帮扶，互派骨干教师",
    )  # fmt: skip
    training = services.activity_add(
        actor=bureau, partnership_pk=partnership.pk, title="山海协作同课异构研修",
        kind="training", starts_on=date(2025, 4, 10), ends_on=date(2025, 4, 11), hours=12,
    )  # fmt: skip
    visit = services.activity_add(
        actor=bureau, partnership_pk=partnership.pk, title="赴龙岩参观交流",
        kind="visit", starts_on=date(2025, 5, 10), ends_on=date(2025, 5, 10), hours=6,
    )  # fmt: skip
    return {"partnership": partnership, "training": training, "visit": visit}
