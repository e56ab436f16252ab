"""Time the quality-balance computation at national scale against a straightforward pandas one.

    uv run python benchmarks/balance.py [--schools 190000] [--districts 2800] [--repeat 3]

Generates schools of compulsory education with random but plausible enrollment and resources
(about three primary schools to one junior school, some teaching points under 50 students),
then computes every school's seven indicator values and verdict and every district × stage CV
with `qiangshi.engines.balance.evaluate_many` (numpy, grouped with np.bincount), and the same
with pandas (groupby sums and transforms). Checks that both agree and prints the best of N runs
and the ratio. Issue 5's target: under 3 s on 2 cores.
"""

import argparse
import os
import sys
import time
from datetime import date

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))

from qiangshi.engines.balance import RuleSet, evaluate_many  # noqa: E402

RULES_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "src/qiangshi/balance/rules/compulsory-balance-2017.json",
)


def load_rules() -> RuleSet:
    import json

    with open(RULES_FILE, encoding="utf-8") as f:
        return RuleSet.from_dict(json.load(f))


def generate(n: int, districts: int, rules: RuleSet, seed: int = 5) -> dict[str, np.ndarray]:
    """Random schools: district, stage, enrollment and the seven resource totals."""
    rng = np.random.default_rng(seed)
    district = rng.integers(0, districts, n)
    junior = rng.random(n) < 0.27
    enrollment = np.maximum(np.round(np.exp(rng.normal(np.where(junior, 6.6, 6.2), 0.8))), 50)
    # About 5% are rural teaching points under 50 pupils (out of scope).
    point = ~junior & (rng.random(n) < 0.07)
    enrollment = np.where(point, rng.integers(5, 50, n), enrollment).astype(float)
    per = np.array([i.per for i in rules.indicators], dtype=float)
    minimum = np.where(
        junior[:, None], rules.minimum_vector("junior"), rules.minimum_vector("primary")
    )
    # Each district has its own spread; each school a level around 1.4 × the minimum.
    spread = rng.uniform(0.1, 0.5, (districts, len(per)))[district]
    ratio = 1.4 * np.exp(spread * rng.standard_normal((n, len(per))))
    totals = enrollment[:, None] * minimum * ratio / per
    whole = np.array([i.resource in ("teaching_area_m2",) for i in rules.indicators])
    totals = np.where(whole, np.round(totals, 2), np.round(totals))
    return {"district": district, "junior": junior, "enrollment": enrollment, "totals": totals}


def with_numpy(data, rules: RuleSet):
    groups = data["district"] * 2 + data["junior"]
    in_scope = data["enrollment"] >= rules.teaching_point_below
    return evaluate_many(
        data["totals"],
        data["enrollment"],
        groups,
        data["junior"],
        rules,
        in_scope=in_scope,
        n_groups=int(data["district"].max() + 1) * 2,
    )


def with_pandas(data, rules: RuleSet):
    """The computation as one would write it with pandas groupby."""
    keys = list(rules.keys)
    per = pd.Series({i.key: i.per for i in rules.indicators})
    df = pd.DataFrame(data["totals"], columns=keys)
    df["district"] = data["district"]
    df["stage"] = np.where(data["junior"], "junior", "primary")
    df["enrollment"] = data["enrollment"]
    df = df[df["enrollment"] >= rules.teaching_point_below]
    values = df[keys].mul(per, axis=1).div(df["enrollment"], axis=0)
    table = pd.DataFrame({s: pd.Series(rules.minimums[s], dtype=float) for s in rules.minimums})
    minimum = table.T[keys].loc[df["stage"]].set_axis(df.index)
    ratio = values / minimum
    met = ratio >= 1 - 1e-9
    tolerable = met | (ratio >= rules.missed_floor - 1e-9)
    passed = (met.sum(axis=1) >= rules.min_met) & tolerable.all(axis=1)

    by = [df["district"], df["stage"]]
    pop = df.groupby(by)["enrollment"].transform("sum")
    mean = df[keys].groupby(by).transform("sum").mul(per, axis=1).div(pop, axis=0)
    sq = (values - mean) ** 2
    s2 = sq.mul(df["enrollment"] / pop, axis=0).groupby(by).sum()
    district_mean = mean.groupby(by).first()
    cv = np.sqrt(s2) / district_mean
    limit = pd.Series([rules.cv_limits[s] for s in cv.index.get_level_values(1)], index=cv.index)
    within = cv.le(limit * (1 + 1e-9), axis=0)
    schools_passed = passed.groupby(by).all()
    district_passed = schools_passed & within.all(axis=1)
    return values, passed, cv, district_passed


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=190_000)
    parser.add_argument("--districts", type=int, default=2_800)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rules = load_rules()
    assert rules.effective_from <= date.today()

    started = time.perf_counter()
    data = generate(args.schools, args.districts, rules)
    print(
        f"{args.schools:,} schools in {args.districts:,} districts generated in "
        f"{time.perf_counter() - started:.2f} s (rule set {rules.version})"
    )
    t_np, many = best(lambda: with_numpy(data, rules), args.repeat)
    t_pd, (values, passed, cv, district_passed) = best(
        lambda: with_pandas(data, rules), args.repeat
    )

    # The two must agree.
    scope = many.in_scope
    assert np.allclose(many.values[scope], values.to_numpy())
    assert (many.passed[scope] == passed.to_numpy()).all()
    idx = cv.index
    g = idx.get_level_values(0).to_numpy() * 2 + (idx.get_level_values(1) == "junior")
    assert np.allclose(many.cv[g], cv.to_numpy(), equal_nan=True)
    assert (many.district_passed[g] == district_passed.to_numpy()).all()

    groups = int(np.sum(~np.isnan(many.cv[:, 0])))
    print(
        f"  in scope: {int(scope.sum()):,} schools, {int(many.passed.sum()):,} pass; "
        f"{groups:,} district × stage groups, {int(many.district_passed.sum()):,} pass"
    )
    print(f"  numpy  evaluate_many   {t_np * 1000:9.1f} ms  (best of {args.repeat})")
    print(f"  pandas groupby         {t_pd * 1000:9.1f} ms  (best of {args.repeat})")
    print(f"  ratio pandas / numpy   {t_pd / t_np:9.1f} ×   target: numpy under 3 s")


if __name__ == "__main__":
    main()
