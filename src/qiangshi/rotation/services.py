"""Writes for rotation planning: plans and their workflow, decisions, exemptions. Every step is
audited.

Who does what: district offices plan for their district, the bureau for its districts and for
the city (programmes across districts); the bureau approves or returns submitted plans (a
district office cannot approve); a plan's moves become employment records on its effective date
(`plan_apply`, from the page or `qiangshi rotation apply`).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope
from qiangshi.core.background import enqueue
from qiangshi.core.errors import ApplicationError, Forbidden
from qiangshi.core.services import audit_record, audit_records
from qiangshi.engines import rotation as engine
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.staffing.selectors import current_school_year
from qiangshi.teachers import projection
from qiangshi.teachers.models import (
    Employment,
    PersonnelStatus,
    Secondment,
    SecondmentKind,
    Teacher,
)

from . import selectors
from .explain import Explainer
from .models import (
    DecisionKind,
    Method,
    MoveForm,
    PlanStatus,
    RotationDecision,
    RotationExemption,
    RotationMove,
    RotationPlan,
    RotationPreference,
    SolveState,
)
from .rules import rules_on
from .selectors import default_effective_date, plan_input, region_for, rules_of


def _require(actor, action: str) -> None:
    if not can(actor, "rotation", action):
        raise Forbidden(_("You may not do this."))


def in_planning_area(actor, plan: RotationPlan) -> bool:
    """Whether the plan's region lies in the actor's own area (the administrator: anywhere).
    Offices see plans of the regions above them too, but may act only on their own."""
    if actor.role == Role.ADMIN:
        return True
    return actor.region_id is not None and plan.region.path.startswith(actor.region.path)


def _editable(actor, plan: RotationPlan) -> RotationPlan:
    """The plan, if the actor may change it: in their area, and a draft or returned."""
    _require(actor, "change")
    plan = get_in_scope(RotationPlan.objects.select_related("region"), actor, "change", pk=plan.pk)
    if not in_planning_area(actor, plan):
        raise Forbidden(_("This plan belongs to a larger region; you may only view it."))
    if not plan.is_editable:
        raise ApplicationError(
            _("Only a draft or returned plan can be changed (this one is %(status)s).")
            % {"status": plan.get_status_display()}
        )
    return plan


def _term_years(rules: dict, years) -> int | None:
    """A term's length, within the rule set's range (its default when None)."""
    forms = rules.get("forms", {})
    low, high = forms.get("term_years", [1, 3])
    if years in (None, ""):
        return int(forms.get("default_term_years", high))
    try:
        years = int(years)
    except (TypeError, ValueError):
        years = -1
    if not low <= years <= high:
        message = _("A term lasts %(low)d to %(high)d years.") % {"low": low, "high": high}
        raise ApplicationError(message, fields={"term_years": message})
    return years


def _clean_schools(region: Region, codes) -> list[str]:
    codes = sorted({c.strip() for c in (codes or []) if c and c.strip()})
    known = set(
        School.objects.filter(code__in=codes, district__path__startswith=region.path).values_list(
            "code", flat=True
        )
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ApplicationError(
            _("No school %(code)s in %(region)s.")
            % {"code": ", ".join(unknown), "region": region.name},
            fields={"appointments": ", ".join(unknown)},
        )
    return codes


def _clean_districts(region: Region, codes) -> list[str]:
    valid = set(
        Region.objects.filter(level=RegionLevel.DISTRICT, path__startswith=region.path).values_list(
            "code", flat=True
        )
    )
    codes = [c for c in (codes or []) if c]
    unknown = [c for c in codes if c not in valid]
    if unknown:
        raise ApplicationError(
            _("Not a district of %(region)s: %(codes)s")
            % {"region": region.name, "codes": ", ".join(unknown)},
            fields={"origins": ", ".join(unknown)},
        )
    return sorted(set(codes))


@transaction.atomic
def plan_create(
    *,
    actor,
    region_code: str,
    year: int,
    method: str = Method.MILP,
    name: str = "",
    effective_date: date | None = None,
    origins: list[str] | None = None,
    destinations: list[str] | None = None,
    max_distance_km: float | None = None,
    subject_needs: bool = True,
    exchange: bool = True,
    form: str = "",
    term_years: int | None = None,
    appointments: list[str] | None = None,
) -> RotationPlan:
    """A new draft plan for a district or city and school year (not yet solved). `form` is
    the default form of its teachers' moves (transfer, or a term of `term_years`: the rule
    set's by default); `appointments` are codes of schools where the planner names a new
    principal (their principal may leave without another arriving)."""
    _require(actor, "create")
    region = region_for(actor, region_code)
    if not 2000 <= int(year) <= 2100:
        raise ApplicationError(_("Not a school year: %(year)s") % {"year": year})
    if method not in Method.values:
        raise ApplicationError(_("Unknown method."), fields={"method": method})
    effective_date = effective_date or default_effective_date(int(year))
    rules = rules_on(effective_date)
    origins = _clean_districts(region, origins)
    destinations = _clean_districts(region, destinations)
    if bool(origins) != bool(destinations):
        raise ApplicationError(
            _("Give both the sending and the receiving districts, or neither."),
            fields={"destinations": _("Required with sending districts.")},
        )
    if set(origins) & set(destinations):
        raise ApplicationError(
            _("A district cannot both send and receive in one programme."),
            fields={"destinations": ", ".join(sorted(set(origins) & set(destinations)))},
        )
    if max_distance_km is not None and max_distance_km <= 0:
        raise ApplicationError(
            _("The distance cap must be positive."),
            fields={"max_distance_km": _("The distance cap must be positive.")},
        )
    forms = rules.get("forms", {})
    form = form or forms.get("default", MoveForm.TRANSFER)
    if form not in MoveForm.values:
        raise ApplicationError(_("Unknown form of move."), fields={"form": form})
    term_years = _term_years(rules, term_years if form == MoveForm.TERM else None)
    appointments = _clean_schools(region, appointments)
    params: dict[str, Any] = {
        "rule_version": rules["version"],
        "form": form,
        "term_years": term_years,
        "appointments": appointments,
        "origins": origins,
        "destinations": destinations,
        "subject_needs": bool(subject_needs),
        "exchange": bool(exchange),
    }
    if max_distance_km is not None:
        params["max_distance_km"] = float(max_distance_km)
    plan = RotationPlan.objects.create(
        region=region,
        year=int(year),
        name=name.strip()[:120],
        method=method,
        params=params,
        effective_date=effective_date,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="rotation.create",
        target=plan,
        changes={
            "region": [None, region.code],
            "year": [None, plan.year],
            "method": [None, method],
        },
    )
    return plan


def _result_summary(result: engine.Result, inp) -> dict[str, Any]:
    schools = []
    for ch in result.schools:
        school = inp.school_by_id.get(ch.school)
        if school is None:
            continue
        schools.append(
            {
                "id": school.pk,
                "code": school.code,
                "name": school.name,
                "district": school.district.code,
                "before": ch.before,
                "after": ch.after,
                "moved_in": ch.moved_in,
                "moved_out": ch.moved_out,
            }
        )
    quota_notes = []
    for group, quota, possible, why in result.quota_notes:
        school = inp.school_by_id.get(group)
        quota_notes.append(
            {
                "group": group,
                "name": school.name if school is not None else group,
                "quota": quota,
                "possible": possible,
                "why": why,
            }
        )
    return {
        "status": result.status,
        "method": result.method,
        "objective": result.objective,
        "gap": result.gap,
        "solve_time": round(result.solve_time, 3),
        "message": result.message,
        "infeasible_groups": list(result.infeasible_groups),
        "schools": schools,
        "eligible": sum(1 for t in inp.teachers if t.eligible and not t.is_principal),
        "principals_eligible": sum(1 for t in inp.teachers if t.eligible and t.is_principal),
        "teachers": len(inp.teachers),
        "moves": sum(1 for m in result.moves if not m.is_principal),
        "principal_moves": sum(1 for m in result.moves if m.is_principal),
        "quota_notes": quota_notes,
        "principal_notes": [
            {"district": d, "target": target, "moved": moved}
            for d, target, moved in result.principal_notes
        ],
        "max_moves": result.max_moves,
    }


def _school_codes(inp) -> dict[int, str]:
    return {int(pk): school.code for pk, school in inp.school_by_id.items()}


def balance_summary(region, year: int, rows, codes: dict[int, str], terms=frozenset()) -> dict:
    """The CVs before and after per district, stage and indicator (the balance module's own
    function and rule set: `selectors.plan_cvs`), and the balance year they are of."""
    before, years = selectors.plan_cvs(region, year)
    after, _years = selectors.plan_cvs(
        region, year, selectors.teacher_changes(rows, codes, set(terms))
    )
    return {"cv_before": before, "cv_after": after, "balance_years": years}


def _needs(result: engine.Result, inp) -> tuple[dict, dict]:
    """(the subject needs the plan meets, those left for recruitment) per school id: the
    adapter's, less what the engine found no teacher for (`Result.need_notes`)."""
    needs = {school: dict(by_subject) for school, by_subject in inp.needs.items()}
    lacking = {school: dict(by_subject) for school, by_subject in inp.uncoverable.items()}
    for school, subject, need, possible in result.need_notes:
        left = lacking.setdefault(school, {})
        left[subject] = left.get(subject, 0) + need - possible
        met = needs.setdefault(school, {})
        if possible:
            met[subject] = possible
        else:
            met.pop(subject, None)
    return {k: v for k, v in needs.items() if v}, lacking


def plan_summary(region, year: int, result: engine.Result, inp, **extra) -> dict:
    """The stored result of a solve: the engine's summary, the subject needs met and left for
    recruitment, the moves as stored rows, and the balance before and after."""
    summary = _result_summary(result, inp)
    summary["needs"], summary["uncoverable"] = _needs(result, inp)
    rows = [selectors.mover_row(m, inp) for m in result.moves]
    summary.update(balance_summary(region, year, rows, _school_codes(inp)))
    summary.update(extra)
    return summary


def tradeoff_points(rules: dict, inp, method: str, progress=None) -> tuple[list, int | None]:
    """The trade-off between balance gained and moves (`engine.plan_tradeoff`, with the rule
    set's move costs and time limit unless the plan sets one) and the default point."""
    tradeoff = rules.get("tradeoff", {})
    params = inp.params
    if "time_limit" in tradeoff and not inp.time_limit_set:
        params = replace(params, time_limit=float(tradeoff["time_limit"]))
    points = engine.plan_tradeoff(
        inp.teachers,
        inp.schools,
        params,
        move_costs=tuple(tradeoff.get("move_costs", engine.TRADEOFF_MOVE_COSTS)),
        method=method,
        progress=progress,
    )
    return points, engine.choose_budget(points, float(tradeoff.get("tolerance", 0.05)))


def _tradeoff(points: list, chosen: int | None) -> list[dict]:
    return [
        {
            "budget": p.budget,
            "move_cost": p.move_cost,
            "moves": p.moves,
            "status": p.result.status,
            "objective": p.objective,
            "gain": p.gain,
            "balance_before": p.balance_before,
            "balance_after": p.balance_after,
            "chosen": i == chosen,
        }
        for i, p in enumerate(points)
    ]


def _store_moves(plan: RotationPlan, result: engine.Result, inp) -> None:
    """Replace the plan's moves by the result's, each with its reason, stages and form (the
    plan's default form)."""
    form, years = selectors.default_form(rules_of(plan), plan.params)
    explain = Explainer(inp)
    reasons = {}
    for language in ("zh-hans", "en"):  # each reader sees the reason in their language
        with translation.override(language):
            reasons[language] = {m.teacher: explain.reason(m) for m in result.moves}
    plan.moves.all().delete()
    rows = []
    for m in result.moves:
        c = inp.candidate_by_id[m.teacher]
        stage_from, stage_to = selectors.move_stages(m, inp)
        rows.append(
            RotationMove(
                plan=plan,
                teacher_id=int(m.teacher),
                origin_id=int(m.origin),
                destination_id=int(m.destination),
                subject=c.subject,
                is_backbone=c.is_backbone,
                distance_km=round(m.distance_km, 2),
                reason=reasons["zh-hans"][m.teacher],
                reason_en=reasons["en"][m.teacher],
                is_principal=m.is_principal,
                stage_from=stage_from,
                stage_to=stage_to,
                form=MoveForm.TRANSFER if m.is_principal else form,
                term_years=None if m.is_principal else years,
            )
        )
    RotationMove.objects.bulk_create(rows, batch_size=2000)


def solve(plan: RotationPlan, *, progress=None) -> engine.Result:
    """Run the optimiser (or the greedy baseline) on the plan's region and store the moves.

    The optimiser solves at several budgets of teachers' moves (the trade-off between balance
    gained and moves, `engine.plan_tradeoff`) and keeps the default budget's plan (the
    smallest within the rule set's tolerance of the best objective); every budget's moves are
    stored so that the planner can pick another (`plan_choose_budget`). The moves of the
    previous solve are replaced in one transaction; a failure leaves them as they were and
    marks the solve failed. Runs as a system read of the region (the caller checked the
    actor)."""
    progress = progress or (lambda message: None)
    RotationPlan.objects.filter(pk=plan.pk).update(
        solve_state=SolveState.RUNNING,
        solve_message=_("Reading the registry"),
        solve_heartbeat=timezone.now(),
    )

    def solving(done: int, total: int) -> None:
        RotationPlan.objects.filter(pk=plan.pk).update(
            solve_message=_("Solving: plan %(n)d of %(total)d of the trade-off")
            % {"n": done + 1, "total": total},
            solve_heartbeat=timezone.now(),
        )

    started = time.monotonic()
    try:
        rules = rules_of(plan)
        decisions = list(plan.decisions.all())
        inp = plan_input(
            plan.region,
            plan.year,
            on=plan.effective_date,
            rules=rules,
            overrides=plan.params,
            decisions=decisions,
        )
        progress(_("Solving"))
        RotationPlan.objects.filter(pk=plan.pk).update(
            solve_message=_("Solving: %(teachers)d eligible teachers, %(schools)d schools")
            % {
                "teachers": sum(1 for t in inp.teachers if t.eligible),
                "schools": len(inp.schools),
            }
        )
        tradeoff = rules.get("tradeoff", {})
        points, chosen = tradeoff_points(rules, inp, plan.method, progress=solving)
        kept = points[chosen if chosen is not None else 0]
        result = kept.result
        if kept.objective is not None:
            result.objective = kept.objective  # under the rule set's own weights
        progress(_("Saving"))
        summary = plan_summary(
            plan.region,
            plan.year,
            result,
            inp,
            tradeoff=_tradeoff(points, chosen),
            tolerance=float(tradeoff.get("tolerance", 0.05)),
            options={
                str(i): [selectors.mover_row(m, inp) for m in p.result.moves]
                for i, p in enumerate(points)
                if p.feasible
            },
        )
        summary["read_time"] = round(time.monotonic() - started - result.solve_time, 3)
        # the greedy plan the optimiser started from, with the rule set's own weights
        greedy = next((p.result.baseline for p in points if p.move_cost is None), None)
        if greedy is not None and result.status in ("optimal", "feasible"):
            summary["greedy"] = {
                "status": greedy.status,
                "objective": greedy.objective,
                "moves": sum(1 for m in greedy.moves if not m.is_principal),
                "solve_time": round(greedy.solve_time, 3),
            }
        with transaction.atomic():
            _store_moves(plan, result, inp)
            plan.result = summary
            plan.solve_state = SolveState.DONE
            plan.solve_message = ""
            plan.solved_at = timezone.now()
            plan.save(update_fields=["result", "solve_state", "solve_message", "solved_at"])
        return result
    except Exception as exc:
        RotationPlan.objects.filter(pk=plan.pk).update(
            solve_state=SolveState.FAILED, solve_message=str(exc)[:255]
        )
        raise


def stuck_solves_recover(*, now=None) -> int:
    """Solves queued or running whose heartbeat stopped for longer than
    `QIANGSHI_JOB_STALE_AFTER_SECONDS` (the server was stopped or killed mid-solve) are marked
    failed, with a message in the plan's page, so that the plan can be solved again. Returns
    how many. Run by `qiangshi rotation recover` (and `make serve`) and when a plan is read."""
    from datetime import timedelta

    from django.conf import settings

    now = now or timezone.now()
    stale = now - timedelta(seconds=getattr(settings, "QIANGSHI_JOB_STALE_AFTER_SECONDS", 600))
    stuck = RotationPlan.objects.filter(
        solve_state__in=(SolveState.QUEUED, SolveState.RUNNING)
    ).filter(Q(solve_heartbeat__lt=stale) | Q(solve_heartbeat__isnull=True, created_at__lt=stale))
    plans = list(stuck.only("pk"))
    for plan in plans:
        RotationPlan.objects.filter(pk=plan.pk).update(
            solve_state=SolveState.FAILED,
            solve_message=_(
                "The solve stopped before it ended (the server was stopped); solve again."
            ),
        )
        audit_record(actor=None, action="rotation.solve_stopped", target=plan)
    return len(plans)


@transaction.atomic
def plan_choose_budget(*, actor, plan: RotationPlan, option: int) -> RotationPlan:
    """Keep another point of the trade-off (by its index in `result["tradeoff"]`): its moves
    replace the plan's, with their reasons, and the figures after are recomputed."""
    plan = _editable(actor, plan)
    result = dict(plan.result or {})
    rows = (result.get("options") or {}).get(str(option))
    points = result.get("tradeoff") or []
    if rows is None or not 0 <= int(option) < len(points):
        raise ApplicationError(
            _("This budget has no plan; choose one of the feasible points."),
            fields={"option": str(option)},
        )
    inp = plan_input(
        plan.region,
        plan.year,
        on=plan.effective_date,
        rules=rules_of(plan),
        overrides=plan.params,
        decisions=list(plan.decisions.all()),
    )
    moves = [
        engine.Move(str(t), str(o), str(d), km, "", is_principal=bool(p))
        for t, o, d, km, p, *_flags in rows
        if str(t) in inp.candidate_by_id
    ]
    if len(moves) != len(rows):
        raise ApplicationError(_("The registry changed since the plan was solved; solve it again."))
    described = engine.describe_plan(inp.teachers, inp.schools, inp.params, moves)
    _store_moves(plan, described, inp)
    fresh = plan_summary(plan.region, plan.year, described, inp)
    for key in ("schools", "cv_before", "cv_after", "balance_years", "moves", "principal_moves"):
        result[key] = fresh[key]
    point = points[int(option)]
    for i, p in enumerate(points):
        p["chosen"] = i == int(option)
    result["objective"] = point["objective"]
    result["status"] = point["status"]
    result["max_moves"] = point["budget"]
    plan.result = result
    plan.save(update_fields=["result"])
    audit_record(
        actor=actor,
        action="rotation.budget",
        target=plan,
        changes={"budget": [None, point["budget"]], "moves": [None, point["moves"]]},
    )
    return plan


def plan_solve(*, actor, plan: RotationPlan, method: str | None = None) -> RotationPlan:
    """Queue a (re-)solve of a draft plan: a background job (in-process without a broker)."""
    plan = _editable(actor, plan)
    if method:
        if method not in Method.values:
            raise ApplicationError(_("Unknown method."), fields={"method": method})
        plan.method = method
    plan.solve_state = SolveState.QUEUED
    plan.solve_message = ""
    plan.solve_heartbeat = timezone.now()
    plan.save(update_fields=["method", "solve_state", "solve_message", "solve_heartbeat"])
    audit_record(actor=actor, action="rotation.solve", target=plan, note=plan.method)
    from django.utils.translation import get_language

    from .tasks import solve_plan

    enqueue(solve_plan, plan.pk, get_language() or "zh-hans")
    return plan


@transaction.atomic
def decision_add(
    *, actor, plan: RotationPlan, teacher_pk, kind: str, school_pk=None
) -> RotationDecision:
    """Fix a decision for the next solve: must move (optionally to a school), must not move, or
    not to a given school. Replaces the teacher's earlier must/must-not decision."""
    plan = _editable(actor, plan)
    if kind not in DecisionKind.values:
        raise ApplicationError(_("Unknown decision."), fields={"kind": kind})
    teacher = get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)
    school = None
    if school_pk not in (None, ""):
        school = get_in_scope(School.objects.all(), actor, "view", pk=school_pk)
        if not school.district.path.startswith(plan.region.path):
            raise ApplicationError(
                _("The school is outside the plan's region."), fields={"school": school.code}
            )
    if kind == DecisionKind.NOT_TO and school is None:
        raise ApplicationError(
            _("Choose the school the teacher must not go to."),
            fields={"school": _("This field is required.")},
        )
    if kind in (DecisionKind.MUST, DecisionKind.MUST_NOT):
        plan.decisions.filter(teacher=teacher, kind__in=("must", "must_not")).delete()
    decision = RotationDecision.objects.create(plan=plan, teacher=teacher, kind=kind, school=school)
    audit_record(
        actor=actor,
        action="rotation.decision",
        target=plan,
        changes={"decision": [None, f"{teacher.pk}:{kind}:{school.code if school else ''}"]},
    )
    return decision


@transaction.atomic
def decision_remove(*, actor, plan: RotationPlan, decision_pk) -> None:
    plan = _editable(actor, plan)
    decision = plan.decisions.filter(pk=decision_pk).first()
    if decision is None:
        raise ApplicationError(_("No such decision."))
    audit_record(
        actor=actor,
        action="rotation.decision_remove",
        target=plan,
        changes={"decision": [f"{decision.teacher_id}:{decision.kind}", None]},
    )
    decision.delete()


@transaction.atomic
def plan_submit(*, actor, plan: RotationPlan) -> RotationPlan:
    plan = _editable(actor, plan)
    if plan.solve_state != SolveState.DONE:
        raise ApplicationError(_("Solve the plan before submitting it."))
    if plan.result.get("status") not in ("optimal", "feasible", "incomplete"):
        raise ApplicationError(_("A plan without a feasible solution cannot be submitted."))
    return _transition(actor, plan, PlanStatus.SUBMITTED, submitted_at=timezone.now())


def _reviewable(actor, plan: RotationPlan) -> RotationPlan:
    """The plan, if the actor may review it (actor None: the system, for scheduled runs)."""
    if actor is None:
        return RotationPlan.objects.select_related("region").get(pk=plan.pk)
    _require(actor, "review")
    plan = get_in_scope(RotationPlan.objects.select_related("region"), actor, "view", pk=plan.pk)
    if not in_planning_area(actor, plan):
        raise Forbidden(_("You may not do this."))
    return plan


@transaction.atomic
def plan_review(*, actor, plan: RotationPlan, approve: bool, comment: str = "") -> RotationPlan:
    """The bureau approves a submitted plan, or returns it with a comment (required)."""
    plan = _reviewable(actor, plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise ApplicationError(_("Only a submitted plan can be reviewed."))
    comment = comment.strip()
    if not approve and not comment:
        raise ApplicationError(
            _("Say why the plan is returned."), fields={"comment": _("This field is required.")}
        )
    return _transition(
        actor,
        plan,
        PlanStatus.APPROVED if approve else PlanStatus.RETURNED,
        reviewed_by=actor if getattr(actor, "pk", None) else None,
        reviewed_at=timezone.now(),
        review_comment=comment,
    )


@transaction.atomic
def plan_publish(*, actor, plan: RotationPlan) -> RotationPlan:
    """Publish an approved plan: every teacher in it sees their own move."""
    plan = _reviewable(actor, plan)
    if plan.status != PlanStatus.APPROVED:
        raise ApplicationError(_("Only an approved plan can be published."))
    return _transition(actor, plan, PlanStatus.PUBLISHED, published_at=timezone.now())


@transaction.atomic
def plan_apply(*, actor, plan: RotationPlan, today: date | None = None) -> int:
    """On or after the effective date: end each moving teacher's employment the day before and
    open one at the new school with the same terms. All or nothing; returns the moves applied.

    A move whose teacher no longer holds an open employment at the origin school stops the whole
    application with the teacher named (the registry changed since the plan was made)."""
    plan = _reviewable(actor, plan)
    today = today or date.today()
    if plan.status != PlanStatus.PUBLISHED:
        raise ApplicationError(_("Only a published plan can take effect."))
    if today < plan.effective_date:
        raise ApplicationError(
            _("The plan takes effect on %(date)s.") % {"date": plan.effective_date.isoformat()}
        )
    moves = list(plan.moves.select_related("teacher", "origin", "destination"))
    current = {
        e.teacher_id: e
        for e in Employment.objects.select_for_update().filter(
            teacher_id__in=[m.teacher_id for m in moves], end_date__isnull=True
        )
    }
    end = plan.effective_date.fromordinal(plan.effective_date.toordinal() - 1)
    new = []
    terms = [m for m in moves if m.form == MoveForm.TERM]
    moves = [m for m in moves if m.form != MoveForm.TERM]
    for m in terms:
        job = current.get(m.teacher_id)
        if job is None or job.school_id != m.origin_id:
            raise ApplicationError(
                _("%(teacher)s no longer works at %(school)s; return the plan and re-solve it.")
                % {"teacher": m.teacher.name, "school": m.origin.name}
            )
    for m in moves:
        job = current.get(m.teacher_id)
        if job is None or job.school_id != m.origin_id:
            raise ApplicationError(
                _("%(teacher)s no longer works at %(school)s; return the plan and re-solve it.")
                % {"teacher": m.teacher.name, "school": m.origin.name}
            )
        if job.start_date > end:
            raise ApplicationError(
                _("%(teacher)s started at %(school)s after the plan's effective date.")
                % {"teacher": m.teacher.name, "school": m.origin.name}
            )
        job.end_date = end
        job.end_reason = _("Rotation: %(plan)s") % {"plan": str(plan)}
        new.append(
            Employment(
                teacher_id=m.teacher_id,
                school_id=m.destination_id,
                employment_type=job.employment_type,
                post_category=job.post_category,
                is_full_time_teacher=job.is_full_time_teacher,
                post_grade=job.post_grade,
                main_subject=job.main_subject,
                other_subjects=job.other_subjects,
                is_homeroom=False,
                is_principal=job.is_principal,
                start_date=plan.effective_date,
            )
        )
    transferred = {m.teacher_id for m in moves}
    Employment.objects.bulk_update(
        [job for tid, job in current.items() if tid in transferred],
        ["end_date", "end_reason"],
        2000,
    )
    Employment.objects.bulk_create(new, batch_size=2000)
    projection.refresh(transferred)
    source = _("Rotation: %(plan)s") % {"plan": str(plan)}
    Secondment.objects.bulk_create(
        [
            Secondment(
                teacher_id=m.teacher_id,
                school_id=m.destination_id,
                kind=SecondmentKind.SUPPORT,
                start_date=plan.effective_date,
                return_date=m.return_date,
                source=source[:160],
            )
            for m in terms
        ],
        batch_size=2000,
    )
    Teacher.objects.filter(pk__in=[m.teacher_id for m in terms]).update(
        personnel_status=PersonnelStatus.SECONDED
    )
    audit_records(
        actor=actor,
        action="employment.rotate",
        entries=[(m.teacher, {"school": [m.origin.code, m.destination.code]}) for m in moves]
        + [
            (m.teacher, {"secondment": [None, f"{m.destination.code} → {m.return_date}"]})
            for m in terms
        ],
        note=str(plan),
    )
    _transition(actor, plan, PlanStatus.EFFECTIVE, applied_at=timezone.now())
    return len(moves) + len(terms)


@transaction.atomic
def terms_end(*, actor, today: date | None = None, plan: RotationPlan | None = None) -> int:
    """Teachers whose rotation term has reached its return date come home: the secondment
    ends on the return date, the teacher is in service again, the move is marked returned.
    For every effective plan (or `plan`); returns how many returned. Idempotent."""
    today = today or date.today()
    plans = RotationPlan.objects.filter(status=PlanStatus.EFFECTIVE)
    if plan is not None:
        plans = plans.filter(pk=plan.pk)
    due = [
        m
        for m in RotationMove.objects.filter(
            plan__in=plans, form=MoveForm.TERM, returned_on__isnull=True
        ).select_related("plan", "teacher", "destination")
        if m.return_date is not None and m.return_date <= today
    ]
    for m in due:
        Secondment.objects.filter(
            teacher_id=m.teacher_id,
            school_id=m.destination_id,
            start_date=m.plan.effective_date,
            ended_on__isnull=True,
        ).update(ended_on=m.return_date)
        m.returned_on = m.return_date
    RotationMove.objects.bulk_update(due, ["returned_on"], 2000)
    Teacher.objects.filter(
        pk__in=[m.teacher_id for m in due], personnel_status=PersonnelStatus.SECONDED
    ).update(personnel_status=PersonnelStatus.ACTIVE)
    if due:
        audit_records(
            actor=actor,
            action="rotation.return",
            entries=[
                (m.teacher, {"secondment": [m.destination.code, f"returned {m.return_date}"]})
                for m in due
            ],
            note=_("Rotation terms ended"),
        )
    return len(due)


@transaction.atomic
def move_set_form(
    *, actor, plan: RotationPlan, move_pk, form: str, term_years=None
) -> RotationMove:
    """A move of a draft plan becomes a transfer or a term (of 1–3 years: the rule set's
    range). A principal's move is a transfer."""
    plan = _editable(actor, plan)
    move = plan.moves.filter(pk=move_pk).select_related("teacher").first()
    if move is None:
        raise ApplicationError(_("No such move."))
    if form not in MoveForm.values:
        raise ApplicationError(_("Unknown form of move."), fields={"form": str(form)})
    if move.is_principal and form == MoveForm.TERM:
        raise ApplicationError(
            _("A principal's move is a transfer."),
            fields={"form": _("A principal's move is a transfer.")},
        )
    years = _term_years(rules_of(plan), term_years) if form == MoveForm.TERM else None
    before = f"{move.form}:{move.term_years or ''}"
    move.form, move.term_years = form, years
    move.save(update_fields=["form", "term_years"])
    audit_record(
        actor=actor,
        action="rotation.form",
        target=plan,
        changes={
            "move": [f"{move.teacher_id} {before}", f"{move.teacher_id} {form}:{years or ''}"]
        },
    )
    return move


@transaction.atomic
def plan_set_notice(
    *, actor, plan: RotationPlan, start: date | None, end: date | None
) -> RotationPlan:
    """Switch the public notice (公示: name, from-school, to-school) on for a period, or off
    (no dates). The bureau's reviewers, on an approved, published or effective plan."""
    plan = _reviewable(actor, plan)
    if plan.status not in (PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.EFFECTIVE):
        raise ApplicationError(_("Only an approved plan can have a public notice."))
    if (start is None) != (end is None):
        message = _("Give both the first and the last day of the notice, or neither.")
        raise ApplicationError(message, fields={"notice_end": message})
    if start is not None and end < start:
        message = _("The notice cannot end before it starts.")
        raise ApplicationError(message, fields={"notice_end": message})
    before = [plan.notice_start, plan.notice_end]
    plan.notice_start, plan.notice_end = start, end
    plan.save(update_fields=["notice_start", "notice_end"])
    audit_record(
        actor=actor,
        action="rotation.notice",
        target=plan,
        changes={
            "notice": [
                " – ".join(str(d) for d in before if d) or None,
                " – ".join(str(d) for d in (start, end) if d) or None,
            ]
        },
    )
    return plan


def _transition(actor, plan: RotationPlan, status: str, **fields) -> RotationPlan:
    before = plan.status
    plan.status = status
    for key, value in fields.items():
        setattr(plan, key, value)
    plan.save(update_fields=["status", *fields])
    audit_record(
        actor=actor,
        action=f"rotation.{status}",
        target=plan,
        changes={"status": [before, status]},
        note=fields.get("review_comment", ""),
    )
    return plan


@transaction.atomic
def plan_delete(*, actor, plan: RotationPlan) -> None:
    plan = _editable(actor, plan)
    audit_record(
        actor=actor,
        action="rotation.delete",
        target=plan,
        changes={"status": [plan.status, None]},
    )
    plan.delete()


@transaction.atomic
def exemption_add(*, actor, teacher_pk, year: int, reason: str) -> RotationExemption:
    _require(actor, "change")
    teacher = get_in_scope(Teacher.objects.all(), actor, "change", pk=teacher_pk)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Give the reason for the exemption."),
            fields={"reason": _("This field is required.")},
        )
    exemption, created = RotationExemption.objects.update_or_create(
        teacher=teacher,
        year=int(year),
        defaults={
            "reason": reason[:255],
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    audit_record(
        actor=actor,
        action="rotation.exempt",
        target=teacher,
        changes={"exemption": [None, f"{year}: {reason[:100]}"]},
    )
    return exemption


@transaction.atomic
def exemption_remove(*, actor, exemption_pk) -> None:
    _require(actor, "change")
    exemption = get_in_scope(
        RotationExemption.objects.select_related("teacher"), actor, "change", pk=exemption_pk
    )
    audit_record(
        actor=actor,
        action="rotation.exempt_remove",
        target=exemption.teacher,
        changes={"exemption": [f"{exemption.year}: {exemption.reason[:100]}", None]},
    )
    exemption.delete()


@transaction.atomic
def preference_set(*, actor, year: int, school_pks: list) -> RotationPreference:
    """A teacher states the schools they would like to rotate to in a year, best first (at most
    the rule set's number; active compulsory schools of their city other than their own).
    An empty list withdraws the preference."""
    from .selectors import COMPULSORY

    teacher = getattr(actor, "teacher_profile", None)
    if actor.role != Role.TEACHER or teacher is None:
        raise Forbidden(_("Only a teacher can state their own preferences."))
    year = int(year)
    if year < current_school_year():
        raise ApplicationError(_("The school year has passed."), fields={"year": str(year)})
    school = teacher.current_school
    if school is None:
        raise ApplicationError(_("You have no current school."))
    limit = int(rules_on(default_effective_date(year))["constraints"]["max_preferences"])
    pks = []
    for raw in school_pks:
        if raw in (None, ""):
            continue
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise ApplicationError(_("Not a school."), fields={"schools": str(raw)}) from None
        if pk not in pks:
            pks.append(pk)
    if len(pks) > limit:
        raise ApplicationError(
            _("Choose at most %(n)d schools.") % {"n": limit}, fields={"schools": str(len(pks))}
        )
    city = school.district.parent or school.district
    valid = set(
        School.objects.filter(
            pk__in=pks,
            is_active=True,
            stage__in=COMPULSORY,
            district__path__startswith=city.path,
        )
        .exclude(pk=school.pk)
        .values_list("pk", flat=True)
    )
    bad = [pk for pk in pks if pk not in valid]
    if bad:
        raise ApplicationError(
            _("These schools cannot be chosen: %(ids)s") % {"ids": ", ".join(map(str, bad))},
            fields={"schools": ", ".join(map(str, bad))},
        )
    pref, _created = RotationPreference.objects.update_or_create(
        teacher=teacher, year=year, defaults={"schools": pks}
    )
    audit_record(
        actor=actor, action="rotation.preference", target=teacher, changes={"schools": [None, pks]}
    )
    return pref
