"""The demo-data engine: deterministic, plausible, and consistent with POLICY.md (no database)."""

from collections import Counter
from datetime import date

import pytest

from qiangshi.engines import demo_data, idcard

YEAR = 2026
TITLE_GRADES = {
    "third": range(13, 14),
    "second": range(11, 13),
    "first": range(8, 11),
    "senior": range(5, 8),
    "professor": range(1, 5),
}
TITLE_ORDER = ("third", "second", "first", "senior", "professor")


def _siming(seed: int = 1, max_schools: int | None = 6) -> demo_data.CityData:
    plan = demo_data.region_plan("district")
    return demo_data.generate_city(
        plan.cities[0], seed=seed, year=YEAR, size_factor=plan.size_factor, max_schools=max_schools
    )


def _teachers(city: demo_data.CityData, seed: int = 1) -> list[demo_data.TeacherSpec]:
    return list(demo_data.iter_teachers(city, seed=seed, ids=demo_data.IdAllocator()))


@pytest.fixture(scope="module")
def siming_teachers():
    city = _siming(max_schools=None)
    return city, _teachers(city)


def test_same_seed_gives_the_same_schools_names_and_ids():
    first, again = _siming(seed=7), _siming(seed=7)
    assert [s.name for s in first.schools] == [s.name for s in again.schools]
    assert first.enrollments == again.enrollments
    a, b = _teachers(first, seed=7), _teachers(again, seed=7)
    assert [(t.name, t.national_id, t.phone, t.birth_date) for t in a] == [
        (t.name, t.national_id, t.phone, t.birth_date) for t in b
    ]


def test_another_seed_gives_other_teachers():
    a = [t.national_id for t in _teachers(_siming(seed=1), seed=1)]
    b = [t.national_id for t in _teachers(_siming(seed=2), seed=2)]
    assert a != b


def test_region_paths_are_the_chain_of_codes():
    plan = demo_data.region_plan("city")
    by_code = {r.code: r for r in plan.regions}
    assert by_code["35"].path == "35/"
    assert by_code["3502"].path == "35/3502/" and by_code["3502"].is_pilot
    assert by_code["350203"].path == "35/3502/350203/"
    districts = {r.code: r for r in plan.regions if r.level == "district"}
    assert set(districts) == {"350203", "350205", "350206", "350211", "350212", "350213"}
    off_island = {code for code, r in districts.items() if r.is_off_island}
    assert off_island == {"350205", "350211", "350212", "350213"}
    for r in plan.regions:
        parent = by_code.get(r.parent_code)
        assert r.path == (parent.path if parent else "") + r.code + "/"


def test_district_scale_is_siming_only_and_province_adds_longyan_and_more_cities():
    assert [r.code for r in demo_data.region_plan("district").regions] == ["35", "3502", "350203"]
    province = demo_data.region_plan("province")
    codes = {r.code for r in province.regions}
    assert {"3508", "350802", "350803", "350821", "350823", "350824", "350825", "350881"} <= codes
    cities = [r for r in province.regions if r.level == "city"]
    assert len(cities) == 9
    assert [c.code for c in cities if c.is_pilot] == ["3502"]
    with pytest.raises(ValueError):
        demo_data.region_plan("country")


def test_city_scale_has_about_420_schools_in_the_real_mix_and_plausible_totals():
    plan = demo_data.region_plan("city")
    city = demo_data.generate_city(plan.cities[0], seed=2024, year=YEAR)
    schools = city.schools
    assert 400 <= len(schools) <= 440
    stages = Counter(s.stage for s in schools)
    assert 0.55 <= stages["primary"] / len(schools) <= 0.68
    assert 0.15 <= stages["junior"] / len(schools) <= 0.25
    assert stages["senior"] and stages["nine_year"] and stages["twelve_year"]
    assert len({s.code for s in schools}) == len(schools)
    assert len({s.name for s in schools}) == len(schools)
    assert all(s.code.startswith(s.district_code) and len(s.code) == 10 for s in schools)
    assert all(24.4 <= s.latitude <= 24.75 and 117.9 <= s.longitude <= 118.35 for s in schools)
    students = sum(s.students for s in schools)
    assert 700_000 <= students <= 1_000_000
    assert 40_000 <= sum(s.teachers for s in schools) <= 50_000
    island = [s for s in schools if s.district_code in ("350203", "350206")]
    assert sum(s.location == "urban" for s in island) / len(island) > 0.9
    rural = [s for s in schools if s.location == "rural"]
    assert rural and all(s.district_code not in ("350203", "350206") for s in rural)
    assert any(50 <= s.students < 100 for s in schools)
    assert 0.04 <= sum(s.ownership == "private" for s in schools) / len(schools) <= 0.12


def test_enrollment_moves_cohorts_up_a_grade_and_respects_class_caps():
    city = _siming(max_schools=None)
    rows = {(e.school_code, e.year, e.grade): e for e in city.enrollments}
    years = {e.year for e in city.enrollments}
    assert years == set(range(YEAR - 5, YEAR + 1))
    steps = []
    for (school, year, grade), e in rows.items():
        cap = 45 if grade <= 6 else 50
        assert e.students / e.classes <= cap
        before = rows.get((school, year - 1, grade - 1))
        if before and grade not in (7, 10) and before.students >= 100:
            steps.append(e.students / before.students)
    assert steps and all(0.85 <= s <= 1.15 for s in steps)


def test_national_ids_are_valid_unique_and_agree_with_the_teacher(siming_teachers):
    _, teachers = siming_teachers
    numbers = [t.national_id for t in teachers]
    assert len(set(numbers)) == len(numbers)
    for t in teachers:
        parsed = idcard.parse(t.national_id)
        assert parsed.birth_date == t.birth_date
        assert parsed.gender == t.gender
        assert 22 <= (YEAR - t.birth_date.year) <= 61
        assert len(t.phone) == 11 and t.phone[0] == "1" and t.phone[1] in "3456789"


def test_id_allocator_moves_on_when_a_number_is_taken():
    import random

    birth = date(1985, 3, 1)
    first = demo_data.IdAllocator().national_id(random.Random(1), "350203", birth, "female", ())
    taken = demo_data.IdAllocator(taken=lambda number: number == first)
    second = taken.national_id(random.Random(1), "350203", birth, "female", ())
    assert second != first
    assert idcard.parse(second).birth_date == birth


def test_each_teacher_has_one_open_employment_after_any_earlier_one(siming_teachers):
    _, teachers = siming_teachers
    with_prior = 0
    for t in teachers:
        open_jobs = [e for e in t.employments if e.end_date is None]
        assert len(open_jobs) == 1
        closed = [e for e in t.employments if e.end_date is not None]
        with_prior += bool(closed)
        for e in closed:
            assert e.start_date <= e.end_date < open_jobs[0].start_date
            assert e.school_code != open_jobs[0].school_code
    assert 0.15 <= with_prior / len(teachers) <= 0.35


def test_titles_climb_in_order_and_post_grades_match_the_title(siming_teachers):
    _, teachers = siming_teachers
    tops = Counter()
    for t in teachers:
        ranks = [r.rank for r in t.titles]
        assert ranks == sorted(ranks, key=TITLE_ORDER.index)
        dates = [r.obtained_on for r in t.titles]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert all(d >= t.work_start_date for d in dates)
        grade = t.current.post_grade
        if t.titles and t.current.post_category != "logistics":
            assert grade in TITLE_GRADES[t.titles[-1].rank]
        else:
            assert grade is None
        tops[t.titles[-1].rank if t.titles else None] += 1
    n = len(teachers)
    assert 0.08 <= tops["senior"] / n <= 0.25
    assert tops["professor"] / n < 0.02


def test_education_histories_and_degree_mix(siming_teachers):
    _, teachers = siming_teachers
    highest = Counter()
    studying = 0
    for t in teachers:
        ends = [e.end_date for e in t.education if e.end_date]
        assert ends == sorted(ends)
        studying += any(e.end_date is None for e in t.education)
        assert sum(e.end_date is None for e in t.education) <= 1
        done = [e for e in t.education if e.end_date]
        if t.stage == "primary" and t.current.post_category == "teaching":
            top = max(done, key=lambda e: demo_data._LEVEL_RANK[e.level]).level
            highest[top] += 1
    primary = sum(highest.values())
    assert 0.6 <= highest["bachelor"] / primary <= 0.8
    assert 0.01 <= studying / len(teachers) <= 0.06


def test_teaching_posts_have_a_subject_certificate_and_a_load(siming_teachers):
    _, teachers = siming_teachers
    teaching = [t for t in teachers if t.current.post_category == "teaching"]
    assert 0.85 <= len(teaching) / len(teachers) <= 0.95
    assert all(t.current.main_subject and t.current.is_full_time_teacher for t in teaching)
    certified = [t for t in teaching if t.certificates]
    assert 0.93 <= len(certified) / len(teaching) <= 1.0
    assert all(
        t.certificates[0].stage == t.stage and t.certificates[0].subject == t.current.main_subject
        for t in certified
    )
    assert all(
        len(t.teaching_loads) == 1 and 8 <= t.teaching_loads[0].weekly_periods <= 20
        for t in teaching
    )
    subjects = Counter(t.current.main_subject for t in teaching if t.stage == "primary")
    assert subjects.most_common(2)[0][0] in ("chinese", "mathematics")
    assert subjects["pe"] and subjects["music"] and subjects["fine_arts"]


def test_backbone_teachers_a_tenth_where_left_to_chance_a_fifth_where_staffed_to_standard():
    """Districts that have not worked towards the balance standard have about a tenth of their
    staff recognised as backbone teachers; those that staff to its minimum (1 per 100 students,
    POLICY §1) about a fifth."""
    plan = demo_data.region_plan("city")
    city = demo_data.generate_city(plan.cities[0], seed=3, year=YEAR, max_schools=12)
    teachers = _teachers(city, seed=3)
    as_of = date(YEAR, 9, 1)
    tier = {d.code: d.tier for d in plan.cities[0].districts}

    def backbone(t):
        return any(
            r.level != "school" and r.start_date <= as_of <= r.end_date for r in t.recognitions
        )

    def share(group):
        return sum(map(backbone, group)) / len(group)

    behind = [t for t in teachers if tier[t.current.school_code[:6]] == "behind"]
    staffed = [t for t in teachers if tier[t.current.school_code[:6]] != "behind"]
    assert 0.04 <= share(behind) <= 0.14
    assert 0.15 <= share(staffed) <= 0.30
    assert any(r.end_date < as_of for t in teachers for r in t.recognitions)


def test_cn_number():
    assert [demo_data.cn_number(n) for n in (1, 10, 12, 30, 99)] == [
        "一",
        "十",
        "十二",
        "三十",
        "九十九",
    ]


def test_births_series_matches_the_entrants_and_then_falls():
    city = _siming(max_schools=None)
    rows = demo_data.births_series(city, seed=1)
    assert rows == demo_data.births_series(city, seed=1)  # deterministic
    births = {y: n for d, y, n in rows if d == "350203"}
    entrants: dict[int, int] = {}
    for e in city.enrollments:
        if e.grade == 1:
            entrants[e.year] = entrants.get(e.year, 0) + e.students
    # One ratio of entrants to births for the district, between 0.85 and 1.05.
    ratios = {round(entrants[y] / births[y - 6], 2) for y in entrants}
    assert max(ratios) - min(ratios) <= 0.02 and 0.84 <= min(ratios) <= 1.06
    last = max(y - 6 for y in entrants)
    future = [births[y] for y in range(last, last + 6)]
    assert sorted(years := list(births)) == years and len(future) == 6
    assert all(b < a for a, b in zip(future, future[1:], strict=False))
