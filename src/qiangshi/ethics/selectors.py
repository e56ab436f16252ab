"""Reads of the ethics file: the bars every area asks about, and (scoped) cases and files.

`ethics_bars(teacher, on=date)` is the one question other areas ask: what the teacher is barred
from on a date, until when and why. It is derived from the sanctions and the violations decided
in cases with the rule set in force when each started (engines/ethics.py), never typed in. The
bar reads are system reads: callers scope the teachers they ask about.
"""

from collections import defaultdict
from datetime import date

from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.engines.ethics import Bar, Violation, bars_on

from .models import EthicsAssessment, EthicsCase, EthicsCommendation, EthicsCommitment, Sanction
from .rules import bar_rules_on

BAR_LABELS = {
    "title_evaluation": _("Title evaluation"),
    "awards": _("Awards and honours"),
    "promotion": _("Promotion"),
    "post_appointment": _("Post appointment"),
    "salary_step": _("Salary step"),
    "talent_programmes": _("Talent programmes"),
    "rotation": _("Rotation eligibility"),
}


def violations_of(teacher_ids) -> dict[int, list[Violation]]:
    """The decided violations of each teacher: every sanction, and every case decided as a
    violation with measures only (a case with a sanction counts through its sanction)."""
    out: dict[int, list[Violation]] = defaultdict(list)
    for pk, tid, kind, start, end, revoked in Sanction.objects.filter(
        teacher_id__in=teacher_ids
    ).values_list("pk", "teacher_id", "kind", "decided_on", "ends_on", "revoked_on"):
        out[tid].append(
            Violation(
                ref=f"sanction:{pk}",
                starts_on=start,
                sanction=kind,
                sanction_ends_on=end,
                revoked_on=revoked,
            )
        )
    for pk, tid, start, revoked in EthicsCase.objects.filter(
        teacher_id__in=teacher_ids,
        violation=True,
        sanction__isnull=True,
        starts_on__isnull=False,
    ).values_list("pk", "teacher_id", "starts_on", "revoked_on"):
        out[tid].append(Violation(ref=f"case:{pk}", starts_on=start, revoked_on=revoked))
    return out


def ethics_bars_for(teacher_ids, on: date) -> dict[int, list[Bar]]:
    """`ethics_bars` for many teachers at once (two queries): only teachers with a bar."""
    out = {}
    for tid, violations in violations_of(teacher_ids).items():
        bars = bars_on(violations, on, bar_rules_on)
        if bars:
            out[tid] = bars
    return out


def ethics_bars(teacher, on: date | None = None) -> list[Bar]:
    """What `teacher` is barred from on `on` (today by default): one `Bar` per kind (title
    evaluation, awards, promotion, post appointment, salary step, talent programmes, rotation
    eligibility), with the first day it no longer applies (None: no end) and the violations
    (`refs`: "sanction:<id>" or "case:<id>") that impose it."""
    on = on or date.today()
    teacher_id = getattr(teacher, "pk", teacher)
    return ethics_bars_for([teacher_id], on).get(teacher_id, [])


def barred_teacher_ids(teacher_ids, on: date, kind: str) -> set[int]:
    """Ids among `teacher_ids` barred from `kind` on `on`."""
    return {
        tid
        for tid, bars in ethics_bars_for(teacher_ids, on).items()
        if any(b.kind == kind for b in bars)
    }


# --- scoped reads -----------------------------------------------------------------------------


def _visible_cases(actor):
    """Cases in scope; a teacher sees their own only once their statement has been asked for."""
    qs = scope(EthicsCase.objects.all(), actor, "view")
    if actor.role == Role.TEACHER:
        qs = qs.filter(teacher_informed_on__isnull=False)
    return qs


def case_list(*, actor, filters: dict | None = None):
    """Cases the actor may see (ethics officers in their area, the teacher their own,
    auditors all), newest first. Filters: `teacher` (id), `q` (teacher name), `state`."""
    from qiangshi.workflow.models import WorkItem

    from .workflow import PROCESS

    filters = filters or {}
    qs = _visible_cases(actor).select_related("teacher")
    if filters.get("teacher"):
        qs = qs.filter(teacher_id=filters["teacher"])
    if filters.get("q"):
        qs = qs.filter(teacher__name__icontains=filters["q"])
    if filters.get("state"):
        qs = qs.filter(
            pk__in=WorkItem.objects.filter(process=PROCESS, state=filters["state"]).values(
                "object_id"
            )
        )
    return qs.order_by("-reported_on", "-pk")


def case_get(*, actor, pk) -> EthicsCase:
    """One case inside the actor's scope (NotFound otherwise)."""
    return get_in_scope(
        _visible_cases(actor).select_related("teacher", "sanction"), actor, "view", pk=pk
    )


def case_states(cases) -> dict[int, object]:
    """case id → its work item (state, deadline)."""
    from qiangshi.workflow.models import WorkItem

    from .workflow import PROCESS

    return {
        item.object_id: item
        for item in WorkItem.objects.filter(process=PROCESS, object_id__in=[c.pk for c in cases])
    }


def ethics_file(*, actor, teacher) -> dict:
    """The non-case parts of a teacher's ethics file the actor may see (empty lists when the
    actor may not see them)."""
    assessments = scope(EthicsAssessment.objects.all(), actor, "view").filter(teacher=teacher)
    commitments = scope(EthicsCommitment.objects.all(), actor, "view").filter(teacher=teacher)
    commendations = scope(EthicsCommendation.objects.all(), actor, "view").filter(teacher=teacher)
    return {
        "assessments": list(assessments),
        "commitments": list(commitments),
        "commendations": list(commendations),
    }


def case_counts(*, region, year: int) -> dict[str, int]:
    """{"reported", "violations"}: the cases reported in calendar year `year` about teachers
    working (or last working) in `region` and below, and those decided as a violation. Counts
    only, no case content: a system read for the pilot office's indicators and report."""
    from django.db.models import Exists, OuterRef

    from qiangshi.teachers.models import Employment

    there = Employment.objects.filter(
        teacher=OuterRef("teacher"), school__district__path__startswith=region.path
    )
    cases = EthicsCase.objects.filter(Exists(there), reported_on__year=year)
    return {"reported": cases.count(), "violations": cases.filter(violation=True).count()}
