"""Reads of school leadership: terms (scoped), each school's current leadership and its gaps,
and the full terms principals have served, which the rotation eligibility reads.

The gaps of a school on a date (`GAPS`): no Party secretary, the secretary and the principal the
same person (not separate posts), no principal, no vice-principal of each kind, a principal who
has served the rotation rule set's `principal_terms` full terms at the school (POLICY §8: they
should rotate). One function computes them (`school_rows`), for the region page, its export,
the school page and the API.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.engines.leadership import Term, full_terms, holds_on
from qiangshi.org.models import School
from qiangshi.rotation.rules import rules_on as rotation_rules_on

from .models import VICE_POSTS, LeadershipTerm, Post

GAPS = {
    "no_secretary": _("No Party secretary"),
    "combined": _("Secretary and principal the same person"),
    "no_principal": _("No principal"),
    "no_vice_principal": _("No vice-principal"),
    "no_science_vice": _("No science vice-principal"),
    "no_security_vice": _("No security vice-principal"),
    "no_health_vice": _("No health vice-principal"),
    "principal_terms": _("Principal past two terms"),
}
VICE_GAP = {
    Post.VICE_PRINCIPAL: "no_vice_principal",
    Post.SCIENCE_VICE: "no_science_vice",
    Post.SECURITY_VICE: "no_security_vice",
    Post.HEALTH_VICE: "no_health_vice",
}


def principal_terms_needed(on: date) -> int:
    """Full terms after which a principal should rotate (the rotation rule set in force)."""
    return int(rotation_rules_on(on)["eligibility"]["principal_terms"])


def term_list(*, actor, filters: dict | None = None):
    """Terms the actor may see, by school and post, latest first. Filters: `school` (id),
    `district` (id), `post`, `q` (holder's name), `current` (True: in the post on `on`, today
    by default)."""
    filters = filters or {}
    qs = scope(LeadershipTerm.objects.all(), actor, "view").select_related(
        "school", "school__district", "teacher"
    )
    if filters.get("school"):
        qs = qs.filter(school_id=filters["school"])
    if filters.get("district"):
        qs = qs.filter(school__district_id=filters["district"])
    if filters.get("post"):
        qs = qs.filter(post=filters["post"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(teacher__name__icontains=q) | Q(outside_name__icontains=q))
    if filters.get("current"):
        on = filters.get("on") or date.today()
        qs = qs.filter(starts_on__lte=on).exclude(ends_on__lte=on).exclude(left_on__lte=on)
    return qs.order_by("school__code", "post", "-starts_on", "-pk")


def term_get(*, actor, pk, action: str = "view") -> LeadershipTerm:
    """One term inside the actor's scope (NotFound otherwise)."""
    return get_in_scope(
        LeadershipTerm.objects.select_related("school", "teacher"), actor, action, pk=pk
    )


def served_terms(terms) -> dict[tuple[int, int], list[Term]]:
    """(teacher id, school id) → that teacher's principal terms at that school."""
    out: dict[tuple[int, int], list[Term]] = defaultdict(list)
    for t in terms:
        if t.post == Post.PRINCIPAL and t.teacher_id:
            out[(t.teacher_id, t.school_id)].append(t.as_term())
    return out


def principal_full_terms(schools, on: date) -> dict[tuple[int, int], int]:
    """(teacher id, school id) → full principal terms served at that school by `on`, for every
    principal with a term recorded at one of `schools` (ids or a queryset). A system read: the
    caller scopes the schools. A principal with no recorded term is absent (the caller falls back
    on what it knew before)."""
    rows = LeadershipTerm.objects.filter(
        school__in=schools, post=Post.PRINCIPAL, teacher__isnull=False
    ).only("post", "teacher_id", "school_id", "term_number", "starts_on", "ends_on", "left_on")
    return {key: full_terms(terms, on) for key, terms in served_terms(rows).items()}


@dataclass
class SchoolLeadership:
    """A school's leadership on a date: the holders of each post, the principal's full terms,
    and the gaps."""

    school: School
    holders: dict[str, list[LeadershipTerm]] = field(default_factory=dict)
    principal_terms: int | None = None  # full terms of the current principal; None: no principal
    gaps: list[str] = field(default_factory=list)

    def names(self, post: str) -> str:
        return ", ".join(t.holder_name for t in self.holders.get(post, []))

    @property
    def posts(self) -> list[tuple[str, str, list[LeadershipTerm]]]:
        """(post, its label, its holders), every post in order, holders or not."""
        return [(p.value, p.label, self.holders.get(p.value, [])) for p in Post]

    @property
    def gap_labels(self) -> list[str]:
        return [str(GAPS[g]) for g in self.gaps]


def _row(school: School, terms: list[LeadershipTerm], on: date, needed: int) -> SchoolLeadership:
    row = SchoolLeadership(school=school)
    for t in terms:
        if holds_on(t.as_term(), on):
            row.holders.setdefault(t.post, []).append(t)
    secretaries = row.holders.get(Post.SECRETARY, [])
    principals = row.holders.get(Post.PRINCIPAL, [])
    if not secretaries:
        row.gaps.append("no_secretary")
    if not principals:
        row.gaps.append("no_principal")
    elif secretaries and {t.teacher_id for t in secretaries} & {t.teacher_id for t in principals}:
        row.gaps.append("combined")
    for post in VICE_POSTS:
        if not row.holders.get(post):
            row.gaps.append(VICE_GAP[post])
    if principals and principals[0].teacher_id:
        served = served_terms(terms).get((principals[0].teacher_id, school.pk), [])
        row.principal_terms = full_terms(served, on)
        if row.principal_terms >= needed:
            row.gaps.append("principal_terms")
    row.gaps.sort(key=list(GAPS).index)
    return row


def school_rows(*, actor, filters: dict | None = None, on: date | None = None):
    """Each active school in the actor's area (every school for `actor=None`, a system
    operator: the command line) with its leadership and gaps on `on` (today by default), by
    school code. Filters: `district` (id), `region` (a Region: its schools and those below it),
    `gap` (a key of GAPS: only schools with that gap), `q` (school name). Two queries."""
    on = on or date.today()
    filters = filters or {}
    if actor is not None and not can(actor, "leadership", "view"):
        return []
    schools = School.objects.filter(is_active=True)
    terms = LeadershipTerm.objects.all()
    if actor is not None:
        schools, terms = scope(schools, actor, "view"), scope(terms, actor, "view")
    schools = schools.select_related("district")
    if filters.get("district"):
        schools = schools.filter(district_id=filters["district"])
    if filters.get("region"):
        schools = schools.filter(district__path__startswith=filters["region"].path)
    if filters.get("q"):
        schools = schools.filter(name__icontains=filters["q"])
    schools = list(schools.order_by("code"))
    by_school: dict[int, list[LeadershipTerm]] = defaultdict(list)
    for t in (
        terms.filter(school__in=[s.pk for s in schools])
        .select_related("teacher")
        .order_by("starts_on", "pk")
    ):
        by_school[t.school_id].append(t)
    needed = principal_terms_needed(on)
    rows = [_row(s, by_school.get(s.pk, []), on, needed) for s in schools]
    gap = filters.get("gap")
    if gap:
        rows = [r for r in rows if gap in r.gaps]
    return rows


def gap_counts(rows) -> dict[str, int]:
    """How many of `rows` have each gap, in GAPS order."""
    return {g: sum(g in r.gaps for r in rows) for g in GAPS}


def school_leadership(*, actor, school: School, on: date | None = None) -> dict:
    """A school's leadership for its page: the current row (holders, gaps) and every recorded
    term, latest first."""
    on = on or date.today()
    terms = list(
        scope(LeadershipTerm.objects.all(), actor, "view")
        .filter(school=school)
        .select_related("teacher")
        .order_by("starts_on", "pk")
    )
    return {
        "row": _row(school, terms, on, principal_terms_needed(on)),
        "history": sorted(
            terms, key=lambda t: (list(Post.values).index(t.post), -t.starts_on.toordinal())
        ),
    }
