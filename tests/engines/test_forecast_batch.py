"""The array forms of the forecast (`engines.forecast_batch`, the numpy `teacher_supply`) give the
numbers of the scalar definitions, on random histories, births series, gaps and rolls."""

import random
from datetime import date

import numpy as np
import pytest

from qiangshi.engines import forecast as fc
from qiangshi.engines import forecast_batch as fb

BASE = 2026


def _history(rng: random.Random, grades: list[int], first: int, gaps: bool):
    history = {}
    size = rng.choice([5, 30, 200])
    for year in range(first, BASE + 1):
        if gaps and year != BASE and rng.random() < 0.25:
            continue  # a year with no return
        row = {}
        for g in grades:
            if rng.random() < 0.08:
                row[g] = 0  # an empty grade that year
            elif rng.random() < 0.05:
                continue  # the grade missing from that year's row
            else:
                row[g] = rng.randint(0, size)
        history[year] = row
    return history


def _units(seed: int, n: int = 120):
    rng = random.Random(seed)
    kinds = [
        list(range(1, 7)),
        list(range(7, 10)),
        list(range(1, 10)),
        list(range(10, 13)),
        [1, 2, 4, 5, 6],
    ]  # the last: a school with no grade 3
    births = []
    for _ in range(6):
        start = rng.randint(2005, 2012)
        end = rng.randint(2018, 2024)
        series = {y: rng.uniform(500, 5000) for y in range(start, end + 1)}
        for y in list(series):
            if rng.random() < 0.1 and y not in (start, end):
                del series[y]  # a missing year inside the series
        births.append(series)
    units = []
    for _ in range(n):
        grades = rng.choice(kinds)
        history = _history(rng, grades, rng.choice([2020, 2022]), gaps=rng.random() < 0.3)
        district = rng.randrange(len(births)) if rng.random() < 0.7 else -1
        units.append((history, district))
    return units, births


def _close(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _close(a[key], b[key])
    elif isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y)
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9)
    else:
        assert a == b


def _scalar(history, births, **kw):
    try:
        return fc.cohort_forecast(history, 10, births=births, **kw)
    except ValueError:
        return None


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"k": 1},
        {"k": 5, "trend_years": 3},
        {"intake_scale": 1.1},
        {"births_assumption": fc.BirthsAssumption(annual_change=-4)},
    ],
)
def test_many_units_at_once_equal_one_at_a_time(seed, options):
    units, births = _units(seed)
    # Units whose births reach no history year raise in the scalar form: forecast them by trend,
    # as the staffing selectors do.
    chosen = []
    for history, district in units:
        series = births[district] if district >= 0 else None
        if series is not None and _scalar(history, series, **options) is None:
            district = -1
        chosen.append((history, district))
    batch = fb.cohort_forecast_many(
        fb.Histories.from_mappings([h for h, _ in chosen]),
        10,
        births=births,
        births_of=np.array([d for _, d in chosen]),
        **options,
    )
    for i, (history, district) in enumerate(chosen):
        expected = fc.cohort_forecast(
            history, 10, births=births[district] if district >= 0 else None, **options
        )
        got = batch.forecast(i)
        for name in (
            "base_year",
            "years",
            "grades",
            "intake_method",
            "last_births_year",
            "births_assumption",
        ):
            assert getattr(got, name) == getattr(expected, name), (i, name)
        for name in ("central", "low", "high", "survival", "intake", "assumed_births"):
            _close(getattr(got, name), getattr(expected, name))
        if expected.entry_ratio is None:
            assert got.entry_ratio is None
        else:
            _close(got.entry_ratio, expected.entry_ratio)


def test_a_unit_the_births_cannot_reach_is_refused_with_its_index():
    history = {2025: {1: 10}, 2026: {1: 12}}
    with pytest.raises(ValueError, match="unit 1"):
        fb.cohort_forecast_many(
            fb.Histories.from_mappings([history, history]),
            3,
            births=[{2019: 100, 2020: 100}, {1990: 100}],
            births_of=np.array([0, 1]),
        )


def test_units_must_share_the_base_year():
    with pytest.raises(ValueError, match="last year"):
        fb.cohort_forecast_many(fb.Histories.from_mappings([{2025: {1: 10}}, {2026: {1: 10}}]), 2)


def test_classes_and_demand_arrays_equal_the_scalar_functions():
    rng = np.random.default_rng(4)
    params = fc.load_parameters()
    curriculum = fc.load_curriculum()
    students = rng.integers(0, 400, size=(50, 9)).astype(float)
    students[rng.random((50, 9)) < 0.1] = 0
    padded = np.zeros((50, 12))
    padded[:, :9] = students
    caps = fb.caps_by_grade(params.class_size_cap)
    classes = fb.classes_array(padded, caps)
    matrix = fb.DemandMatrix.build(curriculum, params.weekly_load)
    demand = matrix.demand(classes)
    for i in range(50):
        by_grade = {g: students[i, g - 1] for g in range(1, 10)}
        expected_classes = fc.classes_needed(by_grade, params.class_size_cap)
        assert [expected_classes[g] for g in range(1, 10)] == classes[i, :9].tolist()
        expected = fc.teacher_demand(expected_classes, curriculum, params.weekly_load)
        got = {}
        for c, (stage, subject) in enumerate(matrix.columns):
            if ((classes[i] > 0) & (matrix.matrix[:, c] != 0)).any():
                got.setdefault(stage, {})[subject] = demand[i, c]
        _close(got, expected)


def test_demand_for_a_grade_outside_the_curriculum_is_an_error():
    curriculum = fc.Curriculum(version="toy", periods={1: {"chinese": 8}})
    matrix = fb.DemandMatrix.build(curriculum, 15)
    classes = np.zeros(12)
    classes[1] = 2
    with pytest.raises(ValueError, match="no periods"):
        matrix.demand(classes)


def _supply_by_definition(teachers, years, table, rate, base):
    """The supply as the module docstring defines it, one teacher at a time."""
    supply = {year: {} for year in years}
    for year in years:
        for birth, gender, subject, stage in teachers:
            r = table.retirement_date(gender, birth)
            last = r.year if (r.month, r.day) > (9, 1) else r.year - 1
            by_subject = supply[year].setdefault(stage, {})
            by_subject.setdefault(subject, 0)
            by_subject[subject] += last >= year
        for by_subject in supply[year].values():
            for subject, n in by_subject.items():
                by_subject[subject] = n * (1 - rate) ** max(0, year - base)
    return supply


def test_the_supply_on_arrays_equals_the_definition():
    rng = random.Random(9)
    table = fc.load_parameters().retirement
    teachers = []
    for _ in range(3000):
        year = rng.randint(1962, 2000)
        month = rng.randint(1, 12)
        # month ends and 29 February, where the retirement day falls back
        day = rng.choice([1, 2, 15, 28, 29, 30, 31])
        while True:
            try:
                birth = date(year, month, day)
                break
            except ValueError:
                day -= 1
        teachers.append(
            fc.TeacherRecord(
                birth,
                rng.choice(["male", "female"]),
                rng.choice(["chinese", "music", "pe"]),
                rng.choice(["primary", "junior"]),
            )
        )
    years = list(range(2027, 2037))
    got = fc.teacher_supply(teachers, years, table, 0.02, base_year=2026)
    expected = _supply_by_definition(teachers, years, table, 0.02, 2026)
    _close(got, expected)
    assert fc.teacher_supply(iter(teachers), years, table, 0.02, base_year=2026) == got
    assert fc.teacher_supply([], years, table) == {year: {} for year in years}


def test_the_supply_refuses_a_birth_before_the_table():
    table = fc.RetirementTable(rows={"male": (((1950, 1), 720),), "female": (((1950, 1), 600),)})
    with pytest.raises(ValueError, match="no retirement age for male born 1949-12"):
        fc.teacher_supply([(date(1949, 12, 1), "male", "pe", "primary")], [2027], table)
