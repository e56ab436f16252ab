"""Time staffing quotas and a 10-year teacher demand/supply forecast at province scale.

    uv run python benchmarks/forecast.py [--schools 4000] [--teachers 400000] [--years 10]

Builds a synthetic province (about 100 districts of 40 schools: primary, junior, nine-year and
senior schools; five years of enrollment by grade; births per district for half the districts;
teachers with birth date, gender, subject and stage), then times, with the pure engines
(`qiangshi.engines.staffing`, `qiangshi.engines.forecast`):

  1. the 2014 quota of every school (per stage part, small-school rule from class counts);
  2. a cohort forecast of every school for 10 years (low / central / high);
  3. classes per school, grade and year, summed per district, and the demand per district, year,
     stage and subject;
  4. supply per district, year, stage and subject (retirement table, 2% attrition);
  5. the gap, demand − supply.

The same computation written as a plain pandas group-by is timed as the baseline, its results are
checked against the engines', and the ratio is printed. The issue's target is under 10 s on two
cores. Senior schools get quotas and enrollment forecasts; their teacher demand needs a senior
curriculum table, which is not shipped, so demand and supply cover primary and junior stages.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qiangshi.engines import forecast as fc  # noqa: E402
from qiangshi.engines import forecast_batch as fb  # noqa: E402
from qiangshi.engines import staffing as st  # noqa: E402

FIRST_YEAR, BASE_YEAR = 2022, 2026  # five years of history, the roll of school year 2026
KINDS = {  # kind → (share of schools, stage parts with their grades)
    "primary": (0.55, {"primary": range(1, 7)}),
    "junior": (0.25, {"junior": range(7, 10)}),
    "nine_year": (0.12, {"primary": range(1, 7), "junior": range(7, 10)}),
    "senior": (0.08, {"senior": range(10, 13)}),
}


def build_province(n_schools: int, n_teachers: int, seed: int = 7):
    """Synthetic schools, births and teachers (plain lists and dicts, as an adapter would pass)."""
    rng = random.Random(seed)
    curriculum = fc.load_curriculum()
    n_districts = max(1, n_schools // 40)
    births = {}
    for d in range(n_districts):
        if d % 2 == 0:  # half the districts have loaded a births series
            level = rng.uniform(2000, 9000)
            births[d] = {y: level * (1 - 0.03 * (y - 2010)) for y in range(2010, 2025)}
    kinds, weights = list(KINDS), [share for share, _ in KINDS.values()]
    schools = []
    for i in range(n_schools):
        kind = rng.choices(kinds, weights)[0]
        # pupils per grade: small rural schools, ordinary and large town schools
        size = rng.choice([rng.uniform(10, 40), rng.uniform(80, 300), rng.uniform(300, 900)])
        history = {}
        for year in range(FIRST_YEAR, BASE_YEAR + 1):
            row = {}
            for grades in KINDS[kind][1].values():
                for g in grades:
                    cohort_drift = 1 + 0.02 * (year - FIRST_YEAR) - 0.01 * g
                    row[g] = max(0, round(size * cohort_drift * rng.uniform(0.9, 1.1)))
            history[year] = row
        schools.append(
            {
                "id": i,
                "district": i % n_districts,
                "kind": kind,
                "location": rng.choice(st.LOCATIONS),
                "boarding": rng.random() < 0.1,
                "stages": KINDS[kind][1],
                "history": history,
            }
        )
    # Teachers: spread over primary/junior stage parts in proportion to their pupils, subjects in
    # proportion to the stage's weekly periods.
    stage_subjects = {}
    for stage, grades in (("primary", range(1, 7)), ("junior", range(7, 10))):
        periods = defaultdict(float)
        for g in grades:
            for subject, n in curriculum.periods[g].items():
                if subject not in curriculum.shared_subjects:  # taught by everyone, no one's own
                    periods[subject] += n
        stage_subjects[stage] = (list(periods), list(periods.values()))
    parts = []
    for s in schools:
        for stage, grades in s["stages"].items():
            if stage in stage_subjects:
                pupils = sum(s["history"][BASE_YEAR].get(g, 0) for g in grades)
                parts.append((s["district"], stage, pupils))
    total_pupils = sum(p for _, _, p in parts) or 1
    teachers = []
    for district, stage, pupils in parts:
        subjects, subject_weights = stage_subjects[stage]
        count = round(n_teachers * pupils / total_pupils)
        chosen = rng.choices(subjects, subject_weights, k=count)
        for subject in chosen:
            birth = date(rng.randint(1964, 2003), rng.randint(1, 12), rng.randint(1, 28))
            gender = "female" if rng.random() < 0.7 else "male"
            teachers.append((district, birth, gender, subject, stage))
    return schools, births, teachers


def run_engines(schools, births, teachers, years: int):
    """The whole computation with the pure engines; returns (timings, quotas, gap)."""
    rules = st.load_rules("2014")
    params = fc.load_parameters()
    curriculum = fc.load_curriculum()
    caps, loads = params.class_size_cap, params.weekly_load
    timings = {}

    started = time.perf_counter()
    quotas = {}
    for s in schools:
        latest = s["history"][BASE_YEAR]
        enrollment = {
            stage: sum(latest[g] for g in grades) for stage, grades in s["stages"].items()
        }
        classes = {
            stage: sum(fc.classes_needed(latest[g], caps.get(stage, 50)) for g in grades)
            for stage, grades in s["stages"].items()
        }
        quotas[s["id"]] = st.school_quota(
            enrollment, s["location"], rules, boarding=s["boarding"], classes_by_stage=classes
        )
    timings["quotas"] = time.perf_counter() - started

    started = time.perf_counter()
    histories = fb.Histories.from_mappings([s["history"] for s in schools])
    districts = sorted(births)
    series_of = {d: i for i, d in enumerate(districts)}
    births_of = np.array(
        [series_of.get(s["district"], -1) if s["kind"] != "senior" else -1 for s in schools]
    )
    timings["arrays from the input"] = time.perf_counter() - started

    started = time.perf_counter()
    forecasts = fb.cohort_forecast_many(
        histories, years, births=[births[d] for d in districts], births_of=births_of
    )
    timings["enrollment forecast"] = time.perf_counter() - started

    started = time.perf_counter()
    compulsory = np.array([s["kind"] != "senior" for s in schools])
    district_of = np.array([s["district"] for s in schools])
    classes = fb.classes_array(forecasts.central[compulsory], fb.caps_by_grade(caps))
    n_districts = int(district_of.max()) + 1
    by_district_classes = np.zeros((n_districts, *classes.shape[1:]))
    np.add.at(by_district_classes, district_of[compulsory], classes)
    matrix = fb.DemandMatrix.build(curriculum, loads)
    fte = matrix.demand(by_district_classes)  # (district, year, column)
    demand = defaultdict(dict)
    used = sorted(set(district_of[compulsory].tolist()))
    for district in used:
        for f, year in enumerate(forecasts.future.tolist()):
            by_stage = {}
            for c, (stage, subject) in enumerate(matrix.columns):
                value = fte[district, f, c]
                if value:
                    by_stage.setdefault(stage, {})[subject] = float(value)
            demand[district][year] = by_stage
    timings["classes and demand"] = time.perf_counter() - started

    started = time.perf_counter()
    by_district = defaultdict(list)
    for district, birth, gender, subject, stage in teachers:
        by_district[district].append((birth, gender, subject, stage))
    future = list(range(BASE_YEAR + 1, BASE_YEAR + 1 + years))
    supply = {
        district: fc.teacher_supply(
            roll, future, params.retirement, params.attrition_rate, base_year=BASE_YEAR
        )
        for district, roll in by_district.items()
    }
    timings["supply"] = time.perf_counter() - started

    started = time.perf_counter()
    gaps = {d: fc.gap(demand.get(d, {}), supply.get(d, {})) for d in set(demand) | set(supply)}
    timings["gap"] = time.perf_counter() - started
    return timings, quotas, gaps


def run_pandas(schools, births, teachers, years: int):
    """The same computation as plain pandas group-bys; returns (timings, quota totals, gap)."""
    import numpy as np
    import pandas as pd

    rules = st.load_rules("2014")
    params = fc.load_parameters()
    curriculum = fc.load_curriculum()
    timings = {}
    started = time.perf_counter()
    rows = [
        (s["id"], s["district"], s["kind"], s["location"], s["boarding"], year, g, n)
        for s in schools
        for year, by_grade in s["history"].items()
        for g, n in by_grade.items()
    ]
    columns = ["school", "district", "kind", "location", "boarding", "year", "grade", "students"]
    hist = pd.DataFrame(rows, columns=columns)
    stage_of = {g: fc.stage_of_grade(g) for g in range(1, 13)}
    hist["stage"] = hist["grade"].map(stage_of)
    cap_of = {"primary": 45, "junior": 50, "senior": 50}
    timings["arrays from the input"] = time.perf_counter() - started

    started = time.perf_counter()
    latest = hist[hist["year"] == BASE_YEAR].copy()
    latest["classes"] = np.ceil(latest["students"] / latest["stage"].map(cap_of) - 1e-9).clip(0)
    part = latest.groupby(["school", "stage", "location", "boarding"], as_index=False)[
        ["students", "classes"]
    ].sum()
    part["ratio"] = part["stage"].map({s: float(rules.ratio(s, "urban")) for s in st.STAGES})
    raw = part["students"] / part["ratio"]
    school_students = part.groupby("school")["students"].transform("sum")
    small = (part["location"] == "rural") & (school_students < rules.small_school.max_students)
    per_class = part["stage"].map(
        {k: float(v) for k, v in rules.small_school.staff_per_class.items()}
    )
    raw = raw.where(~(small & (part["classes"] * per_class > raw)), part["classes"] * per_class)
    raw = raw.where(~(part["boarding"] & (raw > 0)), raw * (1 + float(rules.boarding_extra_share)))
    part["quota"] = np.floor(raw + 0.5 + 1e-9)
    quotas = part.groupby("school")["quota"].sum()
    timings["quotas"] = time.perf_counter() - started

    started = time.perf_counter()
    prev = hist[["school", "year", "grade", "students"]].copy()
    prev["year"] += 1
    prev["grade_next"] = prev["grade"] + 1
    pairs = hist[["school", "year", "grade", "students"]].merge(
        prev.rename(columns={"grade": "grade_from", "students": "before", "grade_next": "grade"}),
        on=["school", "year", "grade"],
    )
    pairs = pairs[pairs["before"] > 0]
    pairs["ratio"] = pairs["students"] / pairs["before"]
    pairs = pairs.sort_values("year").groupby(["school", "grade_from"]).tail(3)
    survival = pairs.groupby(["school", "grade_from"])["ratio"].agg(["min", "mean", "max"])
    entry_grade = hist.groupby("school")["grade"].transform("min")
    intake_hist = hist[hist["grade"] == entry_grade][
        ["school", "district", "year", "grade", "students"]
    ]
    x_mean = intake_hist.groupby("school")["year"].transform("mean")
    y_mean = intake_hist.groupby("school")["students"].transform("mean")
    intake_hist = intake_hist.assign(
        dx=intake_hist["year"] - x_mean, dy=intake_hist["students"] - y_mean
    )
    intake_hist = intake_hist.assign(
        sxy=intake_hist["dx"] * intake_hist["dy"], sxx=intake_hist["dx"] ** 2
    )
    fit = intake_hist.groupby("school").agg(
        x_mean=("year", "mean"), y_mean=("students", "mean"), sxy=("sxy", "sum"), sxx=("sxx", "sum")
    )
    fit["slope"] = (fit["sxy"] / fit["sxx"]).where(fit["sxx"] > 0, 0.0)
    resid = intake_hist.merge(fit[["slope"]], left_on="school", right_index=True)
    resid["e2"] = (resid["dy"] - resid["slope"] * resid["dx"]) ** 2
    fit["rms"] = np.sqrt(resid.groupby("school")["e2"].mean())
    births_long = pd.DataFrame(
        [(d, y, b) for d, series in births.items() for y, b in series.items()],
        columns=["district", "byear", "births"],
    )
    # Births past the last known year (and in a gap of the series) are held at the last known
    # year's (POLICY §13, the engine's default assumption): a forward fill over the years the
    # forecast reaches. The entry ratios use the known years only.
    wide = births_long.pivot(index="district", columns="byear", values="births")
    reach = range(int(wide.columns.min()), BASE_YEAR + years + 1)
    held = (
        wide.reindex(columns=reach)
        .ffill(axis=1)
        .stack()
        .rename("births")
        .reset_index()
        .rename(columns={"level_1": "byear"})
    )
    kinds = pd.Series({s["id"]: s["kind"] for s in schools})
    ih = intake_hist.assign(byear=intake_hist["year"] - (6 + intake_hist["grade"] - 1))
    ih = ih[ih["school"].map(kinds) != "senior"].merge(births_long, on=["district", "byear"])
    ih = ih[ih["births"] > 0]
    ih["e"] = ih["students"] / ih["births"]
    entry = ih.groupby("school")["e"].agg(["min", "mean", "max"])
    school_info = hist.groupby("school").agg(
        district=("district", "first"), entry=("grade", "min"), top=("grade", "max")
    )
    future = list(range(BASE_YEAR + 1, BASE_YEAR + 1 + years))
    state = {
        v: hist[hist["year"] == BASE_YEAR][["school", "grade", "students"]].astype(
            {"students": float}
        )
        for v in ("min", "mean", "max")
    }
    projected = []
    for year in future:
        base = school_info.assign(year=year)
        base["byear"] = year - (6 + base["entry"] - 1)
        base = base.reset_index().merge(held, on=["district", "byear"], how="left")
        base = base.merge(entry, left_on="school", right_index=True, how="left")
        base = base.merge(
            fit[["x_mean", "y_mean", "slope", "rms"]], left_on="school", right_index=True
        )
        trend = base["y_mean"] + base["slope"] * (year - base["x_mean"])
        use_births = base["births"].notna() & base["mean"].notna()
        for v, sign in (("min", -1), ("mean", 0), ("max", 1)):
            by_trend = (trend + sign * base["rms"]).clip(lower=0)
            by_births = base[v] * base["births"]
            entrants = pd.DataFrame(
                {
                    "school": base["school"],
                    "grade": base["entry"],
                    "students": by_births.where(use_births, by_trend),
                }
            )
            moved = state[v].merge(
                survival[v].rename("s"), left_on=["school", "grade"], right_index=True, how="left"
            )
            moved = moved.merge(school_info[["top"]], left_on="school", right_index=True)
            moved = moved[moved["grade"] < moved["top"]]
            moved = pd.DataFrame(
                {
                    "school": moved["school"],
                    "grade": moved["grade"] + 1,
                    "students": moved["students"] * moved["s"].fillna(1.0),
                }
            )
            state[v] = pd.concat([entrants, moved], ignore_index=True)
        projected.append(state["mean"].assign(year=year))
    enrollment = pd.concat(projected, ignore_index=True)
    timings["enrollment forecast"] = time.perf_counter() - started

    started = time.perf_counter()
    enrollment = enrollment[enrollment["grade"] <= 9]
    enrollment["stage"] = enrollment["grade"].map(stage_of)
    enrollment["district"] = enrollment["school"].map(school_info["district"])
    enrollment["classes"] = np.ceil(
        enrollment["students"] / enrollment["stage"].map(cap_of) - 1e-9
    ).clip(lower=0)
    classes = enrollment.groupby(["district", "year", "grade", "stage"], as_index=False)[
        "classes"
    ].sum()
    plan = pd.DataFrame(
        [(g, s, n) for g, by_s in curriculum.periods.items() for s, n in by_s.items()],
        columns=["grade", "subject", "periods"],
    )
    # Shared subjects ("other"): their periods are spread over the grade's own subjects in
    # proportion (periods × total / own), as the engine does.
    plan["shared"] = plan["subject"].isin(curriculum.shared_subjects)
    own = plan[~plan["shared"]].groupby("grade")["periods"].transform("sum")
    total = plan.groupby("grade")["periods"].transform("sum")
    plan = plan[~plan["shared"]].assign(periods=plan["periods"] * total / own)
    demand = classes.merge(plan[["grade", "subject", "periods"]], on="grade")
    demand["fte"] = demand["classes"] * demand["periods"] / demand["stage"].map(params.weekly_load)
    demand = demand.groupby(["district", "year", "stage", "subject"])["fte"].sum()
    timings["classes and demand"] = time.perf_counter() - started

    started = time.perf_counter()
    roll = pd.DataFrame(teachers, columns=["district", "birth", "gender", "subject", "stage"])
    born = pd.to_datetime(roll["birth"])
    index = born.dt.year * 12 + born.dt.month - 1
    age = np.zeros(len(roll), dtype=int)
    for gender in ("male", "female"):
        spec = params.retirement.rows[gender]
        starts = np.array([y * 12 + m - 1 for (y, m), _ in spec])
        ages = np.array([a for _, a in spec])
        mask = (roll["gender"] == gender).to_numpy()
        age[mask] = ages[np.searchsorted(starts, index[mask].to_numpy(), side="right") - 1]
    retire_index = index.to_numpy() + age
    retire_year, retire_month = retire_index // 12, retire_index % 12 + 1
    days_in_month = pd.to_datetime(
        pd.DataFrame({"year": retire_year, "month": retire_month, "day": 1})
    ).dt.days_in_month.to_numpy()
    retire_day = np.minimum(born.dt.day.to_numpy(), days_in_month)
    after_ref = (retire_month > 9) | ((retire_month == 9) & (retire_day > 1))
    roll["last"] = np.where(after_ref, retire_year, retire_year - 1)
    counts = roll.groupby(["district", "stage", "subject", "last"]).size().rename("n").reset_index()
    frames = []
    for year in future:
        staying = (
            counts[counts["last"] >= year].groupby(["district", "stage", "subject"])["n"].sum()
        )
        kept = staying * (1 - params.attrition_rate) ** (year - BASE_YEAR)
        frames.append(kept.rename("supply").reset_index().assign(year=year))
    supply = pd.concat(frames).set_index(["district", "year", "stage", "subject"])["supply"]
    timings["supply"] = time.perf_counter() - started

    started = time.perf_counter()
    table = pd.concat([demand.rename("demand"), supply], axis=1).fillna(0.0)
    table["gap"] = table["demand"] - table["supply"]
    timings["gap"] = time.perf_counter() - started
    return timings, quotas, table["gap"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=4000)
    parser.add_argument("--teachers", type=int, default=400_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    schools, births, teachers = build_province(args.schools, args.teachers)
    print(
        f"synthetic province: {len(schools):,} schools in {len({s['district'] for s in schools})} "
        f"districts, {len(teachers):,} teachers, built in {time.perf_counter() - started:.1f} s"
    )

    engine_runs, pandas_runs = [], []
    quotas = gaps = p_quotas = p_gap = None
    have_pandas = True
    try:
        import pandas  # noqa: F401
    except ImportError:
        have_pandas = False
    for _ in range(args.repeat):  # alternate the two sides so that machine load hits both
        timings, quotas, gaps = run_engines(schools, births, teachers, args.years)
        engine_runs.append(timings)
        if have_pandas:
            p_timings, p_quotas, p_gap = run_pandas(schools, births, teachers, args.years)
            pandas_runs.append(p_timings)

    def summary(runs):
        steps = {step: [run[step] for run in runs] for step in runs[0]}
        steps["total"] = [sum(run.values()) for run in runs]
        return {step: (min(v), statistics.median(v)) for step, v in steps.items()}

    engine = summary(engine_runs)
    print(
        f"\nengines (numpy arrays; quotas per school), {args.years}-year horizon, "
        f"min / median of {args.repeat} runs:"
    )
    for step, (low, mid) in engine.items():
        print(f"  {step:<22} {low:7.2f} s {mid:7.2f} s")
    print("  target: total < 10 s, and no slower than the pandas peer")

    year = BASE_YEAR + min(5, args.years)
    shortage = defaultdict(float)
    for by_year in gaps.values():
        for stage, by_subject in by_year.get(year, {}).items():
            for subject, value in by_subject.items():
                shortage[(stage, subject)] += value
    print(f"\n  province quota {sum(q.total for q in quotas.values()):,} posts; gap in {year}:")
    for (stage, subject), value in sorted(shortage.items(), key=lambda kv: -kv[1])[:5]:
        print(f"    {stage:<8} {subject:<24} {value:+10.1f} FTE")

    # The batch forecast is the scalar one (`cohort_forecast`, which the staffing pages call per
    # school), school by school, on a sample.
    batch = fb.cohort_forecast_many(
        fb.Histories.from_mappings([s["history"] for s in schools]),
        args.years,
        births=[births[d] for d in sorted(births)],
        births_of=np.array(
            [
                sorted(births).index(s["district"])
                if s["district"] in births and s["kind"] != "senior"
                else -1
                for s in schools
            ]
        ),
    )
    largest = 0.0
    for i in range(0, len(schools), max(1, len(schools) // 300)):
        s = schools[i]
        one = fc.cohort_forecast(
            s["history"],
            args.years,
            births=births.get(s["district"]) if s["kind"] != "senior" else None,
        )
        got = batch.forecast(i)
        for y in one.years:
            for g in one.grades:
                largest = max(largest, abs(one.central[y][g] - got.central[y][g]))
    print(
        f"\n  batch vs scalar cohort_forecast on a sample: largest difference {largest:.2e} pupils"
    )

    if not have_pandas:
        print("\npandas is not installed: the baseline is skipped.")
        return
    peer = summary(pandas_runs)
    print(
        f"\npeer: plain pandas group-by, the same input and steps, min / median of {args.repeat}:"
    )
    for step, (low, mid) in peer.items():
        print(
            f"  {step:<22} {low:7.2f} s {mid:7.2f} s   engines/pandas "
            f"{engine[step][0] / low:5.2f} (min) {engine[step][1] / mid:5.2f} (median)"
        )
    print(
        f"\nratio engines / pandas, total: {engine['total'][0] / peer['total'][0]:.2f} (min), "
        f"{engine['total'][1] / peer['total'][1]:.2f} (median); target ≤ 1"
    )

    quota_diff = sum(abs(quotas[i].total - int(p_quotas.get(i, 0))) for i in quotas)
    engine_gap = {
        (d, y, stage, subject): value
        for d, by_year in gaps.items()
        for y, by_stage in by_year.items()
        for stage, by_subject in by_stage.items()
        for subject, value in by_subject.items()
    }
    gap_diff = max(abs(engine_gap.get(k, 0.0) - v) for k, v in p_gap.items())
    print(f"agreement: quota differences {quota_diff}, largest gap difference {gap_diff:.2e} FTE")


if __name__ == "__main__":
    main()
