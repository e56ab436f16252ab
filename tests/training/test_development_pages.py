"""The teacher development pages end to end: growth paths, degree study (record, complete,
export), science teachers and literacy overview (with their workbooks), and the school's bulk
assignment of the top recommendation (choose, preview, confirm)."""

import io
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qiangshi.teachers.models import EducationRecord
from qiangshi.training import literacy
from qiangshi.training.models import DegreeStudy, Enrolment, LiteracyAssessment

from .conftest import make_programme


def _sheets(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_a_teacher_sees_their_paths_with_the_next_milestone_and_what_it_lacks(world, client):
    client.force_login(world["users"]["teacher"])
    r = client.get(reverse("web:training_paths"))
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "教学名师路径" in page and "数智教师路径" in page
    assert "path-missing" in page and "未核实" in page  # the Xiamen file is unverified


def test_the_school_overview_lists_its_teachers_only(world, client):
    client.force_login(world["users"]["school"])
    page = client.get(
        reverse("web:training_school_paths", args=[world["schools"]["a"].pk])
    ).content.decode()
    assert world["teachers"]["a"].name in page and world["teachers"]["b"].name not in page
    assert "paths-data" in page


def test_a_school_records_a_degree_study_completes_it_and_exports_the_list(world, client):
    client.force_login(world["users"]["school"])
    teacher = world["teachers"]["a"]
    r = client.post(
        reverse("web:training_degree_create"),
        {
            "teacher": teacher.pk,
            "level": "bachelor",
            "study_mode": "in_service",
            "institution": "福建师范大学",
            "programme": "小学教育",
            "start_date": "2024-03-01",
            "expected_on": "2026-07-01",
        },
    )
    assert r.status_code == 302
    study = DegreeStudy.objects.get(teacher=teacher)
    body = client.get(reverse("web:training_degrees")).content.decode()
    assert "福建师范大学" in body and "degree-close" in body
    r = client.post(
        reverse("web:training_degree_close", args=[study.pk]),
        {"outcome": "completed", "completed_on": "2026-01-15"},
    )
    assert r.status_code == 302
    assert EducationRecord.objects.filter(teacher=teacher, end_date=date(2026, 1, 15)).exists()
    book = _sheets(client.get(reverse("web:training_degrees") + "?format=xlsx"))
    rows = list(book.active.values)
    assert len(rows) == 2 and rows[1][0] == teacher.name


def test_a_degree_form_with_bad_dates_says_so(world, client):
    client.force_login(world["users"]["school"])
    r = client.post(
        reverse("web:training_degree_create"),
        {"teacher": world["teachers"]["a"].pk, "level": "bachelor", "institution": "x",
         "study_mode": "in_service", "programme": "y", "start_date": "2026-03-01",
         "expected_on": "2025-01-01"},
    )  # fmt: skip
    body = r.content.decode()
    assert r.status_code == 200 and "预计毕业日期早于入学日期" in body
    assert not DegreeStudy.objects.exists()


def test_science_page_and_workbook(world, client):
    from tests import factories

    factories.teacher(world["users"]["admin"], world["schools"]["a"], "周敏", subject="physics")
    client.force_login(world["users"]["district"])
    page = client.get(reverse("web:training_science")).content.decode()
    assert world["schools"]["a"].name in page and "物理" in page
    book = _sheets(client.get(reverse("web:training_science") + "?format=xlsx"))
    rows = list(book.active.values)
    assert rows[-1][1] == "合计" and rows[-1][3] == 1


def test_literacy_overview_page_and_workbook(world, client):
    answers = {code: 3 for code in literacy.question_codes()}
    LiteracyAssessment.objects.create(
        teacher=world["teachers"]["a"],
        framework_version=literacy.framework()["version"],
        year=2026,
        answers=answers,
    )
    client.force_login(world["users"]["district"])
    page = client.get(reverse("web:training_literacy_overview") + "?year=2026").content.decode()
    assert "literacy-overview-data" in page and world["schools"]["a"].name in page
    book = _sheets(client.get(reverse("web:training_literacy_overview") + "?year=2026&format=xlsx"))
    assert len(book.sheetnames) == 3
    means = list(book.worksheets[0].values)
    assert means[1][3] == 1 and means[1][4] == 3


def test_bulk_assignment_preview_then_confirm(world, client):
    today = timezone.localdate()
    programme = make_programme(
        world["users"]["district"],
        starts_on=today + timedelta(days=5),
        ends_on=today + timedelta(days=6),
        subject="",
        stage="",
        target_groups=[],
    )
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["school"])
    page = client.get(reverse("web:training_recommendations")).content.decode()
    assert programme.title in page and teacher.name in page
    preview = client.post(reverse("web:training_recommendations"), {"all": "1", "q": ""})
    body = preview.content.decode()
    assert preview.status_code == 200 and f'value="{teacher.pk}:{programme.pk}"' in body
    assert not Enrolment.objects.exists()  # a preview writes nothing
    r = client.post(
        reverse("web:training_recommendations"),
        {"step": "confirm", "school": world["schools"]["a"].pk,
         "pair": [f"{teacher.pk}:{programme.pk}"]},
    )  # fmt: skip
    assert r.status_code == 302
    assert Enrolment.objects.get(programme=programme).teacher == teacher


def test_bulk_assignment_for_another_schools_teacher_is_not_found(world, client):
    today = timezone.localdate()
    programme = make_programme(
        world["users"]["district"],
        starts_on=today + timedelta(days=5),
        ends_on=today + timedelta(days=6),
    )
    client.force_login(world["users"]["school"])
    r = client.post(
        reverse("web:training_recommendations"),
        {"step": "confirm", "pair": [f"{world['teachers']['b'].pk}:{programme.pk}"]},
    )
    assert r.status_code == 404 and not Enrolment.objects.exists()


def test_the_english_pages_have_no_chinese_labels(world, client):
    import re

    from django.utils import translation

    client.force_login(world["users"]["district"])
    client.cookies["django_language"] = "en"
    try:
        for name in ("training_science", "training_literacy_overview", "training_degrees"):
            page = client.get(reverse(f"web:{name}")).content.decode()
            main = page.split("<main", 1)[-1].split("</main>")[0]
            for school in world["schools"].values():
                main = main.replace(school.name, "")
            assert not re.search(r"[\u4e00-\u9fff]", main), name
    finally:
        translation.activate("zh-hans")  # the request left English active in this thread
