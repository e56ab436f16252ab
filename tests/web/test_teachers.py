"""Teacher pages: who sees which list rows, details and exports; create, edit, reveal, records."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.teachers.models import Employment, Teacher, TitleRecord
from tests import factories

pytestmark = pytest.mark.django_db

# role → teachers (keys of world["teachers"]) on its list; None = the list is forbidden
LIST_ROWS = {
    "admin": {"a", "b", "c", "d"},
    "bureau": {"a", "b", "c"},
    "district": {"a", "b"},
    "school": {"a"},
    "teacher": {"a"},
    "reviewer": set(),
    "pilot": None,
    "auditor": None,
}
EXPORTERS = {"admin", "bureau", "district", "school"}


def _names(world, keys):
    return {world["teachers"][k].name for k in keys}


def _listed(response, world) -> set[str]:
    html = response.content.decode()
    return {k for k, t in world["teachers"].items() if f">{t.name}</a>" in html}


def _exported_names(response) -> list[str]:
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("role", sorted(LIST_ROWS))
def test_teacher_list_shows_only_the_teachers_in_the_role_scope(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("web:teacher_list"))
    if LIST_ROWS[role] is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert _listed(response, world) == LIST_ROWS[role]


@pytest.mark.parametrize("role", sorted(LIST_ROWS))
def test_teacher_detail_answers_404_outside_the_role_scope(client, world, role):
    client.force_login(world["users"][role])
    for key, teacher in world["teachers"].items():
        response = client.get(reverse("web:teacher_detail", args=[teacher.pk]))
        visible = key in (LIST_ROWS[role] or set())
        assert response.status_code == (200 if visible else 404), (role, key)


def test_teacher_detail_of_a_missing_teacher_is_404_like_a_forbidden_one(client, world):
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("web:teacher_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", sorted(LIST_ROWS))
def test_teacher_export_is_for_exporting_roles_and_holds_only_their_scope(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("web:teacher_export"))
    if role not in EXPORTERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert set(_exported_names(response)) == _names(world, LIST_ROWS[role])


def test_export_masks_the_national_id_and_is_audited(client, world):
    client.force_login(world["users"]["district"])
    response = client.get(reverse("web:teacher_export"))
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    for teacher in (world["teachers"]["a"], world["teachers"]["b"]):
        assert teacher.national_id not in cells
        assert teacher.national_id_masked in cells
    assert AuditLog.objects.filter(action="teacher.export").count() == 1


def test_school_admin_never_meets_another_schools_teacher(client, world):
    other = world["teachers"]["b"]
    client.force_login(world["users"]["school"])
    by_name = client.get(reverse("web:teacher_list"), {"q": other.name})
    assert _listed(by_name, world) == set()
    by_id = client.get(reverse("web:teacher_list"), {"q": other.national_id})
    assert _listed(by_id, world) == set()
    export = client.get(reverse("web:teacher_export"), {"q": other.name})
    assert _exported_names(export) == []
    export_all = client.get(reverse("web:teacher_export"))
    assert other.name not in _exported_names(export_all)
    # Asking for the other school by id in the filter changes nothing either.
    by_school = client.get(reverse("web:teacher_list"), {"school": world["schools"]["b"].pk})
    assert "b" not in _listed(by_school, world)


def test_search_by_full_national_id_finds_exactly_that_teacher(client, world):
    client.force_login(world["users"]["district"])
    target = world["teachers"]["b"]
    response = client.post(reverse("web:teacher_list"), {"q": target.national_id}, follow=True)
    assert _listed(response, world) == {"b"}
    assert all(target.national_id not in url for url, _ in response.redirect_chain)


def test_list_filters_narrow_the_rows_and_the_export_follows_them(client, world):
    client.force_login(world["users"]["bureau"])
    huli = world["tree"]["huli"]
    response = client.get(reverse("web:teacher_list"), {"district": huli.pk})
    assert _listed(response, world) == {"c"}
    response = client.get(reverse("web:teacher_list"), {"gender": "male"})
    assert _listed(response, world) == {"c"}
    response = client.get(reverse("web:teacher_list"), {"stage": "primary"})
    assert _listed(response, world) == {"a", "b"}
    export = client.get(reverse("web:teacher_export"), {"district": huli.pk})
    assert _exported_names(export) == [world["teachers"]["c"].name]


def test_district_filter_offers_only_districts_in_scope(client, world):
    client.force_login(world["users"]["district"])
    html = client.get(reverse("web:teacher_list")).content.decode()
    assert f'value="{world["tree"]["siming"].pk}"' in html
    assert f'<option value="{world["tree"]["huli"].pk}"' not in html
    assert world["schools"]["c"].name not in html


def test_list_sorts_by_name_both_ways(client, world):
    client.force_login(world["users"]["admin"])
    names = sorted(t.name for t in world["teachers"].values())
    html = client.get(reverse("web:teacher_list"), {"sort": "-name"}).content.decode()
    positions = [html.index(f">{n}</a>") for n in names]
    assert positions == sorted(positions, reverse=True)


def test_page_links_keep_the_filters(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("web:teacher_list"), {"gender": "female", "per_page": 1})
    html = response.content.decode()
    assert "gender=female" in html and "page=2" in html
    assert len(_listed(response, world)) == 1


def test_htmx_filter_request_gets_only_the_results_fragment(client, world):
    client.force_login(world["users"]["district"])
    response = client.get(
        reverse("web:teacher_list"),
        {"q": world["teachers"]["a"].name},
        headers={"HX-Request": "true", "HX-Target": "teacher-results"},
    )
    html = response.content.decode()
    assert "<html" not in html
    assert _listed(response, world) == {"a"}
    assert "HX-Request" in response["Vary"]


def test_list_and_detail_never_show_a_full_national_id(client, world):
    client.force_login(world["users"]["district"])
    teacher = world["teachers"]["a"]
    for url in (reverse("web:teacher_list"), reverse("web:teacher_detail", args=[teacher.pk])):
        html = client.get(url).content.decode()
        assert teacher.national_id not in html
        assert teacher.national_id_masked in html
        assert teacher.phone not in html


# --- Reveal ------------------------------------------------------------------------------------


def test_reveal_shows_the_full_value_and_writes_the_access_log(client, world):
    teacher = world["teachers"]["a"]
    actor = world["users"]["district"]
    client.force_login(actor)
    url = reverse("web:teacher_reveal", args=[teacher.pk, "national_id"])
    assert client.get(url).status_code == 405
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert teacher.national_id in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.actor_id, log.object_id, log.field) == (actor.pk, str(teacher.pk), "national_id")
    phone = client.post(reverse("web:teacher_reveal", args=[teacher.pk, "phone"]))
    assert teacher.phone in phone.content.decode()
    assert AccessLog.objects.count() == 2


@pytest.mark.parametrize(
    ("role", "key"),
    [("reviewer", "a"), ("pilot", "a"), ("auditor", "a"), ("school", "b"), ("teacher", "b")],
)
def test_reveal_is_refused_without_sensitive_access_and_logs_nothing(client, world, role, key):
    client.force_login(world["users"][role])
    teacher = world["teachers"][key]
    response = client.post(reverse("web:teacher_reveal", args=[teacher.pk, "national_id"]))
    assert response.status_code in (403, 404)
    assert teacher.national_id not in response.content.decode()
    assert AccessLog.objects.count() == 0


def test_reveal_of_an_unknown_field_is_404(client, world):
    client.force_login(world["users"]["admin"])
    url = reverse("web:teacher_reveal", args=[world["teachers"]["a"].pk, "salary"])
    assert client.post(url).status_code == 404


# --- Create and edit ---------------------------------------------------------------------------


def _create_data(world, **changes):
    data = {
        "name": "周敏",
        "gender": "female",
        "birth_date": "1990-05-04",
        "national_id": factories.unique_national_id(date(1990, 5, 4), "female"),
        "phone": "13912345678",
        "nationality": "中国",
        "ethnicity": "汉族",
        "political_status": "masses",
        "personnel_status": "active",
        "school": world["schools"]["a"].pk,
        "employment_type": "established",
        "post_category": "teaching",
        "is_full_time_teacher": "on",
        "main_subject": "mathematics",
        "start_date": "2015-09-01",
    }
    data.update(changes)
    return data


def test_create_registers_the_teacher_with_employment_and_redirects(client, world):
    client.force_login(world["users"]["school"])
    response = client.post(reverse("web:teacher_create"), _create_data(world))
    teacher = Teacher.objects.get(name="周敏")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:teacher_detail", args=[teacher.pk])
    assert teacher.current_school == world["schools"]["a"]
    assert teacher.current_employment.main_subject == "mathematics"
    assert AuditLog.objects.filter(action="teacher.create", object_id=str(teacher.pk)).exists()


def test_create_with_a_bad_national_id_shows_the_field_error_and_writes_nothing(client, world):
    client.force_login(world["users"]["district"])
    teachers, audits = Teacher.objects.count(), AuditLog.objects.count()
    good = factories.unique_national_id(date(1990, 5, 4), "female")
    bad = good[:17] + ("0" if good[17] != "0" else "1")  # wrong check digit
    response = client.post(reverse("web:teacher_create"), _create_data(world, national_id=bad))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="national_id"' in html and "is-invalid" in html
    assert "GB 11643" in html  # the checksum message from the service, next to the field
    assert Teacher.objects.count() == teachers
    assert AuditLog.objects.count() == audits


def test_create_at_a_school_outside_scope_is_refused(client, world):
    client.force_login(world["users"]["school"])
    data = _create_data(world, school=world["schools"]["b"].pk)
    response = client.post(reverse("web:teacher_create"), data)
    assert response.status_code == 200
    assert not Teacher.objects.filter(name="周敏").exists()


@pytest.mark.parametrize("role", ["teacher", "reviewer", "pilot", "auditor"])
def test_create_is_forbidden_for_roles_that_may_not_register(client, world, role):
    client.force_login(world["users"][role])
    assert client.get(reverse("web:teacher_create")).status_code == 403
    assert client.post(reverse("web:teacher_create"), _create_data(world)).status_code == 403


def test_edit_saves_basic_fields_and_keeps_the_national_id_when_left_blank(client, world):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["school"])
    page = client.get(reverse("web:teacher_edit", args=[teacher.pk])).content.decode()
    assert teacher.national_id not in page
    data = {
        "name": teacher.name,
        "gender": teacher.gender,
        "birth_date": teacher.birth_date.isoformat(),
        "nationality": "中国",
        "ethnicity": "回族",
        "political_status": "masses",
        "personnel_status": "active",
        "national_id": "",
        "phone": "",
    }
    response = client.post(reverse("web:teacher_edit", args=[teacher.pk]), data)
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.ethnicity == "回族"
    assert teacher.national_id == world["teachers"]["a"].national_id
    assert AuditLog.objects.filter(action="teacher.update", object_id=str(teacher.pk)).exists()


def test_edit_of_a_teacher_outside_scope_is_404(client, world):
    client.force_login(world["users"]["school"])
    other = world["teachers"]["b"]
    assert client.get(reverse("web:teacher_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("web:teacher_edit", args=[other.pk]), {}).status_code == 404


# --- History records and employment ------------------------------------------------------------


def test_adding_a_title_record_saves_it_and_audits_it(client, world):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["school"])
    url = reverse("web:teacher_record_add", args=[teacher.pk, "title"])
    response = client.post(url, {"title-rank": "first", "title-obtained_on": "2018-12-01"})
    assert response.status_code == 302
    assert "tab=title" in response["Location"]
    assert TitleRecord.objects.filter(teacher=teacher, rank="first").exists()
    assert AuditLog.objects.filter(action="teacher.title_add", object_id=str(teacher.pk)).exists()
    detail = client.get(response["Location"]).content.decode()
    assert "2018-12-01" in detail


def test_a_record_the_service_rejects_shows_its_field_error_and_saves_nothing(client, world):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["school"])
    url = reverse("web:teacher_record_add", args=[teacher.pk, "title"])
    data = {
        "title-rank": "first",
        "title-obtained_on": "2018-12-01",
        "title-appointed_on": "2017-01-01",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "is-invalid" in html and 'id="form-title"' in html
    assert not TitleRecord.objects.exists()


def test_record_add_is_404_for_roles_that_may_not_change_the_teacher(client, world):
    teacher = world["teachers"]["a"]
    for role in ("teacher", "reviewer", "pilot"):
        client.force_login(world["users"][role])
        url = reverse("web:teacher_record_add", args=[teacher.pk, "title"])
        response = client.post(url, {"title-rank": "first", "title-obtained_on": "2018-12-01"})
        assert response.status_code == 404, role
    assert not TitleRecord.objects.exists()


def test_detail_offers_add_forms_only_to_roles_that_may_change(client, world):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["school"])
    assert (
        'id="form-education"'
        in client.get(reverse("web:teacher_detail", args=[teacher.pk])).content.decode()
    )
    client.force_login(world["users"]["teacher"])
    html = client.get(reverse("web:teacher_detail", args=[teacher.pk])).content.decode()
    assert 'id="form-education"' not in html
    assert "qs-reveal" in html  # a teacher may see their own ID in full


def test_transfer_starts_a_new_employment_at_the_new_school(client, world):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["district"])
    url = reverse("web:teacher_employment_change", args=[teacher.pk])
    data = {
        "employment-school": world["schools"]["b"].pk,
        "employment-employment_type": "established",
        "employment-post_category": "teaching",
        "employment-is_full_time_teacher": "on",
        "employment-start_date": "2025-09-01",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert Teacher.objects.get(pk=teacher.pk).current_school == world["schools"]["b"]
    assert Employment.objects.filter(teacher=teacher).count() == 2


def test_ending_employment_needs_the_confirmation_page_then_ends_it(client, world):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["district"])
    url = reverse("web:teacher_employment_end", args=[teacher.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert world["schools"]["a"].name in page.content.decode()
    assert Employment.objects.get(teacher=teacher).end_date is None
    missing_reason = client.post(url, {"end_date": "2025-07-31", "end_reason": ""})
    assert missing_reason.status_code == 200
    assert Employment.objects.get(teacher=teacher).end_date is None
    response = client.post(url, {"end_date": "2025-07-31", "end_reason": "retired"})
    assert response.status_code == 302
    job = Employment.objects.get(teacher=teacher)
    assert (job.end_date, job.end_reason) == (date(2025, 7, 31), "retired")


def test_list_and_export_show_the_current_title_and_education_labels(client, world):
    from django.utils import translation

    from qiangshi.teachers.models import EducationLevel, TitleRank
    from qiangshi.teachers.services import teacher_record_add

    admin = world["users"]["admin"]
    a = world["teachers"]["a"]
    teacher_record_add(
        actor=admin, teacher=a, kind="title", data={"rank": "first", "obtained_on": "2015-12-01"}
    )
    teacher_record_add(
        actor=admin,
        teacher=a,
        kind="education",
        data={"level": "master", "institution": "厦门大学", "end_date": "2012-07-01"},
    )
    with translation.override("zh-hans"):
        title, education = str(TitleRank.FIRST.label), str(EducationLevel.MASTER.label)
    client.force_login(world["users"]["school"])
    html = client.get(reverse("web:teacher_list")).content.decode()
    assert f">{title}</td>" in html
    assert f">{education}</td>" in html
    export = client.get(reverse("web:teacher_export"))
    rows = list(load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][-2:] == (title, education)
