"""Sessions and attendance: who may add and mark them, the minimum attendance share at
confirmation, hours following attendance, and the pages and API."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from qiangshi.core.errors import ApplicationError, Forbidden, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.engines import attendance as engine
from qiangshi.training import services
from qiangshi.training.models import Attendance, TrainingRecord
from tests import factories

from .conftest import make_programme

AFTER = date(2026, 3, 10)


def _session(actor, programme, day, hours="8"):
    return services.session_create(
        actor=actor,
        programme_pk=programme.pk,
        date=day,
        starts_at=time(9),
        ends_at=time(17),
        hours=Decimal(hours),
        place="思明区教师进修学校报告厅",
    )


@pytest.fixture
def course(world):
    """A 24-hour programme of three 8-hour sessions; teacher A enrolled."""
    district = world["users"]["district"]
    programme = make_programme(district)
    sessions = [_session(district, programme, date(2026, 3, d)) for d in (2, 3, 4)]
    enrolment = services.enrolment_create(
        actor=world["users"]["teacher"], programme_pk=programme.pk, today=date(2026, 2, 1)
    )
    return programme, sessions, enrolment


def _mark(world, sessions, enrolment, presence):
    for session, present in zip(sessions, presence, strict=True):
        services.attendance_mark(
            actor=world["users"]["school"],
            session_pk=session.pk,
            marks={enrolment.pk: present},
            today=AFTER,
        )


def _confirm(world, enrolment):
    return services.enrolments_confirm(
        actor=world["users"]["school"], enrolment_pks=[enrolment.pk], completed=True, today=AFTER
    )


def test_engine_share_and_credited_hours_and_unmarked_sessions():
    marks = [
        engine.Mark(Decimal(8), True),
        engine.Mark(Decimal(8), True),
        engine.Mark(Decimal(8), False),
    ]
    att = engine.attendance(marks)
    assert att.share == Decimal(16) / Decimal(24) and att.unmarked == 0
    assert engine.credited_hours(Decimal(24), att, by_attendance=True) == Decimal("16.0")
    assert engine.credited_hours(Decimal(24), att, by_attendance=False) == Decimal(24)
    unmarked = engine.attendance([engine.Mark(Decimal(8), True), engine.Mark(Decimal(8), None)])
    assert unmarked.share is None and unmarked.meets(Decimal("0.8")) is None
    assert engine.attendance([]).share is None


def test_full_attendance_confirms_with_the_programmes_hours(world, course):
    programme, sessions, enrolment = course
    _mark(world, sessions, enrolment, [True, True, True])
    assert _confirm(world, enrolment) == 1
    assert TrainingRecord.objects.get(enrolment=enrolment).hours == Decimal(24)
    assert AuditLog.objects.filter(action="training.attendance_mark").count() == 3


def test_confirmation_is_refused_while_a_session_is_not_marked(world, course):
    _programme, sessions, enrolment = course
    _mark(world, sessions[:2], enrolment, [True, True])
    with translation.override("en"), pytest.raises(ApplicationError, match="not marked for 1"):
        _confirm(world, enrolment)
    assert not TrainingRecord.objects.exists()


def test_confirmation_is_refused_below_the_minimum_share_of_the_rule_file(world, course):
    _programme, sessions, enrolment = course
    _mark(world, sessions, enrolment, [True, True, False])  # 67% < 80%
    with pytest.raises(ApplicationError, match="80"):
        _confirm(world, enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled" and not TrainingRecord.objects.exists()


def test_hours_follow_attendance_when_the_programme_says_so(world):
    district = world["users"]["district"]
    programme = make_programme(district, hours=Decimal("20"))
    sessions = [_session(district, programme, date(2026, 3, d), "4") for d in (2, 3, 4, 5, 6)]
    services.programme_credit_by_attendance_set(
        actor=district, programme_pk=programme.pk, by_attendance=True
    )
    enrolment = services.enrolment_create(
        actor=world["users"]["teacher"], programme_pk=programme.pk, today=date(2026, 2, 1)
    )
    _mark(world, sessions, enrolment, [True, True, True, True, False])  # 80%: just enough
    _confirm(world, enrolment)
    assert TrainingRecord.objects.get(enrolment=enrolment).hours == Decimal("16.0")


def test_a_programme_without_sessions_credits_its_hours_as_before(world, programme):
    enrolment = services.enrolment_create(
        actor=world["users"]["teacher"], programme_pk=programme.pk, today=date(2026, 2, 1)
    )
    _confirm(world, enrolment)
    assert TrainingRecord.objects.get(enrolment=enrolment).hours == Decimal(24)


def test_sessions_are_added_by_the_organising_office_within_the_dates(world, programme):
    with pytest.raises(ApplicationError):
        _session(world["users"]["district"], programme, date(2026, 4, 1))
    with pytest.raises(PermissionDenied):
        _session(world["users"]["school"], programme, date(2026, 3, 2))
    other = factories.user("district", region=world["tree"]["huli"])
    with pytest.raises(NotFound):
        _session(other, programme, date(2026, 3, 2))
    with pytest.raises(Forbidden):  # the city bureau sees it but does not run it
        city = make_programme(world["users"]["bureau"], title="市级培训")
        _session(world["users"]["district"], city, date(2026, 3, 2))


def test_marks_only_for_held_sessions_and_only_in_scope(world, course):
    _programme, sessions, enrolment = course
    with pytest.raises(ApplicationError):  # not held yet
        services.attendance_mark(
            actor=world["users"]["school"],
            session_pk=sessions[2].pk,
            marks={enrolment.pk: True},
            today=date(2026, 3, 3),
        )
    other_school = factories.user("school", school=world["schools"]["b"])
    with pytest.raises(NotFound):
        services.attendance_mark(
            actor=other_school, session_pk=sessions[0].pk, marks={enrolment.pk: True}, today=AFTER
        )
    with pytest.raises(PermissionDenied):
        services.attendance_mark(
            actor=world["users"]["teacher"],
            session_pk=sessions[0].pk,
            marks={enrolment.pk: True},
            today=AFTER,
        )
    # The organiser marks too; None clears a mark.
    services.attendance_mark(
        actor=world["users"]["district"], session_pk=sessions[0].pk, marks={enrolment.pk: True},
        today=AFTER,
    )  # fmt: skip
    services.attendance_mark(
        actor=world["users"]["school"], session_pk=sessions[0].pk, marks={enrolment.pk: None},
        today=AFTER,
    )  # fmt: skip
    assert not Attendance.objects.exists()


def test_a_session_with_marks_cannot_be_removed(world, course):
    _programme, sessions, enrolment = course
    _mark(world, sessions[:1], enrolment, [False])
    with pytest.raises(ApplicationError):
        services.session_delete(actor=world["users"]["district"], session_pk=sessions[0].pk)
    services.session_delete(actor=world["users"]["district"], session_pk=sessions[1].pk)
    assert len(_programme.sessions.all()) == 2


def test_sessions_page_marks_attendance_and_the_teacher_sees_it(world, client, course):
    programme, sessions, enrolment = course
    client.force_login(world["users"]["school"])
    url = reverse("web:training_programme_sessions", args=[programme.pk])
    body = client.get(url + f"?session={sessions[0].pk}").content.decode()
    assert world["teachers"]["a"].name in body and f"present-{enrolment.pk}" in body
    r = client.post(
        reverse("web:training_session_attendance", args=[sessions[0].pk]),
        {f"present-{enrolment.pk}": "1"},
    )
    assert r.status_code == 302
    assert Attendance.objects.get().present is True
    client.force_login(world["users"]["teacher"])
    body = client.get(reverse("web:training_my_hours")).content.decode()
    assert "my-attendance" in body and programme.title in body


def test_sessions_api(world, api_as, programme):
    r = api_as("district").post(
        f"/api/training/programmes/{programme.pk}/sessions",
        {"date": "2026-03-02", "starts_at": "09:00", "ends_at": "12:00", "hours": 3,
         "link": "https://meeting.example.cn/123"},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    assert api_as("school").post(
        f"/api/training/programmes/{programme.pk}/sessions",
        {"date": "2026-03-02", "starts_at": "09:00", "ends_at": "12:00", "hours": 3},
    ).status_code == 403  # fmt: skip
    listed = api_as("teacher").get(f"/api/training/programmes/{programme.pk}/sessions").json()
    assert listed["count"] == 1 and listed["items"][0]["hours"] == 3
    grid = api_as("school").get(f"/api/training/programmes/{programme.pk}/attendance").json()
    assert set(grid) == {"items", "count", "page", "page_size"}
