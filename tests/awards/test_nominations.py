"""Nominating within quotas, refused with the reason: over quota, outside the window, a rule
not met, data missing, an ethics bar."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from qiangshi.awards import selectors, services
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.ethics import services as ethics
from qiangshi.workflow.selectors import item_for
from tests import factories

from .conftest import NOMINATED, nominate, qualify


def test_school_nominates_an_eligible_teacher(qualified, round_):
    n = nominate(qualified, round_)
    assert item_for("award_nomination", n.pk).state == "nominated"
    assert {r["rule"]: r["status"] for r in n.eligibility} == {
        "teaching_years": "pass", "appraisals": "pass", "appraisal_excellent": "pass",
        "ethics_bar": "pass", "not_recently_awarded": "pass",
    }  # fmt: skip
    assert n.rule_version == round_.rule_version
    assert AuditLog.objects.filter(action="awards.nomination.create").count() == 1


def test_over_the_school_quota_is_refused_with_the_reason(qualified, round_):
    world = qualified
    other = factories.teacher(world["users"]["admin"], world["schools"]["a"], "周敏")
    qualify(world["users"]["admin"], other)
    nominate(world, round_)
    with pytest.raises(ApplicationError) as e:
        services.nomination_create(
            actor=world["users"]["school"], round_pk=round_.pk, teacher_pk=other.pk,
            citation="事迹", today=NOMINATED,
        )  # fmt: skip
    assert e.value.code == "quota"
    assert "1" in e.value.message_en and "quota" in e.value.message_en
    assert "名额" in e.value.message_zh


def test_a_raised_school_quota_admits_a_second_nomination(qualified, round_):
    world = qualified
    other = factories.teacher(world["users"]["admin"], world["schools"]["a"], "周敏")
    qualify(world["users"]["admin"], other)
    services.quota_set(
        actor=world["users"]["bureau"], round_pk=round_.pk, quota=2,
        school_pk=world["schools"]["a"].pk,
    )  # fmt: skip
    nominate(world, round_)
    services.nomination_create(
        actor=world["users"]["school"], round_pk=round_.pk, teacher_pk=other.pk,
        citation="事迹", today=NOMINATED,
    )  # fmt: skip
    use = selectors.quota_use(round_, world["schools"]["a"])
    assert (use.school_quota, use.school_used, use.school_left) == (2, 2, 0)


def test_the_district_quota_counts_every_school_of_the_district(qualified, round_):
    world = qualified
    services.quota_set(
        actor=world["users"]["bureau"], round_pk=round_.pk, quota=1,
        district_pk=world["tree"]["siming"].pk,
    )  # fmt: skip
    nominate(world, round_)
    school_b = factories.user("school", username="school-b", school=world["schools"]["b"])
    with pytest.raises(ApplicationError) as e:
        services.nomination_create(
            actor=school_b, round_pk=round_.pk, teacher_pk=world["teachers"]["b"].pk,
            citation="事迹", today=NOMINATED,
        )  # fmt: skip
    assert e.value.code == "quota" and "district" in e.value.message_en


def test_a_withdrawn_nomination_frees_its_place(qualified, round_):
    world = qualified
    n = nominate(world, round_)
    services.nomination_step(
        actor=world["users"]["school"], nomination_pk=n.pk, step="withdraw", comment="本人放弃",
        today=NOMINATED,
    )  # fmt: skip
    assert selectors.quota_use(round_, world["schools"]["a"]).school_used == 0


@pytest.mark.parametrize("day", [date(2026, 4, 30), date(2026, 7, 1)])
def test_outside_the_nomination_window_is_refused(qualified, round_, day):
    with pytest.raises(ApplicationError) as e:
        nominate(qualified, round_, today=day)
    assert "round" in e.value.fields


def test_an_ethics_bar_refuses_the_nomination_with_the_rule(qualified, round_):
    world = qualified
    ethics.sanction_record(
        actor=world["users"]["bureau"], teacher_pk=world["teachers"]["a"].pk, kind="warning",
        decided_on=date(2026, 1, 10),
    )  # fmt: skip
    with pytest.raises(ApplicationError) as e:
        nominate(world, round_)
    assert e.value.code == "ineligible" and e.value.rules == ["ethics_bar"]
    assert "2028" in e.value.message  # a violation bars awards for 24 months


def test_missing_data_refuses_and_is_shown_as_missing(world, round_):
    with pytest.raises(ApplicationError) as e:
        nominate(world, round_)
    assert set(e.value.rules) == {"teaching_years", "appraisals", "appraisal_excellent"}
    assert "not recorded" in e.value.message_en
    rows = selectors.school_candidates(
        actor=world["users"]["school"], round_=round_, school=world["schools"]["a"]
    )
    statuses = {r["rule"]: r["status"] for r in rows[0].reasons}
    assert statuses["teaching_years"] == "missing" and not rows[0].eligible


def test_a_grade_below_competent_fails(world, round_):
    qualify(
        world["users"]["admin"], world["teachers"]["a"], grades=("excellent", "basic", "competent")
    )
    with pytest.raises(ApplicationError) as e:
        nominate(world, round_)
    assert e.value.rules == ["appraisals"] and "2024" in e.value.message


def test_twice_in_a_round_is_refused(qualified, round_):
    nominate(qualified, round_)
    with pytest.raises(ApplicationError):
        nominate(qualified, round_)


def test_only_a_school_administrator_nominates_and_only_its_own_teachers(qualified, round_):
    with pytest.raises(PermissionDenied):
        nominate(qualified, round_, user="district")
    with pytest.raises(NotFound):
        nominate(qualified, round_, teacher="b")  # works at another school


def test_rounds_are_created_by_the_bureau_with_the_rule_file_quotas(world, round_):
    assert (round_.school_quota, round_.district_quota, round_.rule_version) == (1, 10, "2024")
    assert round_.reference_date == date(2026, 6, 30)
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=world["users"]["district"], kind="excellent_teacher", year=2026, level="district",
            title="x", nominations_open_on=date(2026, 5, 1), nominations_close_on=date(2026, 6, 1),
        )  # fmt: skip
    with pytest.raises(ApplicationError):
        services.round_create(
            actor=world["users"]["bureau"], kind="excellent_teacher", year=2026, level="city",
            title="x", nominations_open_on=date(2026, 5, 1), nominations_close_on=date(2026, 6, 1),
        )  # fmt: skip
