"""The demo region gives the pilot office something to compare: Xiamen computed from the demo
registry, the nine other pilot regions with plausible imported figures (a few not sent)."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from qiangshi.access.models import User
from qiangshi.demo import pilot as pilot_demo
from qiangshi.pilot import selectors
from qiangshi.pilot.models import PilotFigure, PilotRegion

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "demo_region", scale="city", seed=5, year=2026, max_schools=3, size_factor=0.3,
            stdout=StringIO(),
        )  # fmt: skip
        yield
        transaction.set_rollback(True)


def test_xiamen_is_computed_and_the_others_imported(demo, client):
    assert PilotRegion.objects.get(code="3502").region.code == "3502"
    pilot = User.objects.get(username="pilot")
    columns = {c.pilot_region.code: c for c in selectors.comparison(actor=pilot, year=2026)}
    assert len(columns) == 10
    xm = columns["3502"].figures
    assert xm["teachers_per_100_pupils"].origin == selectors.COMPUTED
    assert 3 < xm["teachers_per_100_pupils"].value < 15
    # Recruitment against plan is the talent module's own figure (its demo plans Xiamen's).
    from qiangshi.talent.selectors import recruitment_against_plan

    rate = recruitment_against_plan(PilotRegion.objects.get(code="3502").region, 2026)["rate"]
    assert rate is not None
    assert xm["recruitment_against_plan"].origin == selectors.COMPUTED
    assert float(xm["recruitment_against_plan"].value) == pytest.approx(rate * 100, abs=0.05)
    for code, column in columns.items():
        if code == "3502":
            continue
        known = [f for f in column.figures.values() if f.value is not None]
        assert known and all(f.origin == selectors.IMPORTED for f in known)
    # Some figures were not sent: missing, not zero.
    sent = PilotFigure.objects.filter(year=2026).count()
    assert 0 < sent < 9 * len(selectors.indicators())
    client.force_login(pilot)
    assert "嫩江市" in client.get(reverse("web:dashboard")).content.decode()


def test_demo_figures_stay_within_the_indicator_bounds_and_repeat(demo):
    bounds = selectors.indicator_map()
    first = sorted(PilotFigure.objects.values_list("pilot_region__code", "year", "key", "value"))
    for _code, _year, key, value in first:
        assert bounds[key].minimum <= value <= bounds[key].maximum, key
    pilot_demo.build(city_code="3502", year=2026, seed=5, counts=Counter())
    again = sorted(PilotFigure.objects.values_list("pilot_region__code", "year", "key", "value"))
    assert again == first
