"""Births series, scenarios and post structure on the Siming district of conftest.py (P 50,
N 52 = 32 + 20, J 2, E 0; pool 104), through the import pipeline, the selectors, the pages
and the API. Every figure is worked by hand in the comments."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.access.services import api_token_create
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.staffing.models import BirthRecord
from qiangshi.staffing.selectors import (
    Scenario,
    district_forecast,
    district_posts,
    district_scenario,
)
from qiangshi.teachers import services as teacher_services
from qiangshi.teachers.models import Employment
from tests import factories
from tests.api.conftest import ApiClient

from .conftest import ON, YEAR

# Primary Chinese periods a week per set of one class in each of grades 1–6, with "other"
# shared (see test_selectors.py): 2·8·26/24 + 2·7·30/26 + 2·6·30/25 = 47.887.
CHINESE = 2 * 8 * 26 / 24 + 2 * 7 * 30 / 26 + 2 * 6 * 30 / 25


def births_csv(rows) -> bytes:
    lines = ["区划代码,区县名称,年份,出生人口"] + [",".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


SIMING_BIRTHS = [("350203", "思明区", y, n) for y, n in ((2017, 320), (2018, 320), (2019, 320),
                                                    (2020, 400))]  # fmt: skip


@pytest.fixture
def offices(tree):
    return {
        "siming": factories.user("district", region=tree["siming"]),
        "huli": factories.user("district", region=tree["huli"]),
        "bureau": factories.user("bureau", region=tree["xiamen"]),
    }


# --- births import --------------------------------------------------------------------------


def test_births_import_by_the_district_office_then_again_changes_nothing(district, offices):
    data = births_csv(SIMING_BIRTHS)
    result = import_file(actor=offices["siming"], kind="births", data=data, filename="b.csv")
    assert (result.problems, result.new, result.committed) == ([], 4, True)
    series = dict(BirthRecord.objects.values_list("year", "births"))
    assert series == {2017: 320, 2018: 320, 2019: 320, 2020: 400}
    assert AuditLog.objects.filter(action="staffing.births_import").count() == 4
    again = import_file(actor=offices["siming"], kind="births", data=data, filename="b.csv")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)
    corrected = births_csv([("350203", "", 2020, 410)])
    changed = import_file(actor=offices["bureau"], kind="births", data=corrected, filename="c.csv")
    assert (changed.changed, BirthRecord.objects.get(year=2020).births) == (1, 410)


def test_births_import_outside_the_area_or_with_bad_rows_imports_nothing(district, offices):
    data = births_csv([*SIMING_BIRTHS, ("350203", "湖里区", 2021, 1), ("350203", "", 2022, -5),
                       ("999999", "", 2020, 10), ("350203", "", 2017, 1)])  # fmt: skip
    result = import_file(actor=offices["huli"], kind="births", data=data, filename="b.csv")
    assert not result.committed and BirthRecord.objects.count() == 0
    reasons = {(p.row, p.reason_en) for p in result.problems}
    assert (2, "This district is outside your area") in reasons
    assert (8, "Unknown district code") in reasons
    assert (7, "Births must be zero or a positive whole number") in reasons
    assert (9, "Same district and year as row 2") in reasons
    mine = import_file(actor=offices["siming"], kind="births", data=data, filename="b.csv")
    assert any("does not match" in p.reason_en for p in mine.problems) and not mine.committed


def test_school_administrators_may_not_import_births(district):
    admin = factories.user("school", school=district["p"])
    from qiangshi.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        import_file(actor=admin, kind="births", data=births_csv(SIMING_BIRTHS), filename="b.csv")


def test_births_import_command(district, offices, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "births.csv"
    path.write_bytes(births_csv(SIMING_BIRTHS))
    call_command("import", "births", str(path), "--user", offices["siming"].username)
    assert BirthRecord.objects.count() == 4


# --- the forecast from births ---------------------------------------------------------------


def load_births(actor):
    result = import_file(
        actor=actor, kind="births", data=births_csv(SIMING_BIRTHS), filename="b.csv"
    )
    assert result.committed


def test_forecast_takes_entrants_from_births_when_loaded(district, offices):
    baseline = district_forecast(actor=None, district="350203", years=2, year=YEAR, on=ON)
    assert (baseline.intake_method, baseline.births) == ("trend", {})
    load_births(offices["siming"])
    plan = district_forecast(actor=None, district="350203", years=2, year=YEAR, on=ON)
    # P: grade 1 was 160 in 2023–2025, births 2017–2019 were 320: ratio 0.5; 2026 draws on
    # the 400 births of 2020: 200 entrants. N (2025 only): 100 / 320 = 0.3125 → 125.
    # 2027 needs the births of 2021 (not loaded): assumed held at 2020's 400 (POLICY §13). J
    # (entry grade 7) would need births 12 years earlier, none loaded: its grade 7 follows the
    # district's grade 6 (P's) of the year before. School-years: births 2 (P, N in 2026),
    # assumed 2 (P, N in 2027), cohort 2 (J); none from an intake trend.
    assert plan.intake_methods == {"births": 2, "assumed": 2, "cohort": 2, "trend": 0}
    assert plan.intake_method == "births"
    assert (plan.last_births_year, plan.assumed_births) == (2020, {2021: 400.0})
    # Primary 2026: P 200 + 160 + 160 + 160 + 160 × 155/160 + 155 = 990; N 125 + 5 × 100 = 625.
    assert plan.enrollment[2026]["primary"] == pytest.approx(990 + 625)
    # Chinese: P's grade 1 needs 5 classes of 45 (200 pupils) instead of 4: one more class of
    # 8 × 26/24 periods: (7 × 47.887 + 8.667) / 15 = 22.925.
    c = next(r for r in plan.rows if (r.year, r.stage, r.subject) == (2026, "primary", "chinese"))
    assert c.demand == pytest.approx((7 * CHINESE + 8 * 26 / 24) / 15)


# Births falling every year (2017–2020) while P's intake held at 160: a trend of the intakes
# would stay at 160 from 2027 on, the births say fewer pupils.
FALLING_BIRTHS = [("350203", "思明区", y, n) for y, n in ((2017, 400), (2018, 360), (2019, 320),
                                                     (2020, 300))]  # fmt: skip


def test_falling_births_keep_the_intake_falling_then_flat_past_the_last_known_year(
    district, offices
):
    import_file(
        actor=offices["siming"], kind="births", data=births_csv(FALLING_BIRTHS), filename="b.csv"
    )
    plan = district_forecast(actor=None, district="350203", years=6, year=YEAR, on=ON)
    # Births known to 2020: grade 1 of 2026 draws on them; 2027–2031 on the births of
    # 2021–2025, assumed held at 2020's 300.
    assert plan.assumed_births == {y: 300.0 for y in range(2021, 2026)}
    assert plan.intake_methods == {"births": 2, "assumed": 10, "cohort": 6, "trend": 0}
    # P's entry ratio: mean of 160/400, 160/360, 160/320 = 0.448148 → 134.44 entrants a year;
    # N's: 100/320 = 0.3125 → 93.75. In 2031 every primary grade of P comes from those
    # entrants (survival 1, 1, 1, 0.96875, 1): 134.44 × 5.9375; N's six grades 93.75 each.
    ratio = (160 / 400 + 160 / 360 + 160 / 320) / 3
    assert plan.enrollment[2031]["primary"] == pytest.approx(ratio * 300 * 5.9375 + 93.75 * 6)
    primary = [plan.enrollment[y]["primary"] for y in plan.years]
    assert all(
        later <= earlier + 1e-9 for earlier, later in zip(primary, primary[1:], strict=False)
    )
    assert plan.births_assumption_as_dict() == {
        "last_known_year": 2020,
        "last_known_births": 300,
        "rule": "held",
        "annual_change_percent": 0.0,
        "used": True,
        "assumed_births": {str(y): 300.0 for y in range(2021, 2026)},
    }


def test_a_junior_school_takes_its_grade_7_from_the_districts_grade_6(district, offices):
    from qiangshi.staffing.selectors import _school_forecasts

    import_file(
        actor=offices["siming"], kind="births", data=births_csv(FALLING_BIRTHS), filename="b.csv"
    )
    plan = district_forecast(actor=None, district="350203", years=7, year=YEAR, on=ON)
    assert plan.intake_methods["cohort"] == 7 and plan.intake_methods["trend"] == 0
    # J had 9 in grade 7 in 2024, when P (the district's only primary school; N's grade 6
    # stays in N) had 155 in grade 6 in 2023: a share of 9/155. P's grade 6 stays 155 until
    # 2030 (its cohorts of 2025), then the first births-based one: 2026's 134.44 entrants ×
    # survival 1 × 1 × 1 × 0.96875 × 1 = 130.24 in 2031, so J's grade 7 of 2032 falls to
    # 9/155 × 130.24 = 7.56: the falling births reach the junior school too.
    from qiangshi.engines.forecast import BirthsAssumption
    from qiangshi.org.models import SchoolEnrollment

    schools = [{"id": district[k].pk, "code": k.upper(), "stage": district[k].stage}
               for k in ("p", "n", "j")]  # fmt: skip
    history = {}
    for sid, y, g, n in SchoolEnrollment.objects.filter(
        school_id__in=[x["id"] for x in schools], year__lte=YEAR, grade__lte=9
    ).values_list("school_id", "year", "grade", "students"):
        history.setdefault(sid, {}).setdefault(y, {})[g] = n
    fitted = _school_forecasts(
        schools, history, year=YEAR, years=7, births=dict(BirthRecord.objects.values_list(
            "year", "births")), intake_scale=1.0, assumption=BirthsAssumption(),
        stage_grades=plan.parameters.stage_grades,
    )  # fmt: skip
    j, fed = fitted[district["j"].pk]
    assert fed
    ratio = (160 / 400 + 160 / 360 + 160 / 320) / 3
    assert j.central[2031][7] == pytest.approx(9)
    assert j.central[2032][7] == pytest.approx(9 / 155 * ratio * 300 * 0.96875)


def test_births_trend_scenario_lets_births_fall_past_the_last_known_year(district, offices):
    import_file(
        actor=offices["siming"], kind="births", data=births_csv(FALLING_BIRTHS), filename="b.csv"
    )
    comparison = district_scenario(
        actor=None, district="350203", years=3, year=YEAR, scenario=Scenario(births_trend=-10),
        on=ON,
    )  # fmt: skip
    assert comparison.changed.assumed_births == pytest.approx({2021: 270.0, 2022: 243.0})
    assert comparison.baseline.assumed_births == {2021: 300.0, 2022: 300.0}
    # 2026 draws on known births: the same; 2027 on 270 instead of 300 births: P and N lose
    # 10% of their entrants (13.44 + 9.375).
    b, c = comparison.baseline.enrollment, comparison.changed.enrollment
    assert c[2026]["primary"] == pytest.approx(b[2026]["primary"])
    ratio = (160 / 400 + 160 / 360 + 160 / 320) / 3
    assert b[2027]["primary"] - c[2027]["primary"] == pytest.approx(30 * ratio + 30 * 0.3125)
    with pytest.raises(ApplicationError):
        district_scenario(
            actor=None, district="350203", years=1, year=YEAR,
            scenario=Scenario(births_trend=-70), on=ON,
        )  # fmt: skip


def test_the_births_assumption_is_shown_on_the_page_in_the_export_and_the_command(
    district, offices, en_client
):
    from django.core.management import call_command

    import_file(
        actor=offices["siming"], kind="births", data=births_csv(FALLING_BIRTHS), filename="b.csv"
    )
    en_client.force_login(offices["siming"])
    url = reverse("web:staffing_forecast", args=[district["siming"].pk])
    body = en_client.get(url + f"?year={YEAR}&years=3").content.decode()
    assert 'id="births-assumption"' in body
    assert "Births after 2020 are not known yet" in body and "held at the last known year" in body
    assert "2021–2022" in body
    body = en_client.get(url + f"?year={YEAR}&years=3&births_trend=-5").content.decode()
    assert "change by -5% a year" in body
    export = en_client.get(
        reverse("web:staffing_forecast_export", args=[district["siming"].pk])
        + f"?year={YEAR}&years=3"
    )
    params = dict(
        load_workbook(io.BytesIO(export.content), read_only=True)["Parameters"].iter_rows(
            values_only=True
        )
    )
    assert params["births_last_known_year"] == 2020
    assert params["births_after_last_known_year"] == "held"
    assert params["births_assumed.2021"] == 300
    out = io.StringIO()
    call_command(
        "staffing", "report", "--district", "350203", "--year", str(YEAR), "--years", "3",
        "--on", ON.isoformat(), "--births-trend", "-10", stdout=out,
    )  # fmt: skip
    assert "births after 2020 assumed changing by -10% a year from the 300 of 2020" in (
        out.getvalue()
    )
    out = io.StringIO()
    call_command(
        "staffing", "report", "--district", "350203", "--year", str(YEAR), "--years", "3",
        "--on", ON.isoformat(), "--format", "json", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["forecast"]["births_assumption"]["rule"] == "held"


# --- scenarios ------------------------------------------------------------------------------


def test_scenario_against_the_baseline(district):
    scenario = Scenario(
        class_size_cap={"primary": 35}, retirement_age={"female": 60}, attrition_rate=0.0
    )
    comparison = district_scenario(
        actor=None, district="350203", years=2, year=YEAR, scenario=scenario, on=ON
    )
    base, changed = comparison.baseline, comparison.changed

    def cell(plan, subject):
        return next(
            r for r in plan.rows if (r.year, r.stage, r.subject) == (2026, "primary", subject)
        )

    # Cap 35: P's 160 and 155 pupils make 5 classes a grade (4 at 45), N's 100 still 3:
    # 8 class sets instead of 7: Chinese 8 × 47.887 / 15 = 25.540 (22.347 at baseline).
    assert cell(base, "chinese").demand == pytest.approx(7 * CHINESE / 15)
    assert cell(changed, "chinese").demand == pytest.approx(8 * CHINESE / 15)
    # Attrition 0: the 4 Chinese teachers stay 4 (3.92 at 2%).
    assert (cell(base, "chinese").supply, cell(changed, "chinese").supply) == pytest.approx(
        (3.92, 4.0)
    )
    # Women retire at 60: P's music teacher (born March 1971) stays until 2031 instead of
    # leaving in July 2026.
    assert (cell(base, "music").supply, cell(changed, "music").supply) == (0.0, 1.0)
    first = comparison.by_year()[0]
    assert first["year"] == 2026
    assert first["gap_difference"] == pytest.approx(
        first["scenario"]["gap"] - first["baseline"]["gap"]
    )
    assert {(r["year"], r["stage"]) for r in comparison.by_stage()} == {
        (2026, "primary"), (2026, "junior"), (2027, "primary"), (2027, "junior")
    }  # fmt: skip


def test_births_change_scales_the_trend_entrants(district):
    comparison = district_scenario(
        actor=None, district="350203", years=1, year=YEAR, scenario=Scenario(births_change=50),
        on=ON,
    )  # fmt: skip
    # P's trend intake 160 × 1.5 = 240; N's 100 × 1.5 = 150: primary +80 + 50 = +130 pupils.
    assert comparison.changed.enrollment[2026]["primary"] == pytest.approx(
        comparison.baseline.enrollment[2026]["primary"] + 130
    )


# --- post structure -------------------------------------------------------------------------


def give_titles(admin, school, ranks):
    staff = Employment.objects.filter(school=school, end_date__isnull=True).select_related(
        "teacher"
    )
    by_subject = {e.main_subject: e.teacher for e in staff if e.employment_type == "established"}
    for subject, rank in ranks.items():
        teacher_services.teacher_record_add(
            actor=admin,
            teacher=by_subject[subject],
            kind="title",
            data={"rank": rank, "obtained_on": "2020-09-01"},
        )


def test_post_structure_by_hand(district, admin_user):
    # P's established staff on ON: the Chinese teacher (first → intermediate), the music
    # teacher (senior), the administrator (untitled).
    give_titles(admin_user, district["p"], {"chinese": "first", "music": "senior"})
    posts = district_posts(actor=None, district="350203", year=YEAR, on=ON)
    by_code = {s.code: s for s in posts.schools}
    p = {b.band: (b.allowed, b.used, b.promotions) for b in by_code["P"].structure.bands}
    # P: 50 posts at 10/45/45 %: senior floor(5) = 5, intermediate floor(27.5) − 5 = 22,
    # junior 23. Promotions: senior min(5 − 1, 1 intermediate) = 1; intermediate min(22 − 1,
    # 0 junior) = 0; junior 23 free posts.
    assert p == {"senior": (5, 1, 1), "intermediate": (22, 1, 0), "junior": (23, 0, 23)}
    assert (by_code["P"].untitled, by_code["P"].as_dict()["promotions"]) == (1, 1)
    # N: primary 32 at 10/45/45: 3, floor(17.6) − 3 = 14, 15; junior 20 at 20/45/35: 4,
    # floor(13) − 4 = 9, 7 → 7, 23, 22. Nobody titled: only junior appointments, 22.
    n = {b.band: (b.allowed, b.promotions) for b in by_code["N"].structure.bands}
    assert n == {"senior": (7, 0), "intermediate": (23, 0), "junior": (22, 22)}
    # J: 2 junior posts: floor(0.4) = 0, floor(1.3) − 0 = 1, 1.
    j = {b.band: b.allowed for b in by_code["J"].structure.bands}
    assert j == {"senior": 0, "intermediate": 1, "junior": 1}
    # District: the sums: 12 / 46 / 46 = 104 posts; promotions 1, 0, 23 + 22 + 1 = 46.
    total = {b.band: (b.allowed, b.used, b.promotions) for b in posts.total.bands}
    assert total == {"senior": (12, 1, 1), "intermediate": (46, 1, 0), "junior": (46, 0, 46)}
    assert posts.total.total_posts == 104


# --- pages and API --------------------------------------------------------------------------


@pytest.fixture
def en_client(client):
    client.cookies["django_language"] = "en"
    return client


def test_planning_page_shows_method_and_scenario_side_by_side(district, offices, en_client):
    load_births(offices["siming"])
    en_client.force_login(offices["siming"])
    url = reverse("web:staffing_forecast", args=[district["siming"].pk])
    r = en_client.get(url + f"?year={YEAR}&years=3")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="intake-method"' in body and "births series loaded for 2017–2020" in body
    assert 'id="scenario-form"' in body and 'id="scenario-years"' not in body
    r = en_client.get(url + f"?year={YEAR}&years=3&cap_primary=35&attrition=0&retire_female=60")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="scenario-years"' in body and 'id="scenario-chart"' in body
    assert len(r.context["comparison_years"]) == 3
    export = en_client.get(
        reverse("web:staffing_scenario_export", args=[district["siming"].pk])
        + f"?year={YEAR}&years=3&cap_primary=35"
    )
    wb = load_workbook(io.BytesIO(export.content), read_only=True)
    assert wb.sheetnames[0] == "Scenario vs baseline"
    # Nonsense values are ignored (the baseline), never a server error.
    assert en_client.get(url + "?cap_primary=abc&attrition=-4&births_change=1e9").status_code == 200


def test_post_structure_pages_and_exports(district, offices, en_client, admin_user):
    give_titles(admin_user, district["p"], {"chinese": "first", "music": "senior"})
    en_client.force_login(offices["siming"])
    s, p = district["siming"].pk, district["p"].pk
    r = en_client.get(reverse("web:staffing_posts", args=[s]) + f"?year={YEAR}")
    assert r.status_code == 200 and r.context["total_promotions"] == 1
    assert 'id="posts-table"' in r.content.decode()
    district_page = en_client.get(reverse("web:staffing_district", args=[s]) + f"?year={YEAR}")
    assert reverse("web:staffing_posts", args=[s]) in district_page.content.decode()
    card = en_client.get(reverse("web:staffing_school", args=[p]) + f"?year={YEAR}")
    assert reverse("web:staffing_school_posts", args=[p]) in card.content.decode()
    r = en_client.get(reverse("web:staffing_school_posts", args=[p]) + f"?year={YEAR}")
    assert r.status_code == 200 and r.context["promotions"] == 1
    export = en_client.get(reverse("web:staffing_posts_export", args=[s]) + f"?year={YEAR}")
    ws = load_workbook(io.BytesIO(export.content), read_only=True)["Post structure"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("school_code", "school_name", "stage", "posts")
    assert rows[-1][3] == 104  # the district total
    school_export = en_client.get(
        reverse("web:staffing_school_posts_export", args=[p]) + f"?year={YEAR}"
    )
    assert school_export.status_code == 200
    # Another district's office: not found.
    en_client.force_login(offices["huli"])
    assert en_client.get(reverse("web:staffing_posts", args=[s])).status_code == 404
    assert en_client.get(reverse("web:staffing_school_posts", args=[p])).status_code == 404


def test_posts_export_has_chinese_headers_by_default(district, offices, client):
    client.force_login(offices["siming"])
    url = reverse("web:staffing_posts_export", args=[district["siming"].pk]) + f"?year={YEAR}"
    wb = load_workbook(io.BytesIO(client.get(url).content), read_only=True)
    assert wb.sheetnames == ["岗位结构", "参数"]
    header = next(wb["岗位结构"].iter_rows(values_only=True))
    assert header[:4] == ("学校代码", "学校名称", "学段", "岗位总数")


def test_api_scenario_and_posts(district, offices, admin_user):
    give_titles(admin_user, district["p"], {"chinese": "first", "music": "senior"})
    _, key = api_token_create(actor=offices["siming"], name="t")
    api = ApiClient(key)
    s, p = district["siming"].pk, district["p"].pk
    r = api.get(
        f"/api/staffing/districts/{s}/scenario",
        {"year": YEAR, "years": 2, "cap_primary": 35, "attrition": 0},
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["scenario"]["class_size_cap"] == {"primary": 35}
    assert [y["year"] for y in data["by_year"]] == [2026, 2027]
    assert data["changed"]["class_size_cap"]["primary"] == 35
    assert data["baseline"]["class_size_cap"]["primary"] == 45
    assert api.get(f"/api/staffing/districts/{s}/scenario", {"cap_primary": 5}).status_code == 422
    r = api.get(f"/api/staffing/districts/{s}/posts", {"year": YEAR})
    assert r.status_code == 200, r.content
    totals = r.json()["totals"]
    assert (totals["posts"], totals["promotions"], totals["bands"]["senior"]["allowed"]) == (
        104, 1, 12
    )  # fmt: skip
    r = api.get(f"/api/staffing/schools/{p}/posts", {"year": YEAR})
    assert r.status_code == 200 and r.json()["bands"]["intermediate"]["allowed"] == 22
    _, other = api_token_create(actor=offices["huli"], name="t")
    assert ApiClient(other).get(f"/api/staffing/districts/{s}/posts").status_code == 404
    assert ApiClient(other).get(f"/api/staffing/schools/{p}/posts").status_code == 404


def test_births_through_the_import_api_and_the_template(district, offices, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    _, key = api_token_create(actor=offices["siming"], name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    form = {"kind": "births", "file": SimpleUploadedFile("b.csv", births_csv(SIMING_BIRTHS))}
    r = api.post("/api/imports", form)
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "committed" and BirthRecord.objects.count() == 4
    client.force_login(offices["siming"])
    template = client.get(reverse("web:import_template", args=["births"]))
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.content), read_only=True)
    header = next(wb.worksheets[0].iter_rows(values_only=True))
    assert header[0].startswith("区划代码") and any(str(h).startswith("出生人口") for h in header)
