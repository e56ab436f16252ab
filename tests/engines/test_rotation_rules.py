"""The rules of POLICY §8 in the rotation engine: a teacher moves only where they can teach (stage,
subject, certificate); principals rotate on their own track (every school keeps exactly one);
unmeetable quotas are capped and named; the move budget and the trade-off between balance gained
and the number of moves."""

import math
from dataclasses import replace

import pytest

from qiangshi.engines.rotation import (
    Params,
    School,
    Teacher,
    check_plan,
    choose_budget,
    greedy_plan,
    plan,
    plan_principals,
    plan_tradeoff,
    random_instance,
)

P = Params(w_cv=1.0, w_move=0.5, w_distance=0.0, mip_rel_gap=0.0, time_limit=20)
PRIMARY = frozenset({"primary"})
JUNIOR = frozenset({"junior"})
BOTH = frozenset({"primary", "junior"})


def _school(sid, district="D1", *, sending=False, stages=PRIMARY, teaches=None, **kw):
    defaults = dict(
        enrollment=600,
        quota=40,
        staff=40,
        lat=24.5,
        lon=118.1,
        is_sending=sending,
        higher_degree_teachers=20,
        backbone_teachers=6,
        pe_arts_teachers=5,
    )
    defaults.update(kw)
    return School(sid, district, stages=stages, teaches=teaches, **defaults)


def _teacher(tid, school, subject="chinese", stage="primary", certified=PRIMARY, **kw):
    return Teacher(
        tid, school, subject, stage=stage, certified_stages=certified, years_at_school=8, **kw
    )


def test_a_teacher_moves_only_to_a_school_with_their_stage_subject_and_certificate():
    # S sends; P1 is a primary school, J1 a junior school teaching physics, N9 a nine-year school
    # that teaches junior physics but no junior biology.
    schools = [
        _school("S", sending=True, stages=BOTH, backbone_teachers=20),
        _school("P1", backbone_teachers=0),
        _school(
            "J1", stages=JUNIOR, backbone_teachers=0, teaches=frozenset({("junior", "physics")})
        ),
        _school(
            "N9",
            stages=BOTH,
            backbone_teachers=0,
            teaches=frozenset({("junior", "physics"), ("primary", "chinese")}),
        ),
    ]
    teachers = [
        # a junior physics teacher: J1 or N9, never the primary school
        _teacher("phys", "S", "physics", "junior", JUNIOR, is_backbone=True, fixed="must"),
        # a primary teacher holding only a primary certificate: never to a junior-only school
        _teacher("prim", "S", "chinese", "primary", PRIMARY, is_backbone=True, fixed="must"),
        # a junior teacher whose certificate covers primary only: moves nowhere
        _teacher("cert", "S", "physics", "junior", PRIMARY, is_backbone=True),
        # a junior biology teacher: no receiving school teaches junior biology
        _teacher("bio", "S", "biology", "junior", JUNIOR, is_backbone=True),
        # no stage on record: moves nowhere
        _teacher("nostage", "S", "chinese", "", PRIMARY, is_backbone=True),
    ]
    params = replace(P, rotation_share=0.0, backbone_share=0.0, flow="any")
    result = plan(teachers, schools, params)
    assert result.status == "optimal"
    where = {m.teacher: m.destination for m in result.moves}
    assert where["phys"] in ("J1", "N9")
    assert where["prim"] in ("P1", "N9")
    assert {"cert", "bio", "nostage"}.isdisjoint(where)
    assert check_plan(teachers, schools, params, result.moves) == []
    # a move the rules forbid is reported by the check
    bad = [replace(result.moves[0], destination="P1")] if where["phys"] else []
    assert any("not allowed" in line for line in check_plan(teachers, schools, params, bad))
    # greedy keeps the same rules
    greedy = greedy_plan(teachers, schools, params)
    assert check_plan(teachers, schools, params, greedy.moves) == []


def test_a_teacher_who_cannot_fit_anywhere_and_must_move_is_infeasible():
    schools = [_school("S", sending=True), _school("J1", stages=JUNIOR)]
    teachers = [_teacher("t", "S", fixed="must")]
    result = plan(teachers, schools, replace(P, rotation_share=0.0, flow="any"))
    assert result.status == "infeasible" and "fixed" in result.infeasible_groups


def _principal_world(n_schools=6, appoint=()):
    schools = [
        _school(
            f"S{i}",
            "D1",
            sending=i < 3,
            stages=PRIMARY if i != 5 else JUNIOR,
            appoint_principal=f"S{i}" in appoint,
            lat=24.5 + 0.01 * i,
        )
        for i in range(n_schools)
    ]
    teachers = [
        _teacher(f"p{i}", f"S{i}", is_principal=True, is_backbone=i % 2 == 0) for i in range(5)
    ]
    teachers.append(_teacher("p5", "S5", "math", "junior", JUNIOR, is_principal=True))
    teachers += [_teacher(f"t{i}-{k}", f"S{i}") for i in range(3) for k in range(10)]
    return teachers, schools


def test_principals_exchange_and_every_school_keeps_one():
    teachers, schools = _principal_world()
    params = replace(P, principal_share=0.5, rotation_share=0.1, backbone_share=0.0)
    result = plan(teachers, schools, params)
    assert result.status in ("optimal", "feasible")
    principals = [m for m in result.moves if m.is_principal]
    # 6 eligible principals: target 3; they move in exchanges (cycles), never to or from the
    # junior school (no other school shares its stage)
    assert len(principals) >= 3
    into = {m.destination for m in principals}
    out_of = {m.origin for m in principals}
    assert into == out_of and len(into) == len(principals)
    assert "S5" not in into
    assert result.principal_notes == ()
    assert check_plan(teachers, schools, params, result.moves) == []
    # the teachers' quotas do not count principals: 3 sending schools × ceil(10% of 10)
    assert sum(1 for m in result.moves if not m.is_principal) >= 1
    assert all(
        not t.startswith("p") for t in (m.teacher for m in result.moves if not m.is_principal)
    )


def test_a_named_appointment_lets_a_principal_leave_without_a_replacement():
    # S4 has no principal; p0 must move. With a new appointment named at S0, p0 may simply go to
    # S4 and S0 receives nobody from the exchange (its appointee comes from outside).
    teachers, schools = _principal_world(appoint=("S0",))
    schools = [replace(s, has_principal=False) if s.id == "S4" else s for s in schools]
    teachers = [t for t in teachers if t.id != "p4"]
    teachers = [replace(t, fixed="must") if t.id == "p0" else t for t in teachers]
    params = replace(P, principal_share=0.0, rotation_share=0.0, backbone_share=0.0)
    track = plan_principals(teachers, schools, params)
    assert track.moves == [("p0", "S0", "S4")]
    assert check_plan(teachers, schools, params, track_moves(track)) == []
    # without the appointment S0 must receive a principal in exchange
    schools2 = [replace(s, appoint_principal=False) for s in schools]
    track2 = plan_principals(teachers, schools2, params)
    assert "S0" in {d for _p, _o, d in track2.moves}
    assert ("p0", "S0", "S4") not in track2.moves
    assert check_plan(teachers, schools2, params, track_moves(track2)) == []


def track_moves(track):
    from qiangshi.engines.rotation import Move

    return [Move(p, o, d, 0.0, "", is_principal=True) for p, o, d in track.moves]


def test_a_principal_target_that_cannot_be_met_is_reported_not_infeasible():
    teachers, schools = _principal_world()
    # forbid every exchange: each principal must not move
    teachers = [replace(t, fixed="must_not") if t.is_principal else t for t in teachers]
    params = replace(P, principal_share=0.5, rotation_share=0.1, backbone_share=0.0)
    result = plan(teachers, schools, params)
    assert result.status in ("optimal", "feasible")
    assert not [m for m in result.moves if m.is_principal]
    assert result.principal_notes == (("D1", 3, 0),)


def test_an_unmeetable_school_quota_is_capped_and_named():
    # school B sends but its teachers teach junior physics, and nobody else teaches it
    schools = [
        _school("A", sending=True),
        _school("B", sending=True, stages=JUNIOR),
        _school("R"),
    ]
    teachers = [_teacher(f"a{i}", "A") for i in range(10)] + [
        _teacher(f"b{i}", "B", "physics", "junior", JUNIOR) for i in range(10)
    ]
    strict = replace(P, quota_scope="school", backbone_share=0.0, flow="any")
    assert plan(teachers, schools, strict).status == "infeasible"
    capped = replace(strict, unmeetable_quota="cap")
    result = plan(teachers, schools, capped)
    assert result.status in ("optimal", "feasible")
    assert result.quota_notes == (("B", 1, 0, "destinations"),)
    assert sum(m.origin == "A" for m in result.moves) >= 1


def test_the_budget_caps_the_teachers_moves():
    teachers, schools = random_instance(300, 20, seed=5)
    free = plan(teachers, schools, Params(time_limit=20))
    assert free.status in ("optimal", "feasible")
    n = len(free.moves)
    budget = replace(Params(time_limit=20), max_moves=max(n - 3, 1))
    capped = plan(teachers, schools, budget)
    if capped.status in ("optimal", "feasible"):
        assert len(capped.moves) <= n - 3
        assert check_plan(teachers, schools, budget, capped.moves) == []
        assert capped.objective >= free.objective - 1e-6 * abs(free.objective)
    # a budget below what the quotas need has no plan
    tight = replace(Params(time_limit=20), max_moves=1)
    assert plan(teachers, schools, tight).status in ("infeasible", "no_solution")


def test_the_trade_off_traces_fewer_moves_for_less_balance_and_picks_within_tolerance():
    teachers, schools = random_instance(300, 20, seed=7)
    params = Params(time_limit=60)
    points = plan_tradeoff(teachers, schools, params)
    moves = [p.moves for p in points]
    assert moves == sorted(set(moves)) and len(points) >= 2
    assert all(p.feasible for p in points)
    # every point keeps every hard rule; fewer moves never gain more balance than the most
    for p in points:
        assert check_plan(teachers, schools, params, p.result.moves) == []
        assert p.gain is not None and p.gain >= -1e-6
    assert points[0].gain <= points[-1].gain + 1e-6
    # the rule set's own weights give the plan with the most moves; its objective is the best
    default = next(p for p in points if p.move_cost is None)
    best = min(p.objective for p in points)
    assert default.objective <= best * 1.01 + 1e-6
    chosen = choose_budget(points)
    assert points[chosen].objective <= best * 1.05 + 1e-6
    assert all(p.objective > best * 1.05 + 1e-6 for p in points[:chosen])
    # the greedy method gives its one plan
    assert len(plan_tradeoff(teachers, schools, params, method="greedy")) == 1


def test_choose_budget_without_any_plan():
    assert choose_budget([]) is None


@pytest.mark.parametrize("seed", [11, 12])
def test_random_instances_with_fit_and_principals_keep_every_rule(seed):
    teachers, schools = random_instance(200, 12, seed=seed)
    stages = [PRIMARY, JUNIOR, BOTH]
    schools = [replace(s, stages=stages[i % 3], has_principal=True) for i, s in enumerate(schools)]
    by_id = {s.id: s for s in schools}
    out = []
    seen_principal = set()
    for i, t in enumerate(teachers):
        own = by_id[t.school].stages
        stage = sorted(own)[i % len(own)]
        principal = t.school not in seen_principal and t.eligible
        if principal:
            seen_principal.add(t.school)
        out.append(
            replace(
                t,
                stage=stage,
                certified_stages=frozenset({stage}) if i % 7 else frozenset(),
                is_principal=principal,
            )
        )
    params = Params(
        time_limit=20,
        principal_share=0.3,
        unmeetable_quota="cap",
        quota_scope="school",
        backbone_scope="district",
    )
    result = plan(out, schools, params)
    assert result.status in ("optimal", "feasible")
    assert check_plan(out, schools, params, result.moves) == []
    tch = {t.id: t for t in out}
    for m in result.moves:
        t = tch[m.teacher]
        if not t.is_principal:
            assert t.stage in by_id[m.destination].stages and t.stage in t.certified_stages
    # quotas are met, or capped with a note
    capped = {g for g, *_rest in result.quota_notes}
    eligible = {}
    for t in out:
        if t.eligible and not t.is_principal:
            eligible[t.school] = eligible.get(t.school, 0) + 1
    for s in schools:
        if s.is_sending and s.id not in capped:
            moved = sum(1 for m in result.moves if m.origin == s.id and not m.is_principal)
            assert moved >= math.ceil(0.1 * eligible.get(s.id, 0) - 1e-9)


def test_a_subject_need_nobody_may_meet_is_capped_and_named():
    schools = [
        _school("A", sending=True),
        _school("R", needs_subjects={"music": 1, "pe": 1}),
    ]
    teachers = [_teacher(f"a{i}", "A") for i in range(10)] + [
        _teacher("pe", "A", "pe"),
        _teacher("music", "A", "music", "junior", JUNIOR),  # cannot teach at a primary school
    ]
    strict = replace(P, backbone_share=0.0, flow="any")
    assert plan(teachers, schools, strict).status == "infeasible"
    result = plan(teachers, schools, replace(strict, unmeetable_quota="cap"))
    assert result.status in ("optimal", "feasible")
    assert result.need_notes == (("R", "music", 1, 0),)
    assert any(m.teacher == "pe" and m.destination == "R" for m in result.moves)


def test_subject_needs_competing_for_the_same_teachers_are_capped_together():
    # two receiving schools need a PE teacher; one PE teacher may go to either
    schools = [
        _school("A", sending=True),
        _school("R1", needs_subjects={"pe": 1}),
        _school("R2", needs_subjects={"pe": 1}),
    ]
    teachers = [_teacher(f"a{i}", "A") for i in range(10)] + [_teacher("pe", "A", "pe")]
    params = replace(P, backbone_share=0.0, flow="any", unmeetable_quota="cap")
    result = plan(teachers, schools, params)
    assert result.status in ("optimal", "feasible")
    assert result.need_notes == (("R2", "pe", 1, 0),)
    assert greedy_plan(teachers, schools, params).status == "feasible"


def test_the_needs_matching_reroutes_teachers_to_fill_the_most_places():
    from qiangshi.engines.rotation import _match

    # a may teach at X or Y, b only at X: both places are filled (a moves over to Y)
    assert _match({0: [10, 11], 1: [10]}, [(0, 1), (1, 1)]) == {0: 1, 1: 1}
    assert _match({0: [10], 1: [10]}, [(0, 1), (1, 1)]) == {0: 1, 1: 0}
    # a long chain: place k may take teacher k or k+1; the last teacher only fits the last place
    n = 2000
    can = {k: [k, k + 1] for k in range(n)}
    assert sum(_match(can, [(k, 1) for k in range(n)]).values()) == n


def test_fair_shares_are_taken_within_the_balance_group():
    # a primary and a junior school of one district: pooled, the junior school (few backbone
    # teachers per pupil) would look short against the primary one; judged per stage each is at
    # its own stage's mean, and nobody needs to move
    schools = [
        _school("P", backbone_teachers=20, enrollment=1000),
        _school("J", stages=JUNIOR, backbone_teachers=2, enrollment=1000),
    ]
    from qiangshi.engines.rotation import _Instance

    pooled = _Instance([], schools, P)
    assert pooled.target[1, 1] == pytest.approx(11.0)
    staged = [replace(s, balance_group=f"D1:{sorted(s.stages)[0]}") for s in schools]
    apart = _Instance([], staged, P)
    assert apart.target[0, 1] == pytest.approx(20.0) and apart.target[1, 1] == pytest.approx(2.0)
