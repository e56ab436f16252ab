"""Quality-balance pages: region, district, school and the xlsx export, on the tiny registry
world of the balance adapter tests (Siming: P, N, J; Huli: H)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.balance.selectors import district_report
from qiangshi.web.views.balance import change_text, fmt_cv, fmt_value
from tests import factories
from tests.balance.conftest import YEAR, tiny  # noqa: F401  (the fixture)


@pytest.fixture
def client(client):
    """Pages in English (the msgids), whatever the default language."""
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def users(tiny, tree):  # noqa: F811
    return {
        "bureau": factories.user("bureau", region=tree["xiamen"]),
        "district": factories.user("district", region=tree["siming"]),
        "other_district": factories.user("district", region=tree["huli"]),
        "pilot": factories.user("pilot"),
        "school_p": factories.user("school", school=tiny["p"]),
        "teacher": factories.user("teacher"),
        "auditor": factories.user("auditor"),
    }


def _district_url(tiny, stage="primary", name="web:balance_district"):  # noqa: F811
    return reverse(name, args=[tiny["siming"].pk]) + f"?year={YEAR}&stage={stage}"


@pytest.mark.parametrize("role", ["bureau", "district", "pilot"])
def test_district_page_renders_for_offices_and_pilot(client, tiny, users, role):  # noqa: F811
    client.force_login(users[role])
    response = client.get(_district_url(tiny))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="indicator-cards"' in body and "echarts.min.js" in body
    assert "2017.1" in body and "教督〔2017〕6号" in body  # the rule set and its source
    assert response.context["result"].stage == "primary"
    assert [r["code"] for r in response.context["rows"]] == ["N", "P"]


def test_district_page_numbers_match_district_report(client, tiny, users):  # noqa: F811
    client.force_login(users["district"])
    for stage in ("primary", "junior"):
        response = client.get(_district_url(tiny, stage))
        (expected,) = district_report(district=tiny["siming"], year=YEAR, stages=(stage,))
        shown = response.context["result"]
        assert shown == expected
        body = response.content.decode()
        cards = {i["key"]: i for i in response.context["indicators"]}
        for key, ind in expected.indicators.items():
            assert cards[key]["mean"] == pytest.approx(ind.mean)
            assert cards[key]["cv"] == (None if ind.cv is None else pytest.approx(ind.cv))
            assert fmt_value(key, ind.mean) in body
            assert fmt_cv(ind.cv) in body
        for school in expected.schools:
            for key, value in school.values.items():
                assert fmt_value(key, value) in body


def test_district_page_lists_failing_schools_with_changes_and_contributors(
    client,
    tiny,  # noqa: F811
    users,
):
    client.force_login(users["district"])
    response = client.get(_district_url(tiny))
    (expected,) = district_report(district=tiny["siming"], year=YEAR, stages=("primary",))
    failing = response.context["failing"]
    assert [r["code"] for r in failing] == [s.code for s in expected.failing_schools]
    p = next(r for r in failing if r["code"] == "P")
    shortfalls = next(s for s in expected.failing_schools if s.code == "P").shortfalls
    assert p["changes"] == [change_text(f.resource, f.add) for f in shortfalls]
    # P: 3 higher-degree teachers for 300 pupils; it may miss one indicator at 85% of 4.2 per
    # 100, that is 10.71 → 11 teachers: +8.
    body = response.content.decode()
    assert "+8 teachers with a degree above the requirement" in body
    over = [i["key"] for i in response.context["over_limit"]]
    assert over == [k for k, i in expected.indicators.items() if not i.within_limit]
    if over:
        assert 'id="contributors"' in body


def test_junior_page_lists_the_school_without_facility_record(client, tiny, users):  # noqa: F811
    client.force_login(users["district"])
    response = client.get(_district_url(tiny, "junior"))
    assert [e["code"] for e in response.context["excluded"]] == ["J"]
    assert "no facility record for the year" in response.content.decode()


def test_region_page_shows_every_district_in_scope(client, tiny, users, tree):  # noqa: F811
    client.force_login(users["bureau"])
    response = client.get(reverse("web:balance_region") + f"?year={YEAR}")
    assert response.status_code == 200
    names = [r["district"].code for r in response.context["rows"]]
    assert names == [tree["siming"].code, tree["huli"].code]
    siming = response.context["rows"][0]
    primary = siming["stages"][0]
    (expected,) = district_report(district=tiny["siming"], year=YEAR, stages=("primary",))
    assert primary["state"] == ("passed" if expected.passed else "failed")
    assert primary["failing"] == len(expected.failing_schools)
    assert _district_url(tiny, "primary") in response.content.decode().replace("&amp;", "&")

    client.force_login(users["district"])
    response = client.get(reverse("web:balance_region") + f"?year={YEAR}")
    assert [r["district"].code for r in response.context["rows"]] == [tree["siming"].code]


def test_school_page_shows_values_minimum_and_district_mean(client, tiny, users):  # noqa: F811
    client.force_login(users["district"])
    n = tiny["n"]
    response = client.get(reverse("web:balance_school", args=[n.pk]) + f"?year={YEAR}")
    assert response.status_code == 200
    parts = {p["stage"]: p for p in response.context["parts"]}
    assert sorted(parts) == ["junior", "primary"]  # a nine-year school: both parts
    expected = {r.stage: r for r in district_report(district=tiny["siming"], year=YEAR)}
    for stage, part in parts.items():
        own = next(s for s in expected[stage].schools if s.code == "N")
        for line in part["lines"]:
            assert line["value"] == pytest.approx(own.values[line["key"]])
            assert line["mean_text"] == fmt_value(
                line["key"], expected[stage].indicators[line["key"]].mean
            )
    assert response.context["district_url"]


def test_school_admin_sees_own_school_but_not_the_district(client, tiny, users):  # noqa: F811
    client.force_login(users["school_p"])
    own = reverse("web:balance_school", args=[tiny["p"].pk]) + f"?year={YEAR}"
    assert client.get(own).status_code == 200
    other = reverse("web:balance_school", args=[tiny["n"].pk]) + f"?year={YEAR}"
    assert client.get(other).status_code == 404
    # The district page reports the whole district: a school sees only part of it.
    assert client.get(_district_url(tiny)).status_code == 404
    assert client.get(_district_url(tiny, name="web:balance_district_export")).status_code == 404
    assert client.get(reverse("web:balance_region")).context["rows"] == []


def test_outside_scope_is_404_and_teacher_is_403(client, tiny, users):  # noqa: F811
    client.force_login(users["other_district"])
    assert client.get(_district_url(tiny)).status_code == 404
    assert client.get(_district_url(tiny, name="web:balance_district_export")).status_code == 404
    school = reverse("web:balance_school", args=[tiny["p"].pk])
    assert client.get(school).status_code == 404
    for role in ("teacher", "auditor"):
        client.force_login(users[role])
        for url in (reverse("web:balance_region"), _district_url(tiny), school):
            assert client.get(url).status_code == 403


def test_nav_link_only_for_roles_that_aggregate(client, tiny, users):  # noqa: F811
    url = reverse("web:balance_region")
    client.force_login(users["district"])
    assert f'href="{url}"' in client.get(reverse("web:dashboard")).content.decode()
    client.force_login(users["teacher"])
    assert f'href="{url}"' not in client.get(reverse("web:dashboard")).content.decode()


def test_odd_parameters_never_crash(client, tiny, users):  # noqa: F811
    client.force_login(users["bureau"])
    base = reverse("web:balance_district", args=[tiny["siming"].pk])
    for query in ("year=abc", "year=1800", "stage=senior", "year=2030", "year=99999999999"):
        assert client.get(f"{base}?{query}").status_code == 200, query
        assert client.get(reverse("web:balance_region") + f"?{query}").status_code == 200
    assert client.get(reverse("web:balance_district", args=[999999])).status_code == 404


def test_export_has_both_sheets(client, tiny, users):  # noqa: F811
    client.force_login(users["district"])
    response = client.get(_district_url(tiny, name="web:balance_district_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["School values", "Indicator CVs"]
    values = [row for row in book["School values"].iter_rows(values_only=True)]
    codes = [row[1] for row in values if row[0] in (1, 2)]
    assert codes == ["N", "P"]
    assert any(row[-2] == "Not passed" for row in values)
    (expected,) = district_report(district=tiny["siming"], year=YEAR, stages=("primary",))
    cvs = {row[1]: row for row in book["Indicator CVs"].iter_rows(values_only=True) if row[0]}
    label = "Backbone teachers of district level or above per 100 students"
    cv = expected.indicators["backbone_teachers_per_100"].cv
    assert cvs[label][6] == pytest.approx(cv, abs=1e-4)


def test_pages_in_chinese(client, tiny, users):  # noqa: F811
    client.force_login(users["district"])
    client.cookies["django_language"] = "zh-hans"
    body = client.get(_district_url(tiny)).content.decode()
    assert "差异系数" in body and "优质均衡" in body


def _card(body: str, key: str) -> str:
    start = body.index(f'id="card-{key}"')
    end = body.find('id="card-', start + 1)
    return body[start : end if end > 0 else body.index('id="two-tests"')]


def test_level_and_spread_are_two_verdicts_each_with_its_own_text_and_colour(
    client,
    tiny,  # noqa: F811
    users,
):
    # Primary, higher-degree teachers: the district mean is 1.05 per 100 students against a
    # minimum of 4.2, and the CV 0.053 is within 0.50: the spread passes, the level fails.
    client.force_login(users["district"])
    response = client.get(_district_url(tiny))
    body = response.content.decode()
    card = _card(body, "higher_degree_teachers_per_100")
    level = card[card.index('data-test="level"') - 60 :]
    assert 'class="badge text-bg-danger" data-test="level" data-met="0"' in card
    assert "Level: mean below the minimum" in level
    assert 'class="badge text-bg-success" data-test="spread" data-met="1"' in card
    assert "Spread: CV within the limit" in card
    assert "border-danger" in body[body.index('id="card-higher_degree') - 40 :][:80]
    # Teaching area: 7.22 m² against 4.5, CV 0.34: both tests pass, both green.
    card = _card(body, "teaching_area_per_student")
    assert 'class="badge text-bg-success" data-test="level" data-met="1"' in card
    assert "Level: mean reaches the minimum" in card
    assert 'class="badge text-bg-success" data-test="spread" data-met="1"' in card
    assert 'id="two-tests"' in body
    below = [i["key"] for i in response.context["below_minimum"]]
    assert below == [
        "higher_degree_teachers_per_100",
        "backbone_teachers_per_100",
        "pe_arts_teachers_per_100",
    ]
    assert "3 of 7 indicators with the district mean below the minimum" in body
    # Junior, backbone teachers: none at all, so the CV is undefined: both tests fail, both red.
    body = client.get(_district_url(tiny, "junior")).content.decode()
    card = _card(body, "backbone_teachers_per_100")
    assert 'class="badge text-bg-danger" data-test="level" data-met="0"' in card
    assert 'class="badge text-bg-danger" data-test="spread" data-met="0"' in card
    assert "Spread: CV over the limit" in card


def test_level_and_spread_in_chinese_the_export_and_the_command(client, tiny, users):  # noqa: F811
    import json

    from django.core.management import call_command

    client.cookies["django_language"] = "zh-hans"
    client.force_login(users["district"])
    body = client.get(_district_url(tiny)).content.decode()
    card = _card(body, "higher_degree_teachers_per_100")
    assert "均值低于最低标准" in card and "差异系数未超标" in card
    assert "未超标" not in card.replace("差异系数未超标", "")  # never a bare "within the limit"
    client.cookies["django_language"] = "en"
    export = client.get(_district_url(tiny, name="web:balance_district_export"))
    book = load_workbook(io.BytesIO(export.content), read_only=True)
    rows = list(book["Indicator CVs"].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "No.")
    spread = header.index("Spread: CV within the limit")
    level = header.index("Level: mean reaches the minimum")
    first = next(r for r in rows if r[0] == 1)  # higher-degree teachers
    assert (first[spread], first[level]) == ("Yes", "No")
    out = io.StringIO()
    call_command(
        "balance", "report", "--district", tiny["siming"].code, "--year", str(YEAR),
        "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    primary = data[0] if isinstance(data, list) else data["results"][0]
    higher = primary["indicators"]["higher_degree_teachers_per_100"]
    assert (higher["within_limit"], higher["mean_reaches_minimum"]) == (True, False)
    assert primary["means_below_minimum"][0] == "higher_degree_teachers_per_100"


@pytest.fixture
def public_only_rules(monkeypatch):
    """The installed rule set, as a province whose evaluation leaves private schools out."""
    from dataclasses import replace

    from qiangshi.balance import rules as balance_rules

    installed = balance_rules.load_rule_sets()
    public_only = tuple(
        replace(r, version=f"{r.version}-public", include_private=False) for r in installed
    )
    monkeypatch.setattr(balance_rules, "_installed", lambda: public_only)
    return public_only


@pytest.mark.parametrize("counted", [True, False])
def test_private_schools_in_the_balance_evaluation_both_ways(
    client,
    tiny,  # noqa: F811
    users,
    counted,
    request,
):
    import json

    from django.core.management import call_command

    if not counted:
        request.getfixturevalue("public_only_rules")
    tiny["n"].ownership = "private"
    tiny["n"].save()
    (result,) = district_report(district=tiny["siming"], year=YEAR, stages=("primary",))
    assert result.private_schools_counted is counted
    judged = [s.code for s in result.schools]
    excluded = [(e.code, e.reason) for e in result.excluded]
    if counted:
        assert judged == ["N", "P"] and excluded == []
    else:
        assert judged == ["P"] and excluded == [("N", "private")]
    client.force_login(users["district"])
    body = client.get(_district_url(tiny)).content.decode()
    note = body[body.index('id="private-scope"') :][:200]
    if counted:
        assert "Public and private schools are both evaluated" in note
    else:
        assert "Public schools only: private schools are not evaluated" in note
        assert "private school (this rule set evaluates public schools only)" in body
    export = client.get(_district_url(tiny, name="web:balance_district_export"))
    sub = next(load_workbook(io.BytesIO(export.content), read_only=True).active.iter_rows(
        min_row=2, max_row=2, values_only=True
    ))[0]  # fmt: skip
    assert ("both evaluated" in sub) is counted
    out = io.StringIO()
    call_command(
        "balance", "report", "--district", tiny["siming"].code, "--year", str(YEAR),
        "--stage", "primary", "--format", "json", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["private_schools_counted"] is counted
