"""The rotation optimiser (engines/rotation.py): hand-made instances with known optimal plans,
infeasibility reporting by constraint group, and every hard constraint on random instances."""

import ast
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qiangshi.engines import rotation
from qiangshi.engines.balance import weighted_cv
from qiangshi.engines.rotation import (
    GROUPS,
    INDICATORS,
    Params,
    School,
    Teacher,
    check_plan,
    greedy_plan,
    objective_value,
    plan,
    random_instance,
)

EXACT = Params(w_cv=0.0, w_move=1.0, w_distance=0.0, mip_rel_gap=0.0, time_limit=20)


def small():
    """A sending school A (10 eligible: quota 1, and that one must be backbone), a receiving
    school B short of a backbone and a PE/arts teacher and lacking a music teacher, and C, which
    lacks nothing. The unique optimum: T0 (backbone, music) from A to B."""
    a = School(
        "A",
        "D1",
        1000,
        quota=60,
        staff=60,
        lat=24.50,
        lon=118.10,
        is_sending=True,
        higher_degree_teachers=60,
        backbone_teachers=15,
        pe_arts_teachers=12,
    )
    b = School(
        "B",
        "D1",
        200,
        quota=13,
        staff=12,
        lat=24.52,
        lon=118.12,
        needs_subjects={"music": 1},
        higher_degree_teachers=9,
        backbone_teachers=1,
        pe_arts_teachers=1,
    )
    c = School(
        "C",
        "D1",
        200,
        quota=13,
        staff=12,
        lat=24.47,
        lon=118.07,
        higher_degree_teachers=10,
        backbone_teachers=3,
        pe_arts_teachers=2,
    )
    teachers = [
        Teacher("T0", "A", "music", is_backbone=True, is_pe_arts=True, years_at_school=8),
        Teacher("T1", "A", "math", is_backbone=True, has_higher_degree=True, years_at_school=9),
    ] + [Teacher(f"T{i}", "A", "chinese", years_at_school=7) for i in range(2, 10)]
    return teachers, [a, b, c]


def test_known_optimum():
    teachers, schools = small()
    result = plan(teachers, schools, EXACT)
    assert result.status == "optimal"
    assert [(m.teacher, m.origin, m.destination) for m in result.moves] == [("T0", "A", "B")]
    reason = result.moves[0].reason
    assert "B lacks" in reason and "backbone" in reason and "music" in reason and "km" in reason
    assert result.moves[0].distance_km == pytest.approx(2.99, abs=0.1)
    after = {s.school: s for s in result.schools}
    assert after["B"].after["backbone_teachers_per_100"] == pytest.approx(1.0)
    assert after["B"].before["backbone_teachers_per_100"] == pytest.approx(0.5)
    assert (after["A"].moved_out, after["B"].moved_in) == (1, 1)
    assert result.objective == pytest.approx(
        objective_value(teachers, schools, EXACT, result.moves)
    )
    assert check_plan(teachers, schools, EXACT, result.moves) == []


def test_the_greedy_baseline_finds_it_too():
    teachers, schools = small()
    result = greedy_plan(teachers, schools, EXACT)
    assert result.status == "feasible" and result.method == "greedy"
    assert [(m.teacher, m.destination) for m in result.moves] == [("T0", "B")]


def test_distance_decides_between_equal_schools():
    teachers = [Teacher(f"T{i}", "A", "chinese", has_higher_degree=True) for i in range(10)]
    a = School(
        "A",
        "D",
        1000,
        58,
        60,
        24.5,
        118.1,
        is_sending=True,
        higher_degree_teachers=60,
        backbone_teachers=20,
        pe_arts_teachers=12,
    )
    near = School(
        "N",
        "D",
        200,
        13,
        12,
        24.51,
        118.1,
        higher_degree_teachers=7,
        backbone_teachers=2,
        pe_arts_teachers=2,
    )
    far = replace(near, id="F", lat=24.7)
    params = replace(EXACT, backbone_share=0.0, w_distance=0.1)
    result = plan(teachers, [a, near, far], params)
    dest = sorted(m.destination for m in result.moves)
    # Both lack 1.4 higher-degree teachers: 2 each would clear the shortfalls; the quota is 1.
    assert dest == ["F", "F", "N", "N"]
    params = replace(params, max_distance_km=5)
    result = plan(teachers, [a, near, far], params)
    assert {m.destination for m in result.moves} == {"N"}
    assert len(result.moves) == 2


def test_fixed_decisions_and_preferences():
    teachers, schools = small()
    teachers[1] = replace(teachers[1], fixed="must", fixed_school="C")
    result = plan(teachers, schools, EXACT)
    assert result.status == "optimal"
    assert {(m.teacher, m.destination) for m in result.moves} == {("T0", "B"), ("T1", "C")}
    teachers, schools = small()
    teachers[0] = replace(teachers[0], forbidden_schools=frozenset({"B"}))
    assert plan(teachers, schools, EXACT).infeasible_groups == ("subject_needs", "fixed")


@pytest.mark.parametrize(
    ("change", "group", "words"),
    [
        (
            lambda t, s: ([replace(t[0], fixed="must_not")] + t[1:], s),
            "subject_needs",
            ["B needs 1 music", "0 eligible"],
        ),
        (
            lambda t, s: (
                [replace(x, is_backbone=False) for x in t],
                [*s[:1], replace(s[1], needs_subjects={})] + s[2:],
            ),
            "backbone_share",
            ["backbone"],
        ),
        (
            lambda t, s: (t, [s[0], replace(s[1], staff=14), replace(s[2], staff=14)]),
            "staffing",
            ["staffing quota"],
        ),
        (
            lambda t, s: (
                t,
                [s[0], replace(s[1], needs_subjects={}, lat=25.5), replace(s[2], lat=25.5)],
            ),
            "distance",
            ["within 20 km"],
        ),
        (
            lambda t, s: (
                [replace(x, fixed="must_not") for x in t],
                [s[0], replace(s[1], needs_subjects={}), s[2]],
            ),
            "quotas",
            ["D1 must rotate 1", "only 0"],
        ),
    ],
)
def test_infeasibility_names_the_group(change, group, words):
    teachers, schools = change(*small())
    params = replace(EXACT, max_distance_km=20)
    result = plan(teachers, schools, params)
    assert result.status == "infeasible"
    assert result.moves == []
    assert group in result.infeasible_groups
    assert result.infeasible_group == result.infeasible_groups[0]
    for w in words:
        assert w in result.message, result.message


def test_allowed_pairs():
    teachers, schools = small()
    schools = [schools[0], replace(schools[1], district="D2"), schools[2]]
    params = replace(EXACT, allowed_pairs=frozenset({("D1", "D1")}))
    result = plan(teachers, schools, params)
    assert result.infeasible_group == "subject_needs"
    params = replace(EXACT, allowed_pairs=frozenset({("D1", "D2")}))
    result = plan(teachers, schools, params)
    assert [(m.teacher, m.destination) for m in result.moves] == [("T0", "B")]


def test_quota_per_school():
    teachers, schools = random_instance(60, 8, seed=3)
    params = Params(quota_scope="school", time_limit=20)
    result = plan(teachers, schools, params)
    assert result.status in ("optimal", "feasible")
    eligible = {}
    for t in teachers:
        eligible[t.school] = eligible.get(t.school, 0) + 1
    out = {}
    for m in result.moves:
        out[m.origin] = out.get(m.origin, 0) + 1
    for s in schools:
        if s.is_sending:
            assert out.get(s.id, 0) >= math.ceil(0.1 * eligible.get(s.id, 0))


def _independent_check(teachers, schools, params, result):
    """Check the hard constraints without the engine's code."""
    by_id = {s.id: s for s in schools}
    tch = {t.id: t for t in teachers}
    movers = [m.teacher for m in result.moves]
    assert len(movers) == len(set(movers))
    for m in result.moves:
        t = tch[m.teacher]
        origin, dest = by_id[m.origin], by_id[m.destination]
        assert t.eligible and t.fixed != "must_not" and m.origin == t.school != m.destination
        assert m.destination not in t.forbidden_schools
        if t.fixed_school:
            assert m.destination == t.fixed_school
        if params.max_distance_km is not None:
            assert m.distance_km <= params.max_distance_km + 0.01
        if params.allowed_pairs is not None:
            assert (origin.district, dest.district) in params.allowed_pairs
        if params.flow == "sending_out":
            assert origin.is_sending and not dest.is_sending
    for t in teachers:
        if t.fixed == "must" and t.eligible:
            assert t.id in movers
    staff = {s.id: s.staff for s in schools}
    for m in result.moves:
        staff[m.origin] -= 1
        staff[m.destination] += 1
    for s in schools:
        tol = max(1, math.floor(params.quota_tolerance * s.quota))
        lo, hi = min(s.quota - tol, s.staff), max(s.quota + tol, s.staff)
        assert lo <= staff[s.id] <= hi
        for subject, need in s.needs_subjects.items():
            net = sum(
                (m.destination == s.id) - (m.origin == s.id)
                for m in result.moves
                if tch[m.teacher].subject == subject
            )
            assert net >= need
    groups = {}
    for s in schools:
        if s.is_sending:
            key = s.district if params.quota_scope == "district" else s.id
            groups.setdefault(key, set()).add(s.id)
    for members in groups.values():
        eligible = sum(1 for t in teachers if t.eligible and t.school in members)
        moves = [m for m in result.moves if m.origin in members]
        assert len(moves) >= math.ceil(params.rotation_share * eligible - 1e-9)
        backbone = sum(tch[m.teacher].is_backbone for m in moves)
        assert backbone >= params.backbone_share * len(moves) - 1e-9
    # Indicators and CVs after the moves, recomputed from counts.
    counts = {s.id: np.array(s.totals(), dtype=float) for s in schools}
    for m in result.moves:
        a = np.array(tch[m.teacher].attrs(), dtype=float)
        counts[m.origin] -= a
        counts[m.destination] += a
    changes = {c.school: c for c in result.schools}
    for s in schools:
        for k, key in enumerate(INDICATORS):
            assert changes[s.id].after[key] == pytest.approx(100 * counts[s.id][k] / s.enrollment)
    for d in {s.district for s in schools}:
        members = [s for s in schools if s.district == d]
        for k, key in enumerate(INDICATORS):
            totals = [counts[s.id][k] for s in members]
            if sum(totals) > 0:
                expected = weighted_cv(totals, [s.enrollment for s in members])
                assert result.cv_after[d][key] == pytest.approx(expected)


def _random_case(seed):
    rng = np.random.default_rng(seed)
    n_schools = int(rng.integers(5, 10))
    teachers, schools = random_instance(
        int(rng.integers(20, 60)), n_schools, seed=seed, districts=int(rng.integers(1, 3))
    )
    teachers = list(teachers)
    for i in rng.choice(len(teachers), size=min(4, len(teachers)), replace=False):
        kind = rng.integers(0, 4)
        if kind == 0:
            teachers[i] = replace(teachers[i], fixed="must_not")
        elif kind == 1:
            teachers[i] = replace(teachers[i], eligible=False)
        elif kind == 2:
            teachers[i] = replace(
                teachers[i], forbidden_schools=frozenset({schools[-1].id, schools[-2].id})
            )
        else:
            teachers[i] = replace(teachers[i], fixed="must")
    districts = sorted({s.district for s in schools})
    params = Params(
        quota_scope=str(rng.choice(["district", "school"])),
        flow=str(rng.choice(["sending_out", "any"])),
        max_distance_km=None if rng.random() < 0.5 else float(rng.uniform(8, 30)),
        allowed_pairs=None
        if rng.random() < 0.6
        else frozenset((a, b) for a in districts for b in districts if rng.random() < 0.7),
        quota_tolerance=float(rng.choice([0.05, 0.1])),
        mip_rel_gap=0.0,
        time_limit=20,
    )
    return teachers, schools, params


@pytest.mark.parametrize("seed", range(30))
def test_random_instances_keep_every_hard_constraint(seed):
    teachers, schools, params = _random_case(seed)
    result = plan(teachers, schools, params)
    greedy = greedy_plan(teachers, schools, params)
    if result.status == "infeasible":
        assert result.infeasible_group in (*GROUPS, None)
        assert result.message and result.moves == []
        assert greedy.status == "incomplete"
        return
    assert result.status == "optimal"
    assert check_plan(teachers, schools, params, result.moves) == []
    _independent_check(teachers, schools, params, result)
    for m in result.moves:
        assert m.reason and m.teacher in m.reason
    if greedy.status == "feasible":
        assert check_plan(teachers, schools, params, greedy.moves) == []
        _independent_check(teachers, schools, params, greedy)
        assert result.objective <= greedy.objective + 1e-6


def test_plan_beats_greedy_on_most_random_instances():
    better = total = 0
    for seed in range(10):
        teachers, schools = random_instance(200, 15, seed=100 + seed)
        params = Params(time_limit=20)
        result, greedy = plan(teachers, schools, params), greedy_plan(teachers, schools, params)
        assert result.status in ("optimal", "feasible") and greedy.status == "feasible"
        assert result.objective <= greedy.objective + 1e-6
        total += 1
        better += result.objective < greedy.objective - 1e-6
    assert better > total / 2


def test_a_tiny_time_limit_still_gives_a_plan():
    """The time limit bounds the whole call (greedy start, build, solve): with far too little
    time the plan is the greedy start or better, never nothing."""
    teachers, schools = random_instance(3000, 100, seed=3)
    params = Params(time_limit=0.05)
    result = plan(teachers, schools, params)
    greedy = greedy_plan(teachers, schools, params)
    assert greedy.status == "feasible"
    assert result.status in ("optimal", "feasible")
    assert result.moves and check_plan(teachers, schools, params, result.moves) == []
    assert result.objective <= greedy.objective + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_priced_columns_keep_the_plan_within_its_gap(seed):
    """Above max_columns the MIP gets the columns the LP prices in; the gap it reports is to
    the LP bound of the whole model, so the whole model's optimum is within it."""
    teachers, schools = random_instance(300, 15, seed=200 + seed)
    params = Params(mip_rel_gap=0.0, time_limit=20)
    whole = plan(teachers, schools, params)
    priced = plan(teachers, schools, replace(params, max_columns=150))
    greedy = greedy_plan(teachers, schools, params)
    assert whole.status == "optimal" and whole.message == ""
    assert priced.status in ("optimal", "feasible") and "candidate columns" in priced.message
    assert check_plan(teachers, schools, params, priced.moves) == []
    _independent_check(teachers, schools, params, priced)
    assert priced.gap is not None and priced.gap >= 0
    assert priced.objective >= whole.objective - 1e-6
    assert (priced.objective - whole.objective) / priced.objective <= priced.gap + 1e-9
    assert priced.objective <= greedy.objective + 1e-6


def test_priced_columns_with_a_tiny_time_limit():
    teachers, schools = random_instance(300, 15, seed=7)
    params = Params(time_limit=0.01, max_columns=150)
    result = plan(teachers, schools, params)
    greedy = greedy_plan(teachers, schools, params)
    assert result.status in ("optimal", "feasible")
    assert check_plan(teachers, schools, params, result.moves) == []
    assert result.objective <= greedy.objective + 1e-6


def test_preference_costs():
    """A move off a teacher's list (an empty one too) costs w_preference; one on it, nothing."""
    teachers, schools = small()
    params = replace(EXACT, w_preference=0.5)
    t0 = teachers[0]
    move = [rotation.Move(t0.id, "A", "B", 0.0, "")]
    base = objective_value(teachers, schools, params, move)
    for pref, extra in ((("B",), 0.0), (("C",), 0.5), ((), 0.5), (("Z", "B"), 0.0)):
        changed = [replace(t0, preference=pref), *teachers[1:]]
        assert objective_value(changed, schools, params, move) == pytest.approx(base + extra)


def test_invalid_input():
    teachers, schools = small()
    with pytest.raises(ValueError, match="unknown school"):
        plan([Teacher("X", "Z", "math")], schools)
    with pytest.raises(ValueError, match="twice"):
        plan(teachers + teachers[:1], schools)
    with pytest.raises(ValueError, match="quota_scope"):
        plan(teachers, schools, Params(quota_scope="city"))


def test_engine_imports_no_django():
    tree = ast.parse(Path(rotation.__file__).read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    assert all(
        n.split(".")[0]
        in {
            "__future__",
            "math",
            "time",
            "threading",
            "collections",
            "dataclasses",
            "numpy",
            "highspy",
        }
        or n.startswith("qiangshi.engines")
        for n in names
    ), names


def test_backbone_denominator_eligible_counts_eligible_backbone_teachers():
    """10 eligible backbone teachers at the sending school: 10% rotate (1), and with the
    'eligible' denominator at least ceil(20% × 10) = 2 backbone teachers must go."""
    from qiangshi.engines.rotation import Params, School, Teacher, check_plan, greedy_plan, plan

    teachers = [
        Teacher(id=f"t{i}", school="S", subject="math", is_backbone=True) for i in range(10)
    ]
    schools = [
        School(id="S", district="d", enrollment=500, quota=8, staff=10, is_sending=True,
               backbone_teachers=10),
        School(id="R", district="d", enrollment=500, quota=12, staff=8),
    ]  # fmt: skip
    rotating = plan(teachers, schools, Params(w_cv=0.0, w_shortfall=0.0))
    assert len(rotating.moves) == 1
    params = Params(w_cv=0.0, w_shortfall=0.0, backbone_denominator="eligible")
    eligible = plan(teachers, schools, params)
    assert eligible.status == "optimal" and len(eligible.moves) == 2
    assert check_plan(teachers, schools, params, eligible.moves) == []
    assert check_plan(teachers, schools, params, rotating.moves) != []
    assert len(greedy_plan(teachers, schools, params).moves) == 2


def understaffed():
    """flow="any": the sending school A is below its staffing band (50 of a quota of 60), so a
    teacher can leave it only if another comes in; B, at the top of its band, lacks a music
    teacher and can take one only if one of its own leaves. The only plans: T0 (music) from A
    to B and one of B's teachers from B to A."""
    teachers, schools = small()
    a, b, c = schools
    schools = [
        replace(a, staff=50),
        replace(b, staff=14, quota=13),
        replace(c, lat=26.0),  # out of reach
    ]
    teachers = [*teachers, Teacher("B1", "B", "chinese"), Teacher("B2", "B", "math")]
    params = replace(EXACT, flow="any", max_distance_km=20)
    return teachers, schools, params


def test_greedy_swaps_to_keep_staffing_bands():
    teachers, schools, params = understaffed()
    greedy = greedy_plan(teachers, schools, params)
    assert greedy.status == "feasible", greedy.message
    assert check_plan(teachers, schools, params, greedy.moves) == []
    moved = {(m.teacher, m.destination) for m in greedy.moves}
    assert ("T0", "B") in moved and len(greedy.moves) == 2
    result = plan(teachers, schools, params)
    assert result.status == "optimal"
    assert check_plan(teachers, schools, params, result.moves) == []
    _independent_check(teachers, schools, params, result)
    assert result.objective <= greedy.objective + 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_tight_bands_with_swaps(seed):
    """Sending schools at the bottom of their band, any direction allowed: the greedy plan
    must exchange teachers, and the optimiser (priced or not) is never worse than it."""
    teachers, schools = random_instance(400, 16, seed=300 + seed)
    schools = [
        replace(s, quota=s.staff + max(2, s.staff // 10)) if s.is_sending else s for s in schools
    ]
    params = Params(flow="any", quota_tolerance=0.02, time_limit=20)
    greedy = greedy_plan(teachers, schools, params)
    assert greedy.status == "feasible", greedy.message
    assert check_plan(teachers, schools, params, greedy.moves) == []
    for p in (params, replace(params, max_columns=500)):
        result = plan(teachers, schools, p)
        assert result.status in ("optimal", "feasible"), result.message
        assert check_plan(teachers, schools, p, result.moves) == []
        _independent_check(teachers, schools, p, result)
        assert result.objective <= greedy.objective + 1e-6


def test_priced_infeasibility_is_explained_from_the_lp():
    """Above max_columns an infeasible model is found by the LP (phase 1 of the pricing) and
    the rows it has to break are named: here B and C are full, so nobody can come in."""
    teachers, schools = small()
    schools = [schools[0], replace(schools[1], staff=14), replace(schools[2], staff=14)]
    params = replace(EXACT, max_distance_km=20, max_columns=1)
    result = plan(teachers, schools, params)
    assert result.status == "infeasible" and result.moves == []
    assert result.infeasible_groups == ("staffing",)
    assert "LP relaxation" in result.message and "above its staffing band" in result.message


def test_pricing_from_no_columns_reaches_the_whole_lp():
    """Pricing started from no columns at all (the LP infeasible) goes through phase 1 and
    ends at the LP optimum of the whole model."""
    import highspy

    teachers, schools = random_instance(300, 15, seed=11)
    inst = rotation._Instance(teachers, schools, Params())
    model = rotation._Model(inst, frozenset())
    priced = rotation._price(model, np.zeros(0, dtype=np.int64), 1e18)
    assert priced.state == "optimal"
    h = model.highs(None, integer=False, time_limit=60)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    whole = h.getInfo().objective_function_value
    assert priced.bound == pytest.approx(whole, rel=1e-6, abs=1e-6)


def test_quota_against_closed_sending_schools_is_told_by_counting():
    """Above max_columns counting tells at once: A is below its staffing band and, with the
    flow out of sending schools only, nobody may move in, so it can lose nobody."""
    teachers, schools, params = understaffed()
    params = replace(params, flow="sending_out", max_columns=1)
    result = plan(teachers, schools, params)
    assert result.status == "infeasible" and result.moves == []
    assert result.infeasible_groups == ("quotas", "staffing")
    assert "D1 must rotate 1" in result.message and "can lose only 0" in result.message
    small_model = plan(teachers, schools, replace(params, max_columns=60_000))
    assert small_model.status == "infeasible" and "staffing" in small_model.infeasible_groups


def test_plan_carries_the_greedy_baseline_it_started_from():
    from qiangshi.engines.rotation import Params, greedy_plan, plan, random_instance

    teachers, schools = random_instance(200, 12, seed=5)
    params = Params()
    result = plan(teachers, schools, params)
    alone = greedy_plan(teachers, schools, params)
    assert result.baseline is not None and result.baseline.method == "greedy"
    assert result.baseline.objective == pytest.approx(alone.objective)
    assert [m.teacher for m in result.baseline.moves] == [m.teacher for m in alone.moves]
    assert result.objective <= result.baseline.objective + 1e-6


def test_running_out_of_time_is_never_reported_as_infeasible(monkeypatch):
    """On a loaded machine the greedy start may run out of its time and HiGHS be interrupted
    by the clock (status kInterrupt, no solution): that says nothing about feasibility, so the
    answer is "no plan found in the time", never "no plan satisfies all hard constraints"
    (this instance has a plan: the greedy one)."""
    import highspy

    import qiangshi.engines.rotation as rotation

    teachers, schools = random_instance(300, 15, seed=3)
    assert greedy_plan(teachers, schools, Params()).status == "feasible"
    greedy = rotation._greedy
    monkeypatch.setattr(
        rotation, "_greedy", lambda inst, deadline=None: greedy(inst, time.perf_counter())
    )
    # Every solve is stopped by the clock before it finds anything.
    monkeypatch.setattr(rotation, "_run", lambda h, deadline, grace=2.0: (True, None))
    monkeypatch.setattr(
        highspy.Highs, "getModelStatus", lambda self: highspy.HighsModelStatus.kInterrupt
    )
    result = plan(teachers, schools, Params(time_limit=1))
    assert result.status == "no_solution", result.message
    assert "time limit" in result.message and "hard constraints" not in result.message
