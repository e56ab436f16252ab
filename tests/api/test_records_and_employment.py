"""Correcting and removing history records, and employment changes, through the API."""

from datetime import date, timedelta

import pytest

from qiangshi.core.models import AuditLog
from qiangshi.teachers.models import Appraisal, Employment, TeachingLoad, TitleRecord
from qiangshi.teachers.services import teacher_record_add


def _title(world, key="a", **data):
    data = {"rank": "second", "obtained_on": "2015-09-01", **data}
    return teacher_record_add(
        actor=world["users"]["admin"], teacher=world["teachers"][key], kind="title", data=data
    )


def _url(teacher, kind, record) -> str:
    return f"/api/teachers/{teacher.pk}/records/{kind}/{record.pk}"


# --- Correct a record -------------------------------------------------------------------------


def test_school_admin_corrects_a_title_and_the_audit_keeps_the_old_value(world, api_as):
    teacher = world["teachers"]["a"]
    record = _title(world)

    response = api_as("school").patch(_url(teacher, "title", record), {"rank": "first"})

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "id": record.pk,
        "kind": "title",
        "data": {"rank": "first", "obtained_on": "2015-09-01", "appointed_on": None},
        "version": 2,
    }
    record.refresh_from_db()
    assert record.rank == "first"
    log = AuditLog.objects.get(action="teacher.title_update")
    assert log.object_id == str(teacher.pk)
    assert log.actor == world["users"]["school"]
    assert log.changes == {"title.rank": ["second", "first"]}


def test_a_correction_may_clear_an_optional_date(world, api_as):
    teacher = world["teachers"]["a"]
    record = _title(world, appointed_on="2016-01-01")

    response = api_as("admin").patch(_url(teacher, "title", record), {"appointed_on": None})

    assert response.status_code == 200, response.json()
    record.refresh_from_db()
    assert record.appointed_on is None


def test_correcting_a_teaching_load_keeps_the_other_fields(world, api_as):
    teacher = world["teachers"]["a"]
    load = teacher_record_add(
        actor=world["users"]["admin"],
        teacher=teacher,
        kind="teaching_load",
        data={
            "school_year": 2024,
            "term": 1,
            "stage": "primary",
            "subjects": ["chinese"],
            "weekly_periods": "12",
        },
    )

    response = api_as("admin").patch(
        _url(teacher, "teaching_load", load), {"weekly_periods": "14.5"}
    )

    assert response.status_code == 200, response.json()
    load.refresh_from_db()
    assert str(load.weekly_periods) == "14.5"
    assert load.subjects == ["chinese"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"rank": "emperor"}, 422, "rank"),
        ({"obtained_on": "2015-02-30"}, 422, "obtained_on"),
        ({"colour": "red"}, 422, "colour"),
        ({"rank": None}, 400, "rank"),
        ({"appointed_on": "2010-01-01"}, 400, "appointed_on"),  # before it was obtained
    ],
)
def test_a_bad_correction_answers_4xx_with_the_field_and_changes_nothing(
    world, api_as, body, status, field
):
    teacher = world["teachers"]["a"]
    record = _title(world)

    response = api_as("admin").patch(_url(teacher, "title", record), body)

    assert response.status_code == status, response.json()
    assert field in response.json()["fields"]
    record.refresh_from_db()
    assert (record.rank, record.obtained_on, record.appointed_on) == (
        "second",
        date(2015, 9, 1),
        None,
    )
    assert not AuditLog.objects.filter(action="teacher.title_update").exists()


def test_correcting_an_appraisal_into_a_taken_year_answers_400(world, api_as):
    teacher = world["teachers"]["a"]
    admin = world["users"]["admin"]
    teacher_record_add(
        actor=admin, teacher=teacher, kind="appraisal", data={"year": 2023, "grade": "excellent"}
    )
    later = teacher_record_add(
        actor=admin, teacher=teacher, kind="appraisal", data={"year": 2024, "grade": "competent"}
    )

    response = api_as("admin").patch(_url(teacher, "appraisal", later), {"year": 2023})

    assert response.status_code == 400
    assert sorted(Appraisal.objects.values_list("year", flat=True)) == [2023, 2024]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 70000}, "year"),
        ({"year": 1800}, "year"),
        ({"year": "last year"}, "year"),
    ],
)
def test_appraisal_year_outside_1950_2100_answers_422(world, api_as, body, field):
    teacher = world["teachers"]["a"]
    record = teacher_record_add(
        actor=world["users"]["admin"],
        teacher=teacher,
        kind="appraisal",
        data={"year": 2024, "grade": "excellent"},
    )

    response = api_as("admin").patch(_url(teacher, "appraisal", record), body)

    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_school_admin_cannot_correct_another_schools_teachers_record(world, api_as):
    teacher = world["teachers"]["b"]
    record = _title(world, key="b")

    response = api_as("school").patch(_url(teacher, "title", record), {"rank": "first"})

    assert response.status_code == 404
    record.refresh_from_db()
    assert record.rank == "second"


@pytest.mark.parametrize("role", ["school", "admin"])
def test_a_record_must_belong_to_the_teacher_in_the_url(world, api_as, role):
    """Teacher a is in scope, but the record is teacher b's: 404, not a change to b's file."""
    record_of_b = _title(world, key="b")
    teacher_a = world["teachers"]["a"]
    client = api_as(role)

    assert client.patch(_url(teacher_a, "title", record_of_b), {"rank": "first"}).status_code == (
        404
    )
    assert client.delete(_url(teacher_a, "title", record_of_b)).status_code == 404
    record_of_b.refresh_from_db()
    assert record_of_b.rank == "second"


def test_a_record_id_of_another_kind_answers_404(world, api_as):
    teacher = world["teachers"]["a"]
    record = _title(world)
    url = f"/api/teachers/{teacher.pk}/records/appraisal/{record.pk}"

    assert api_as("admin").patch(url, {"grade": "excellent"}).status_code == 404


@pytest.mark.parametrize("role", ["teacher", "reviewer", "pilot", "auditor"])
def test_roles_without_change_may_not_correct_or_delete(world, api_as, role):
    teacher = world["teachers"]["a"]
    record = _title(world)
    client = api_as(role)

    assert client.patch(_url(teacher, "title", record), {"rank": "first"}).status_code == 403
    assert client.delete(_url(teacher, "title", record)).status_code == 403
    record.refresh_from_db()
    assert record.rank == "second"


def test_bad_kind_or_record_id_answers_422_not_500(world, api_as):
    teacher = world["teachers"]["a"]
    client = api_as("admin")

    for url in (
        f"/api/teachers/{teacher.pk}/records/salary/1",
        f"/api/teachers/{teacher.pk}/records/title/abc",
        f"/api/teachers/{teacher.pk}/records/title/0",
        f"/api/teachers/{teacher.pk}/records/title/{2**64}",
    ):
        assert client.patch(url, {"rank": "first"}).status_code == 422, url
        assert client.delete(url).status_code == 422, url


# --- Remove a record --------------------------------------------------------------------------


def test_school_admin_deletes_a_record_and_the_audit_keeps_what_it_held(world, api_as):
    teacher = world["teachers"]["a"]
    record = _title(world)

    response = api_as("school").delete(_url(teacher, "title", record))

    assert response.status_code == 204
    assert response.content == b""
    assert not TitleRecord.objects.filter(pk=record.pk).exists()
    log = AuditLog.objects.get(action="teacher.title_delete")
    assert log.object_id == str(teacher.pk)
    assert log.changes["title.rank"] == ["second", None]
    assert api_as("school").delete(_url(teacher, "title", record)).status_code == 404


def test_school_admin_cannot_delete_another_schools_teachers_record(world, api_as):
    teacher = world["teachers"]["b"]
    record = _title(world, key="b")

    response = api_as("school").delete(_url(teacher, "title", record))

    assert response.status_code == 404
    assert TitleRecord.objects.filter(pk=record.pk).exists()
    assert not AuditLog.objects.filter(action="teacher.title_delete").exists()


# --- Teaching load: subjects are required -----------------------------------------------------


def test_teaching_load_without_subjects_answers_422(world, api_as):
    teacher = world["teachers"]["a"]
    body = {"school_year": 2024, "term": 1, "stage": "primary", "weekly_periods": "12"}
    client = api_as("admin")
    url = f"/api/teachers/{teacher.pk}/records/teaching_load"

    missing = client.post(url, body)
    empty = client.post(url, {**body, "subjects": []})

    assert missing.status_code == 422 and "subjects" in missing.json()["fields"]
    assert empty.status_code == 422 and "subjects" in empty.json()["fields"]
    assert not TeachingLoad.objects.exists()


def test_teaching_load_subjects_are_required_in_the_openapi_schema(client, db):
    spec = client.get("/api/openapi.json").json()
    path = spec["paths"]["/api/teachers/{teacher_id}/records/{kind}"]["post"]
    assert "`subjects`," in path["description"] and "`subjects`?" not in path["description"]


# --- Validation messages in Chinese -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weekly_periods": "12.25"}, "weekly_periods"),  # decimal_max_places
        ({"weekly_periods": "NaN"}, "weekly_periods"),  # finite_number
        ({"weekly_periods": 1000}, "weekly_periods"),  # less_than_equal
        ({"subjects": []}, "subjects"),  # too_short
        ({"term": 3}, "term"),  # literal_error
    ],
)
def test_validation_messages_are_translated(world, api_as, body, field):
    teacher = world["teachers"]["a"]
    full = {"school_year": 2024, "term": 1, "stage": "primary", "subjects": ["chinese"]}
    full.update({"weekly_periods": "12", **body})
    url = f"/api/teachers/{teacher.pk}/records/teaching_load"
    client = api_as("admin")

    english = client.post(url, full, **{"Accept-Language": "en"})
    chinese = client.post(url, full, **{"Accept-Language": "zh-hans"})

    assert english.status_code == chinese.status_code == 422
    message_en = english.json()["fields"][field]
    message_zh = chinese.json()["fields"][field]
    # A known message in English (not pydantic's own text), and a different one in Chinese.
    assert "Input should" not in message_en and "Decimal input" not in message_en
    assert message_zh != message_en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message_zh), message_zh


# --- Employment -------------------------------------------------------------------------------


def test_district_office_transfers_a_teacher_within_its_district(world, api_as):
    teacher = world["teachers"]["a"]
    school_b = world["schools"]["b"]

    response = api_as("district").post(
        f"/api/teachers/{teacher.pk}/employment",
        {
            "school": school_b.pk,
            "employment_type": "established",
            "main_subject": "mathematics",
            "start_date": "2024-09-01",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["school_id"] == school_b.pk and body["end_date"] is None
    jobs = list(Employment.objects.filter(teacher=teacher).order_by("start_date"))
    assert [j.school_id for j in jobs] == [world["schools"]["a"].pk, school_b.pk]
    assert jobs[0].end_date == date(2024, 8, 31)
    assert AuditLog.objects.filter(
        action="teacher.employment_change", object_id=str(teacher.pk)
    ).exists()
    # The school admin of A no longer sees the teacher; the one of B would.
    assert api_as("school").get(f"/api/teachers/{teacher.pk}").status_code == 404


def test_employment_change_defaults_to_starting_today(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("admin").post(
        f"/api/teachers/{teacher.pk}/employment",
        {"school": world["schools"]["b"].pk, "employment_type": "contract"},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["start_date"] == date.today().isoformat()


def test_school_admin_cannot_transfer_a_teacher_to_a_school_outside_its_area(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("school").post(
        f"/api/teachers/{teacher.pk}/employment",
        {"school": world["schools"]["b"].pk, "employment_type": "established"},
    )

    assert response.status_code == 400
    assert "school" in response.json()["fields"]
    assert teacher.employments.count() == 1


def test_school_admin_cannot_change_another_schools_teachers_employment(world, api_as):
    teacher = world["teachers"]["b"]
    client = api_as("school")

    change = client.post(
        f"/api/teachers/{teacher.pk}/employment",
        {"school": world["schools"]["a"].pk, "employment_type": "established"},
    )
    end = client.post(f"/api/teachers/{teacher.pk}/employment/end", {"end_reason": "退休"})

    assert change.status_code == end.status_code == 404
    assert teacher.employments.get().end_date is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"employment_type": "established"}, 422, "school"),
        ({"school": "abc", "employment_type": "established"}, 422, "school"),
        ({"school": 1, "employment_type": "slave"}, 422, "employment_type"),
        ({"school": 1, "employment_type": "established", "post_grade": 20}, 422, "post_grade"),
        ({"school": 1, "employment_type": "established", "start_date": "2001-01-01"}, 400, None),
    ],
)
def test_bad_employment_change_answers_4xx_and_writes_nothing(world, api_as, body, status, field):
    teacher = world["teachers"]["a"]
    if body.get("school") == 1:
        body = {**body, "school": world["schools"]["b"].pk}

    response = api_as("admin").post(f"/api/teachers/{teacher.pk}/employment", body)

    assert response.status_code == status, response.json()
    if field:
        assert field in response.json()["fields"]
    else:
        assert response.json()["fields"]  # start_date before the current employment started
    assert teacher.employments.count() == 1


def test_school_admin_ends_an_employment(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("school").post(
        f"/api/teachers/{teacher.pk}/employment/end",
        {"end_date": "2024-07-31", "end_reason": "退休"},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["end_date"] == "2024-07-31"
    assert response.json()["end_reason"] == "退休"
    job = teacher.employments.get()
    assert (job.end_date, job.end_reason) == (date(2024, 7, 31), "退休")
    assert AuditLog.objects.filter(action="teacher.employment_end").exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"end_date": "2024-07-31"}, 422, "end_reason"),
        ({"end_date": "2024-07-31", "end_reason": "  "}, 400, "end_reason"),
        ({"end_date": "2001-01-01", "end_reason": "退休"}, 400, "end_date"),
        ({"end_date": "yesterday", "end_reason": "退休"}, 422, "end_date"),
        ({"end_reason": "x" * 101}, 422, "end_reason"),
    ],
)
def test_bad_employment_end_answers_4xx_and_keeps_it_open(world, api_as, body, status, field):
    teacher = world["teachers"]["a"]

    response = api_as("admin").post(f"/api/teachers/{teacher.pk}/employment/end", body)

    assert response.status_code == status, response.json()
    assert field in response.json()["fields"]
    assert teacher.employments.get().end_date is None


def test_ending_without_a_current_employment_answers_400(world, api_as):
    teacher = world["teachers"]["a"]
    url = f"/api/teachers/{teacher.pk}/employment/end"
    client = api_as("admin")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert client.post(url, {"end_date": yesterday, "end_reason": "退休"}).status_code == 200

    response = client.post(url, {"end_reason": "退休"})

    assert response.status_code == 400
    assert response.json()["message"]
