"""The demo's talent and partnership records: plans with hires for several years, olympiad
results with rewards, partnerships with Longyan and others whose confirmed activities credited
training hours, perks with take-up."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from qiangshi.access.models import User
from qiangshi.org.models import Region
from qiangshi.talent import selectors
from qiangshi.talent.models import (
    ActivityParticipant,
    ActivityStatus,
    Hire,
    OlympiadResult,
    Partnership,
    PerkUptake,
)
from qiangshi.training.models import TrainingRecord

pytestmark = pytest.mark.django_db


def test_the_demo_has_plausible_talent_and_partnership_records(client):
    call_command(
        "demo_region", scale="city", seed=5, year=2026, max_schools=3, size_factor=0.3,
        stdout=StringIO(),
    )  # fmt: skip
    xiamen = Region.objects.get(code="3502")
    today = date.today()

    past = selectors.recruitment_against_plan(xiamen, 2025)
    assert past["has_plan"] and past["target"] > 0 and past["hires"] > 0
    assert {c["category"] for c in past["categories"]} == {"doctoral", "shortage"}
    assert Hire.objects.filter(teacher__isnull=False).exists()  # joined, in the registry
    assert Hire.objects.filter(teacher__isnull=True).exists()  # signed, not yet there

    assert OlympiadResult.objects.filter(reward__gt=0).exists()
    assert not OlympiadResult.objects.filter(awarded_on__gt=today).exists()

    assert set(Partnership.objects.values_list("kind", flat=True)) == {
        "mountain_sea", "off_island", "cross_strait",
    }  # fmt: skip
    credited = ActivityParticipant.objects.filter(training_record__isnull=False)
    assert credited.exists()
    assert credited.count() == TrainingRecord.objects.filter(source="partnership").count()
    assert not ActivityParticipant.objects.filter(
        activity__status=ActivityStatus.CANCELLED, training_record__isnull=False
    ).exists()
    summary = selectors.partnership_summary(xiamen, 2025)
    assert summary["total"]["activities"] > 0 and summary["total"]["credited_hours"] > 0

    assert PerkUptake.objects.filter(teacher__isnull=False).exists()
    assert PerkUptake.objects.filter(teacher__isnull=True).exists()

    client.force_login(User.objects.get(username="teacher"))
    page = client.get("/talent/hours/")
    assert page.status_code == 200 and page.context["page"].paginator.count > 0
