"""Non-teaching burden (POLICY §9): the list, requests refused with their reasons (not on the
list, late notice, caps per school per semester and year), decisions, arrivals, the burden
index, and anonymous reports that lead back to no one."""

from datetime import date, timedelta

import pytest
from django.db import models

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.welfare import selectors, services
from qiangshi.welfare.models import AnonymousReport, EntryRequest
from tests import factories

START = date(2025, 3, 10)  # spring semester of school year 2024


@pytest.fixture
def area(world):
    bureau = world["users"]["bureau"]
    activity = services.burden_list_add(
        actor=bureau, year=2025, kind="activity", title="防溺水安全教育", requester="市应急局",
        purpose="safety",
    )  # fmt: skip
    inspection = services.burden_list_add(
        actor=bureau, year=2025, kind="inspection", title="义务教育督导", requester="市政府教育督导室",
        comprehensive=True,
    )  # fmt: skip
    return {"bureau": bureau, "activity": activity, "inspection": inspection, **world}


def submit(area, *, item=None, start=START, schools=None, notice=31, kind="activity", **extra):
    return services.entry_request_submit(
        actor=area["bureau"],
        kind=kind,
        title=extra.get("title", "进校园宣讲"),
        requester="市某局",
        purpose="",
        school_pks=schools or [area["schools"]["a"].pk],
        start_date=start,
        end_date=start,
        hours=2,
        announced_on=start - timedelta(days=notice),
        list_item_pk=item.pk if item else None,
    )


def test_a_request_not_on_the_list_is_refused_with_the_reason(area):
    request = submit(area)
    assert request.status == "refused"
    assert [r["code"] for r in request.reasons] == ["not_listed"]
    text = services.reason_text(request.reasons[0], {})
    assert "list" in text or "清单" in text


def test_late_notice_is_a_reason(area):
    request = submit(area, item=area["activity"], notice=10)
    assert request.status == "refused" and [r["code"] for r in request.reasons] == ["notice"]


def test_the_seventh_activity_of_a_semester_is_refused_for_that_school(area):
    a, b = area["schools"]["a"].pk, area["schools"]["b"].pk
    for i in range(6):
        r = submit(area, item=area["activity"], start=START + timedelta(days=i))
        services.entry_request_decide(actor=area["bureau"], request_pk=r.pk, approve=True)
        assert EntryRequest.objects.get(pk=r.pk).status == "approved"
    seventh = submit(area, item=area["activity"], start=START + timedelta(days=20),
                     schools=[a, b])  # fmt: skip
    assert seventh.status == "refused"
    assert seventh.reasons == [{"code": "semester_cap", "school": a, "cap": 6}]
    # The autumn semester starts afresh.
    autumn = submit(area, item=area["activity"], start=date(2025, 9, 15), schools=[a])
    assert autumn.status == "pending"


def test_approval_rechecks_the_caps(area):
    first = submit(area, item=area["inspection"], kind="inspection")
    second = submit(area, item=area["inspection"], kind="inspection",
                    start=START + timedelta(days=60))  # fmt: skip
    assert (first.status, second.status) == ("pending", "pending")
    services.entry_request_decide(actor=area["bureau"], request_pk=first.pk, approve=True)
    decided = services.entry_request_decide(
        actor=area["bureau"], request_pk=second.pk, approve=True
    )
    assert decided.status == "refused"
    assert [r["code"] for r in decided.reasons] == ["comprehensive_cap"]


def test_refusing_needs_a_reason_and_a_decision_is_final(area):
    r = submit(area, item=area["activity"])
    with pytest.raises(ApplicationError):
        services.entry_request_decide(actor=area["bureau"], request_pk=r.pk, approve=False)
    services.entry_request_decide(actor=area["bureau"], request_pk=r.pk, approve=False,
                                  comment="与期中考试冲突")  # fmt: skip
    with pytest.raises(ApplicationError):
        services.entry_request_decide(actor=area["bureau"], request_pk=r.pk, approve=True)


def test_only_offices_submit_and_decide(area):
    for role in ("school", "teacher", "pilot"):
        with pytest.raises(NotFound):
            services.entry_request_submit(
                actor=area["users"][role], kind="activity", title="x", requester="y",
                purpose="", school_pks=[area["schools"]["a"].pk], start_date=START,
                end_date=START, hours=1, announced_on=START - timedelta(days=40),
            )  # fmt: skip
    r = submit(area, item=area["activity"])
    with pytest.raises(NotFound):  # the administrator does not take the office's decisions
        services.entry_request_decide(actor=area["users"]["admin"], request_pk=r.pk, approve=True)


def test_arrivals_unapproved_ones_and_the_burden_index(area):
    school_admin = area["users"]["school"]
    a = area["schools"]["a"]
    r = submit(area, item=area["activity"])
    services.entry_request_decide(actor=area["bureau"], request_pk=r.pk, approve=True)
    services.arrival_record(
        actor=school_admin, school_pk=a.pk, kind="activity", title="防溺水", requester="市应急局",
        on=START, hours=2, teachers_involved=1, request_pk=r.pk,
    )  # fmt: skip
    services.arrival_record(
        actor=school_admin, school_pk=a.pk, kind="inspection", title="台账检查", requester="某局",
        on=START, hours="1.5", teachers_involved=2, paper_trail=True,
    )  # fmt: skip
    with pytest.raises(NotFound):  # another school
        services.arrival_record(
            actor=school_admin, school_pk=area["schools"]["b"].pk, kind="activity", title="x",
            requester="y", on=START, hours=1, teachers_involved=1,
        )  # fmt: skip
    unapproved = selectors.arrival_list(actor=area["bureau"], unapproved=True)
    assert [x.title for x in unapproved] == ["台账检查"]
    [row] = selectors.burden_index(actor=area["bureau"], year=2025)
    # 2 h × 1 + 1.5 h × 2 = 5 teacher-hours over the school's 1 teacher.
    assert (row.index.count, float(row.index.hours_per_teacher), row.unapproved) == (2, 5.0, 1)
    assert selectors.arrival_list(actor=area["users"]["district"]).count() == 2
    assert selectors.arrival_list(actor=area["users"]["pilot"]).count() == 0


def test_an_anonymous_report_leads_back_to_no_one(area):
    teacher_user = area["users"]["teacher"]
    audit_before = set(AuditLog.objects.values_list("pk", flat=True))
    access_before = AccessLog.objects.count()
    report = services.anonymous_report_submit(
        actor=teacher_user, kind="activity", requester="某协会", description="要求全体教师填写问卷"
    )
    # The model has no field that could name or date the teacher.
    for field in AnonymousReport._meta.get_fields():
        assert not (field.is_relation and field.related_model is type(teacher_user)), field
        assert not isinstance(field, models.DateTimeField | models.DateField), field
        assert not isinstance(field, models.GenericIPAddressField), field
    stored = AnonymousReport.objects.values().get(pk=report.pk)
    assert teacher_user.username not in str(stored)
    assert stored["school_id"] == area["schools"]["a"].pk
    assert (stored["school_year"], stored["semester"]) in {(y, s) for y in range(2020, 2100)
                                                           for s in ("spring", "autumn")}  # fmt: skip
    # One audit row, naming neither the teacher nor the report; no access-log row.
    [entry] = AuditLog.objects.exclude(pk__in=audit_before)
    assert entry.actor_id is None and entry.actor_username != teacher_user.username
    assert (
        entry.object_id == ""
        and entry.object_repr == ""
        and str(report.pk) not in str(entry.changes) + entry.note
    )
    assert AccessLog.objects.count() == access_before
    # The offices see the report; no one sees who made it.
    assert [r.pk for r in selectors.report_list(actor=area["bureau"])] == [report.pk]
    assert selectors.report_list(actor=area["users"]["school"]).count() == 0


def test_only_teachers_working_at_a_school_report(area):
    with pytest.raises(NotFound):
        services.anonymous_report_submit(
            actor=area["bureau"], kind="activity", requester="x", description="y"
        )
    loose = factories.user("teacher")
    with pytest.raises(ApplicationError):
        services.anonymous_report_submit(
            actor=loose, kind="activity", requester="x", description="y"
        )
