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
                   out of its sending schools, i.e. backbone ≥ 20% of those rotating; with
                   backbone_denominator="eligible" instead Σ is_backbone_t · x ≥
                   ceil(backbone_share · eligible backbone teachers of the group) [backbone_share]
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
  district totals before the moves are the targets). d is the school's `balance_group` when set
  (the adapter sets the district and stage, as the official CV is judged per stage). Split as
  c − target = dp − dn, dp, dn ≥ 0;
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
listed. No plan is returned empty without a reason. Each of these checks runs HiGHS under the
same watchdog as the solve (below) and the search gets what is left of the time limit, a few
seconds at least. Above `max_columns` (next section) the search is not needed: the pricing's
phase 1 tells infeasibility itself, and the report names the rows its least-violation LP has to
break — which quota group, subject need or school's staffing band and by how many teachers —
with `infeasible_groups` their groups (dropping those together makes the LP relaxation
feasible); no plan is possible then, since not even the LP relaxation has one. Before that,
counting alone may tell (at once, where the LP of a million columns takes minutes): a quota
group whose sending schools cannot lose enough teachers — each at most its eligible teachers
with a destination and at most its room below its staffing band plus the teachers who may move
in — is reported with `infeasible_groups` ("quotas", "staffing"), the two sides of the conflict
(the message names the schools closed to anyone moving in, which the allowed pairs, the
distance limit or the flow cause); a subject need with too few teachers who may come
("subject_needs") and a teacher who must move and may not ("fixed") likewise.

Large instances. With more x columns than `Params.max_columns` (60,000; the 10,000 × 300
benchmark has 386,000) HiGHS is not handed them all: its MIP setup alone, the LP relaxation and
the root heuristics on that many columns take minutes. Instead the LP relaxation is solved by
column generation: first over the greedy plan's columns, each type's 6 cheapest destinations and
each destination's 4 cheapest types of every kind (indicator flags, needed subject) — 3 and 1
when that is more than twice `max_columns` (a first LP of 2 s instead of 9 s); then the
columns of negative reduced cost c_j − Aᵀy (y: the LP's row duals) are added, the most negative
first, until there are none (the LP over those columns is then the LP of the whole model) or a
third of the time is used. When the LP over the first columns is infeasible (the greedy plan
failed, so its columns are not among them), phase 1 comes first: elastic columns on both sides
of every row, cost 1 and every other cost 0, priced the same way until they are all zero (then
the real costs, phase 2) or no column can lower their sum (the model is infeasible, see above);
with no greedy plan to start from, phase 1 may use the whole time limit (the MIP over columns
whose LP has no solution can do nothing). HiGHS's time limit counts every run of one instance
together, so each round of the pricing is given its run time so far plus what is left (it was
given only what is left, and the pricing ended rounds early, out of "time").
The MIP is solved over the LP's support, the greedy plan's columns and then the columns of
smallest reduced cost up to `max_columns`. A small MIP over the LP's support and the greedy
plan's columns alone is solved first (a third of what is left at most): its optimum is close to
the LP's and HiGHS finds it in seconds, where the root node of the big MIP (cuts and rounding
heuristics over all its columns) can take the whole time limit without improving on the start;
the better of it and the greedy plan is the big MIP's start. Every hard constraint and the
objective are the same; only the destinations the MIP may choose from are fewer. The gap
reported is then to a bound of the whole model's LP from the last round's duals y (valid for
every plan, z_LP itself once the pricing has converged), not to HiGHS's bound over the columns
it had: the better of
z + Σ_j min(0, rc_j)·ub_j over the columns left out and the Lagrangian bound that keeps the type
rows, Σ_r y_r·b_r over the other rows + Σ_type size · min(0, min_s (c − Aᵀy + y_type)), i.e.
each type moves all its teachers to its cheapest destination or none (far tighter while the
pricing is cut short: 3% instead of 660% on a city of 1.1 million columns); the status is
"optimal" only when that gap is within `mip_rel_gap`, and the message says how many columns
were used.

Time. `Params.time_limit` bounds the whole `plan` call: the greedy start, building the model,
the pricing, the small MIP and the MIP share it (HiGHS gets what is left), and the search for
the cause of an infeasibility gets what is left after that (a few seconds at least: its MIPs
are watched like the solve, below). Before, that search ran HiGHS unwatched on the whole model
of a million columns once per group, and a city's 60 s call took 146–275 s and ended without a
cause. HiGHS's root reduced-cost heuristic is switched
off: it solves a sub-MIP whose presolve does not look at the clock, and on the 10,000 × 300
benchmark it ran minutes past the limit. Other parts of the root node do not look at the clock
either (the rounding heuristics' propagation over a large cut pool), so HiGHS runs in a thread
that is waited for until the deadline plus 2 s at most: then the solve is cancelled (it stops
where it next looks at the clock, in the background) and the last improving solution it
reported is used. A plan that ran out of time is returned with status "feasible" (the greedy
plan at worst, when it is feasible).

`greedy_plan` is the baseline: subject needs first, then, while a quota group is short, the
neediest receiving school (largest weighted shortfall, then deviation) gets the eligible teacher
who lowers the objective most among those it may take (a backbone one while the share is short).
A move that would take its origin below its staffing band (typical: understaffed sending schools,
already at the bottom of the widened band) or its destination above it is made together with a
repair: a back-fill into the origin by a teacher who may move there and a move out of the
destination, a swap between the two schools where one is allowed (only with `flow="any"` or
with allowed pairs both ways can anyone move into a sending school). Without it the greedy plan
was incomplete wherever the sending schools were understaffed (e.g. 433 of the 1,022 moves a
city's quotas needed), and HiGHS, started without a plan, found none either.
`plan` gives the greedy plan (or the small MIP's, when better) to HiGHS as a starting solution,
so its objective is never worse. The greedy plan may take half the time limit (2 s at least),
then it stops where it is and is incomplete.
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
    "describe_plan",
    "greedy_plan",
    "objective_value",
    "plan",
    "plan_principals",
    "plan_tradeoff",
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
    "budget",
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
    # Fit (POLICY §8): the stage the teacher teaches ("primary" | "junior"), and the stages their
    # teaching certificates cover (None: not checked). A principal moves on the principals'
    # track (exchanges between schools), never in the teachers' quotas.
    stage: str = ""
    certified_stages: frozenset[str] | None = None
    is_principal: bool = False

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
    # Fit (POLICY §8): the stages the school has and the (stage, subject) pairs it teaches or
    # needs; None: any. A teacher may come only to teach their own stage and subject.
    stages: frozenset[str] | None = None
    teaches: frozenset[tuple[str, str]] | None = None
    # Principals' track: whether the school has a principal now, and whether the planner named
    # a new appointment (then its principal may leave without another arriving).
    has_principal: bool = True
    appoint_principal: bool = False
    # The schools whose fair share of teachers the objective's CV term compares (empty: the
    # district); the official CV is per district and stage.
    balance_group: str = ""

    def totals(self) -> tuple[int, int, int]:
        return (self.higher_degree_teachers, self.backbone_teachers, self.pe_arts_teachers)

    def minimums(self) -> tuple[float, float, float]:
        return (self.min_higher_degree_per_100, self.min_backbone_per_100, self.min_pe_arts_per_100)


@dataclass(frozen=True)
class Params:
    rotation_share: float = 0.10
    backbone_share: float = 0.20  # of those rotating
    # "rotating": backbone ≥ share × moves of the group; "eligible": backbone moves ≥
    # ceil(share × eligible backbone teachers of the group's sending schools) (some provinces).
    backbone_denominator: str = "rotating"
    quota_scope: str = "district"  # "district" | "school"
    # The backbone share over each quota group's moves ("group") or each district's ("district").
    backbone_scope: str = "group"
    quota_tolerance: float = 0.05  # of the staffing quota, at least one teacher
    max_distance_km: float | None = None
    allowed_pairs: frozenset[tuple[str, str]] | None = None  # (origin, destination district)
    flow: str = "sending_out"  # "sending_out" | "any"
    w_shortfall: float = 100.0
    w_cv: float = 1.0
    w_distance: float = 0.02
    w_preference: float = 0.5
    w_move: float = 0.5
    time_limit: float = 60.0  # seconds, for the whole plan call (greedy start and build too)
    mip_rel_gap: float = 0.01
    threads: int = 2
    # HiGHS's MIP presolve removes little here and took 12 of 19 s on the 3,000 × 100 benchmark.
    presolve: str = "off"
    # More candidate columns (teacher type × destination) than this: the LP relaxation is solved
    # by pricing columns in, and the MIP gets the most useful ones only (see the model).
    max_columns: int = 60_000
    # At most this many teachers' moves (principals apart); None: no limit. The planner's
    # trade-off between balance gained and the number of moves (`plan_tradeoff`).
    max_moves: int | None = None
    # A quota group whose sending schools cannot lose as many teachers as its quota (too few
    # eligible teachers with an allowed destination, or the staffing band): "infeasible" (no
    # plan, the cause named) or "cap" (the quota is lowered to what is possible, and the
    # result's `quota_notes` name the group).
    unmeetable_quota: str = "infeasible"
    # Principals' track: at least this share of each district's eligible principals rotate
    # (by exchanges), a soft target with this weight per principal missing.
    principal_share: float = 0.0
    w_principal: float = 50.0
    # Search for the cause of an infeasibility (off for the trade-off's budget points).
    diagnose: bool = True


@dataclass(frozen=True)
class Move:
    teacher: str
    origin: str
    destination: str
    distance_km: float
    reason: str
    is_principal: bool = False


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
    # `plan` only: the greedy plan it started from (the baseline to compare with), when it ran.
    baseline: Result | None = None
    # Quota groups whose quota was lowered to what is possible (Params.unmeetable_quota="cap"):
    # (group, quota, possible, why).
    quota_notes: tuple[tuple[str, int, int, str], ...] = ()
    # The principals' track: (district, target, moved) where the target was not reached.
    principal_notes: tuple[tuple[str, int, int], ...] = ()
    # Subject needs lowered to the teachers who may come (unmeetable_quota="cap"): (school,
    # subject, need, possible).
    need_notes: tuple[tuple[str, str, int, int], ...] = ()
    max_moves: int | None = None


# ---------------------------------------------------------------------------------------------
# Instance preparation


def _haversine(lat1, lon1, lat2, lon2):
    r = 6371.0088
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _fits(key: tuple, school: School) -> bool:
    """Whether a teacher of fit class `key` (`_Instance._fit_key`) may go to `school`."""
    if key[0] == "principal":
        _kind, own, certified = key
        stages = school.stages if school.stages is not None else own
        if stages is None:
            return True
        if own is not None:
            stages = stages & own
        if certified is not None:
            stages = stages & certified
        return bool(stages)
    _kind, stage, subject, certified = key
    if not certified:
        return False
    if school.stages is not None and stage not in school.stages:
        return False
    return school.teaches is None or (stage, subject) in school.teaches


def _match(can: dict[int, list[int]], needs: list[tuple[int, int]]) -> dict[int, int]:
    """Places filled per school: a maximum matching of teachers to the schools' places
    (`needs`: (school, places), filled in order; `can[school]`: the teachers who may go there),
    by augmenting paths (iterative, whatever their length)."""
    holder: dict[int, int] = {}  # teacher → the school whose place they fill
    filled: dict[int, int] = {}
    for school, places in needs:
        filled[school] = 0
        for _ in range(places):
            # a path school → teacher (→ the school that teacher fills → another teacher …)
            parent: dict[int, tuple[int, int]] = {}  # teacher → (school reached from, teacher)
            seen: set[int] = set()
            queue = [(school, -1)]
            end = None
            while queue and end is None:
                at, via = queue.pop()
                for t in can.get(at, ()):
                    if t in seen:
                        continue
                    seen.add(t)
                    parent[t] = (at, via)
                    if t not in holder:
                        end = t
                        break
                    queue.append((holder[t], t))
            if end is None:
                break  # no free teacher can reach this school
            t = end
            while t != -1:
                at, via = parent[t]
                holder[t] = at
                t = via
            filled[school] += 1
    return filled


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
        # The fair shares are taken within each balance group (the district by default; the
        # district's stage where the evaluation judges stages apart).
        groups = sorted({s.balance_group or s.district for s in self.schools})
        bidx = {g: i for i, g in enumerate(groups)}
        bal_of = np.array([bidx[s.balance_group or s.district] for s in self.schools])
        B = len(groups)
        pop_b = np.bincount(bal_of, weights=self.enroll, minlength=B)
        tot_b = np.stack(
            [np.bincount(bal_of, weights=self.base[:, k], minlength=B) for k in range(3)],
            axis=1,
        )
        self.target = self.enroll[:, None] * tot_b[bal_of] / pop_b[bal_of][:, None]
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
        # Principals rotate on their own track: not in the teachers' quotas.
        teaching = np.array([not t.is_principal for t in self.teachers], dtype=bool)
        elig = np.bincount(self.t_school[teaching], minlength=S).astype(float)
        self.eligible_per_school = elig
        G = len(gnames)
        geli = np.zeros(G)
        for i in range(S):
            if self.group_of[i] >= 0:
                geli[self.group_of[i]] += elig[i]
        self.group_eligible = geli
        self.group_quota = np.ceil(params.rotation_share * geli - 1e-9)
        # Backbone groups: the quota groups, or with backbone_scope="district" the sending
        # schools of each district together (a school of ten sends one teacher, who need not be
        # a backbone one: the district's movers make the share).
        if params.backbone_scope == "district":
            bkeys = [
                self.districts[d] if self.sending[i] else None for i, d in enumerate(self.dist_of)
            ]
        elif params.backbone_scope == "group":
            bkeys = keys
        else:
            raise ValueError("rotation: backbone_scope must be 'group' or 'district'")
        self.bgroup_names = sorted({k for k in bkeys if k is not None})
        bidx = {g: i for i, g in enumerate(self.bgroup_names)}
        self.bgroup_of = np.array([bidx[k] if k is not None else -1 for k in bkeys], dtype=np.int64)
        gback = np.zeros(len(self.bgroup_names))
        back_per_school = np.bincount(
            self.t_school[teaching],
            weights=self.t_attr[teaching, 1].astype(float),
            minlength=S,
        )
        for i in range(S):
            if self.bgroup_of[i] >= 0:
                gback[self.bgroup_of[i]] += back_per_school[i]
        self.group_backbone_min = np.ceil(params.backbone_share * gback - 1e-9)
        self.backbone_of_eligible = params.backbone_denominator == "eligible"
        # Fit classes (POLICY §8): teachers who may go to the same schools: a teacher to a
        # school with their stage that teaches or needs their subject, when their certificate
        # covers that stage; a principal to a school sharing a stage with their own.
        fit_rows: dict[tuple, int] = {}
        t_fit = []
        for t in self.teachers:
            key = self._fit_key(t)
            t_fit.append(fit_rows.setdefault(key, len(fit_rows)))
        self.t_fit = np.array(t_fit, dtype=np.int64)
        self.fit = np.array(
            [[_fits(key, sch) for sch in self.schools] for key in fit_rows], dtype=bool
        ).reshape(len(fit_rows), S)
        self.t_principal = np.array([t.is_principal for t in self.teachers], dtype=bool)
        # Interchangeable teachers: same school, indicator attributes, subject where a subject
        # need could see it, fit class, preference and fixed decisions. The model counts moves
        # per type.
        needed = {j for _s, j, _n in self.needs}
        types: dict[tuple, list[int]] = {}
        for i, t in enumerate(self.teachers):
            key = (
                int(self.t_school[i]),
                int(self.t_fit[i]),
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
        # Preferences as keys teacher · S + school, for the move costs.
        self.has_pref = np.array([t.preference is not None for t in self.teachers], dtype=bool)
        self.pref_keys = np.array(
            sorted(
                i * S + self.sidx[sid]
                for i, t in enumerate(self.teachers)
                if t.preference is not None
                for sid in set(t.preference)
                if sid in self.sidx
            ),
            dtype=np.int64,
        )
        self.quota_notes: list[tuple[str, int, int, str]] = []
        self.need_notes: list[tuple[str, str, int, int]] = []
        if params.unmeetable_quota == "cap":
            self._cap_needs()
            self._cap_quotas()
        elif params.unmeetable_quota != "infeasible":
            raise ValueError("rotation: unmeetable_quota must be 'infeasible' or 'cap'")

    def _fit_key(self, t: Teacher) -> tuple:
        if t.is_principal:
            return ("principal", self.schools[self.sidx[t.school]].stages, t.certified_stages)
        certified = t.certified_stages is None or t.stage in t.certified_stages
        return ("teacher", t.stage, t.subject, certified)

    def capacity(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per school: eligible teachers with an allowed destination, teachers who may move in,
        and the most it can lose (the first, at most its room below its staffing band plus
        those who may move in)."""
        S = len(self.schools)
        ti, si = self.candidates()
        has = np.zeros(len(self.teachers), dtype=bool)
        has[ti] = True
        has &= ~self.t_principal
        movable = np.bincount(self.t_school[has], minlength=S)
        inflow = np.bincount(si, minlength=S)
        cap = np.minimum(movable, np.maximum(self.staff - self.staff_lo + inflow, 0))
        return movable, inflow, cap

    def _cap_needs(self) -> None:
        """Lower the subject needs to what the eligible teachers of each subject who may go
        there (stage, certificate, distance, district pairs) can meet together, each teacher
        filling one place at most (a matching per subject, larger needs first), noting the rest:
        for recruitment."""
        ti, si = self.candidates()
        subj = self.t_subject[ti]
        met: dict[tuple[int, int], int] = {}
        for j in sorted({j for _s, j, _n in self.needs}):
            needs = sorted(
                ((s, n) for s, jj, n in self.needs if jj == j), key=lambda x: (-x[1], x[0])
            )
            wanted = {s for s, _n in needs}
            pick = subj == j
            can: dict[int, list[int]] = {}  # school → teachers who may come
            for t, s in zip(ti[pick].tolist(), si[pick].tolist(), strict=True):
                if s in wanted:
                    can.setdefault(s, []).append(t)
            for s, filled in _match(can, needs).items():
                met[(s, j)] = filled
        kept = []
        for s, j, n in self.needs:
            a = met.get((s, j), 0)
            if a < n:
                self.need_notes.append((self.schools[s].id, self.subjects[j], n, a))
            if a > 0:
                kept.append((s, j, a))
        self.needs = kept

    def _cap_quotas(self) -> None:
        """Lower each quota group's quota to what its sending schools can lose, noting why."""
        movable, inflow, cap = self.capacity()
        for g, name in enumerate(self.group_names):
            members = np.flatnonzero(self.group_of == g)
            most = int(cap[members].sum())
            quota = int(self.group_quota[g])
            if most >= quota:
                continue
            # too few eligible teachers with an allowed destination, or the staffing band
            why = "destinations" if int(movable[members].sum()) < quota else "staffing"
            self.quota_notes.append((name, quota, most, why))
            self.group_quota[g] = most

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
        rows = np.arange(len(self.teachers)) if rows is None else rows
        if p.flow == "sending_out":  # principals exchange: the flow is for teachers
            flowing = ok & self.sending[:, None] & ~self.sending[None, :]
            mask = np.where(
                self.t_principal[rows][:, None],
                ok[self.t_school[rows]],
                flowing[self.t_school[rows]],
            )
        else:
            mask = ok[self.t_school[rows]]
        mask &= self.fit[self.t_fit[rows]]  # (rows, S)
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
        if p.w_preference and self.has_pref.any():
            S = len(self.schools)
            has = self.has_pref[ti]
            listed = np.isin(ti.astype(np.int64) * S + si, self.pref_keys)
            cost = cost + np.where(has & ~listed, p.w_preference, 0.0)
        return cost

    def counts_after(self, ti: np.ndarray, si: np.ndarray) -> np.ndarray:
        c = self.base.copy()
        S = len(self.schools)
        for k in range(3):
            a = self.t_attr[ti, k]
            c[:, k] += np.bincount(si, weights=a, minlength=S)
            c[:, k] -= np.bincount(self.t_school[ti], weights=a, minlength=S)
        return c

    def balance(self, ti: np.ndarray, si: np.ndarray) -> float:
        """The balance part of the objective after the moves: weighted teachers missing below
        the minimums and away from the district's fair share."""
        p = self.params
        c = self.counts_after(ti, si)
        short = np.maximum(self.need_count - c, 0.0).sum()
        dev = np.abs(c - self.target).sum()
        return float(p.w_shortfall * short + p.w_cv * dev)

    def objective(self, ti: np.ndarray, si: np.ndarray) -> float:
        return self.balance(ti, si) + float(self.move_cost(ti, si).sum())


# ---------------------------------------------------------------------------------------------
# The MILP


class _Model:
    """The whole model as numpy arrays: one x column per (type, allowed destination), then
    u, dp, dn (3S each), in compressed-column form; `highs` hands HiGHS all of it or only some
    of the x columns (with every continuous one)."""

    def __init__(self, inst: _Instance, relax: frozenset[str], feasibility: bool = False):
        p = inst.params
        self.inst, self.relax, self.feasibility = inst, relax, feasibility
        ti, si = inst.candidates(relax, inst.type_rep)  # ti: the type's representative
        tt = inst.type_of[ti]
        n = len(ti)
        S = len(inst.schools)
        ts = inst.t_school[ti]
        self.ti, self.si, self.tt, self.n = ti, si, tt, n
        # Columns: x (n), u (3S), dp (3S), dn (3S).
        nu = 3 * S
        ncol = n + 3 * nu
        self.ncol = ncol
        cost = np.zeros(ncol)
        self.move_cost = inst.move_cost(ti, si)
        if not feasibility:
            cost[:n] = self.move_cost
            cost[n : n + nu] = p.w_shortfall
            cost[n + nu :] = p.w_cv
        self.cost = cost
        self.lower = np.zeros(ncol)
        self.upper = np.full(ncol, np.inf)
        self.upper[:n] = inst.type_size[tt]
        rows_r, rows_c, rows_v = [], [], []
        rlo: list[np.ndarray] = []
        rhi: list[np.ndarray] = []
        inf = np.inf
        xcol = np.arange(n)
        nrow = 0
        # (group, first row, rows) of each block of hard rows, for explaining infeasibility
        self.blocks: list[tuple[str, int, int]] = []

        def add(r_idx, cols, vals, lo, hi, group=None):
            nonlocal nrow
            if group is not None:
                self.blocks.append((group, nrow, len(np.asarray(lo, dtype=float).ravel())))
            rows_r.append(np.asarray(r_idx, dtype=np.int64) + nrow)
            rows_c.append(np.asarray(cols, dtype=np.int64))
            rows_v.append(np.asarray(vals, dtype=float))
            lo = np.asarray(lo, dtype=float).ravel()
            rlo.append(lo)
            rhi.append(np.asarray(hi, dtype=float).ravel())
            nrow += len(lo)

        # At most the type's teachers move (= 1 for a teacher who must: a type of its own).
        must = np.array(
            [
                inst.teachers[r].fixed == "must" and "fixed" not in relax
                for r in inst.type_rep.tolist()
            ],
            dtype=bool,
        )
        add(tt, xcol, np.ones(n), np.where(must, 1.0, 0.0), inst.type_size, "fixed")
        # Quotas and backbone share per group.
        G = len(inst.group_names)
        g = inst.group_of[ts]
        out = g >= 0
        if G:
            if "quotas" not in relax:
                add(
                    g[out],
                    xcol[out],
                    np.ones(out.sum()),
                    inst.group_quota,
                    np.full(G, inf),
                    "quotas",
                )
            b = inst.bgroup_of[ts]
            bout = b >= 0
            GB = len(inst.bgroup_names)
            if "backbone_share" not in relax and inst.backbone_of_eligible:
                vals = inst.t_backbone[ti[bout]].astype(float)
                add(
                    b[bout],
                    xcol[bout],
                    vals,
                    inst.group_backbone_min,
                    np.full(GB, inf),
                    "backbone_share",
                )
            elif "backbone_share" not in relax:
                vals = inst.t_backbone[ti[bout]] - p.backbone_share
                add(b[bout], xcol[bout], vals, np.zeros(GB), np.full(GB, inf), "backbone_share")
        # The move budget: at most max_moves teachers move.
        if p.max_moves is not None and "budget" not in relax:
            add(np.zeros(n), xcol, np.ones(n), [0.0], [float(p.max_moves)], "budget")
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
            lo = [float(x[2]) for x in inst.needs]
            add(r_idx, cols, vals, lo, [inf] * len(inst.needs), "subject_needs")
        # Staffing: lo − N ≤ in − out ≤ hi − N.
        if "staffing" not in relax:
            add(
                np.concatenate([si, ts]),
                np.concatenate([xcol, xcol]),
                np.concatenate([np.ones(n), -np.ones(n)]),
                inst.staff_lo - inst.staff,
                inst.staff_hi - inst.staff,
                "staffing",
            )
        # Shortfall u_{s,k} + in − out ≥ need − base; deviation in − out − dp + dn = target − base.
        srange = np.arange(S)
        for k in range(3):
            a = inst.t_attr[ti, k]
            nz = a > 0
            r_in, r_out = si[nz], ts[nz]
            cols = np.concatenate([xcol[nz], xcol[nz]])
            vals = np.concatenate([np.ones(nz.sum()), -np.ones(nz.sum())])
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
        self.index, c, self.value = r[order], c[order], v[order]
        self.start = np.searchsorted(c, np.arange(ncol + 1))
        self.row_lower = np.concatenate(rlo)
        self.row_upper = np.concatenate(rhi)
        self.nrow = nrow

    def reduced_costs(self, row_dual: np.ndarray, phase1: bool = False) -> np.ndarray:
        """c − Aᵀy of every x column (each has at least its type row); c = 0 in phase 1."""
        end = int(self.start[self.n])
        prod = self.value[:end] * row_dual[self.index[:end]]
        aty = np.add.reduceat(prod, self.start[: self.n])
        return -aty if phase1 else self.cost[: self.n] - aty

    def _columns(self, cols: np.ndarray):
        lens = self.start[cols + 1] - self.start[cols]
        start = np.concatenate([[0], np.cumsum(lens)])
        pos = np.repeat(self.start[cols] - start[:-1], lens) + np.arange(int(start[-1]))
        return start, self.index[pos], self.value[pos]

    def highs(self, xcols: np.ndarray | None, integer: bool, time_limit: float):
        """A HiGHS instance of the model with the x columns `xcols` (None: all of them)."""
        import highspy

        p = self.inst.params
        xcols = np.arange(self.n) if xcols is None else np.asarray(xcols, dtype=np.int64)
        cols = np.concatenate([xcols, np.arange(self.n, self.ncol)])
        start, index, value = self._columns(cols)
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(cols)
        lp.num_row_ = self.nrow
        lp.col_cost_ = self.cost[cols]
        lp.col_lower_ = self.lower[cols]
        lp.col_upper_ = np.where(np.isinf(self.upper[cols]), inf, self.upper[cols])
        lp.row_lower_ = np.where(np.isinf(self.row_lower), -inf, self.row_lower)
        lp.row_upper_ = np.where(np.isinf(self.row_upper), inf, self.row_upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start.astype(np.int32)
        lp.a_matrix_.index_ = index.astype(np.int32)
        lp.a_matrix_.value_ = value
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * len(xcols) + [
                highspy.HighsVarType.kContinuous
            ] * (self.ncol - self.n)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
        h.setOptionValue("mip_rel_gap", float(p.mip_rel_gap))
        h.setOptionValue("threads", int(p.threads))
        h.setOptionValue("presolve", p.presolve)
        # The root reduced-cost heuristic solves a sub-MIP whose presolve (clique extraction)
        # does not look at the clock: on the 10,000 × 300 benchmark it ran for minutes past the
        # time limit.
        h.setOptionValue("mip_heuristic_run_root_reduced_cost", False)
        if self.feasibility:
            h.setOptionValue("mip_max_improving_sols", 1)
        h.passModel(lp)
        return h

    def start_values(self, xcols: np.ndarray | None, moves_t, moves_s) -> np.ndarray | None:
        """A full column vector (of the columns `xcols` and the continuous ones) for a plan
        (HiGHS's starting solution), or None when a move has no column there."""
        inst = self.inst
        xcols = np.arange(self.n) if xcols is None else np.asarray(xcols, dtype=np.int64)
        S = len(inst.schools)
        cols = self.column_of(moves_t, moves_s)
        if cols is None:
            return None
        where = np.full(self.n, -1, dtype=np.int64)
        where[xcols] = np.arange(len(xcols))
        if (where[cols] < 0).any():
            return None
        x = np.bincount(where[cols], minlength=len(xcols)).astype(float)
        c = inst.counts_after(
            np.asarray(moves_t, dtype=np.int64), np.asarray(moves_s, dtype=np.int64)
        )
        u = np.maximum(inst.need_count - c, 0.0)
        d = c - inst.target
        dp, dn = np.maximum(d, 0.0), np.maximum(-d, 0.0)
        return np.concatenate([x, u.T.reshape(-1), dp.T.reshape(-1), dn.T.reshape(-1)])[
            : len(xcols) + 9 * S
        ]

    def column_of(self, moves_t, moves_s) -> np.ndarray | None:
        """The x column of each move (teacher index → its type), or None if one has none."""
        S = len(self.inst.schools)
        keys = self.tt * S + self.si  # sorted: the columns come type by type, then by school
        want = self.inst.type_of[np.asarray(moves_t, dtype=np.int64)] * S + np.asarray(
            moves_s, dtype=np.int64
        )
        order = np.argsort(keys, kind="stable")
        pos = np.searchsorted(keys[order], want)
        pos = np.minimum(pos, max(len(keys) - 1, 0))
        if len(want) and (not len(keys) or (keys[order][pos] != want).any()):
            return None
        return order[pos] if len(want) else np.zeros(0, dtype=np.int64)


def _set_start(h, start: np.ndarray | None) -> None:
    import highspy

    if start is None:
        return
    sol = highspy.HighsSolution()
    sol.col_value = start.tolist()
    sol.value_valid = True
    h.setSolution(sol)


def _first_columns(model: _Model, keep: np.ndarray, per_type: int, per_class: int) -> np.ndarray:
    """The starting columns when the model is priced: `keep`, each type's `per_type` cheapest
    destinations and, for each destination and kind of teacher (indicator flags and needed
    subject), the `per_class` cheapest types of that kind."""
    inst = model.inst
    chosen = np.zeros(model.n, dtype=bool)
    chosen[keep] = True
    cost = model.move_cost

    def cheapest(group: np.ndarray, k: int) -> None:
        order = np.lexsort((cost, group))
        g = group[order]
        first = np.searchsorted(g, g)  # index of the group's first column, in sorted order
        chosen[order[np.arange(len(g)) - first < k]] = True

    cheapest(model.tt, per_type)
    rep = inst.type_rep[model.tt]
    needed = np.zeros(len(inst.subjects) + 1, dtype=bool)
    for _s, j, _n in inst.needs:
        needed[j] = True
    subj = np.where(needed[inst.t_subject[rep]], inst.t_subject[rep], -1)
    attrs = inst.t_attr[rep] @ np.array([1.0, 2.0, 4.0])
    kind = (attrs.astype(np.int64) * (len(inst.subjects) + 2) + subj + 1) * len(inst.schools)
    cheapest(kind + model.si, per_class)
    return np.flatnonzero(chosen)


@dataclass
class _Priced:
    """What column generation on the LP relaxation found."""

    cols: np.ndarray  # the x columns priced in, sorted
    x: np.ndarray  # their values in the last LP solved (zeros when none was)
    bound: float | None  # a lower bound of the whole model (phase 2 only)
    rc: np.ndarray | None  # reduced costs of all x columns, last round
    state: str  # "optimal" (converged) | "time" (cut short) | "infeasible" (proven, phase 1)
    violation: np.ndarray | None = None  # per row, least total violation (when infeasible)
    feasible: bool = True  # False while phase 1 has not ended


def _price(
    model: _Model, first: np.ndarray, deadline: float, phase1_deadline: float | None = None
) -> _Priced:
    """Column generation on the LP relaxation: solve it over some columns, add those of
    negative reduced cost, repeat. When the LP over the columns so far is infeasible, phase 1
    first: elastic columns (cost 1, others 0) on both sides of every row, priced the same way
    until they are all zero (then phase 2, the real costs) or no column can lower their sum (the
    whole LP, hence the model, is infeasible; their values say by how much each row is broken).
    Phase 1 may go on until `phase1_deadline` (when there is nothing else to do: no plan to
    start from, and the LP over these columns has no solution)."""
    import highspy

    p = model.inst.params
    nrow, nx, ncont = model.nrow, model.n, model.ncol - model.n
    chosen = np.zeros(nx, dtype=bool)
    chosen[first] = True
    cols = np.flatnonzero(chosen)
    h = model.highs(cols, integer=False, time_limit=deadline - time.perf_counter())
    h.setOptionValue("presolve", "off")
    xpos = np.arange(len(cols))  # HiGHS column of each of `cols`
    cont = np.arange(len(cols), len(cols) + ncont)
    ncol = len(cols) + ncont
    art = None  # HiGHS columns of the elastic ones: +1 per row, then −1 per row
    phase1 = False
    batch = max(2000, p.max_columns // 10)
    bound, rc = None, None
    x = np.zeros(len(cols))
    ok = highspy.HighsModelStatus.kOptimal

    def done(state: str, violation=None) -> _Priced:
        order = np.argsort(cols)
        return _Priced(cols[order], x[order], bound, rc, state, violation, not phase1)

    def set_costs(phase_one: bool) -> None:
        idx = np.concatenate([xpos, cont]).astype(np.int32)
        real = np.concatenate([model.cost[cols], model.cost[nx:]])
        h.changeColsCost(len(idx), idx, np.zeros(len(idx)) if phase_one else real)
        up = np.full(len(art), highspy.kHighsInf if phase_one else 0.0)
        h.changeColsCost(
            len(art), art.astype(np.int32), np.ones(len(art)) if phase_one else np.zeros(len(art))
        )
        h.changeColsBounds(len(art), art.astype(np.int32), np.zeros(len(art)), up)

    while True:
        limit = max(deadline, phase1_deadline or deadline) if phase1 or art is None else deadline
        # (HiGHS's time limit counts all the runs of this instance together)
        h.setOptionValue("time_limit", h.getRunTime() + max(limit - time.perf_counter(), 0.01))
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible and not phase1:
            if art is None:
                rows = np.arange(nrow, dtype=np.int32)
                h.addCols(
                    2 * nrow,
                    np.zeros(2 * nrow),
                    np.zeros(2 * nrow),
                    np.zeros(2 * nrow),
                    2 * nrow,
                    np.arange(2 * nrow, dtype=np.int32),
                    np.concatenate([rows, rows]),
                    np.concatenate([np.ones(nrow), -np.ones(nrow)]),
                )
                art = np.arange(ncol, ncol + 2 * nrow)
                ncol += 2 * nrow
            phase1 = True
            set_costs(True)
            continue
        if status != ok:  # out of time: the MIP gets the columns so far
            if status == highspy.HighsModelStatus.kInfeasible:
                phase1 = True  # (never solved with the elastic columns)
            return done("time")
        sol = h.getSolution()
        values = np.asarray(sol.col_value)
        x = values[xpos]
        y = np.asarray(sol.row_dual)
        objective = h.getInfo().objective_function_value
        if phase1 and objective <= 1e-7:
            phase1 = False
            set_costs(False)
            continue
        rc = model.reduced_costs(y, phase1)
        neg = ~chosen & (rc < -1e-7)
        if not phase1:
            bound = max(
                objective + float((rc[neg] * model.upper[:nx][neg]).sum()),
                _lagrangian_bound(model, y, rc),
            )
        if not neg.any():
            if phase1:
                v = values[art]
                return done("infeasible", v[:nrow] - v[nrow:])
            return done("optimal")
        if time.perf_counter() > (
            max(deadline, phase1_deadline or deadline) if phase1 else deadline
        ):
            return done("time")
        new = np.flatnonzero(neg)
        if len(new) > batch:
            new = new[np.argpartition(rc[new], batch)[:batch]]
        new = np.sort(new)
        chosen[new] = True
        start, index, value = model._columns(new)
        h.addCols(
            len(new),
            np.zeros(len(new)) if phase1 else model.cost[new],
            model.lower[new],
            model.upper[new],
            len(index),
            start[:-1].astype(np.int32),
            index.astype(np.int32),
            value,
        )
        cols = np.concatenate([cols, new])
        xpos = np.concatenate([xpos, np.arange(ncol, ncol + len(new))])
        ncol += len(new)
        x = np.concatenate([x, np.zeros(len(new))])


def _lagrangian_bound(model: _Model, y: np.ndarray, rc: np.ndarray) -> float:
    """A lower bound of the whole model from row duals y: every row priced by y but the type
    rows (Σ_s x[type,s] ≤ size), which are kept, so each type takes its cheapest destination
    (by c − Aᵀy without the type row's dual) for all its teachers, when that is negative; far
    tighter than charging every column of negative reduced cost its upper bound."""
    inst = model.inst
    ntype = len(inst.type_rep)
    lo, hi = model.row_lower, model.row_upper
    other = np.arange(ntype, model.nrow)
    yo = y[other]
    side = np.where(yo > 0, lo[other], hi[other])
    if not np.isfinite(side[np.abs(yo) > 1e-9]).all():
        return -np.inf
    const = float((yo * np.where(np.isfinite(side), side, 0.0)).sum())
    if not model.n:
        return const
    rc_own = rc + y[model.tt]  # without the type row's dual
    best = np.full(ntype, np.inf)
    np.minimum.at(best, model.tt, rc_own)
    size = inst.type_size
    must = lo[:ntype] > 0
    best = np.where(np.isfinite(best), best, 0.0)
    take = np.where(must, best * lo[:ntype] + np.minimum(best, 0) * (size - lo[:ntype]), 0.0)
    take = np.where(must, take, np.minimum(best, 0.0) * size)
    return const + float(take.sum())


def _run(h, deadline: float, grace: float = 2.0):
    """`h.run()` in a thread, waited for until the deadline (+ `grace`). Parts of HiGHS's root
    node (the rounding heuristics' propagation over a large cut pool, sub-MIP presolve) do not
    look at the clock; when it is still busy then, the solve is cancelled (it stops where it next
    looks) and left to end in the background, and the last improving solution it reported is
    used. (finished, that solution's column values or None)."""
    import threading

    best: list[np.ndarray] = []

    def improving(e) -> None:
        best.append(np.array(e.data_out.mip_solution, dtype=float))

    h.cbMipImprovingSolution.subscribe(improving)
    h.HandleUserInterrupt = True
    worker = threading.Thread(target=h.run, daemon=True)
    worker.start()
    worker.join(max(deadline - time.perf_counter(), 0.0) + grace)
    if worker.is_alive():
        h.cancelSolve()
        worker.join(grace)
    return not worker.is_alive(), (best[-1] if best else None)


def plan(teachers: Sequence[Teacher], schools: Sequence[School], params: Params | None = None):
    """The optimised rotation plan (see the module docstring for the model), with the greedy
    plan it started from as `baseline` (the comparison `greedy_plan` would give, computed once).
    Principals move first, on their own track (`plan_principals`); the teachers' plan is made
    on the schools as the principals' exchanges leave them."""
    params = params or Params()
    track = plan_principals(teachers, schools, params)
    return _teachers_plan(track, params)


def _teachers_plan(track: PrincipalTrack, params: Params, start=None) -> Result:
    ran: dict = {"start": start}
    left = replace(params, time_limit=max(params.time_limit - track.solve_time, 1.0))
    result = _plan(track.teachers, track.schools, left, ran)
    if "greedy" in ran:
        inst, (mt, ms, problem), elapsed = ran["greedy"]
        status = "feasible" if not problem else "incomplete"
        result.baseline = _result(
            inst, mt, ms, status, inst.objective(mt, ms), None, elapsed, problem, None, "greedy"
        )
        result.baseline = track.merged(result.baseline)
    result.solve_time += track.solve_time
    return track.merged(result)


@dataclass
class PrincipalTrack:
    """The principals' moves (POLICY §8: every school keeps exactly one principal; a principal
    leaves only where another arrives, or where the planner named a new appointment), and the
    teachers and schools the teachers' plan is then made on: the principals out of it, the
    schools' indicator totals as the exchanges leave them."""

    moves: list[tuple[str, str, str]]  # (principal, origin, destination)
    notes: tuple[tuple[str, int, int], ...]  # (district, target, moved) short of the target
    teachers: list[Teacher]
    schools: list[School]
    all_teachers: list[Teacher]
    all_schools: list[School]
    params: Params
    solve_time: float = 0.0

    def merged(self, result: Result) -> Result:
        """`result` (a teachers' plan on `schools`) with the principals' moves added and every
        figure recomputed on the schools as they were."""
        result.principal_notes = self.notes
        if not self.moves or result.status in ("infeasible", "no_solution"):
            if self.moves:  # the figures before are the schools' own
                before = _Instance(
                    [], self.all_schools, replace(self.params, unmeetable_quota="infeasible")
                )
                result.cv_before = _cvs(before, before.base)
            return result
        movers = {m.teacher for m in result.moves} | {p for p, _o, _d in self.moves}
        people = [t for t in self.all_teachers if t.id in movers]
        inst = _Instance(
            people, self.all_schools, replace(self.params, unmeetable_quota="infeasible")
        )
        tix = {t.id: i for i, t in enumerate(inst.teachers)}
        pairs = [(m.teacher, m.destination) for m in result.moves] + [
            (p, d) for p, _o, d in self.moves
        ]
        mt = [tix[t] for t, _d in pairs]
        ms = [inst.sidx[d] for _t, d in pairs]
        merged = _result(
            inst,
            mt,
            ms,
            result.status,
            result.objective,
            result.gap,
            result.solve_time,
            result.message,
            result.infeasible_group,
            result.method,
        )
        merged.infeasible_groups = result.infeasible_groups
        merged.baseline = result.baseline
        merged.quota_notes = result.quota_notes
        merged.need_notes = result.need_notes
        merged.principal_notes = self.notes
        merged.max_moves = result.max_moves
        return merged


def plan_principals(
    teachers: Sequence[Teacher], schools: Sequence[School], params: Params
) -> PrincipalTrack:
    """The principals' exchanges: a small MIP over the eligible principals (each at most one
    move, within the same "where" rules as teachers but for the flow; fit: a school sharing a
    stage with their own that their certificate covers). Per school, principals in − out is 0
    (+1 where the school has none), at most one arrives; where the planner named a new
    appointment, nobody arrives and its principal may leave (−1); each
    district's target of ceil(principal_share × its eligible principals), when it has two or
    more, is soft (w_principal per principal missing, reported in `notes`); a small cost per
    move and per km. Fixed decisions apply; a principal who must move and finds no exchange
    makes the whole track empty, with a note."""
    import highspy

    started = time.perf_counter()
    principals = [t for t in teachers if t.is_principal and t.eligible]
    rest = [replace(t, eligible=False) if t.is_principal else t for t in teachers]
    track = PrincipalTrack([], (), rest, list(schools), list(teachers), list(schools), params)
    if not principals:
        return track
    pp = replace(params, flow="any", unmeetable_quota="infeasible", max_moves=None)
    inst = _Instance(principals, schools, pp)
    ti, si = inst.candidates()
    n, S, P = len(ti), len(inst.schools), len(inst.teachers)
    D = len(inst.districts)
    pdist = inst.dist_of[inst.t_school]
    eligible = np.bincount(pdist, minlength=D)
    target = np.where(eligible >= 2, np.ceil(params.principal_share * eligible - 1e-9), 0.0).astype(
        float
    )
    ncol = n + D
    cost = np.concatenate(
        [params.w_move + params.w_distance * inst.km[inst.t_school[ti], si], np.full(D, 1.0)]
    )
    cost[n:] = params.w_principal
    rows, cols, vals, lo, hi = [], [], [], [], []

    def add(r, c, v):
        rows.extend(r)
        cols.extend(c)
        vals.extend(v)

    x = np.arange(n).tolist()
    must = np.array([t.fixed == "must" for t in inst.teachers], dtype=float)
    add(ti.tolist(), x, [1.0] * n)  # each principal at most one move (must: exactly one)
    lo += must.tolist()
    hi += [1.0] * P
    r0 = P  # per school: in − out
    add((r0 + si).tolist(), x, [1.0] * n)
    add((r0 + inst.t_school[ti]).tolist(), x, [-1.0] * n)
    lo += [-1.0 if s.appoint_principal else 0.0 for s in inst.schools]
    hi += [0.0 if s.has_principal else 1.0 for s in inst.schools]
    r1 = r0 + S  # per school: at most one arrives (none where the appointee is named)
    add((r1 + si).tolist(), x, [1.0] * n)
    lo += [0.0] * S
    hi += [0.0 if s.appoint_principal else 1.0 for s in inst.schools]
    r2 = r1 + S  # per district: moves + shortfall ≥ target
    add((r2 + pdist[ti]).tolist(), x, [1.0] * n)
    add((r2 + np.arange(D)).tolist(), list(range(n, n + D)), [1.0] * D)
    lo += target.tolist()
    hi += [np.inf] * D
    nrow = r2 + D
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    v = np.asarray(vals, dtype=float)
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncol, nrow
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.concatenate([np.ones(n), np.full(D, inf)])
    lp.row_lower_ = np.where(np.isinf(lo), -inf, lo)
    lp.row_upper_ = np.where(np.isinf(hi), inf, hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(c, np.arange(ncol + 1)).astype(np.int32)
    lp.a_matrix_.index_ = r.astype(np.int32)
    lp.a_matrix_.value_ = v
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * D
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(min(10.0, params.time_limit / 4), 1.0))
    h.setOptionValue("threads", int(params.threads))
    h.passModel(lp)
    h.run()
    track.solve_time = time.perf_counter() - started
    if h.getInfo().primal_solution_status != 2:
        stuck = [t.id for t in inst.teachers if t.fixed == "must"]
        track.notes = tuple(
            (name, int(target[d]), 0) for d, name in enumerate(inst.districts) if target[d]
        ) + tuple(("must:" + t, 1, 0) for t in stuck)
        return track
    xs = np.rint(np.asarray(h.getSolution().col_value)[:n]) > 0.5
    moved = np.zeros(D)
    schools_by_id = {s.id: s for s in schools}
    delta: dict[str, list[float]] = {s.id: [0.0, 0.0, 0.0, 0.0] for s in schools}
    for k in np.flatnonzero(xs).tolist():
        t = inst.teachers[int(ti[k])]
        dest = inst.schools[int(si[k])].id
        track.moves.append((t.id, t.school, dest))
        moved[pdist[ti[k]]] += 1
        for j, a in enumerate(t.attrs()):
            delta[t.school][j] -= a
            delta[dest][j] += a
        delta[t.school][3] -= 1
        delta[dest][3] += 1
    track.notes = tuple(
        (name, int(target[d]), int(moved[d]))
        for d, name in enumerate(inst.districts)
        if moved[d] < target[d]
    )
    track.schools = [
        replace(
            schools_by_id[s.id],
            higher_degree_teachers=int(round(s.higher_degree_teachers + delta[s.id][0])),
            backbone_teachers=int(round(s.backbone_teachers + delta[s.id][1])),
            pe_arts_teachers=int(round(s.pe_arts_teachers + delta[s.id][2])),
            staff=int(
                round(
                    s.staff
                    + delta[s.id][3]
                    + (1 if s.appoint_principal and delta[s.id][3] < 0 else 0)
                )
            ),
        )
        for s in schools
    ]
    return track


def _plan(teachers, schools, params: Params, ran: dict) -> Result:
    import highspy

    started = time.perf_counter()
    deadline = started + params.time_limit
    inst = _Instance(teachers, schools, params)
    # the greedy plan is the fallback: it may take half the time (2 s at least)
    greedy_started = time.perf_counter()
    greedy = _soften_needs(inst, _greedy(inst, started + params.time_limit / 2 + 2.0))
    model = _Model(inst, frozenset())
    # Above max_columns no search for the cause by MIPs: counting may tell at once.
    quick = _quick_infeasibility(inst) if model.n > params.max_columns else None
    if quick is not None:
        groups, detail = quick
        result = _result(inst, [], [], "infeasible", None, None, 0.0, detail, groups[0], "milp")
        result.infeasible_groups = groups
        result.solve_time = time.perf_counter() - started
        return result
    if params.max_moves is not None and not greedy[2] and len(greedy[0]) > params.max_moves:
        greedy = (
            greedy[0],
            greedy[1],
            f"it makes {len(greedy[0])} moves, more than the budget of {params.max_moves}",
        )
    ran["greedy"] = (inst, greedy, time.perf_counter() - greedy_started)
    greedy_ok = greedy[2] == ""
    greedy_cols = model.column_of(greedy[0], greedy[1]) if greedy_ok else None
    start_moves = (greedy[0], greedy[1]) if greedy_ok else None
    given = ran.get("start")  # a feasible plan to start from, (teacher, school) ids
    if given is not None:
        tix = {t.id: i for i, t in enumerate(inst.teachers)}
        if all(t in tix and d in inst.sidx for t, d in given):
            gt = np.array([tix[t] for t, _d in given], dtype=np.int64)
            gs = np.array([inst.sidx[d] for _t, d in given], dtype=np.int64)
            given_cols = model.column_of(gt, gs)
            if given_cols is not None and (
                start_moves is None or inst.objective(gt, gs) < inst.objective(*start_moves)
            ):
                greedy_cols, start_moves = given_cols, (gt, gs)
    cols, bound, lp_feasible = None, None, True
    if model.n > params.max_columns:
        keep = greedy_cols if greedy_cols is not None else np.zeros(0, dtype=np.int64)
        first = _first_columns(model, keep, 6, 4)
        if len(first) > 2 * params.max_columns:  # (a first LP of 126,000 columns: 9 s)
            first = _first_columns(model, keep, 3, 1)
        # at most a third of what is left for the LP, the rest for the MIP
        budget = started + (deadline - started) / 3 + (time.perf_counter() - started) * 2 / 3
        # with no plan to start from, phase 1 may take all the time: nothing else can help
        priced = _price(model, first, budget, None if start_moves is not None else deadline)
        if priced.state == "infeasible":
            groups, detail = _explain_violation(inst, model, priced.violation)
            result = _result(inst, [], [], "infeasible", None, None, 0.0, detail, groups[0], "milp")
            result.infeasible_groups = groups
            result.solve_time = time.perf_counter() - started
            return result
        bound, lp_feasible = priced.bound, priced.feasible
        support = priced.cols[priced.x > 1e-6]
        must = np.union1d(support, keep)
        cols = priced.cols
        if len(cols) > params.max_columns or priced.rc is not None:
            # the LP's support and the greedy plan's columns, then the smallest reduced costs
            room = params.max_columns - len(must)
            rest = np.setdiff1d(priced.cols if priced.rc is None else np.arange(model.n), must)
            if room <= 0:
                rest = rest[:0]
            elif len(rest) > room:
                score = priced.rc[rest] if priced.rc is not None else np.zeros(len(rest))
                rest = rest[np.argpartition(score, room)[:room]]
            cols = np.union1d(must, rest)
        # A small MIP first: the LP's support and the greedy plan's columns. Its optimum is
        # near the LP's, and HiGHS finds it in seconds where the root of the big MIP (cuts,
        # heuristics over all the columns) can take the whole time limit.
        left = deadline - time.perf_counter()
        if len(support) and len(must) < len(cols) and left > 1.0:
            h = model.highs(must, integer=True, time_limit=left / 3)
            if start_moves is not None:
                _set_start(h, model.start_values(must, *start_moves))
            finished, best = _run(h, time.perf_counter() + left / 3, grace=1.0)
            if finished and h.getInfo().primal_solution_status == 2:
                best = np.asarray(h.getSolution().col_value)
            if best is not None:
                mt, ms = _moves_of(inst, model, must, best)
                if start_moves is None or inst.objective(mt, ms) < inst.objective(*start_moves):
                    start_moves = (mt, ms)
    h = model.highs(cols, integer=True, time_limit=deadline - time.perf_counter())
    start = model.start_values(cols, *start_moves) if start_moves is not None else None
    _set_start(h, start)  # the greedy plan (or the small MIP's), when there is one
    h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
    finished, best = _run(h, deadline)
    xcols = np.arange(model.n) if cols is None else cols
    priced_cols = cols is not None
    no_plan = f"no feasible plan found within the time limit of {params.time_limit:g} s" + (
        f" (the greedy plan fails: {greedy[2]})" if greedy[2] else ""
    )
    if not finished:  # HiGHS is past the deadline where it does not look at the clock
        x_best = best if best is not None else start
        if x_best is None:
            elapsed = time.perf_counter() - started
            return _result(inst, [], [], "no_solution", None, None, elapsed, no_plan, None, "milp")
        return _plan_result(
            inst, model, xcols, x_best, "feasible", None, bound, started, priced_cols
        )
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2
    elapsed = time.perf_counter() - started
    if not has_solution and start is not None:  # (HiGHS hands back its start at worst)
        return _plan_result(
            inst, model, xcols, start, "feasible", None, bound, started, priced_cols
        )
    if not priced_cols and (
        status == highspy.HighsModelStatus.kInfeasible
        or (not has_solution and not _out_of_time(status))
    ):
        # the search for the cause gets what is left, and a few seconds at least
        left = max(deadline, time.perf_counter() + min(5.0, 0.1 * params.time_limit))
        if params.diagnose:
            groups, detail = _diagnose(inst, left)
        else:
            groups, detail = (), "no plan satisfies all hard constraints"
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
        if status == highspy.HighsModelStatus.kInfeasible:
            lp = (
                "though the LP relaxation of the whole model is feasible"
                if lp_feasible
                else "and the time limit ended the LP's search for a feasible solution (phase 1) "
                "before it could tell whether there is one"
            )
            no_plan = (
                f"no feasible plan over the {len(xcols)} of {model.n} candidate columns the "
                f"MIP was given, {lp}"
                + (f" (the greedy plan fails: {greedy[2]})" if greedy[2] else "")
            )
        return _result(inst, [], [], "no_solution", None, None, elapsed, no_plan, None, "milp")
    name = "optimal" if status == highspy.HighsModelStatus.kOptimal else "feasible"
    gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
    return _plan_result(
        inst,
        model,
        xcols,
        np.asarray(h.getSolution().col_value),
        name,
        gap,
        bound,
        started,
        priced_cols,
    )


def _moves_of(inst: _Instance, model: _Model, xcols: np.ndarray, values) -> tuple:
    """(teacher indices, school indices) of a solution `values` over the x columns `xcols`:
    the teachers of a type longest at the school move first."""
    x = np.rint(np.asarray(values[: len(xcols)])).astype(np.int64)
    mt_list, ms_list = [], []
    taken = np.zeros(len(inst.type_rep), dtype=np.int64)
    for col in np.flatnonzero(x > 0).tolist():
        g = int(model.tt[xcols[col]])
        members = inst.type_members[g][taken[g] : taken[g] + int(x[col])]
        taken[g] += int(x[col])
        for t in members:
            mt_list.append(t)
            ms_list.append(int(model.si[xcols[col]]))
    return np.array(mt_list, dtype=np.int64), np.array(ms_list, dtype=np.int64)


def _plan_result(inst, model, xcols, values, name, gap, bound, started, priced) -> Result:
    """The Result of a solution `values` over the x columns `xcols` (then the continuous)."""
    params = inst.params
    mt, ms = _moves_of(inst, model, xcols, values)
    objective = inst.objective(mt, ms)
    message = ""
    if priced and bound is None:
        name, gap = "feasible", None
        message = (
            f"solved over {len(xcols)} of {model.n} candidate columns; the time limit ended the "
            "pricing of the others, so there is no bound"
        )
    elif priced:
        # HiGHS's bound holds for the columns it was given only; the LP bound of the whole
        # model holds for every plan.
        gap = max(0.0, (objective - bound) / max(abs(objective), 1e-9))
        if gap > params.mip_rel_gap:
            name = "feasible"
        message = (
            f"solved over {len(xcols)} of {model.n} candidate columns chosen by their reduced "
            "costs; the gap is to the LP bound of the whole model"
        )
    elapsed = time.perf_counter() - started
    return _result(inst, mt, ms, name, objective, gap, elapsed, message, None, "milp")


def _out_of_time(status) -> bool:
    """HiGHS stopped by the clock: its time limit, or the interrupt of a time limit it hit
    inside a callback. Neither says anything about feasibility."""
    import highspy

    return status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt)


def _diagnose(inst: _Instance, deadline: float | None = None) -> tuple[tuple[str, ...], str]:
    """Drop each constraint group alone; the groups whose removal makes the model feasible.
    Each check gets what is left of the time limit (at most 30 s), HiGHS watched by `_run`."""
    import highspy

    deadline = time.perf_counter() + inst.params.time_limit if deadline is None else deadline
    cut_short = False

    def feasible(relax: frozenset[str]) -> bool:
        nonlocal cut_short
        left = deadline - time.perf_counter()
        if left <= 0:
            cut_short = True
            return False
        h = _Model(inst, relax, feasibility=True).highs(
            None, integer=True, time_limit=min(left, 30)
        )
        finished, best = _run(h, time.perf_counter() + min(left, 30), grace=1.0)
        if not finished:
            cut_short = True
            return best is not None
        if _out_of_time(h.getModelStatus()):
            cut_short = True
        return h.getInfo().primal_solution_status == 2 or (
            h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        )

    note = ""
    found = [g for g in GROUPS if feasible(frozenset({g}))]
    if not found:
        pairs = [
            (a, b)
            for i, a in enumerate(GROUPS)
            for b in GROUPS[i + 1 :]
            if feasible(frozenset({a, b}))
        ]
        if cut_short:
            note = " (the search for the cause ran out of the time limit before it was done)"
        if not pairs:
            return (), (
                "no plan satisfies all hard constraints, and dropping any one or two groups of "
                f"them ({', '.join(GROUPS)}) is not enough" + note
            )
        a, b = pairs[0]
        listed = "; ".join(f"{x} + {y}" for x, y in pairs)
        return (a, b), (
            "no plan satisfies all hard constraints, nor with any single group of them dropped; "
            f"there is one with two dropped: {listed}. {a.replace('_', ' ')}: "
            f"{_explain(inst, a)} {b.replace('_', ' ')}: {_explain(inst, b)}" + note
        )
    if cut_short:
        note = " (the search for the cause ran out of the time limit before it was done)"
    parts = [f"{g.replace('_', ' ')} ({_explain(inst, g)})" for g in found]
    return tuple(found), (
        "no plan satisfies all hard constraints; there is one without any single one of: "
        + "; ".join(parts)
        + note
    )


def _quick_infeasibility(inst: _Instance):
    """(groups, message) when counting alone shows there is no plan, else None: a quota group
    whose sending schools cannot lose enough teachers (each at most its eligible teachers with
    a destination, and at most its room below its staffing band plus the teachers who may
    move in), a subject need with too few teachers who may come, a teacher who must move and
    may not."""
    p = inst.params
    S = len(inst.schools)
    ti, si = inst.candidates()
    if not len(ti) and not len(inst.group_names) and not inst.needs:
        return None

    # (the candidate pairs are distinct)
    has = np.zeros(len(inst.teachers), dtype=bool)
    has[ti] = True
    movable = np.bincount(inst.t_school[has], minlength=S)  # eligible, with a destination
    inflow = np.bincount(si, minlength=S)  # teachers who may move in
    cap = np.minimum(movable, inst.staff - inst.staff_lo + inflow)
    lines, groups = [], []
    for g, name in enumerate(inst.group_names):
        members = np.flatnonzero(inst.group_of == g)
        most = int(cap[members].sum())
        if most < inst.group_quota[g]:
            closed = members[(inflow[members] == 0) & (cap[members] < movable[members])]
            why = (
                f"{len(closed)} of its {len(members)} sending schools are at the bottom of "
                "their staffing band and nobody may move into them"
                + (
                    " (the allowed district pairs, the distance limit and the flow)"
                    if p.allowed_pairs is not None or p.max_distance_km is not None
                    else " (the flow)"
                )
                if len(closed)
                else "too few eligible teachers with an allowed destination"
            )
            lines.append(
                f"quota group {name} must rotate {int(inst.group_quota[g])} teachers and "
                f"its sending schools can lose only {most}: {why}"
            )
            groups += ["quotas", "staffing"] if len(closed) else ["quotas"]
    J = max(1, len(inst.subjects))
    avail_of = np.bincount(si * J + inst.t_subject[ti], minlength=S * J)
    short = []
    for s, j, need in inst.needs:
        avail = int(avail_of[s * J + j])
        if avail < need:
            short.append(
                f"{inst.schools[s].id} needs {need} {inst.subjects[j]} teacher(s) and {avail} "
                "eligible one(s) may move there"
            )
    if short:
        more = f" and {len(short) - 5} more" if len(short) > 5 else ""
        lines.append("; ".join(short[:5]) + more)
        groups.append("subject_needs")
    stuck = [t.id for i, t in enumerate(inst.teachers) if t.fixed == "must" and not has[i]]
    if stuck:
        lines.append(f"teacher(s) {', '.join(stuck[:5])} must move and have no allowed destination")
        groups.append("fixed")
    if not lines:
        return None
    ordered = tuple(g for g in GROUPS if g in groups)
    return ordered, "no plan satisfies all hard constraints: " + "; ".join(lines) + "."


def _explain_violation(inst: _Instance, model: _Model, violation: np.ndarray):
    """(groups, message) from the elastic LP of `_price`'s phase 1: the rows it has to break,
    by how much, at least in total. Even the LP relaxation has no solution, so no plan can."""
    texts: dict[str, list[str]] = {}
    for group, r0, nr in model.blocks:
        v = violation[r0 : r0 + nr]
        for i in np.flatnonzero(np.abs(v) > 1e-6).tolist():
            x = float(v[i])
            if group == "fixed":
                tid = inst.teachers[int(inst.type_rep[i])].id
                line = f"teacher {tid} must move and cannot"
            elif group == "quotas":
                q = int(inst.group_quota[i])
                line = f"{inst.group_names[i]} must rotate {q}, at most {q - x:.1f} can"
            elif group == "backbone_share":
                line = (
                    f"{inst.bgroup_names[i]} lacks {x:.1f} backbone teacher(s) among those moving"
                )
            elif group == "subject_needs":
                sc, j, need = inst.needs[i]
                line = (
                    f"{inst.schools[sc].id} needs {need} {inst.subjects[j]} teacher(s), at most "
                    f"{need - x:.1f} can come"
                )
            elif group == "budget":
                line = f"the budget of {inst.params.max_moves} moves is {abs(x):.1f} too small"
            else:  # staffing: x > 0 loses too many, x < 0 gains too many
                sid = inst.schools[i].id
                line = (
                    f"{sid} would have {abs(x):.1f} teacher(s) "
                    f"{'below' if x > 0 else 'above'} its staffing band"
                )
            texts.setdefault(group, []).append(line)
    groups = tuple(g for g in GROUPS if g in texts)
    parts = []
    for g in groups:
        lines = texts[g]
        more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
        parts.append(f"{g.replace('_', ' ')}: " + "; ".join(lines[:5]) + more)
    where = [
        f"distance ≤ {inst.params.max_distance_km:g} km"
        if inst.params.max_distance_km is not None
        else "",
        "the allowed district pairs" if inst.params.allowed_pairs is not None else "",
    ]
    where_text = " and ".join(w for w in where if w)
    return groups, (
        "no plan satisfies all hard constraints: even the LP relaxation has none. With the least "
        "total violation it still breaks "
        + " — ".join(parts)
        + (f" (with the destinations allowed by {where_text})" if where_text else "")
        + "."
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
    if group == "budget":
        return head + (
            f"The quotas and subject needs take more than the budget of {p.max_moves} moves."
        )
    return head + "The fixed decisions (must / must not move, fixed schools) conflict."


# ---------------------------------------------------------------------------------------------
# The greedy baseline


def _greedy(inst: _Instance, deadline: float | None = None):
    """(teacher indices, school indices, problem or ""). A move out of a school at the lower
    end of its staffing band comes with a back-fill: a teacher of another school (the
    destination's first of all, a swap) who may move into it. Past `deadline` it stops where it
    is (and says so)."""
    p = inst.params
    ti, si = inst.candidates()
    ts = inst.t_school[ti]
    subj = inst.t_subject[ti]
    tg = inst.group_of[ts]
    tb = inst.bgroup_of[ts]
    back = inst.t_backbone[ti] > 0
    T = len(inst.teachers)
    S = len(inst.schools)
    cost = inst.move_cost(ti, si)
    c = inst.base.copy()
    staff = inst.staff.copy()
    moved = np.zeros(T, dtype=bool)
    need_of = {(s, j): need for s, j, need in inst.needs}
    need_arr = np.full((S, max(1, len(inst.subjects))), -1e9)
    for s, j, need in inst.needs:
        need_arr[s, j] = need
    net = np.zeros_like(need_arr)
    G = len(inst.group_names)
    GB = len(inst.bgroup_names)
    gmoves = np.zeros(G)
    bmoves = np.zeros(GB)  # moves per backbone group
    gback = np.zeros(GB)  # backbone teachers among them
    mt: list[int] = []
    ms: list[int] = []
    order = np.argsort(si, kind="stable")
    bounds = np.searchsorted(si[order], np.arange(S + 1))
    into = [order[bounds[d] : bounds[d + 1]] for d in range(S)]  # candidates by destination
    order = np.argsort(ts, kind="stable")
    bounds = np.searchsorted(ts[order], np.arange(S + 1))
    out_of = [order[bounds[d] : bounds[d + 1]] for d in range(S)]  # by origin
    late = False

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

    def movable(idx: np.ndarray) -> np.ndarray:
        """The candidates allowed now, but for the staffing bands."""
        ok = ~moved[ti[idx]]
        ok &= net[ts[idx], subj[idx]] - 1 >= need_arr[ts[idx], subj[idx]]
        return idx[ok]

    def allowed(idx: np.ndarray) -> np.ndarray:
        idx = movable(idx)
        ok = staff[si[idx]] + 1 <= inst.staff_hi[si[idx]] + EPS
        ok &= staff[ts[idx]] - 1 >= inst.staff_lo[ts[idx]] - EPS
        return idx[ok]

    def do(n: int, sign: int = 1) -> None:
        t, s = int(ti[n]), int(si[n])
        o = int(inst.t_school[t])
        moved[t] = sign > 0
        if sign > 0:
            mt.append(t)
            ms.append(s)
        else:
            mt.pop()
            ms.pop()
        c[s] += sign * inst.t_attr[t]
        c[o] -= sign * inst.t_attr[t]
        staff[s] += sign
        staff[o] -= sign
        j = int(inst.t_subject[t])
        net[s, j] += sign
        net[o, j] -= sign
        g = inst.group_of[o]
        if g >= 0:
            gmoves[g] += sign
        b = inst.bgroup_of[o]
        if b >= 0:
            bmoves[b] += sign
            gback[b] += sign * inst.t_backbone[t]

    def best(idx: np.ndarray) -> int:
        return int(idx[np.argmin(delta(idx))])

    def repair(n: int) -> bool:
        """After move n: bring its origin back into its staffing band with a back-fill and its
        destination with a move out, one swap between the two where it can (undone and False
        when it cannot)."""
        o, d = int(ts[n]), int(si[n])
        under = staff[o] < inst.staff_lo[o] - EPS
        over = staff[d] > inst.staff_hi[d] + EPS
        if under and over:
            fill = allowed(into[o])
            swap = fill[ts[fill] == d]
            if len(swap):
                do(best(swap))
                return True
        done = []
        if under:
            fill = allowed(into[o])
            if len(fill):
                swap = fill[ts[fill] == d]  # the destination has just gained a teacher
                done.append(best(swap if len(swap) else fill))
                do(done[-1])
        if over and (not under or done):
            out = allowed(out_of[d])
            if len(out):
                done.append(best(out))
                do(done[-1])
        if len(done) == int(under) + int(over):
            return True
        for m in reversed(done):
            do(m, -1)
        return False

    def take(idx: np.ndarray, tries: int = 8) -> bool:
        """The best of the candidate moves `idx` that can be made: one within both staffing
        bands, else one of the `tries` best that `repair` can make so. False when none can."""
        nonlocal late
        opts = movable(idx)
        if not len(opts):
            return False
        direct = allowed(opts)
        if len(direct):
            do(best(direct))
            return True
        if deadline is not None and time.perf_counter() > deadline:
            late = True
            return False
        d = delta(opts)
        for n in opts[np.argsort(d, kind="stable")[:tries]].tolist():
            do(n)
            if repair(n):
                return True
            do(n, -1)
        return False

    # 0. Teachers who must move: their best allowed destination.
    for t, tch in enumerate(inst.teachers):
        if tch.fixed == "must" and not moved[t]:
            take(np.flatnonzero(ti == t))
    # 1. Subject needs, largest first.
    for s, j, _need in sorted(inst.needs, key=lambda x: -x[2]):
        while net[s, j] < need_of[(s, j)]:
            if not take(into[s][subj[into[s]] == j]):
                break
    # 2. Quotas: the neediest school takes the most useful teacher of a group still short
    #    (a backbone one while the group's backbone share would fall short).
    in_group = tg >= 0
    by_dest = [idx[in_group[idx]] for idx in into]
    back_of = [np.flatnonzero((tb == b) & back) for b in range(GB)]
    while True:
        if deadline is not None and time.perf_counter() > deadline:
            late = True
            break
        quota_short = gmoves < inst.group_quota
        back_short = gback < _backbone_needed(inst, p, bmoves) - EPS
        if not quota_short.any() and not back_short.any():
            break
        lack = p.w_shortfall * np.maximum(inst.need_count - c, 0.0).sum(axis=1)
        lack += p.w_cv * np.maximum(inst.target - c, 0.0).sum(axis=1)
        room = staff + 1 <= inst.staff_hi + EPS
        done = False
        can_cache: dict[int, bool] = {}
        for d in np.argsort(-lack, kind="stable").tolist():
            if not room[d] or not len(by_dest[d]):
                continue
            cand = by_dest[d]
            opts = movable(cand[quota_short[tg[cand]] | back_short[tb[cand]]])
            opts = opts[staff[si[opts]] + 1 <= inst.staff_hi[si[opts]] + EPS]
            if not len(opts):
                continue
            b_of = tb[opts]
            want_back = gback[b_of] < _backbone_needed(inst, p, bmoves + 1)[b_of] - EPS
            if want_back.any():
                # a backbone teacher while the group's share would fall short, if any can go
                # anywhere; otherwise the group takes whoever can go
                need_b = np.unique(b_of[want_back])
                can = np.zeros(GB, dtype=bool)
                for b in need_b.tolist():
                    if b not in can_cache:
                        can_cache[b] = len(movable(back_of[b])) > 0
                    can[b] = can_cache[b]
                opts = opts[~want_back | back[opts] | ~can[b_of]]
            if len(opts) and take(opts):
                done = True
                break
        if not done:
            break
    problems = []
    if late:
        problems.append("the greedy plan ran out of time")
    inst.greedy_unmet = []
    for s, j, need in inst.needs:
        if net[s, j] < need:
            problems.append(
                f"{inst.schools[s].id} still lacks {int(need - net[s, j])} {inst.subjects[j]}"
            )
            inst.greedy_unmet.append((s, j, need, max(int(net[s, j]), 0)))
    inst.greedy_other = late or len(problems) > len(inst.greedy_unmet)
    for g in range(G):
        if gmoves[g] < inst.group_quota[g]:
            problems.append(
                f"{inst.group_names[g]} rotates {int(gmoves[g])} of {int(inst.group_quota[g])}"
            )
    for b in range(GB):
        if gback[b] < _backbone_needed(inst, p, bmoves)[b] - EPS:
            problems.append(f"{inst.bgroup_names[b]}: backbone share below {p.backbone_share:.0%}")
    for t, tch in enumerate(inst.teachers):
        if tch.fixed == "must" and not moved[t]:
            problems.append(f"teacher {tch.id} must move and could not")
            inst.greedy_other = True
    return np.array(mt, dtype=np.int64), np.array(ms, dtype=np.int64), "; ".join(problems)


def _soften_needs(inst: _Instance, greedy: tuple) -> tuple:
    """With unmeetable_quota="cap": when the greedy plan meets everything but some subject
    needs (the staffing bands of the schools the teachers would leave, typically), those needs
    are lowered to what it met and noted (for recruitment), and the greedy plan is a plan."""
    if inst.params.unmeetable_quota != "cap" or not greedy[2]:
        return greedy
    if not getattr(inst, "greedy_unmet", None) or inst.greedy_other:
        return greedy
    unmet = {(s, j): got for s, j, _need, got in inst.greedy_unmet}
    kept = []
    for s, j, need in inst.needs:
        got = unmet.get((s, j), need)
        if got < need:
            inst.need_notes.append((inst.schools[s].id, inst.subjects[j], need, got))
        if got > 0:
            kept.append((s, j, got))
    inst.needs = kept
    return greedy[0], greedy[1], ""


def greedy_plan(
    teachers: Sequence[Teacher], schools: Sequence[School], params: Params | None = None
) -> Result:
    """The greedy baseline, with the same inputs and result as `plan` (the principals' track
    is the same for both)."""
    params = params or Params()
    return _teachers_greedy(plan_principals(teachers, schools, params), params)


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


def _backbone_needed(inst: _Instance, p: Params, gmoves: np.ndarray) -> np.ndarray:
    """Backbone moves each quota group needs, given its moves (see Params.backbone_denominator)."""
    if inst.backbone_of_eligible:
        return inst.group_backbone_min
    return p.backbone_share * np.asarray(gmoves, dtype=float)


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
            is_principal=inst.teachers[t].is_principal,
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
        quota_notes=tuple(inst.quota_notes),
        need_notes=tuple(inst.need_notes),
        max_moves=inst.params.max_moves,
    )


@dataclass
class BudgetPoint:
    """One point of the trade-off between balance and moves: the plan solved with `move_cost`
    per teachers' move (None: the rule set's own weights, the unlimited plan), its number of
    teachers' moves (`budget`, the budget it needs), its objective under the rule set's own
    weights (comparable across points), and the balance part of the objective (teachers
    missing below the minimums and away from the district's fair share, weighted) before and
    after it."""

    budget: int | None
    result: Result
    moves: int
    balance_before: float
    balance_after: float | None
    move_cost: float | None = None
    objective: float | None = None

    @property
    def feasible(self) -> bool:
        return self.result.status in ("optimal", "feasible") and self.objective is not None

    @property
    def gain(self) -> float | None:
        return None if self.balance_after is None else self.balance_before - self.balance_after


# Costs per move, in the objective's units (a teacher missing below a minimum costs
# w_shortfall, 100 by default): each makes the plans keep only the moves that buy more balance.
TRADEOFF_MOVE_COSTS = (2.0, 5.0, 20.0, 100.0, 1000.0)


def plan_tradeoff(
    teachers: Sequence[Teacher],
    schools: Sequence[School],
    params: Params | None = None,
    move_costs: Sequence[float] = TRADEOFF_MOVE_COSTS,
    method: str = "milp",
    progress=None,
) -> list[BudgetPoint]:
    """The trade-off between balance gained and the number of moves: the plan with the rule
    set's weights (as many moves as buy any balance), then the same model with a higher cost
    per move for each of `move_costs` (a Lagrangian form of a move budget: each plan is the
    best for its own number of moves that such a cost can reach, and every one is feasible,
    since the hard constraints stay). With the highest costs only the moves the quotas, subject
    needs and staffing bands require are left: the fewest moves a plan needs. Each solve
    starts from the previous plan. Points are returned by ascending moves (one per number of
    moves), each with its objective under the rule set's own weights. The time limit is
    shared (10 s each at least); the principals' track is solved once, for all of them.
    `progress(done, total)` is called before each solve."""
    params = params or Params()
    track = plan_principals(teachers, schools, params)
    inst = _Instance(track.teachers, track.schools, params)
    tix = {t.id: i for i, t in enumerate(inst.teachers)}
    before = inst.balance(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    share = max(params.time_limit / (len(move_costs) + 1), 10.0)

    def point(cost, result) -> BudgetPoint:
        moves = [m for m in result.moves if not m.is_principal]
        after = objective = None
        if result.status in ("optimal", "feasible", "incomplete") and result.objective is not None:
            mt = np.array([tix[m.teacher] for m in moves], dtype=np.int64)
            ms = np.array([inst.sidx[m.destination] for m in moves], dtype=np.int64)
            after = inst.balance(mt, ms)
            objective = inst.objective(mt, ms)
        return BudgetPoint(len(moves), result, len(moves), before, after, cost, objective)

    report = progress or (lambda done, total: None)
    costs = [c for c in sorted(move_costs) if c > params.w_move]
    if method != "milp":
        report(0, 1)
        return [point(None, _teachers_greedy(track, params))]
    report(0, len(costs) + 1)
    first = point(None, _teachers_plan(track, replace(params, time_limit=share)))
    points = [first]
    start = None
    if first.feasible:
        start = [(m.teacher, m.destination) for m in first.result.moves if not m.is_principal]
    for done, cost in enumerate(costs, start=1):
        report(done, len(costs) + 1)
        p = replace(params, w_move=float(cost), time_limit=share, diagnose=False)
        pt = point(cost, _teachers_plan(track, p, start))
        if pt.feasible:
            start = [(m.teacher, m.destination) for m in pt.result.moves if not m.is_principal]
        points.append(pt)
    unique: dict[int, BudgetPoint] = {}
    for pt in points:  # one point per number of moves: the better objective
        if not pt.feasible:
            continue
        kept = unique.get(pt.moves)
        if kept is None or pt.objective < kept.objective:
            unique[pt.moves] = pt
    if not unique:
        return [first]
    return sorted(unique.values(), key=lambda p: p.moves)


def choose_budget(points: Sequence[BudgetPoint], tolerance: float = 0.05) -> int | None:
    """The index of the default point: the fewest moves whose objective (under the rule set's
    own weights) is within `tolerance` (relative) of the best; None when no point has a plan."""
    feasible = [i for i, p in enumerate(points) if p.feasible]
    if not feasible:
        return None
    best = min(points[i].objective for i in feasible)
    ok = [i for i in feasible if points[i].objective <= best + tolerance * abs(best) + EPS]
    return min(ok, key=lambda i: (points[i].moves, points[i].objective))


def _teachers_greedy(track: PrincipalTrack, params: Params) -> Result:
    inst = _Instance(track.teachers, track.schools, params)
    started = time.perf_counter()
    mt, ms, problem = _soften_needs(inst, _greedy(inst))
    if params.max_moves is not None and not problem and len(mt) > params.max_moves:
        problem = f"it makes {len(mt)} moves, more than the budget of {params.max_moves}"
    elapsed = time.perf_counter() - started
    status = "feasible" if not problem else "incomplete"
    result = _result(
        inst, mt, ms, status, inst.objective(mt, ms), None, elapsed, problem, None, "greedy"
    )
    result.solve_time += track.solve_time
    return track.merged(result)


def describe_plan(
    teachers: Sequence[Teacher],
    schools: Sequence[School],
    params: Params,
    moves: Sequence[Move],
    status: str = "feasible",
) -> Result:
    """The result of a given plan (moves of eligible teachers and principals): its schools
    before and after, CVs and objective, as a solve would report them."""
    inst = _Instance(teachers, schools, replace(params, unmeetable_quota="infeasible"))
    tix = {t.id: i for i, t in enumerate(inst.teachers)}
    mt = np.array([tix[m.teacher] for m in moves], dtype=np.int64)
    ms = np.array([inst.sidx[m.destination] for m in moves], dtype=np.int64)
    teaching = ~inst.t_principal[mt] if len(mt) else np.zeros(0, dtype=bool)
    objective = inst.objective(mt[teaching], ms[teaching])
    return _result(inst, mt, ms, status, objective, None, 0.0, "", None, "milp")


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
    principal = inst.t_principal[mt]
    if params.max_moves is not None and int((~principal).sum()) > params.max_moves:
        bad.append(f"budget: {int((~principal).sum())} moves of {params.max_moves}")
    # Principals: every school keeps its one principal (see plan_principals).
    pin = np.bincount(ms[principal], minlength=S)
    pout = np.bincount(inst.t_school[mt[principal]], minlength=S)
    for i, sch in enumerate(inst.schools):
        low = -1 if sch.appoint_principal else 0
        high = 0 if sch.has_principal else 1
        most = 0 if sch.appoint_principal else 1
        if not low <= pin[i] - pout[i] <= high or pin[i] > most:
            bad.append(f"principals: {sch.id} gets {pin[i]} and loses {pout[i]}")
    mt, ms = mt[~principal], ms[~principal]
    g = inst.group_of[inst.t_school[mt]]
    for k, name in enumerate(inst.group_names):
        moves_k = int((g == k).sum())
        if moves_k < inst.group_quota[k]:
            bad.append(f"quotas: {name} rotates {moves_k} of {int(inst.group_quota[k])}")
    b = inst.bgroup_of[inst.t_school[mt]]
    for k, name in enumerate(inst.bgroup_names):
        moves_k = int((b == k).sum())
        back = float(inst.t_backbone[mt[b == k]].sum())
        if back < _backbone_needed(inst, params, np.full(len(inst.bgroup_names), moves_k))[k] - EPS:
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
