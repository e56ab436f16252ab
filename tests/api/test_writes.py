"""Creating and changing schools and teachers through the API, and what bad input answers."""

from datetime import date

import pytest

from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.org.models import School
from qiangshi.teachers.models import Teacher, TitleRecord
from tests import factories


def _wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def _new_teacher(world, **overrides) -> dict:
    birth = date(1990, 5, 17)
    body = {
        "name": "赵敏",
        "gender": "female",
        "birth_date": birth.isoformat(),
        "national_id": factories.unique_national_id(birth, "female"),
        "phone": "13900001111",
        "employment": {
            "school": world["schools"]["a"].pk,
            "employment_type": "contract",
            "main_subject": "mathematics",
            "start_date": "2020-09-01",
        },
    }
    body.update(overrides)
    return body


# --- Schools ----------------------------------------------------------------------------------


def test_district_office_creates_a_school_in_its_district(world, api_as):
    body = {
        "code": "3502039999",
        "name": "思明实验小学",
        "district": world["tree"]["siming"].pk,
        "stage": "primary",
        "location": "urban",
        "latitude": "24.45",
    }

    response = api_as("district").post("/api/schools", body)

    assert response.status_code == 201, response.json()
    school = School.objects.get(code="3502039999")
    assert response.json()["id"] == school.pk
    assert response.json()["district_name"] == "思明区"
    assert response.json()["latitude"] == pytest.approx(24.45)
    assert AuditLog.objects.filter(action="school.create", object_id=str(school.pk)).exists()


def test_district_office_cannot_create_a_school_in_another_district(world, api_as):
    body = {
        "code": "3502069999",
        "name": "湖里新校",
        "district": world["tree"]["huli"].pk,
        "stage": "primary",
        "location": "urban",
    }

    response = api_as("district").post("/api/schools", body)

    assert response.status_code == 400
    assert "district" in response.json()["fields"]
    assert not School.objects.filter(code="3502069999").exists()


def test_school_create_with_an_unknown_stage_answers_422_with_the_field(world, api_as):
    body = {
        "code": "x1",
        "name": "x",
        "district": world["tree"]["siming"].pk,
        "stage": "university",
        "location": "urban",
    }

    response = api_as("admin").post("/api/schools", body)

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"stage"}


def test_school_admin_updates_its_school_partially(world, api_as):
    school = world["schools"]["a"]

    response = api_as("school").patch(f"/api/schools/{school.pk}", {"address": "思明南路1号"})

    assert response.status_code == 200
    school.refresh_from_db()
    assert school.address == "思明南路1号"
    assert school.name == "思明第一小学"


def test_school_admin_cannot_update_another_school(world, api_as):
    school = world["schools"]["b"]

    response = api_as("school").patch(f"/api/schools/{school.pk}", {"name": "改名"})

    assert response.status_code == 404
    school.refresh_from_db()
    assert school.name == "思明第二小学"


def test_pilot_office_may_read_but_not_change_a_school(world, api_as):
    school = world["schools"]["a"]
    pilot = api_as("pilot")

    assert pilot.get(f"/api/schools/{school.pk}").status_code == 200
    assert pilot.patch(f"/api/schools/{school.pk}", {"name": "改名"}).status_code == 403
    school.refresh_from_db()
    assert school.name == "思明第一小学"


def test_school_update_with_null_name_answers_400_not_500(world, api_as):
    school = world["schools"]["a"]

    response = api_as("admin").patch(f"/api/schools/{school.pk}", {"name": None})

    assert response.status_code == 400
    assert "name" in response.json()["fields"]


# --- Teachers ---------------------------------------------------------------------------------


def test_school_admin_registers_a_teacher_at_its_school(world, api_as):
    body = _new_teacher(world)

    response = api_as("school").post("/api/teachers", body)

    assert response.status_code == 201, response.json()
    data = response.json()
    teacher = Teacher.objects.get(pk=data["id"])
    assert teacher.national_id == body["national_id"]
    assert data["school_id"] == world["schools"]["a"].pk
    assert data["employments"][0]["employment_type"] == "contract"
    assert data["national_id_masked"] != body["national_id"]
    assert body["national_id"] not in response.content.decode()
    assert AuditLog.objects.filter(action="teacher.create", object_id=str(teacher.pk)).exists()


def test_teacher_with_a_bad_id_check_digit_is_refused_and_nothing_is_written(world, api_as):
    body = _new_teacher(world)
    body["national_id"] = _wrong_check_digit(body["national_id"])
    client = api_as("school")
    teachers_before, audit_before = Teacher.objects.count(), AuditLog.objects.count()

    response = client.post("/api/teachers", body)

    assert response.status_code == 400
    assert "national_id" in response.json()["fields"]
    assert Teacher.objects.count() == teachers_before
    assert AuditLog.objects.count() == audit_before


def test_school_admin_cannot_register_a_teacher_at_another_school(world, api_as):
    body = _new_teacher(world)
    body["employment"]["school"] = world["schools"]["b"].pk

    response = api_as("school").post("/api/teachers", body)

    assert response.status_code == 400
    assert "school" in response.json()["fields"]
    assert not Teacher.objects.filter(name="赵敏").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": "1990-02-30"}, "birth_date"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"gender": "other"}, "gender"),
        ({"employment": {"school": "abc", "employment_type": "contract"}}, "employment.school"),
        (
            {"employment": {"school": 1, "employment_type": "contract", "start_date": 5}},
            "employment.start_date",
        ),
        ({"national_id": None}, "national_id"),
        ({"unknown_field": "x"}, "unknown_field"),
    ],
)
def test_teacher_create_with_bad_types_answers_422_with_the_field(world, api_as, change, field):
    body = _new_teacher(world, **change)

    response = api_as("admin").post("/api/teachers", body)

    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not Teacher.objects.filter(name="赵敏").exists()


def test_teacher_create_with_malformed_json_answers_400(world, api_as):
    client = api_as("admin")

    response = client.client.post(
        "/api/teachers", data="{not json", content_type="application/json", headers=client.headers
    )

    assert response.status_code == 400
    assert response.json()["message"]


def test_teacher_update_changes_only_the_given_fields(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("school").patch(
        f"/api/teachers/{teacher.pk}", {"email": "chen@example.cn", "native_place": "福建厦门"}
    )

    assert response.status_code == 200
    teacher.refresh_from_db()
    assert (teacher.email, teacher.native_place, teacher.name) == (
        "chen@example.cn",
        "福建厦门",
        "陈静",
    )


def test_teacher_update_with_bad_id_checksum_keeps_the_old_number(world, api_as):
    teacher = world["teachers"]["a"]
    old = teacher.national_id

    response = api_as("admin").patch(
        f"/api/teachers/{teacher.pk}", {"national_id": _wrong_check_digit(old)}
    )

    assert response.status_code == 400
    assert "national_id" in response.json()["fields"]
    teacher.refresh_from_db()
    assert teacher.national_id == old


@pytest.mark.parametrize("body", [{"email": None}, {"email": "not-an-email"}])
def test_teacher_update_with_an_invalid_value_answers_400(world, api_as, body):
    teacher = world["teachers"]["a"]

    response = api_as("admin").patch(f"/api/teachers/{teacher.pk}", body)

    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_school_admin_cannot_update_another_schools_teacher(world, api_as):
    teacher = world["teachers"]["b"]

    response = api_as("school").patch(f"/api/teachers/{teacher.pk}", {"name": "改名"})

    assert response.status_code == 404
    teacher.refresh_from_db()
    assert teacher.name == "王芳"


def test_teacher_login_may_not_change_its_own_record_directly(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("teacher").patch(f"/api/teachers/{teacher.pk}", {"name": "改名"})

    assert response.status_code == 403
    teacher.refresh_from_db()
    assert teacher.name == "陈静"


# --- Reveal -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["national_id", "phone"])
def test_reveal_returns_the_full_value_and_writes_the_access_log(world, api_as, field):
    teacher = world["teachers"]["a"]
    actor = world["users"]["school"]

    response = api_as("school").post(f"/api/teachers/{teacher.pk}/reveal", {"field": field})

    assert response.status_code == 200
    assert response.json() == {"value": getattr(teacher, field)}
    log = AccessLog.objects.get(object_id=str(teacher.pk))
    assert (log.actor, log.field, log.channel) == (actor, field, "api")


@pytest.mark.parametrize("role", ["reviewer", "pilot", "auditor"])
def test_roles_that_may_not_see_sensitive_data_get_403_on_reveal(world, api_as, role):
    teacher = world["teachers"]["a"]

    response = api_as(role).post(f"/api/teachers/{teacher.pk}/reveal", {"field": "national_id"})

    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_reveal_outside_scope_answers_404_and_logs_nothing(world, api_as):
    teacher = world["teachers"]["b"]

    response = api_as("school").post(f"/api/teachers/{teacher.pk}/reveal", {"field": "phone"})

    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_reveal_of_an_unknown_field_answers_422(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("admin").post(f"/api/teachers/{teacher.pk}/reveal", {"field": "salary"})

    assert response.status_code == 422
    assert "field" in response.json()["fields"]
    assert not AccessLog.objects.exists()


def test_lists_and_details_never_contain_a_full_national_id_or_phone(world, api_as):
    teacher = world["teachers"]["a"]
    client = api_as("admin")

    texts = [
        client.get("/api/teachers").content.decode(),
        client.get(f"/api/teachers/{teacher.pk}").content.decode(),
    ]

    for text in texts:
        assert teacher.national_id not in text
        assert teacher.phone not in text


# --- History records --------------------------------------------------------------------------


def test_adding_a_title_record_shows_in_the_teachers_detail(world, api_as):
    teacher = world["teachers"]["a"]
    client = api_as("school")

    response = client.post(
        f"/api/teachers/{teacher.pk}/records/title",
        {"rank": "first", "obtained_on": "2018-12-01", "appointed_on": "2019-01-01"},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "title"
    assert TitleRecord.objects.get(teacher=teacher).rank == "first"
    detail = client.get(f"/api/teachers/{teacher.pk}").json()
    assert detail["title"] == "first"
    assert [t["rank"] for t in detail["titles"]] == ["first"]


def test_adding_a_teaching_load_accepts_decimal_periods(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("admin").post(
        f"/api/teachers/{teacher.pk}/records/teaching_load",
        {
            "school_year": 2024,
            "term": 1,
            "stage": "primary",
            "subjects": ["chinese"],
            "weekly_periods": "14.5",
        },
    )

    assert response.status_code == 201, response.json()
    detail = api_as("admin").get(f"/api/teachers/{teacher.pk}").json()
    assert detail["teaching_loads"][0]["weekly_periods"] == 14.5


@pytest.mark.parametrize(
    ("kind", "body", "status", "field"),
    [
        ("title", {"rank": "first", "obtained_on": "2018-13-01"}, 422, "obtained_on"),
        ("title", {"rank": "first", "obtained_on": 20180101}, 422, "obtained_on"),
        (
            "title",
            {"rank": "first", "obtained_on": "2019-01-01", "appointed_on": "2018-01-01"},
            400,
            "appointed_on",
        ),
        (
            "work",
            {"employer": "x", "start_date": "2010-01-01", "end_date": "2009-01-01"},
            400,
            "end_date",
        ),
        ("appraisal", {"year": 2024, "grade": "great"}, 422, "grade"),
        ("education", {"level": "bachelor"}, 422, "institution"),
        ("certificate", {"stage": "primary", "subject": "chinese", "colour": "red"}, 422, "colour"),
    ],
)
def test_adding_a_bad_record_answers_4xx_with_the_field_and_writes_nothing(
    world, api_as, kind, body, status, field
):
    teacher = world["teachers"]["a"]
    client = api_as("admin")
    audit_before = AuditLog.objects.count()

    response = client.post(f"/api/teachers/{teacher.pk}/records/{kind}", body)

    assert response.status_code == status
    assert field in response.json()["fields"]
    assert AuditLog.objects.count() == audit_before


def test_adding_a_record_of_an_unknown_kind_answers_422(world, api_as):
    teacher = world["teachers"]["a"]

    response = api_as("admin").post(f"/api/teachers/{teacher.pk}/records/salary", {"x": 1})

    assert response.status_code == 422
    assert "kind" in response.json()["fields"]


def test_school_admin_cannot_add_a_record_to_another_schools_teacher(world, api_as):
    teacher = world["teachers"]["b"]

    response = api_as("school").post(
        f"/api/teachers/{teacher.pk}/records/appraisal", {"year": 2024, "grade": "excellent"}
    )

    assert response.status_code == 404
    assert not teacher.appraisals.exists()


def test_duplicate_appraisal_for_a_year_answers_400(world, api_as):
    teacher = world["teachers"]["a"]
    url = f"/api/teachers/{teacher.pk}/records/appraisal"
    client = api_as("admin")
    assert client.post(url, {"year": 2024, "grade": "excellent"}).status_code == 201

    response = client.post(url, {"year": 2024, "grade": "competent"})

    assert response.status_code == 400
    assert teacher.appraisals.count() == 1
