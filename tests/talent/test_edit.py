"""Changing an office's recruitment plan, partnership and perk: the services check the changed
record as they check a new one (and keep its hires, credited hours and take-up consistent),
audit the fields that changed; the edit pages and the API's PATCH go through them, in every
role."""

from datetime import date

import pytest
from django.urls import reverse

from qiangshi.access.models import Role
from qiangshi.core.errors import ApplicationError, Forbidden
from qiangshi.core.models import AuditLog
from qiangshi.talent import services
from qiangshi.talent.models import Partnership, Perk, RecruitmentPlan

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]
# Who may change the city's (the bureau's) records: the bureau and the administrator; the
# district office reads them but may not change them; the other roles may not change any.
CHANGES_CITY_RECORDS = {"admin", "bureau"}


@pytest.fixture
def records(world):
    """The bureau's 2026 plan (a hire at school A), partnership and perk (take-up at school A on
    1 March 2025)."""
    bureau = world["users"]["bureau"]
    plan = services.recruitment_plan_create(actor=bureau, year=2026, remarks="博士优培")
    services.hire_record(
        actor=bureau, plan_pk=plan.pk, category="doctoral", name="林博",
        school_pk=world["schools"]["a"].pk, hired_on=date(2026, 6, 1),
    )  # fmt: skip
    partnership = services.partnership_create(
        actor=bureau, kind="mountain_sea", title="厦龙山海协作", partner="龙岩市教育局",
        starts_on=date(2025, 1, 1),
    )  # fmt: skip
    perk = services.perk_create(
        actor=bureau, name="教师免费体检", provider="市总工会", eligibility="在编教师",
        starts_on=date(2025, 1, 1),
    )  # fmt: skip
    services.perk_uptake_record(
        actor=bureau, perk_pk=perk.pk, school_pk=world["schools"]["a"].pk, on=date(2025, 3, 1),
        count=12,
    )  # fmt: skip
    return {"plan": plan, "partnership": partnership, "perk": perk}


def _updates():
    return AuditLog.objects.filter(action="talent.update").order_by("pk")


# --- services -------------------------------------------------------------------------------


def test_a_plan_change_audits_only_the_fields_that_changed(world, records):
    plan = records["plan"]
    services.recruitment_plan_update(
        actor=world["users"]["bureau"], plan_pk=plan.pk,
        data={"year": 2026, "remarks": "博士优培（第二批）"},
    )  # fmt: skip
    plan.refresh_from_db()
    assert plan.remarks == "博士优培（第二批）"
    assert [row.changes for row in _updates()] == [{"remarks": ["博士优培", "博士优培（第二批）"]}]


def test_saving_a_plan_unchanged_writes_no_audit_row(world, records):
    services.recruitment_plan_update(
        actor=world["users"]["bureau"], plan_pk=records["plan"].pk, data={"remarks": "博士优培"}
    )
    assert not _updates().exists()


def test_a_plan_may_not_move_away_from_its_hires(world, records):
    bureau, plan = world["users"]["bureau"], records["plan"]
    with pytest.raises(ApplicationError) as year:
        services.recruitment_plan_update(actor=bureau, plan_pk=plan.pk, data={"year": 2030})
    with pytest.raises(ApplicationError) as region:
        services.recruitment_plan_update(
            actor=bureau, plan_pk=plan.pk, data={"region": world["tree"]["huli"]}
        )
    assert set(year.value.fields) == {"year"} and set(region.value.fields) == {"region"}
    plan.refresh_from_db()
    assert (plan.year, plan.region) == (2026, world["tree"]["xiamen"])


def test_a_plan_may_not_take_the_year_of_another_plan_of_its_region(world, records):
    bureau = world["users"]["bureau"]
    other = services.recruitment_plan_create(actor=bureau, year=2027)
    with pytest.raises(ApplicationError) as caught:
        services.recruitment_plan_update(actor=bureau, plan_pk=other.pk, data={"year": 2026})
    assert "year" in caught.value.fields


def test_the_district_office_may_not_change_the_citys_records(world, records):
    district = world["users"]["district"]
    with pytest.raises(Forbidden):
        services.recruitment_plan_update(
            actor=district, plan_pk=records["plan"].pk, data={"remarks": "x"}
        )
    with pytest.raises(Forbidden):
        services.perk_update(actor=district, perk_pk=records["perk"].pk, data={"name": "x"})


def test_a_partnership_whose_activities_credited_hours_keeps_its_kind(world, records):
    bureau, p = world["users"]["bureau"], records["partnership"]
    activity = services.activity_add(
        actor=bureau, partnership_pk=p.pk, title="同课异构", kind="training",
        starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 1), hours=6,
    )  # fmt: skip
    services.activity_participants_add(
        actor=bureau, activity_pk=activity.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    services.activity_confirm(actor=bureau, activity_pk=activity.pk, today=date(2025, 4, 2))

    with pytest.raises(ApplicationError) as caught:
        services.partnership_update(
            actor=bureau, partnership_pk=p.pk, data={"kind": "cross_strait"}
        )
    services.partnership_update(
        actor=bureau, partnership_pk=p.pk, data={"title": "厦龙山海协作教育共同体"}
    )

    assert "kind" in caught.value.fields
    p.refresh_from_db()
    assert (p.kind, p.title) == ("mountain_sea", "厦龙山海协作教育共同体")
    changed = _updates().get(object_type="talent.partnership")
    assert changed.changes == {"title": ["厦龙山海协作", "厦龙山海协作教育共同体"]}


def test_a_perks_period_keeps_its_take_up(world, records):
    bureau, perk = world["users"]["bureau"], records["perk"]
    with pytest.raises(ApplicationError) as late:
        services.perk_update(actor=bureau, perk_pk=perk.pk, data={"starts_on": date(2025, 6, 1)})
    with pytest.raises(ApplicationError) as early:
        services.perk_update(actor=bureau, perk_pk=perk.pk, data={"ends_on": date(2025, 2, 1)})
    services.perk_update(actor=bureau, perk_pk=perk.pk, data={"ends_on": date(2025, 12, 31)})

    assert set(late.value.fields) == {"starts_on"} and set(early.value.fields) == {"ends_on"}
    assert Perk.objects.get().ends_on == date(2025, 12, 31)
    assert _updates().get().changes == {"ends_on": [None, "2025-12-31"]}


# --- pages ----------------------------------------------------------------------------------


def _edit_urls(records):
    return {
        "plan": reverse("web:talent_plan_edit", args=[records["plan"].pk]),
        "partnership": reverse("web:talent_partnership_edit", args=[records["partnership"].pk]),
        "perk": reverse("web:talent_perk_edit", args=[records["perk"].pk]),
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_the_edit_pages(world, records, client, role):
    client.force_login(world["users"][role])
    expected = 200 if role in CHANGES_CITY_RECORDS else 403
    for name, url in _edit_urls(records).items():
        assert client.get(url).status_code == expected, name


@pytest.mark.parametrize("role", ROLES)
def test_who_may_save_an_edit_page(world, records, client, role):
    client.force_login(world["users"][role])
    perk = records["perk"]
    response = client.post(
        _edit_urls(records)["perk"],
        {"name": "教师健康体检", "provider": perk.provider, "eligibility": perk.eligibility,
         "region": perk.region_id, "starts_on": "2025-01-01", "ends_on": "", "description": ""},
    )  # fmt: skip
    saved = role in CHANGES_CITY_RECORDS
    assert response.status_code == (302 if saved else 403)
    assert Perk.objects.get().name == ("教师健康体检" if saved else "教师免费体检")


def test_the_edit_page_is_the_form_filled_in(world, records, client):
    client.force_login(world["users"]["bureau"])
    form = client.get(_edit_urls(records)["partnership"]).context["form"]
    assert form["title"].value() == "厦龙山海协作"
    assert form["kind"].value() == "mountain_sea"
    assert form["region"].value() == world["tree"]["xiamen"].pk
    assert str(form["starts_on"].value()) == "2025-01-01"


def test_the_district_office_edits_its_own_plan(world, client):
    district = world["users"]["district"]
    plan = services.recruitment_plan_create(actor=district, year=2026)
    client.force_login(district)
    response = client.post(
        reverse("web:talent_plan_edit", args=[plan.pk]),
        {"year": 2027, "region": world["tree"]["siming"].pk, "remarks": "紧缺学科"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:talent_plan", args=[plan.pk])
    plan.refresh_from_db()
    assert (plan.year, plan.remarks) == (2027, "紧缺学科")


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "The end comes before the start."), ("zh-hans", "结束日期早于开始日期。")],
)
def test_an_edit_the_service_refuses_shows_why_in_the_pages_language(
    world, records, client, language, message
):
    client.force_login(world["users"]["bureau"])
    client.cookies["django_language"] = language
    p = records["partnership"]
    response = client.post(
        _edit_urls(records)["partnership"],
        {"kind": p.kind, "title": p.title, "partner": p.partner, "region": p.region_id,
         "starts_on": "2025-01-01", "ends_on": "2024-12-31", "terms": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == [message]
    assert message in response.content.decode()
    assert Partnership.objects.get().ends_on is None


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "This region already has a plan for that year."),
        ("zh-hans", "该地区当年已有招聘计划。"),
    ],
)
def test_a_duplicate_plan_year_is_refused_on_the_edit_page(
    world, records, client, language, message
):
    other = services.recruitment_plan_create(actor=world["users"]["bureau"], year=2027)
    client.force_login(world["users"]["bureau"])
    client.cookies["django_language"] = language
    response = client.post(
        reverse("web:talent_plan_edit", args=[other.pk]),
        {"year": 2026, "region": world["tree"]["xiamen"].pk, "remarks": ""},
    )
    assert response.context["form"].errors["year"] == [message]
    assert RecruitmentPlan.objects.get(pk=other.pk).year == 2027


def test_the_detail_pages_link_to_the_edit_page_for_those_who_may_edit(world, records, client):
    urls = _edit_urls(records)
    details = {
        "plan": reverse("web:talent_plan", args=[records["plan"].pk]),
        "partnership": reverse("web:talent_partnership", args=[records["partnership"].pk]),
        "perk": reverse("web:talent_perk", args=[records["perk"].pk]),
    }
    for role, shown in (("bureau", True), ("district", False)):
        client.force_login(world["users"][role])
        for name, url in details.items():
            assert (urls[name] in client.get(url).content.decode()) is shown, (role, name)


# --- API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_patch_the_citys_records(world, records, api_as, role):
    api = api_as(role)
    answers = {
        "plan": api.patch(f"/api/talent/plans/{records['plan'].pk}", {"remarks": "第二批"}),
        "partnership": api.patch(
            f"/api/talent/partnerships/{records['partnership'].pk}", {"partner": "龙岩市"}
        ),
        "perk": api.patch(f"/api/talent/perks/{records['perk'].pk}", {"provider": "市教育工会"}),
    }
    expected = 200 if role in CHANGES_CITY_RECORDS else 403
    assert {k: r.status_code for k, r in answers.items()} == dict.fromkeys(answers, expected)
    changed = role in CHANGES_CITY_RECORDS
    assert (RecruitmentPlan.objects.get().remarks == "第二批") is changed
    assert (Partnership.objects.get().partner == "龙岩市") is changed
    assert (Perk.objects.get().provider == "市教育工会") is changed


def test_a_patch_changes_only_the_fields_given_and_answers_the_record(world, records, api_as):
    response = api_as("bureau").patch(
        f"/api/talent/partnerships/{records['partnership'].pk}",
        {"ends_on": "2027-08-31", "region": "3502"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ends_on"], body["title"], body["region_code"]) == (
        "2027-08-31", "厦龙山海协作", "3502",
    )  # fmt: skip
    assert _updates().get().changes == {"ends_on": [None, "2027-08-31"]}


def test_a_patch_the_service_refuses_answers_400_naming_the_field(world, records, api_as):
    api = api_as("bureau")
    plan = api.patch(f"/api/talent/plans/{records['plan'].pk}", {"year": 2030})
    perk = api.patch(f"/api/talent/perks/{records['perk'].pk}", {"name": "  "})
    assert plan.status_code == 400 and "year" in plan.json()["fields"]
    assert perk.status_code == 400 and "name" in perk.json()["fields"]


def test_a_patch_of_a_record_outside_the_area_answers_404(world, api_as):
    longyan = services.perk_create(
        actor=world["users"]["admin"], name="龙岩教师疗休养", provider="龙岩市总工会",
        eligibility="在编教师", starts_on=date(2025, 1, 1), region=world["tree"]["longyan"],
    )  # fmt: skip
    response = api_as("bureau").patch(f"/api/talent/perks/{longyan.pk}", {"name": "x"})
    assert response.status_code == 404
