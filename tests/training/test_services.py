"""Programmes, enrolment with a waiting list, confirmation crediting hours, and scoping."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.training import selectors, services
from qiangshi.training.models import EnrolmentStatus, TrainingRecord
from tests import factories

from .conftest import make_programme

DURING = date(2026, 3, 4)


def test_a_teacher_enrols_and_the_school_confirms_completion_crediting_hours(world, programme):
    teacher_user, school_user = world["users"]["teacher"], world["users"]["school"]
    enrolment = services.enrolment_create(
        actor=teacher_user, programme_pk=programme.pk, today=date(2026, 2, 1)
    )
    assert enrolment.status == EnrolmentStatus.ENROLLED and enrolment.assigned_by is None
    assert (
        services.enrolments_confirm(
            actor=school_user, enrolment_pks=[enrolment.pk], completed=True, today=date(2026, 3, 10)
        )
        == 1
    )
    record = TrainingRecord.objects.get(enrolment=enrolment)
    assert record.teacher == world["teachers"]["a"]
    assert record.hours == Decimal("24") and record.date == date(2026, 3, 6)
    assert record.category == "centralised"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert AuditLog.objects.filter(action="training.confirm").count() == 1
    # Confirmed once only: a second confirmation is refused and credits nothing more.
    with pytest.raises(ApplicationError):
        services.enrolments_confirm(
            actor=school_user, enrolment_pks=[enrolment.pk], completed=True, today=DURING
        )
    assert TrainingRecord.objects.count() == 1
    cycle = selectors.teacher_cycle(teacher=world["teachers"]["a"], on=date(2026, 3, 10))
    assert cycle.status.hours == Decimal("24")


def test_past_capacity_enrolments_wait_and_a_withdrawal_frees_a_place(world, programme):
    school_user = world["users"]["school"]
    a = world["teachers"]["a"]
    extra = [factories.teacher(world["users"]["admin"], world["schools"]["a"], n) for n in "甲乙"]
    first = services.enrolment_create(
        actor=school_user, programme_pk=programme.pk, teacher_pk=a.pk, today=DURING
    )
    second = services.enrolment_create(
        actor=school_user, programme_pk=programme.pk, teacher_pk=extra[0].pk, today=DURING
    )
    third = services.enrolment_create(
        actor=school_user, programme_pk=programme.pk, teacher_pk=extra[1].pk, today=DURING
    )
    assert [e.status for e in (first, second, third)] == ["enrolled", "enrolled", "waiting"]
    assert first.assigned_by == school_user
    with pytest.raises(ApplicationError):
        services.enrolment_create(
            actor=school_user, programme_pk=programme.pk, teacher_pk=a.pk, today=DURING
        )
    services.enrolment_withdraw(actor=world["users"]["teacher"], enrolment_pk=first.pk)
    third.refresh_from_db()
    assert third.status == EnrolmentStatus.ENROLLED


def test_a_school_sees_only_its_teachers_records_and_cannot_confirm_others(world, programme):
    district = world["users"]["district"]
    b = world["teachers"]["b"]  # another school in Siming
    other = services.enrolment_create(
        actor=district, programme_pk=programme.pk, teacher_pk=b.pk, today=DURING
    )
    school_user = world["users"]["school"]
    with pytest.raises(NotFound):
        services.enrolments_confirm(
            actor=school_user, enrolment_pks=[other.pk], completed=True, today=DURING
        )
    with pytest.raises(NotFound):
        services.enrolment_create(
            actor=school_user, programme_pk=programme.pk, teacher_pk=b.pk, today=DURING
        )
    TrainingRecord.objects.create(
        teacher=b, date=DURING, hours=8, category="online", title="x", source="import"
    )
    assert list(selectors.record_list(actor=school_user)) == []
    assert selectors.record_list(actor=district).count() == 1
    assert selectors.enrolment_list(actor=school_user).count() == 0
    # Offices do not confirm completions; the school does.
    with pytest.raises(PermissionDenied):
        services.enrolments_confirm(
            actor=district, enrolment_pks=[other.pk], completed=True, today=DURING
        )


def test_programmes_are_seen_in_their_area_only(world, programme):
    huli_school = factories.user("school", school=world["schools"]["c"])
    assert selectors.programme_list(actor=world["users"]["school"]).count() == 1
    assert selectors.programme_list(actor=huli_school).count() == 0
    assert selectors.programme_list(actor=world["users"]["bureau"]).count() == 1
    with pytest.raises(NotFound):
        selectors.programme_get(actor=huli_school, pk=programme.pk)
    c = world["teachers"]["c"]
    with pytest.raises(NotFound):
        services.enrolment_create(
            actor=huli_school, programme_pk=programme.pk, teacher_pk=c.pk, today=DURING
        )


def test_a_programme_outside_the_teachers_area_cannot_be_assigned(world):
    city = make_programme(world["users"]["district"])  # Siming's
    with translation.override("en"), pytest.raises(ApplicationError, match="not offered"):
        services.enrolment_create(
            actor=world["users"]["bureau"],
            programme_pk=city.pk,
            teacher_pk=world["teachers"]["c"].pk,
            today=DURING,
        )


def test_programme_input_is_checked(world):
    district = world["users"]["district"]
    with pytest.raises(ApplicationError):
        make_programme(district, ends_on=date(2026, 3, 1))
    with pytest.raises(ApplicationError):
        make_programme(district, hours=Decimal("0"))
    with pytest.raises(ApplicationError):
        make_programme(district, capacity=0)
    with pytest.raises(ApplicationError):
        make_programme(district, target_groups=["everyone"])
    with pytest.raises(PermissionDenied):
        make_programme(world["users"]["school"])


def test_enrolment_closes_when_the_programme_has_ended(world, programme):
    with translation.override("en"), pytest.raises(ApplicationError, match="ended"):
        services.enrolment_create(
            actor=world["users"]["teacher"], programme_pk=programme.pk, today=date(2026, 3, 7)
        )


def test_confirmation_before_the_start_is_refused(world, programme):
    e = services.enrolment_create(
        actor=world["users"]["teacher"], programme_pk=programme.pk, today=date(2026, 2, 1)
    )
    with translation.override("en"), pytest.raises(ApplicationError, match="not started"):
        services.enrolments_confirm(
            actor=world["users"]["school"],
            enrolment_pks=[e.pk],
            completed=True,
            today=date(2026, 3, 1),
        )
    services.enrolments_confirm(
        actor=world["users"]["school"], enrolment_pks=[e.pk], completed=False, today=DURING
    )
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.NOT_COMPLETED and not TrainingRecord.objects.exists()


def test_cycle_report_counts_completion_and_risk_per_school(world):
    a, b = world["teachers"]["a"], world["teachers"]["b"]
    TrainingRecord.objects.create(
        teacher=a,
        date=date(2026, 1, 5),
        hours=120,
        category="centralised",
        title="x",
        source="import",
    )
    TrainingRecord.objects.create(
        teacher=a, date=date(2026, 2, 5), hours=240, category="degree", title="y", source="import"
    )
    TrainingRecord.objects.create(
        teacher=a, date=date(2026, 2, 6), hours=60, category="other", title="z", source="import"
    )
    report = selectors.cycle_report(
        actor=world["users"]["district"], on=date(2026, 6, 1), region=world["tree"]["siming"]
    )
    rows = {r.school.pk: r for r in report.schools}
    assert report.teachers == 2 and report.complete == 1  # a: 120 + 180 (cap) + 60 = 360
    assert rows[world["schools"]["a"].pk].completion_rate == 1.0
    assert rows[world["schools"]["b"].pk].at_risk == 1
    assert [t["teacher_id"] for t in report.at_risk] == [b.pk]
    school_report = selectors.cycle_report(actor=world["users"]["school"], on=date(2026, 6, 1))
    assert school_report.teachers == 1
