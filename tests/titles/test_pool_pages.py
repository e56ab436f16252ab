"""The pages the offices keep the reviewers' pool, the declared relations and the weak schools
with: every role's answer to each write (the offices may, every other role gets 403), the
confirmation pages before taking a reviewer out and ending a designation, the filters and the
xlsx exports, and a relation recorded through the form keeping the reviewer off the panel."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.access.models import Role
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.engines import titles as engine
from qiangshi.titles import selectors, services
from qiangshi.titles.models import PanelMember, ReviewerProfile, ReviewerRelation, WeakSchool
from tests import factories

from .conftest import TODAY

ROLES = [r.value for r in Role]
OFFICES = {"bureau", "district"}


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.fixture
def pool(world):
    """A Siming expert in the pool (kept by the district office) and a weak school A."""
    expert = factories.user("reviewer", username="expert-siming", display_name="周专家")
    profile = services.reviewer_profile_create(
        actor=world["users"]["district"], user_pk=expert.pk, subjects=["chinese"],
        stages=["primary"], school_pk=world["schools"]["b"].pk,
    )  # fmt: skip
    weak = services.weak_school_designate(
        actor=world["users"]["district"], school_pk=world["schools"]["a"].pk,
        start_date=date(2020, 1, 1), source="思明区薄弱学校认定",
    )  # fmt: skip
    return {**world, "profile": profile, "expert": expert, "weak": weak}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_offices_write_the_pool_relations_and_designations(client, pool, role):
    w = pool
    client.force_login(w["users"][role])
    newcomer = factories.user("reviewer", username="newcomer")
    may = role in OFFICES
    answers = {
        "reviewer_create": client.post(
            reverse("web:title_reviewer_create"),
            {
                "user": newcomer.pk,
                "subjects": ["mathematics"],
                "stages": ["junior"],
                "school": w["schools"]["a"].pk,
            },
        ),  # fmt: skip
        "reviewer_edit": client.post(
            reverse("web:title_reviewer_edit", args=[w["profile"].pk]),
            {"subjects": ["english"], "stages": ["primary"], "school": w["schools"]["b"].pk},
        ),
        "relation_create": client.post(
            reverse("web:title_relation_create"),
            {
                "reviewer": w["expert"].pk,
                "teacher": w["teachers"]["a"].pk,
                "kind": "relative",
                "declared_on": "2026-03-01",
            },
        ),  # fmt: skip
        "weak_create": client.post(
            reverse("web:title_weak_school_create"),
            {
                "school": w["schools"]["b"].pk,
                "start_date": "2021-09-01",
                "end_date": "",
                "source": "思明区教育局认定",
            },
        ),  # fmt: skip
        "weak_end": client.post(
            reverse("web:title_weak_school_end", args=[w["weak"].pk]), {"end_date": "2025-09-01"}
        ),
        "reviewer_deactivate": client.post(
            reverse("web:title_reviewer_deactivate", args=[w["profile"].pk]), {"reason": "调离"}
        ),
    }
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(
        answers, 302 if may else 403
    )
    w["profile"].refresh_from_db()
    w["weak"].refresh_from_db()
    assert ReviewerProfile.objects.filter(user=newcomer).exists() == may
    assert (w["profile"].subjects == ["english"]) == may
    assert (not w["profile"].is_active) == may
    assert ReviewerRelation.objects.filter(reviewer=w["expert"]).exists() == may
    assert WeakSchool.objects.filter(school=w["schools"]["b"]).exists() == may
    assert (w["weak"].end_date == date(2025, 9, 1)) == may
    written = set(AuditLog.objects.filter(actor=w["users"][role]).values_list("action", flat=True))
    expected = {"titles.reviewer.create", "titles.reviewer.update", "titles.relation.record",
                "titles.weak_school.designate", "titles.weak_school.end",
                "titles.reviewer.deactivate"}  # fmt: skip
    assert (expected <= written) == may


def test_a_district_office_cannot_reach_another_districts_rows(client, pool):
    w = pool
    huli = services.reviewer_profile_create(
        actor=w["users"]["bureau"], user_pk=factories.user("reviewer", username="h").pk,
        subjects=["chinese"], stages=["primary"], school_pk=w["schools"]["c"].pk,
    )  # fmt: skip
    weak_c = services.weak_school_designate(
        actor=w["users"]["bureau"], school_pk=w["schools"]["c"].pk,
        start_date=date(2020, 1, 1), source="湖里区认定",
    )  # fmt: skip
    client.force_login(w["users"]["district"])
    for url in (reverse("web:title_reviewer_edit", args=[huli.pk]),
                reverse("web:title_reviewer_deactivate", args=[huli.pk]),
                reverse("web:title_weak_school_end", args=[weak_c.pk])):  # fmt: skip
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"end_date": "2025-01-01"}).status_code == 404, url
    answer = client.post(
        reverse("web:title_weak_school_create"),
        {"school": w["schools"]["c"].pk, "start_date": "2021-09-01", "source": "x"},
    )
    assert answer.status_code == 200 and not WeakSchool.objects.filter(source="x").exists()


def test_taking_a_reviewer_out_asks_first_and_can_be_undone(client, pool):
    w = pool
    client.force_login(w["users"]["bureau"])
    client.cookies["django_language"] = "en"
    url = reverse("web:title_reviewer_deactivate", args=[w["profile"].pk])
    page = client.get(url).content.decode()
    assert 'id="deactivate-confirm"' in page and "will not be drawn for any panel" in page
    w["profile"].refresh_from_db()
    assert w["profile"].is_active  # the confirmation page changes nothing
    listing = client.get(reverse("web:title_reviewers")).content.decode()
    assert url in listing
    client.post(url, {"reason": "Retired"})
    w["profile"].refresh_from_db()
    assert not w["profile"].is_active
    assert AuditLog.objects.get(action="titles.reviewer.deactivate").note == "Retired"
    assert client.get(url).status_code == 302  # already out: back to the list
    client.post(reverse("web:title_reviewer_reactivate", args=[w["profile"].pk]))
    w["profile"].refresh_from_db()
    assert w["profile"].is_active


def test_ending_a_designation_asks_for_the_date_first(client, pool):
    w = pool
    client.force_login(w["users"]["district"])
    client.cookies["django_language"] = "en"
    url = reverse("web:title_weak_school_end", args=[w["weak"].pk])
    page = client.get(url).content.decode()
    assert 'id="end-confirm"' in page and "no longer counts as weak-school service" in page
    answer = client.post(url, {"end_date": "2019-01-01"})  # before it started
    assert answer.status_code == 200 and "must end after it starts" in answer.content.decode()
    w["weak"].refresh_from_db()
    assert w["weak"].end_date is None
    client.post(url, {"end_date": "2024-09-01"})
    w["weak"].refresh_from_db()
    assert w["weak"].end_date == date(2024, 9, 1)


def test_the_pool_lists_filters_and_exports(client, pool):
    w = pool
    services.reviewer_profile_create(
        actor=w["users"]["bureau"], user_pk=factories.user("reviewer", username="maths").pk,
        subjects=["mathematics"], stages=["junior"],
    )  # fmt: skip
    client.force_login(w["users"]["bureau"])
    url = reverse("web:title_reviewers")
    page = client.get(url, {"subject": "chinese"}).content.decode()
    assert "周专家" in page and "maths" not in page
    rows = _sheet(client.get(url, {"format": "xlsx"}))
    assert {r[0] for r in rows[1:]} == {"expert-siming", "maths"}
    only = _sheet(client.get(url, {"format": "xlsx", "stage": "junior"}))
    assert [r[0] for r in only[1:]] == ["maths"]
    assert AuditLog.objects.filter(action="titles.reviewer.export").count() == 2
    # The school administrator and the teacher may not see or export the pool.
    for role in ("school", "teacher"):
        client.force_login(w["users"][role])
        assert client.get(url, {"format": "xlsx"}).status_code == 403


def test_relations_list_filter_and_export(client, pool):
    w = pool
    services.reviewer_relation_record(
        actor=w["users"]["district"], reviewer_pk=w["expert"].pk,
        teacher_pk=w["teachers"]["a"].pk, kind="relative",
    )  # fmt: skip
    services.reviewer_relation_record(
        actor=w["users"]["district"], reviewer_pk=w["expert"].pk,
        teacher_pk=w["teachers"]["b"].pk, kind="colleague",
    )  # fmt: skip
    client.force_login(w["users"]["district"])
    url = reverse("web:title_relations")
    page = client.get(url, {"kind": "relative"}).content.decode()
    assert "陈静" in page and "王芳" not in page and "data-confirm" in page
    rows = _sheet(client.get(url, {"format": "xlsx", "q": "王"}))
    assert [(r[2], r[3]) for r in rows[1:]] == [("王芳", w["teachers"]["b"].pk)]
    assert AuditLog.objects.filter(action="titles.relation.export").exists()


def test_weak_schools_list_filter_and_export(client, pool):
    w = pool
    services.weak_school_designate(
        actor=w["users"]["bureau"], school_pk=w["schools"]["c"].pk,
        start_date=date(2010, 1, 1), end_date=date(2015, 1, 1), source="湖里区认定",
    )  # fmt: skip
    client.force_login(w["users"]["bureau"])
    url = reverse("web:title_weak_schools")
    page = client.get(url, {"status": "current"}).content.decode()
    assert "思明第一小学" in page and "湖里第一中学" not in page
    rows = _sheet(client.get(url, {"format": "xlsx", "year": "2012"}))
    assert [(r[1], str(r[3])[:10], str(r[4])[:10]) for r in rows[1:]] == [
        ("湖里第一中学", "2010-01-01", "2015-01-01")
    ]
    district = client.get(url, {"district": w["tree"]["siming"].pk}).content.decode()
    assert "思明第一小学" in district and "湖里第一中学" not in district
    assert AuditLog.objects.filter(action="titles.weak_school.export").exists()


def test_the_pages_read_in_english(client, pool):
    client.force_login(pool["users"]["district"])
    client.cookies["django_language"] = "en"
    for name, text in (("title_reviewers", "Add a reviewer"),
                       ("title_relations", "Record a relation"),
                       ("title_weak_schools", "Designate a school"),
                       ("title_reviewer_create", "Subjects reviewed"),
                       ("title_relation_create", "Teacher (registry ID)"),
                       ("title_weak_school_create", "Reason and decision")):  # fmt: skip
        assert text in client.get(reverse(f"web:{name}")).content.decode(), name
    nav = {link["url_name"] for link in client.get("/").context["nav_links"]}
    assert {"web:title_reviewers", "web:title_weak_schools"} <= nav


def test_a_relation_recorded_through_the_form_keeps_the_reviewer_off_the_panel(
    client, titles_world
):
    w = titles_world
    teacher = w["teachers"]["a"]
    related = w["reviewers"][2]
    client.force_login(w["users"]["bureau"])
    answer = client.post(
        reverse("web:title_relation_create"),
        {"reviewer": related.pk, "teacher": teacher.pk, "kind": "mentor",
         "declared_on": TODAY.isoformat()},
    )  # fmt: skip
    assert answer.status_code == 302
    # Four in the pool, one related: three without a conflict, for a panel of four.
    round_ = w["round"]
    round_.panel_size = 4
    round_.save(update_fields=["panel_size"])
    app = services.application_start(actor=w["users"]["teacher"], round_pk=round_.pk, today=TODAY)
    services.material_upload(
        actor=w["users"]["teacher"], application_pk=app.pk, kind="m1",
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
    )  # fmt: skip
    for user, name in ((w["users"]["teacher"], "submit"), (w["users"]["school"], "recommend")):
        services.application_step(actor=user, application_pk=app.pk, step=name, today=TODAY)
    drawn = engine.draw_panel(selectors.reviewer_pool(), services._applicant(app), 4, "s")
    assert drawn.excluded == {related.pk: "relation"}
    with pytest.raises(ApplicationError):  # three without a conflict for a panel of four
        services.application_step(
            actor=w["users"]["bureau"], application_pk=app.pk, step="pass_review", today=TODAY
        )
    assert not PanelMember.objects.filter(application=app).exists()
    round_.panel_size = 3
    round_.save(update_fields=["panel_size"])
    services.application_step(
        actor=w["users"]["bureau"], application_pk=app.pk, step="pass_review", today=TODAY
    )
    members = set(PanelMember.objects.filter(application=app).values_list("reviewer", flat=True))
    assert len(members) == 3 and related.pk not in members
