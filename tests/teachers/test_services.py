"""The registry's write path: validation, history, scope and audit."""

from datetime import date

import pytest

from qiangshi.core import crypto
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.engines import idcard
from qiangshi.teachers import selectors, services
from qiangshi.teachers.models import ChangeRequestStatus, Employment, Teacher
from tests import factories


def _data(**overrides):
    birth = overrides.pop("birth", date(1988, 4, 9))
    data = {
        "name": "郑敏",
        "gender": "female",
        "birth_date": birth,
        "national_id": idcard.make("350211", birth, 7, "female"),
        "phone": "13912345678",
    }
    data.update(overrides)
    return data


def _job(school, **overrides):
    job = {
        "school": school,
        "employment_type": "established",
        "main_subject": "mathematics",
        "start_date": date(2015, 9, 1),
    }
    job.update(overrides)
    return job


def test_create_stores_id_encrypted_with_lookup_hash_and_audits_masked(world):
    actor = world["users"]["school"]
    teacher = services.teacher_create(
        actor=actor, data=_data(), employment=_job(world["schools"]["a"])
    )
    number = idcard.make("350211", date(1988, 4, 9), 7, "female")
    row = Teacher.objects.get(pk=teacher.pk)
    assert number not in row.national_id_encrypted
    assert row.national_id == number
    assert row.national_id_hash == crypto.lookup_hash(number)
    audit = AuditLog.objects.get(action="teacher.create", object_id=str(teacher.pk))
    assert audit.actor_username == actor.username
    assert number not in str(audit.changes)
    assert audit.changes["national_id"] == [None, idcard.mask(number)]


def test_lower_case_x_is_stored_upper_case(world):
    birth = date(1949, 12, 31)
    t = services.teacher_create(
        actor=world["users"]["admin"],
        data=_data(birth=birth, national_id="11010519491231002x", birth_date=birth),
        employment=_job(world["schools"]["a"]),
    )
    assert t.national_id == "11010519491231002X"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"national_id": "350211198804090071"}, "national_id"),  # wrong check digit
        ({"birth_date": date(1988, 4, 10)}, "birth_date"),
        ({"gender": "male"}, "gender"),
        ({"name": ""}, "name"),
        ({"birth_date": "not a date"}, "birth_date"),
        ({"phone": "12ab"}, "phone"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, overrides, field):
    before = (Teacher.objects.count(), Employment.objects.count(), AuditLog.objects.count())
    with pytest.raises(ApplicationError) as exc:
        services.teacher_create(
            actor=world["users"]["admin"],
            data=_data(**overrides),
            employment=_job(world["schools"]["a"]),
        )
    assert field in exc.value.fields
    after = (Teacher.objects.count(), Employment.objects.count(), AuditLog.objects.count())
    assert after == before


def test_duplicate_national_id_is_rejected(world):
    existing = world["teachers"]["a"]
    with pytest.raises(ApplicationError) as exc:
        services.teacher_create(
            actor=world["users"]["admin"],
            data=_data(
                national_id=existing.national_id,
                birth_date=existing.birth_date,
                gender=existing.gender,
            ),
            employment=_job(world["schools"]["a"]),
        )
    assert "national_id" in exc.value.fields


def test_school_admin_cannot_register_into_another_school(world):
    with pytest.raises(ApplicationError) as exc:
        services.teacher_create(
            actor=world["users"]["school"], data=_data(), employment=_job(world["schools"]["b"])
        )
    assert "school" in exc.value.fields


def test_school_admin_cannot_change_another_schools_teacher(world):
    with pytest.raises(NotFound):
        services.teacher_update(
            actor=world["users"]["school"],
            teacher=world["teachers"]["b"],
            data={"email": "x@example.com"},
        )


def test_update_audits_before_and_after(world):
    t = world["teachers"]["a"]
    services.teacher_update(
        actor=world["users"]["district"],
        teacher=t,
        data={"email": "chen@example.com", "phone": "13700000001"},
    )
    audit = AuditLog.objects.filter(action="teacher.update").latest("at")
    assert audit.changes["email"] == ["", "chen@example.com"]
    assert audit.changes["phone"] == ["138****1234", "137****0001"]
    assert Teacher.objects.get(pk=t.pk).phone == "13700000001"


def test_transfer_keeps_history_and_moves_current_school(world):
    t = world["teachers"]["a"]
    services.employment_change(
        actor=world["users"]["district"],
        teacher=t,
        data={
            "school": world["schools"]["b"],
            "employment_type": "established",
            "start_date": date(2025, 9, 1),
        },
    )
    jobs = list(Employment.objects.filter(teacher=t).order_by("start_date"))
    assert [j.school for j in jobs] == [world["schools"]["a"], world["schools"]["b"]]
    assert jobs[0].end_date == date(2025, 8, 31)
    assert Teacher.objects.get(pk=t.pk).current_school == world["schools"]["b"]


def test_derived_title_and_education_follow_the_records(world):
    actor, t = world["users"]["admin"], world["teachers"]["a"]
    services.teacher_record_add(
        actor=actor, teacher=t, kind="title", data={"rank": "second", "obtained_on": "2012-09-01"}
    )
    services.teacher_record_add(
        actor=actor, teacher=t, kind="title", data={"rank": "first", "obtained_on": "2018-09-01"}
    )
    services.teacher_record_add(
        actor=actor,
        teacher=t,
        kind="education",
        data={"level": "bachelor", "institution": "集美大学", "end_date": "2010-07-01"},
    )
    services.teacher_record_add(
        actor=actor,
        teacher=t,
        kind="education",
        data={"level": "master", "institution": "厦门大学", "study_mode": "in_service"},
    )  # still studying
    row = selectors.teacher_list(actor=actor, filters={"q": t.name}).get()
    assert row.title_rank == "first"
    assert row.education_level == "bachelor"
    assert selectors.teacher_list(actor=actor, filters={"title": "first"}).count() == 1


def test_record_with_end_before_start_is_rejected(world):
    with pytest.raises(ApplicationError) as exc:
        services.teacher_record_add(
            actor=world["users"]["admin"],
            teacher=world["teachers"]["a"],
            kind="recognition",
            data={
                "kind": "backbone",
                "level": "district",
                "start_date": "2024-09-01",
                "end_date": "2023-09-01",
            },
        )
    assert "end_date" in exc.value.fields


def test_search_by_full_national_id_uses_the_hash(world):
    t = world["teachers"]["b"]
    found = selectors.teacher_list(
        actor=world["users"]["bureau"], filters={"q": t.national_id.lower()}
    )
    assert list(found) == [t]
    assert (
        selectors.teacher_list(actor=world["users"]["school"], filters={"q": t.national_id}).count()
        == 0
    )


def test_reveal_logs_the_view_and_is_scoped(world):
    t = world["teachers"]["a"]
    value = services.teacher_reveal(actor=world["users"]["school"], teacher=t, field="national_id")
    assert value == t.national_id
    log = AccessLog.objects.get()
    assert (log.actor_username, log.object_id, log.field) == (
        world["users"]["school"].username,
        str(t.pk),
        "national_id",
    )
    with pytest.raises(NotFound):
        services.teacher_reveal(
            actor=world["users"]["school"], teacher=world["teachers"]["b"], field="national_id"
        )
    with pytest.raises(NotFound):
        services.teacher_reveal(actor=world["users"]["pilot"], teacher=t, field="phone")


def test_teacher_change_request_approved_goes_through_services(world):
    teacher_user = world["users"]["teacher"]
    request = services.change_request_submit(
        actor=teacher_user,
        kind="contact",
        payload={"phone": "13600000000", "email": "me@example.com"},
        comment="new phone",
    )
    assert "13600000000" not in str(request.payload)
    services.change_request_approve(actor=world["users"]["school"], request=request)
    t = Teacher.objects.get(pk=world["teachers"]["a"].pk)
    assert (t.phone, t.email) == ("13600000000", "me@example.com")
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED
    assert AuditLog.objects.filter(
        action="teacher.update",
        actor_username=world["users"]["school"].username,
        object_id=str(t.pk),
    ).exists()


def test_returned_request_changes_nothing_and_needs_a_reason(world):
    request = services.change_request_submit(
        actor=world["users"]["teacher"],
        kind="education",
        payload={"level": "master", "institution": "厦门大学", "end_date": "2024-06-30"},
    )
    with pytest.raises(ApplicationError):
        services.change_request_return(actor=world["users"]["school"], request=request, reason=" ")
    services.change_request_return(
        actor=world["users"]["school"], request=request, reason="Upload the diploma"
    )
    assert not world["teachers"]["a"].education_records.exists()
    with pytest.raises(ApplicationError):
        services.change_request_approve(actor=world["users"]["school"], request=request)


def test_other_school_cannot_review_a_request(world):
    request = services.change_request_submit(
        actor=world["users"]["teacher"], kind="contact", payload={"email": "a@b.cn"}
    )
    other = factories.user("school", school=world["schools"]["b"])
    with pytest.raises(NotFound):
        services.change_request_approve(actor=other, request=request)


def test_invalid_proposal_is_rejected_at_submission(world):
    with pytest.raises(ApplicationError) as exc:
        services.change_request_submit(
            actor=world["users"]["teacher"],
            kind="title",
            payload={"rank": "emperor", "obtained_on": "2020-01-01"},
        )
    assert "rank" in exc.value.fields


def test_completeness_lists_missing_groups(world):
    t = selectors.teacher_get(actor=world["users"]["admin"], pk=world["teachers"]["a"].pk)
    result = selectors.teacher_completeness(t)
    fields = {m["field"] for m in result["missing"]}
    assert {"education", "certificate", "appraisal", "email"} <= fields
    assert 0 < result["percent"] < 100


def test_age_filter_works_on_29_february(world):
    from qiangshi.teachers.selectors import _birth_bounds

    q = _birth_bounds(30, 40, date(2028, 2, 29))
    assert dict(q.children) == {
        "birth_date__lte": date(1998, 2, 28),
        "birth_date__gt": date(1987, 2, 28),
    }


def test_phone_change_in_the_masked_digits_is_saved(world):
    t = world["teachers"]["a"]  # phone 13800001234
    services.teacher_update(actor=world["users"]["admin"], teacher=t, data={"phone": "13899991234"})
    assert Teacher.objects.get(pk=t.pk).phone == "13899991234"
    audit = AuditLog.objects.filter(action="teacher.update").latest("at")
    assert audit.changes["phone"] == ["138****1234", "138****1234"]


def test_unchanged_update_writes_no_audit_row(world):
    t = world["teachers"]["a"]
    before = AuditLog.objects.count()
    services.teacher_update(
        actor=world["users"]["admin"], teacher=t, data={"phone": t.phone, "name": t.name}
    )
    assert AuditLog.objects.count() == before


def test_future_transfer_or_end_is_refused(world):
    from datetime import timedelta

    future = date.today() + timedelta(days=30)
    with pytest.raises(ApplicationError) as exc:
        services.employment_change(
            actor=world["users"]["admin"],
            teacher=world["teachers"]["a"],
            data={
                "school": world["schools"]["b"],
                "employment_type": "established",
                "start_date": future,
            },
        )
    assert "start_date" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        services.employment_end(
            actor=world["users"]["admin"],
            teacher=world["teachers"]["a"],
            end_date=future,
            reason="retired",
        )
    assert "end_date" in exc.value.fields


def test_backbone_count_ignores_expired_and_school_level(world):
    admin, t = world["users"]["admin"], world["teachers"]["a"]
    services.teacher_record_add(
        actor=admin,
        teacher=t,
        kind="recognition",
        data={
            "kind": "backbone",
            "level": "city",
            "start_date": "2018-09-01",
            "end_date": "2021-08-31",
        },
    )
    services.teacher_record_add(
        actor=admin,
        teacher=t,
        kind="recognition",
        data={"kind": "backbone", "level": "school", "start_date": "2024-09-01"},
    )
    assert selectors.teacher_stats(actor=admin)["backbone"] == 0
    services.teacher_record_add(
        actor=admin,
        teacher=t,
        kind="recognition",
        data={"kind": "backbone", "level": "district", "start_date": "2024-09-01"},
    )
    assert selectors.teacher_stats(actor=admin)["backbone"] == 1


def test_proposal_with_end_before_start_is_refused_at_submission(world):
    with pytest.raises(ApplicationError) as exc:
        services.change_request_submit(
            actor=world["users"]["teacher"],
            kind="recognition",
            payload={
                "kind": "backbone",
                "level": "district",
                "start_date": "2024-09-01",
                "end_date": "2023-01-01",
            },
        )
    assert "end_date" in exc.value.fields


def test_work_start_before_age_14_is_refused(world):
    with pytest.raises(ApplicationError) as exc:
        services.teacher_update(
            actor=world["users"]["admin"],
            teacher=world["teachers"]["a"],
            data={"work_start_date": "1990-01-01"},
        )
    assert "work_start_date" in exc.value.fields


def test_transfer_to_a_school_outside_the_area_is_refused(world):
    with pytest.raises(ApplicationError) as exc:
        services.employment_change(
            actor=world["users"]["school"],
            teacher=world["teachers"]["a"],
            data={
                "school": world["schools"]["b"],
                "employment_type": "established",
                "start_date": date(2025, 9, 1),
            },
        )
    assert "school" in exc.value.fields


def test_evidence_must_be_a_scan_or_photo(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as exc:
        services.change_request_submit(
            actor=world["users"]["teacher"],
            kind="contact",
            payload={"email": "a@b.cn"},
            evidence=SimpleUploadedFile("evil.html", b"<script>alert(1)</script>"),
        )
    assert "evidence" in exc.value.fields
    ok = services.change_request_submit(
        actor=world["users"]["teacher"],
        kind="contact",
        payload={"email": "a@b.cn"},
        evidence=SimpleUploadedFile("diploma.PDF", b"%PDF-1.4"),
    )
    assert ok.evidence.name.endswith(".PDF")


def test_completeness_follows_the_national_rules(world):
    actor, t = world["users"]["admin"], world["teachers"]["a"]
    services.teacher_record_add(
        actor=actor,
        teacher=t,
        kind="education",
        data={"level": "bachelor", "institution": "集美大学", "end_date": "2008-07-01"},
    )
    services.teacher_record_add(
        actor=actor, teacher=t, kind="appraisal", data={"year": 2020, "grade": "competent"}
    )
    today = date(2026, 11, 29)
    fields = {
        m["field"]
        for m in selectors.teacher_completeness(selectors.teacher_get(actor=actor, pk=t.pk), today)[
            "missing"
        ]
    }
    assert {"senior_secondary", "appraisal", "teaching_load"} <= fields
    services.teacher_record_add(
        actor=actor,
        teacher=t,
        kind="education",
        data={"level": "senior_secondary", "institution": "厦门一中", "end_date": "2004-07-01"},
    )
    services.teacher_record_add(
        actor=actor, teacher=t, kind="appraisal", data={"year": 2025, "grade": "excellent"}
    )
    services.teacher_record_add(
        actor=actor,
        teacher=t,
        kind="teaching_load",
        data={
            "school_year": 2026,
            "term": 1,
            "stage": "primary",
            "subjects": ["chinese"],
            "weekly_periods": "14",
        },
    )
    fields = {
        m["field"]
        for m in selectors.teacher_completeness(selectors.teacher_get(actor=actor, pk=t.pk), today)[
            "missing"
        ]
    }
    assert not {"senior_secondary", "appraisal", "teaching_load"} & fields


def test_a_transfer_needs_its_start_date_never_a_guess(world):
    teacher = world["teachers"]["a"]
    with pytest.raises(ApplicationError) as exc:
        services.employment_change(
            actor=world["users"]["admin"],
            teacher=teacher,
            data={"school": world["schools"]["b"], "employment_type": "established"},
        )
    assert "start_date" in exc.value.fields
    assert teacher.employments.filter(end_date__isnull=True).get().school == world["schools"]["a"]


def test_an_employment_whose_start_was_never_given_can_still_end_or_be_left(world):
    from qiangshi.teachers.models import Employment

    teacher = world["teachers"]["a"]
    Employment.objects.filter(teacher=teacher).update(start_date=None)
    job = services.employment_change(
        actor=world["users"]["admin"],
        teacher=teacher,
        data={
            "school": world["schools"]["b"],
            "employment_type": "established",
            "start_date": date(2024, 9, 1),
        },
    )
    old = teacher.employments.exclude(pk=job.pk).get()
    assert (old.start_date, old.end_date) == (None, date(2024, 8, 31))
    ended = services.employment_end(
        actor=world["users"]["admin"], teacher=teacher, end_date=date(2025, 1, 31), reason="retired"
    )
    assert ended.end_date == date(2025, 1, 31)


def test_a_teacher_registered_without_a_start_date_keeps_it_empty(tree):
    from qiangshi.teachers.models import Employment
    from tests import factories

    admin = factories.admin()
    school = factories.school(tree["siming"])
    teacher = services.teacher_create(
        actor=admin,
        data={
            "name": "周敏",
            "gender": "female",
            "birth_date": date(1990, 5, 1),
            "national_id": factories.national_id(date(1990, 5, 1)),
            "phone": "13800001111",
        },
        employment={
            "school": school,
            "employment_type": "established",
            "main_subject": "mathematics",
        },
    )
    job = Employment.objects.get(teacher=teacher)
    assert job.start_date is None and job.end_date is None
