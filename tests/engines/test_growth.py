"""Growth paths evaluated on hand-made facts: milestones reached and when, the next one and what
it lacks, and missing data kept missing."""

from datetime import date

import pytest

from qiangshi.engines.growth import Criterion, Milestone, Path, TeacherFacts, evaluate

TODAY = date(2026, 6, 1)
PATH = Path(
    "teaching",
    {"zh": "教学", "en": "Teaching"},
    (
        Milestone("new", {}, (Criterion("years", 0),)),
        Milestone("qualified", {}, (Criterion("years", 1), Criterion("hours", 120))),
        Milestone(
            "backbone",
            {},
            (
                Criterion("years", 5),
                Criterion("title", 2),  # first-grade
                Criterion("recognition", 1, frozenset({"backbone"})),  # district
            ),
        ),
    ),
)


def facts(**extra):
    return TeacherFacts(today=TODAY, **extra)


def test_a_teacher_with_everything_reaches_every_milestone_on_the_latest_criterion_date():
    f = facts(
        work_start=date(2015, 9, 1),
        training=((date(2016, 3, 1), 100.0, "centralised"), (date(2016, 5, 2), 30.0, "online")),
        titles=((1, date(2017, 9, 1)), (2, date(2021, 12, 1))),
        recognitions=(("backbone", 1, date(2022, 9, 1)),),
    )
    r = evaluate(PATH, f)
    assert [m.reached for m in r.milestones] == [True, True, True]
    assert r.milestones[0].reached_on == date(2015, 9, 1)
    # one year on 2016-09-01; 120 hours on 2016-05-02: the later of the two
    assert r.milestones[1].reached_on == date(2016, 9, 1)
    assert r.milestones[2].reached_on == date(2022, 9, 1)
    assert r.next is None and r.current.milestone.code == "backbone"


def test_the_next_milestone_lists_only_what_is_missing_with_what_the_teacher_has():
    f = facts(
        work_start=date(2019, 9, 1),
        training=((date(2020, 1, 1), 130.0, "centralised"),),
        titles=((1, date(2021, 9, 1)),),
        recognitions=(("backbone", 0, date(2022, 1, 1)),),  # school level: not enough
    )
    r = evaluate(PATH, f)
    assert r.current.milestone.code == "qualified" and r.next.milestone.code == "backbone"
    missing = {c.criterion.kind: c.have for c in r.next.missing}
    assert missing == {"title": 1, "recognition": 0}  # six years and more: met
    assert not r.next.reached


def test_a_teacher_without_a_work_start_date_has_years_unknown_not_zero():
    r = evaluate(PATH, facts(training=((date(2020, 1, 1), 200.0, "online"),)))
    first = r.milestones[0].criteria[0]
    assert first.have is None and not first.met
    assert r.current is None and r.next.milestone.code == "new"


def test_hours_of_other_categories_and_after_today_do_not_count():
    m = Milestone("digital", {}, (Criterion("hours", 30, frozenset({"online"})),))
    f = facts(
        training=(
            (date(2025, 1, 1), 20.0, "online"),
            (date(2025, 2, 1), 50.0, "centralised"),
            (date(2026, 7, 1), 20.0, "online"),  # after today
        )
    )
    c = evaluate(Path("p", {}, (m,)), f).milestones[0].criteria[0]
    assert (c.met, c.have) == (False, 20.0)


def test_literacy_is_met_in_the_first_year_reaching_it_and_shows_the_latest_score():
    m = Milestone("lit", {}, (Criterion("literacy", 3),))
    f = facts(literacy=((2024, 2.5), (2025, 3.2), (2026, 2.9)))
    c = evaluate(Path("p", {}, (m,)), f).milestones[0].criteria[0]
    assert (c.met, c.met_on, c.have) == (True, date(2025, 1, 1), 2.9)


def test_a_title_with_no_date_reaches_the_milestone_without_a_date():
    m = Milestone("t", {}, (Criterion("title", 2),))
    r = evaluate(Path("p", {}, (m,)), facts(titles=((3, None),)))
    assert r.milestones[0].reached and r.milestones[0].reached_on is None


def test_an_unknown_criterion_kind_is_refused():
    with pytest.raises(ValueError):
        evaluate(Path("p", {}, (Milestone("x", {}, (Criterion("papers", 1),)),)), facts())


def test_the_docstring_examples_hold():
    import doctest

    from qiangshi.engines import growth, literacy_stats

    for module in (growth, literacy_stats):
        assert doctest.testmod(module).failed == 0
