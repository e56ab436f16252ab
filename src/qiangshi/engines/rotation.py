"""Teacher rotation planning (交流轮岗, POLICY.md §8): who rotates where, optimised for the balance
indicators that depend on teachers (POLICY.md §1), as a mixed-integer programme solved by HiGHS.

Pure Python, numpy and `highspy`; no Django. An adapter loads the registry into the dataclasses
below and calls `plan` (the optimiser) or `greedy_plan` (the baseline, for comparison).

The model
---------
Data. Eligible teachers t (only `eligible` ones are considered; the others count in the school
totals and stay), schools s with enrollment P_s, staffing quota Q_s, current staff N_s, totals
B_{s,k} of the three teacher indicators k ∈ {higher degree, backbone, PE/arts}, minimums m_{s,k}
per 100 students, and the district d(s). a_{t,k} ∈ {0,1} says whether teacher t counts for k.

Candidates. x[t,s] ∈ {0,1} exists for each eligible teacher t and each destination s ≠ the
teacher's school that passes every "where" rule: straight-line distance between the two schools
≤ `max_distance_km`; (origin district, destination district) ∈ `allowed_pairs` (None: any);
s not in the teacher's `forbidden_schools`; s = `fixed_school` when one is set; `fixed="must_not"`
gives no candidate at all.
Teachers who are interchangeable for the model (same school, the same three indicator flags,
the same subject where a subject need could tell them apart, the same preference and fixed
decisions; a teacher who must move is a type of their own) form a type, and the solver sees one
integer x[type,s] ∈ {0..size of the type} instead of one binary per teacher: the same optimum,
far fewer columns and no symmetric duplicates. The moves are handed back to the teachers of the
type longest at the school first.
With `flow="sending_out"` (the default, the policy's direction: the teachers of urban and
high-quality schools go out) only teachers of sending schools move and only to non-sending
schools; `flow="any"` allows every eligible teacher to move anywhere allowed.

Hard constraints (each a named group, see infeasibility below):
- one move:        Σ_s x[t,s] ≤ 1 for every t (= 1 when `fixed="must"`), i.e. Σ_s x[type,s] ≤
                   size of the type                                                     [fixed]
- quotas:          per quota group g (a district, or each sending school when
                   `quota_scope="school"`): Σ moves out of the sending schools of g ≥
                   ceil(rotation_share · eligible teachers of those schools)           [quotas]
- backbone share:  per quota group, Σ (is_backbone_t − backbone_share) · x ≥ 0 over the moves
                   out of its sending schools, i.e. backbone ≥ 20% of those rotating  [backbone_share]
- subject needs:   for each school s and subject j in needs_subjects:
                   (moves of subject j into s) − (moves of subject j out of s) ≥ need  [subject_needs]
- staffing:        N_s + in_s − out_s within [Q_s − tol_s, Q_s + tol_s], tol_s =
                   max(1, floor(quota_tolerance · Q_s)); a school already outside that band
                   may not move further from it (the band is widened to include N_s)  [staffing]
- distance, allowed pairs, fixed decisions: by the candidate set                 [distance, ...]

Objective (minimise, everything in teacher units so the weights read plainly). With
c_{s,k} = B_{s,k} + Σ_in a_k x − Σ_out a_k x the count after the moves:
- w_shortfall · Σ_{s,k} u_{s,k},  u ≥ m_{s,k}·P_s/100 − c_{s,k}, u ≥ 0 — teachers missing below
  the minimums (first priority: the default weight is 100);
- w_cv · Σ_{s,k} |c_{s,k} − P_s · C_{d,k}/P_d| — the linear surrogate of the weighted CV: the
  enrollment-weighted mean absolute deviation of the per-100 values from the district mean,
  times C_{d,k}/100, i.e. how many teachers each school is away from its fair share of the
  district's total C_{d,k} (taken before the moves; for moves across districts the shares of the
  district totals before the moves are the targets). Split as c − target = dp − dn, dp, dn ≥ 0;
- w_distance · Σ km moved + w_preference · (moves to a school not on a teacher's preference list,
  for teachers who gave one) + w_move · Σ moves (a small cost per move, so nobody moves for
  nothing).
The CVs reported before and after are computed exactly by `engines.balance.weighted_cv`.

Infeasibility. When HiGHS proves the model infeasible the groups subject_needs, quotas,
backbone_share, staffing, distance, allowed_pairs, fixed are dropped one at a time; those
whose removal alone makes the model feasible are reported, in that order (status "infeasible",
`infeasible_groups`, `infeasible_group` the first, and an explanation naming the school, subject
or district where it can be told; when no single group is enough, pairs are tried). A
requirement group (subject needs, quotas, backbone share) dropped makes fewer moves necessary, a
restriction group (staffing, distance, pairs, fixed) dropped makes more possible: both kinds are
listed. No plan is returned empty without a reason.

`greedy_plan` is the baseline: subject needs first, then, while a quota group is short, the
neediest receiving school (largest weighted shortfall, then deviation) gets the eligible teacher
who lowers the objective most among those it may take (a backbone one while the share is short).
`plan` gives the greedy plan to HiGHS as a starting solution, so its objective is never worse.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from qiangshi.engines.balance import weighted_cv

__all__ = [
    "GROUPS",
    "INDICATORS",
    "Move",
    "Params",
    "Result",
    "School",
    "SchoolChange",
    "Teacher",
    "check_plan",
    "greedy_plan",
    "objective_value",
    "plan",
    "random_instance",
]

INDICATORS = (
    "higher_degree_teachers_per_100",
    "backbone_teachers_per_100",
    "pe_arts_teachers_per_100",
)
_LABEL = ("higher-degree", "backbone", "PE/arts")
GROUPS = (
    "subject_needs",
    "quotas",
    "backbone_share",
    "staffing",
    "distance",
    "allowed_pairs",
    "fixed",
)
EPS = 1e-6


@dataclass(frozen=True)
class Teacher:
    id: str
    school: str
    subject: str
    is_backbone: bool = False
    has_higher_degree: bool = False  # a degree above the one the stage requires
    is_pe_arts: bool = False
    years_at_school: int = 0
    eligible: bool = True
    preference: tuple[str, ...] | None = None  # school ids the teacher would like, best first
    fixed: str | None = None  # "must" | "must_not" | None
    fixed_school: str | None = None  # with fixed="must" (or alone): only to this school
    forbidden_schools: frozenset[str] = frozenset()

    def attrs(self) -> tuple[int, int, int]:
        return (int(self.has_higher_degree), int(self.is_backbone), int(self.is_pe_arts))


@dataclass(frozen=True)
class School:
    id: str
    district: str
    enrollment: float
    quota: int  # staffing quota (编制)
    staff: int  # current staff
    lat: float = 0.0
    lon: float = 0.0
    needs_subjects: dict[str, int] = field(default_factory=dict)  # subject → teachers lacking
    is_sending: bool = False  # urban / high-quality: its eligible teachers count for the quota
    # Current totals of the three indicators (all staff, eligible or not).
    higher_degree_teachers: int = 0
    backbone_teachers: int = 0
    pe_arts_teachers: int = 0
    # Minimums per 100 students (POLICY §1, primary values by default).
    min_higher_degree_per_100: float = 4.2
    min_backbone_per_100: float = 1.0
    min_pe_arts_per_100: float = 0.9

    def totals(self) -> tuple[int, int, int]:
        return (self.higher_degree_teachers, self.backbone_teachers, self.pe_arts_teachers)

    def minimums(self) -> tuple[float, float, float]:
        return (self.min_higher_degree_per_100, self.min_backbone_per_100, self.min_pe_arts_per_100)


@dataclass(frozen=True)
class Params:
    rotation_share: float = 0.10
    backbone_share: float = 0.20  # of those rotating
    quota_scope: str = "district"  # "district" | "school"
    quota_tolerance: float = 0.05  # of the staffing quota, at least one teacher
    max_distance_km: float | None = None
    allowed_pairs: frozenset[tuple[str, str]] | None = None  # (origin, destination district)
    flow: str = "sending_out"  # "sending_out" | "any"
    w_shortfall: float = 100.0
    w_cv: float = 1.0
    w_distance: float = 0.02
    w_preference: float = 0.5
    w_move: float = 0.5
    time_limit: float = 60.0
    mip_rel_gap: float = 0.01
    threads: int = 2
    # HiGHS's MIP presolve removes little here and took 12 of 19 s on the 3,000 × 100 benchmark.
    presolve: str = "off"


@dataclass(frozen=True)
class Move:
    teacher: str
    origin: str
    destination: str
    distance_km: float
    reason: str


@dataclass(frozen=True)
class SchoolChange:
    school: str
    before: dict[str, float]
    after: dict[str, float]
    moved_in: int
    moved_out: int


@dataclass
class Result:
    status: str  # "optimal" | "feasible" | "infeasible" | "no_solution" | "incomplete"
    moves: list[Move]
    schools: list[SchoolChange]
    cv_before: dict[str, dict[str, float | None]]  # district → indicator → CV
    cv_after: dict[str, dict[str, float | None]]
    objective: float | None
    gap: float | None
    solve_time: float
    message: str = ""
    infeasible_group: str | None = None  # the first of infeasible_groups
    # Each alone, dropped, makes a plan possible (or, when no single one does, the first pair
    # that does together; the message says which case).
    infeasible_groups: tuple[str, ...] = ()
    method: str = "milp"


# ---------------------------------------------------------------------------------------------
# Instance preparation


def _haversine(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


class _Instance:
    """Arrays shared by the optimiser, the greedy baseline and the checks."""

    def __init__(self, teachers: Sequence[Teacher], schools: Sequence[School], params: Params):
        self.params = params
        self.schools = list(schools)
        self.sidx = {s.id: i for i, s in enumerate(self.schools)}
        if len(self.sidx) != len(self.schools):
            raise ValueError("rotation: school ids repeat")
        if params.quota_scope not in ("district", "school"):
            raise ValueError("rotation: quota_scope must be 'district' or 'school'")
        if params.flow not in ("sending_out", "any"):
            raise ValueError("rotation: flow must be 'sending_out' or 'any'")
        seen = set()
        self.teachers = []
        for t in teachers:
            if t.id in seen:
                raise ValueError(f"rotation: teacher {t.id} appears twice")
            seen.add(t.id)
            if t.school not in self.sidx:
                raise ValueError(f"rotation: teacher {t.id}: unknown school {t.school!r}")
            if t.fixed not in (None, "must", "must_not"):
                raise ValueError(f"rotation: teacher {t.id}: fixed must be must/must_not/None")
            if t.eligible:
                self.teachers.append(t)
        S = len(self.schools)
        self.enroll = np.array([float(s.enrollment) for s in self.schools])
        if (self.enroll <= 0).any():
            raise ValueError("rotation: every school needs a positive enrollment")
        self.base = np.array([s.totals() for s in self.schools], dtype=float)  # (S, 3)
        self.mins = np.array([s.minimums() for s in self.schools], dtype=float)
        self.need_count = self.mins * self.enroll[:, None] / 100.0  # teachers required
        self.staff = np.array([s.staff for s in self.schools], dtype=float)
        quota = np.array([s.quota for s in self.schools], dtype=float)
        tol = np.maximum(1.0, np.floor(params.quota_tolerance * quota))
        self.staff_lo = np.minimum(quota - tol, self.staff)
        self.staff_hi = np.maximum(quota + tol, self.staff)
        self.sending = np.array([s.is_sending for s in self.schools])
        self.districts = sorted({s.district for s in self.schools})
        didx = {d: i for i, d in enumerate(self.districts)}
        self.dist_of = np.array([didx[s.district] for s in self.schools])
        D = len(self.districts)
        pop_d = np.bincount(self.dist_of, weights=self.enroll, minlength=D)
        tot_d = np.stack(
            [np.bincount(self.dist_of, weights=self.base[:, k], minlength=D) for k in range(3)],
            axis=1,
        )
        self.target = self.enroll[:, None] * tot_d[self.dist_of] / pop_d[self.dist_of][:, None]
        lat = np.array([s.lat for s in self.schools])
        lon = np.array([s.lon for s in self.schools])
        self.km = _haversine(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        self.t_school = np.array([self.sidx[t.school] for t in self.teachers], dtype=np.int64)
        self.t_attr = np.array([t.attrs() for t in self.teachers], dtype=float).reshape(-1, 3)
        self.t_backbone = self.t_attr[:, 1]
        subjects = sorted(
            {t.subject for t in self.teachers} | {j for s in self.schools for j in s.needs_subjects}
        )
        self.subjects = subjects
        jidx = {j: i for i, j in enumerate(subjects)}
        self.t_subject = np.array([jidx[t.subject] for t in self.teachers], dtype=np.int64)
        self.needs = [
            (i, jidx[j], int(n))
            for i, s in enumerate(self.schools)
            for j, n in sorted(s.needs_subjects.items())
            if n > 0
        ]
        # Quota groups: district (its sending schools) or each sending school.
        if params.quota_scope == "district":
            keys = [
                self.districts[d] if self.sending[i] else None for i, d in enumerate(self.dist_of)
            ]
        else:
            keys = [s.id if s.is_sending else None for s in self.schools]
        gnames = sorted({k for k in keys if k is not None})
        gidx = {g: i for i, g in enumerate(gnames)}
        self.group_names = gnames
        self.group_of = np.array([gidx[k] if k is not None else -1 for k in keys], dtype=np.int64)
        elig = np.bincount(self.t_school, minlength=S).astype(float)
        self.eligible_per_school = elig
        G = len(gnames)
        geli = np.zeros(G)
        for i in range(S):
            if self.group_of[i] >= 0:
                geli[self.group_of[i]] += elig[i]
        self.group_eligible = geli
        self.group_quota = np.ceil(params.rotation_share * geli - 1e-9)
        # Interchangeable teachers: same school, indicator attributes, subject where a subject
        # need could see it, preference and fixed decisions. The model counts moves per type.
        needed = {j for _s, j, _n in self.needs}
        types: dict[tuple, list[int]] = {}
        for i, t in enumerate(self.teachers):
            key = (
                int(self.t_school[i]),
                t.attrs(),
                int(self.t_subject[i]) if int(self.t_subject[i]) in needed else -1,
                t.preference,
                t.fixed_school,
                t.forbidden_schools,
                i if t.fixed == "must" else t.fixed,
            )
            types.setdefault(key, []).append(i)
        self.type_members = [
            sorted(m, key=lambda i: (-self.teachers[i].years_at_school, self.teachers[i].id))
            for m in types.values()
        ]
        self.type_rep = np.array([m[0] for m in self.type_members], dtype=np.int64)
        self.type_size = np.array([len(m) for m in self.type_members], dtype=float)
        self.type_of = np.zeros(len(self.teachers), dtype=np.int64)
        for g, m in enumerate(self.type_members):
            self.type_of[m] = g

    def candidates(self, relax: frozenset[str] = frozenset(), rows: np.ndarray | None = None):
        """(teacher index, destination index) arrays of the allowed moves (of `rows` only)."""
        p = self.params
        S = len(self.schools)
        ok = ~np.eye(S, dtype=bool)
        if p.max_distance_km is not None and "distance" not in relax:
            ok &= self.km <= p.max_distance_km + 1e-9
        if p.allowed_pairs is not None and "allowed_pairs" not in relax:
            pairs = np.zeros((S, S), dtype=bool)
            allowed = set(p.allowed_pairs)
            for a in range(S):
                da = self.schools[a].district
                for b in range(S):
                    pairs[a, b] = (da, self.schools[b].district) in allowed
            ok &= pairs
        if p.flow == "sending_out":
            ok &= self.sending[:, None] & ~self.sending[None, :]
        rows = np.arange(len(self.teachers)) if rows is None else rows
        mask = ok[self.t_school[rows]]  # (rows, S)
        for i, t in enumerate(self.teachers[r] for r in rows.tolist()):
            if "fixed" in relax:
                continue
            if t.fixed == "must_not":
                mask[i] = False
                continue
            for f in t.forbidden_schools:
                if f in self.sidx:
                    mask[i, self.sidx[f]] = False
            if t.fixed_school is not None:
                keep = mask[i, self.sidx[t.fixed_school]] if t.fixed_school in self.sidx else False
                mask[i] = False
                if keep:
                    mask[i, self.sidx[t.fixed_school]] = True
        ri, si = np.nonzero(mask)
        return rows[ri].astype(np.int64), si.astype(np.int64)

    def move_cost(self, ti: np.ndarray, si: np.ndarray) -> np.ndarray:
        p = self.params
        cost = p.w_move + p.w_distance * self.km[self.t_school[ti], si]
        if p.w_preference:
            pen = np.zeros(len(ti))
            for n, (t, s) in enumerate(zip(ti.tolist(), si.tolist(), strict=True)):
                pref = self.teachers[t].preference
                if pref is not None and self.schools[s].id not in pref:
                    pen[n] = p.w_preference
            cost = cost + pen
        return cost

    def counts_after(self, ti: np.ndarray, si: np.ndarray) -> np.ndarray:
        c = self.base.copy()
        S = len(self.schools)
        for k in range(3):
            a = self.t_attr[ti, k]
            c[:, k] += np.bincount(si, weights=a, minlength=S)
            c[:, k] -= np.bincount(self.t_school[ti], weights=a, minlength=S)
        return c

    def objective(self, ti: np.ndarray, si: np.ndarray) -> float:
        p = self.params
        c = self.counts_after(ti, si)
        short = np.maximum(self.need_count - c, 0.0).sum()
        dev = np.abs(c - self.target).sum()
        return float(p.w_shortfall * short + p.w_cv * dev + self.move_cost(ti, si).sum())


# ---------------------------------------------------------------------------------------------
# The MILP


def _build(inst: _Instance, relax: frozenset[str], feasibility: bool = False):
    import highspy

    p = inst.params
    ti, si = inst.candidates(relax, inst.type_rep)  # ti: the type's representative
    tt = inst.type_of[ti]
    n = len(ti)
    S = len(inst.schools)
    ts = inst.t_school[ti]
    # Columns: x (n), u (3S), dp (3S), dn (3S).
    nu = 3 * S
    ncol = n + 3 * nu
    cost = np.zeros(ncol)
    if not feasibility:
        cost[:n] = inst.move_cost(ti, si)
        cost[n : n + nu] = p.w_shortfall
        cost[n + nu :] = p.w_cv
    lower = np.zeros(ncol)
    upper = np.full(ncol, highspy.kHighsInf)
    upper[:n] = inst.type_size[tt]
    rows_r, rows_c, rows_v = [], [], []
    rlo, rhi = [], []
    inf = highspy.kHighsInf
    xcol = np.arange(n)

    def add(r_idx, cols, vals, lo, hi):
        base = len(rlo)
        rows_r.append(np.asarray(r_idx, dtype=np.int64) + base)
        rows_c.append(np.asarray(cols, dtype=np.int64))
        rows_v.append(np.asarray(vals, dtype=float))
        rlo.extend(np.broadcast_to(np.asarray(lo, dtype=float), (len(lo),)).tolist())
        rhi.extend(np.broadcast_to(np.asarray(hi, dtype=float), (len(hi),)).tolist())

    # At most the type's teachers move (= 1 for a teacher who must: a type of its own).
    must = np.array(
        [inst.teachers[r].fixed == "must" and "fixed" not in relax for r in inst.type_rep.tolist()],
        dtype=bool,
    )
    add(tt, xcol, np.ones(n), np.where(must, 1.0, 0.0), inst.type_size)
    # Quotas and backbone share per group.
    G = len(inst.group_names)
    g = inst.group_of[ts]
    out = g >= 0
    if G:
        if "quotas" not in relax:
            add(g[out], xcol[out], np.ones(out.sum()), inst.group_quota, np.full(G, inf))
        if "backbone_share" not in relax:
            vals = inst.t_backbone[ti[out]] - p.backbone_share
            add(g[out], xcol[out], vals, np.zeros(G), np.full(G, inf))
    # Subject needs: in − out of subject j at s ≥ need.
    if inst.needs and "subject_needs" not in relax:
        r_idx, cols, vals = [], [], []
        subj = inst.t_subject[ti]
        for r, (s, j, _need) in enumerate(inst.needs):
            inn = np.flatnonzero((si == s) & (subj == j))
            outm = np.flatnonzero((ts == s) & (subj == j))
            r_idx += [r] * (len(inn) + len(outm))
            cols += inn.tolist() + outm.tolist()
            vals += [1.0] * len(inn) + [-1.0] * len(outm)
        add(r_idx, cols, vals, [float(x[2]) for x in inst.needs], [inf] * len(inst.needs))
    # Staffing: lo − N ≤ in − out ≤ hi − N.
    if "staffing" not in relax:
        add(
            np.concatenate([si, ts]),
            np.concatenate([xcol, xcol]),
            np.concatenate([np.ones(n), -np.ones(n)]),
            inst.staff_lo - inst.staff,
            inst.staff_hi - inst.staff,
        )
    # Shortfall u_{s,k} + in − out ≥ need − base; deviation in − out − dp + dn = target − base.
    for k in range(3):
        a = inst.t_attr[ti, k]
        nz = a > 0
        r_in, r_out = si[nz], ts[nz]
        cols = np.concatenate([xcol[nz], xcol[nz]])
        vals = np.concatenate([np.ones(nz.sum()), -np.ones(nz.sum())])
        srange = np.arange(S)
        add(
            np.concatenate([r_in, r_out, srange]),
            np.concatenate([cols, n + k * S + srange]),
            np.concatenate([vals, np.ones(S)]),
            inst.need_count[:, k] - inst.base[:, k],
            np.full(S, inf),
        )
        rhs = inst.target[:, k] - inst.base[:, k]
        add(
            np.concatenate([r_in, r_out, srange, srange]),
            np.concatenate([cols, n + nu + k * S + srange, n + 2 * nu + k * S + srange]),
            np.concatenate([vals, -np.ones(S), np.ones(S)]),
            rhs,
            rhs,
        )
    r = np.concatenate(rows_r)
    c = np.concatenate(rows_c)
    v = np.concatenate(rows_v)
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    start = np.searchsorted(c, np.arange(ncol + 1))
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = len(rlo)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(rlo)
    lp.row_upper_ = np.array(rhi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = r.astype(np.int32)
    lp.a_matrix_.value_ = v
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * (
        3 * nu
    )
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(p.time_limit))
    h.setOptionValue("mip_rel_gap", float(p.mip_rel_gap))
    h.setOptionValue("threads", int(p.threads))
    h.setOptionValue("presolve", p.presolve)
    if feasibility:
        h.setOptionValue("mip_max_improving_sols", 1)
    h.passModel(lp)
    return h, tt, si


def _start_values(inst: _Instance, tt, si, moves_t, moves_s) -> np.ndarray | None:
    """A full column vector for the greedy plan (HiGHS's starting solution), or None."""
    n = len(tt)
    S = len(inst.schools)
    pos = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(tt, si, strict=True))}
    x = np.zeros(n)
    for a, b in zip(inst.type_of[moves_t], moves_s, strict=True):
        col = pos.get((int(a), int(b)))
        if col is None:
            return None
        x[col] += 1.0
    c = inst.counts_after(np.asarray(moves_t, dtype=np.int64), np.asarray(moves_s, dtype=np.int64))
    u = np.maximum(inst.need_count - c, 0.0)
    d = c - inst.target
    dp, dn = np.maximum(d, 0.0), np.maximum(-d, 0.0)
    return np.concatenate([x, u.T.reshape(-1), dp.T.reshape(-1), dn.T.reshape(-1)])[: n + 9 * S]


def plan(teachers: Sequence[Teacher], schools: Sequence[School], params: Params | None = None):
    """The optimised rotation plan (see the module docstring for the model)."""
    import highspy

    params = params or Params()
    inst = _Instance(teachers, schools, params)
    started = time.perf_counter()
    greedy = _greedy(inst)
    h, tt, si = _build(inst, frozenset())
    start = _start_values(inst, tt, si, greedy[0], greedy[1]) if greedy[2] == "" else None
    if start is not None:  # the greedy plan is feasible: a starting solution
        sol = highspy.HighsSolution()
        sol.col_value = start.tolist()
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2
    elapsed = time.perf_counter() - started
    if status == highspy.HighsModelStatus.kInfeasible or (
        not has_solution and status != highspy.HighsModelStatus.kTimeLimit
    ):
        groups, detail = _diagnose(inst)
        result = _result(
            inst,
            [],
            [],
            "infeasible",
            None,
            None,
            elapsed,
            detail,
            groups[0] if groups else None,
            "milp",
        )
        result.infeasible_groups = groups
        result.solve_time = time.perf_counter() - started
        return result
    if not has_solution:
        return _result(
            inst,
            [],
            [],
            "no_solution",
            None,
            None,
            elapsed,
            f"no feasible plan found within the time limit of {params.time_limit:g} s",
            None,
            "milp",
        )
    x = np.rint(np.asarray(h.getSolution().col_value[: len(tt)])).astype(np.int64)
    mt_list, ms_list = [], []
    taken = np.zeros(len(inst.type_rep), dtype=np.int64)  # longest at the school move first
    for col in np.flatnonzero(x > 0).tolist():
        g = int(tt[col])
        members = inst.type_members[g][taken[g] : taken[g] + int(x[col])]
        taken[g] += int(x[col])
        for t in members:
            mt_list.append(t)
            ms_list.append(int(si[col]))
    mt, ms = np.array(mt_list, dtype=np.int64), np.array(ms_list, dtype=np.int64)
    name = "optimal" if status == highspy.HighsModelStatus.kOptimal else "feasible"
    gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
    if name == "optimal" and gap is not None and gap > params.mip_rel_gap + 1e-9:
        gap = gap  # HiGHS reports kOptimal within mip_rel_gap
    return _result(inst, mt, ms, name, inst.objective(mt, ms), gap, elapsed, "", None, "milp")


def _diagnose(inst: _Instance) -> tuple[tuple[str, ...], str]:
    """Drop each constraint group alone; the groups whose removal makes the model feasible."""
    import highspy

    short = replace(inst.params, time_limit=min(inst.params.time_limit, 30.0))
    inst2 = _Instance.__new__(_Instance)
    inst2.__dict__.update(inst.__dict__)
    inst2.params = short

    def feasible(relax: frozenset[str]) -> bool:
        h, _, _ = _build(inst2, relax, feasibility=True)
        h.run()
        return h.getInfo().primal_solution_status == 2 or (
            h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        )

    found = [g for g in GROUPS if feasible(frozenset({g}))]
    if not found:
        pairs = [
            (a, b)
            for i, a in enumerate(GROUPS)
            for b in GROUPS[i + 1 :]
            if feasible(frozenset({a, b}))
        ]
        if not pairs:
            return (), (
                "no plan satisfies all hard constraints, and dropping any one or two groups of "
                f"them ({', '.join(GROUPS)}) is not enough"
            )
        a, b = pairs[0]
        listed = "; ".join(f"{x} + {y}" for x, y in pairs)
        return (a, b), (
            "no plan satisfies all hard constraints, nor with any single group of them dropped; "
            f"there is one with two dropped: {listed}. {a.replace('_', ' ')}: "
            f"{_explain(inst, a)} {b.replace('_', ' ')}: {_explain(inst, b)}"
        )
    parts = [f"{g.replace('_', ' ')} ({_explain(inst, g)})" for g in found]
    return tuple(found), (
        "no plan satisfies all hard constraints; there is one without any single one of: "
        + "; ".join(parts)
    )


def _explain(inst: _Instance, group: str) -> str:
    p = inst.params
    ti, si = inst.candidates()
    head = ""
    if group == "subject_needs":
        subj = inst.t_subject[ti]
        bad = []
        for s, j, need in inst.needs:
            avail = len(set(ti[(si == s) & (subj == j)].tolist()))
            if avail < need:
                bad.append(
                    f"{inst.schools[s].id} needs {need} {inst.subjects[j]} teacher(s) and "
                    f"{avail} eligible one(s) may move there"
                )
        return head + (
            "; ".join(bad)
            if bad
            else "The subject needs cannot all be met together "
            "with the other constraints (too few eligible teachers of those subjects)."
        )
    if group == "quotas":
        parts = []
        g = inst.group_of[inst.t_school[ti]]
        for k, name in enumerate(inst.group_names):
            movable = len(set(ti[g == k].tolist()))
            if movable < inst.group_quota[k]:
                parts.append(
                    f"{name} must rotate {int(inst.group_quota[k])} but only {movable} "
                    "eligible teacher(s) have an allowed destination"
                )
        return head + (
            "; ".join(parts)
            if parts
            else "The rotation quotas cannot be met within "
            "the staffing, distance and subject constraints."
        )
    if group == "backbone_share":
        return head + (
            f"Too few eligible backbone teachers can move to make {p.backbone_share:.0%}"
            " of those rotating."
        )
    if group == "staffing":
        return head + (
            f"The receiving schools cannot take the quota within their staffing quota "
            f"± {p.quota_tolerance:.0%}."
        )
    if group == "distance":
        return head + f"Too few moves are within {p.max_distance_km:g} km."
    if group == "allowed_pairs":
        return head + "The allowed district pairs leave too few destinations."
    return head + "The fixed decisions (must / must not move, fixed schools) conflict."


# ---------------------------------------------------------------------------------------------
# The greedy baseline


def _greedy(inst: _Instance):
    """(teacher indices, school indices, problem or "")."""
    p = inst.params
    ti, si = inst.candidates()
    ts = inst.t_school[ti]
    subj = inst.t_subject[ti]
    tg = inst.group_of[ts]
    back = inst.t_backbone[ti] > 0
    T = len(inst.teachers)
    cost = inst.move_cost(ti, si)
    c = inst.base.copy()
    staff = inst.staff.copy()
    moved = np.zeros(T, dtype=bool)
    need_of = {(s, j): need for s, j, need in inst.needs}
    need_arr = np.full((len(inst.schools), max(1, len(inst.subjects))), -1e9)
    for s, j, need in inst.needs:
        need_arr[s, j] = need
    net = np.zeros_like(need_arr)
    G = len(inst.group_names)
    gmoves = np.zeros(G)
    gback = np.zeros(G)
    mt: list[int] = []
    ms: list[int] = []

    def delta(idx: np.ndarray) -> np.ndarray:
        d = cost[idx].copy()
        for k in range(3):
            a = inst.t_attr[ti[idx], k]
            for school, sign in ((si[idx], 1.0), (ts[idx], -1.0)):
                before = c[school, k]
                after = before + sign * a
                need, tgt = inst.need_count[school, k], inst.target[school, k]
                d += p.w_shortfall * (np.maximum(need - after, 0) - np.maximum(need - before, 0))
                d += p.w_cv * (np.abs(after - tgt) - np.abs(before - tgt))
        return d

    def allowed(idx: np.ndarray) -> np.ndarray:
        ok = ~moved[ti[idx]]
        ok &= staff[si[idx]] + 1 <= inst.staff_hi[si[idx]] + EPS
        ok &= staff[ts[idx]] - 1 >= inst.staff_lo[ts[idx]] - EPS
        ok &= net[ts[idx], subj[idx]] - 1 >= need_arr[ts[idx], subj[idx]]
        return idx[ok]

    def do(n: int) -> None:
        t, s = int(ti[n]), int(si[n])
        o = int(inst.t_school[t])
        moved[t] = True
        mt.append(t)
        ms.append(s)
        c[s] += inst.t_attr[t]
        c[o] -= inst.t_attr[t]
        staff[s] += 1
        staff[o] -= 1
        j = int(inst.t_subject[t])
        net[s, j] += 1
        net[o, j] -= 1
        g = inst.group_of[o]
        if g >= 0:
            gmoves[g] += 1
            gback[g] += inst.t_backbone[t]

    def best(idx: np.ndarray) -> int:
        return int(idx[np.argmin(delta(idx))])

    # 0. Teachers who must move: their best allowed destination.
    for t, tch in enumerate(inst.teachers):
        if tch.fixed == "must" and not moved[t]:
            opts = allowed(np.flatnonzero(ti == t))
            if len(opts):
                do(best(opts))
    # 1. Subject needs, largest first.
    for s, j, _need in sorted(inst.needs, key=lambda x: -x[2]):
        while net[s, j] < need_of[(s, j)]:
            opts = allowed(np.flatnonzero((si == s) & (subj == j)))
            if not len(opts):
                break
            do(best(opts))
    # 2. Quotas: the neediest school takes the most useful teacher of a group still short
    #    (a backbone one while the group's backbone share would fall short).
    in_group = tg >= 0
    order = np.argsort(si, kind="stable")
    bounds = np.searchsorted(si[order], np.arange(len(inst.schools) + 1))
    by_dest = [order[bounds[d] : bounds[d + 1]] for d in range(len(inst.schools))]
    by_dest = [idx[in_group[idx]] for idx in by_dest]
    back_of = [np.flatnonzero((tg == g) & back) for g in range(len(inst.group_names))]
    while True:
        short = (gmoves < inst.group_quota) | (gback < p.backbone_share * gmoves - EPS)
        if not short.any():
            break
        lack = p.w_shortfall * np.maximum(inst.need_count - c, 0.0).sum(axis=1)
        lack += p.w_cv * np.maximum(inst.target - c, 0.0).sum(axis=1)
        room = staff + 1 <= inst.staff_hi + EPS
        picked = None
        can_cache: dict[int, bool] = {}
        for d in np.argsort(-lack, kind="stable").tolist():
            if not room[d] or not len(by_dest[d]):
                continue
            cand = by_dest[d]
            opts = allowed(cand[short[tg[cand]]])
            if not len(opts):
                continue
            g_of = tg[opts]
            want_back = gback[g_of] < p.backbone_share * (gmoves[g_of] + 1) - EPS
            if want_back.any():
                # a backbone teacher while the group's share would fall short, if any can go
                # anywhere; otherwise the group takes whoever can go
                need_g = np.unique(g_of[want_back])
                can = np.zeros(len(inst.group_names), dtype=bool)
                for g in need_g.tolist():
                    if g not in can_cache:
                        can_cache[g] = len(allowed(back_of[g])) > 0
                    can[g] = can_cache[g]
                opts = opts[~want_back | back[opts] | ~can[g_of]]
            if len(opts):
                picked = best(opts)
                break
        if picked is None:
            break
        do(picked)
    problems = []
    for s, j, need in inst.needs:
        if net[s, j] < need:
            problems.append(
                f"{inst.schools[s].id} still lacks {int(need - net[s, j])} {inst.subjects[j]}"
            )
    for g in range(G):
        if gmoves[g] < inst.group_quota[g]:
            problems.append(
                f"{inst.group_names[g]} rotates {int(gmoves[g])} of {int(inst.group_quota[g])}"
            )
        if gback[g] < p.backbone_share * gmoves[g] - EPS:
            problems.append(f"{inst.group_names[g]}: backbone share below {p.backbone_share:.0%}")
    for t, tch in enumerate(inst.teachers):
        if tch.fixed == "must" and not moved[t]:
            problems.append(f"teacher {tch.id} must move and could not")
    return np.array(mt, dtype=np.int64), np.array(ms, dtype=np.int64), "; ".join(problems)


def greedy_plan(
    teachers: Sequence[Teacher], schools: Sequence[School], params: Params | None = None
) -> Result:
    """The greedy baseline, with the same inputs and result as `plan`."""
    params = params or Params()
    inst = _Instance(teachers, schools, params)
    started = time.perf_counter()
    mt, ms, problem = _greedy(inst)
    elapsed = time.perf_counter() - started
    status = "feasible" if not problem else "incomplete"
    return _result(
        inst, mt, ms, status, inst.objective(mt, ms), None, elapsed, problem, None, "greedy"
    )


# ---------------------------------------------------------------------------------------------
# Results


def _cvs(inst: _Instance, counts: np.ndarray) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for d, name in enumerate(inst.districts):
        rows = np.flatnonzero(inst.dist_of == d)
        out[name] = {}
        for k, key in enumerate(INDICATORS):
            try:
                out[name][key] = weighted_cv(counts[rows, k], inst.enroll[rows])
            except ValueError:
                out[name][key] = None
    return out


def _reason(inst: _Instance, t: int, s: int, c_before: np.ndarray) -> str:
    tch = inst.teachers[t]
    sch = inst.schools[s]
    o = inst.t_school[t]
    lacks, has = [], []
    for k in range(3):
        if inst.t_attr[t, k]:
            miss = math.ceil(inst.need_count[s, k] - c_before[s, k] - 1e-9)
            if miss > 0:
                lacks.append(f"{miss} {_LABEL[k]} teacher{'s' if miss > 1 else ''}")
                has.append(_LABEL[k])
    need = sch.needs_subjects.get(tch.subject, 0)
    if need > 0:
        lacks.append(f"{'a' if need == 1 else need} {tch.subject} teacher{'s' if need > 1 else ''}")
        has.append(tch.subject)
    km = float(inst.km[o, s])
    where = f"{km:.1f} km from {inst.schools[o].id}"
    if lacks:
        what = "both" if len(has) == 2 else ("all of these" if len(has) > 2 else "one")
        listed = ", ".join(lacks[:-1]) + " and " + lacks[-1] if len(lacks) > 1 else lacks[0]
        return f"school {sch.id} lacks {listed}; teacher {tch.id} is {what}, {where}"
    below = [
        _LABEL[k]
        for k in range(3)
        if inst.t_attr[t, k] and c_before[s, k] < inst.target[s, k] - EPS
    ]
    if below:
        return (
            f"school {sch.id} is below the district average in {' and '.join(below)} "
            f"teachers; teacher {tch.id} is one, {where}"
        )
    return (
        f"rotation quota of {inst.schools[o].id}; {sch.id} is the best allowed destination "
        f"for teacher {tch.id} ({tch.subject}), {where}"
    )


def _result(inst, mt, ms, status, objective, gap, elapsed, message, group, method) -> Result:
    mt = np.asarray(mt, dtype=np.int64)
    ms = np.asarray(ms, dtype=np.int64)
    after = inst.counts_after(mt, ms)
    moves = [
        Move(
            teacher=inst.teachers[t].id,
            origin=inst.schools[inst.t_school[t]].id,
            destination=inst.schools[s].id,
            distance_km=round(float(inst.km[inst.t_school[t], s]), 2),
            reason=_reason(inst, int(t), int(s), inst.base),
        )
        for t, s in sorted(
            zip(mt.tolist(), ms.tolist(), strict=True), key=lambda ts: inst.teachers[ts[0]].id
        )
    ]
    S = len(inst.schools)
    nin = np.bincount(ms, minlength=S)
    nout = np.bincount(inst.t_school[mt], minlength=S)
    schools = [
        SchoolChange(
            school=sch.id,
            before={k: 100 * inst.base[i, j] / inst.enroll[i] for j, k in enumerate(INDICATORS)},
            after={k: 100 * after[i, j] / inst.enroll[i] for j, k in enumerate(INDICATORS)},
            moved_in=int(nin[i]),
            moved_out=int(nout[i]),
        )
        for i, sch in enumerate(inst.schools)
    ]
    return Result(
        status=status,
        moves=moves,
        schools=schools,
        cv_before=_cvs(inst, inst.base),
        cv_after=_cvs(inst, after),
        objective=objective,
        gap=gap,
        solve_time=elapsed,
        message=message,
        infeasible_group=group,
        method=method,
    )


def objective_value(
    teachers: Sequence[Teacher], schools: Sequence[School], params: Params, moves: Sequence[Move]
) -> float:
    """The model's objective of a given plan (for comparing plans)."""
    inst = _Instance(teachers, schools, params)
    tix = {t.id: i for i, t in enumerate(inst.teachers)}
    mt = np.array([tix[m.teacher] for m in moves], dtype=np.int64)
    ms = np.array([inst.sidx[m.destination] for m in moves], dtype=np.int64)
    return inst.objective(mt, ms)


def check_plan(
    teachers: Sequence[Teacher], schools: Sequence[School], params: Params, moves: Sequence[Move]
) -> list[str]:
    """Every hard constraint the plan breaks (empty when it satisfies them all)."""
    inst = _Instance(teachers, schools, params)
    tix = {t.id: i for i, t in enumerate(inst.teachers)}
    bad = []
    seen = set()
    ti, si = inst.candidates()
    allowed = set(zip(ti.tolist(), si.tolist(), strict=True))
    for m in moves:
        if m.teacher not in tix:
            bad.append(f"fixed: {m.teacher} is not an eligible teacher")
            continue
        t = tix[m.teacher]
        if t in seen:
            bad.append(f"fixed: {m.teacher} moves twice")
        seen.add(t)
        if m.origin != inst.teachers[t].school:
            bad.append(f"{m.teacher}: wrong origin")
        if (t, inst.sidx[m.destination]) not in allowed:
            bad.append(f"where: {m.teacher} → {m.destination} is not allowed")
    for t, tch in enumerate(inst.teachers):
        if tch.fixed == "must" and t not in seen:
            bad.append(f"fixed: {tch.id} must move")
    mt = np.array([tix[m.teacher] for m in moves if m.teacher in tix], dtype=np.int64)
    ms = np.array([inst.sidx[m.destination] for m in moves if m.teacher in tix], dtype=np.int64)
    S = len(inst.schools)
    staff = inst.staff + np.bincount(ms, minlength=S) - np.bincount(inst.t_school[mt], minlength=S)
    for i in range(S):
        if not inst.staff_lo[i] - EPS <= staff[i] <= inst.staff_hi[i] + EPS:
            bad.append(f"staffing: {inst.schools[i].id} has {staff[i]:g}")
    for s, j, need in inst.needs:
        sub = inst.t_subject[mt] == j
        net = int(((ms == s) & sub).sum() - ((inst.t_school[mt] == s) & sub).sum())
        if net < need:
            bad.append(
                f"subject_needs: {inst.schools[s].id} gets {net} of {need} {inst.subjects[j]}"
            )
    g = inst.group_of[inst.t_school[mt]]
    for k, name in enumerate(inst.group_names):
        moves_k = int((g == k).sum())
        back = float(inst.t_backbone[mt[g == k]].sum())
        if moves_k < inst.group_quota[k]:
            bad.append(f"quotas: {name} rotates {moves_k} of {int(inst.group_quota[k])}")
        if back < params.backbone_share * moves_k - EPS:
            bad.append(f"backbone_share: {name} {back:g} of {moves_k}")
    return bad


# ---------------------------------------------------------------------------------------------
# Generated instances (tests and the benchmark)

_SUBJECTS = ("chinese", "math", "english", "science", "moral", "it", "pe", "music", "art")
_SUBJECT_P = (0.26, 0.22, 0.12, 0.08, 0.06, 0.04, 0.09, 0.07, 0.06)


def random_instance(
    n_teachers: int,
    n_schools: int,
    seed: int = 0,
    districts: int = 1,
    sending_share: float = 0.4,
    radius_km: float = 15.0,
) -> tuple[list[Teacher], list[School]]:
    """A random district (or several) with `n_teachers` eligible teachers over `n_schools`:
    sending schools larger and better staffed, rural schools short of backbone and PE/arts
    teachers, a few subject needs and preferences."""
    rng = np.random.default_rng(seed)
    n_send = max(1, round(sending_share * n_schools))
    sending = np.zeros(n_schools, dtype=bool)
    sending[:n_send] = True
    enroll = np.where(
        sending, rng.integers(900, 2500, n_schools), rng.integers(150, 1200, n_schools)
    )
    # eligible teachers: more at sending schools
    w = np.where(sending, 2.0, 1.0) * enroll
    per = rng.multinomial(n_teachers, w / w.sum())
    teachers: list[Teacher] = []
    schools: list[School] = []
    lat0, lon0 = 24.48, 118.09
    for i in range(n_schools):
        sid = f"S{i:03d}"
        r = radius_km * (0.3 if sending[i] else 1.0) * math.sqrt(rng.random())
        ang = rng.random() * 2 * math.pi
        lat = lat0 + r * math.cos(ang) / 111.0
        lon = lon0 + r * math.sin(ang) / (111.0 * math.cos(math.radians(lat0)))
        p_back = 0.2 if sending[i] else 0.07
        p_high = 0.9 if sending[i] else 0.7
        hd = bb = pa = 0
        for n in range(int(per[i])):
            subj = str(rng.choice(_SUBJECTS, p=_SUBJECT_P))
            t = Teacher(
                id=f"T{i:03d}-{n:03d}",
                school=sid,
                subject=subj,
                is_backbone=bool(rng.random() < p_back),
                has_higher_degree=bool(rng.random() < p_high),
                is_pe_arts=subj in ("pe", "music", "art"),
                years_at_school=int(6 + rng.integers(0, 15)),
                preference=None,
            )
            if rng.random() < 0.1:
                t = replace(
                    t,
                    preference=tuple(
                        f"S{j:03d}" for j in rng.choice(n_schools, size=3, replace=False)
                    ),
                )
            teachers.append(t)
            hd += t.has_higher_degree
            bb += t.is_backbone
            pa += t.is_pe_arts
        staff = int(max(per[i] + 2, round(enroll[i] / 17)))
        others = staff - int(per[i])
        hd += int(rng.binomial(others, p_high))
        bb += int(rng.binomial(others, p_back))
        pa += int(rng.binomial(others, 0.2 if sending[i] else 0.12))
        quota = int(round(staff * (0.97 if sending[i] else 1.10)))
        needs = {}
        if not sending[i] and rng.random() < 0.15:
            needs = {str(rng.choice(["music", "art", "pe", "english"])): 1}
        schools.append(
            School(
                id=sid,
                district=f"D{i % districts}",
                enrollment=float(enroll[i]),
                quota=quota,
                staff=staff,
                lat=lat,
                lon=lon,
                needs_subjects=needs,
                is_sending=bool(sending[i]),
                higher_degree_teachers=hd,
                backbone_teachers=bb,
                pe_arts_teachers=pa,
            )
        )
    return teachers, schools
