"""Writes for rotation planning: plans and their workflow, decisions, exemptions. Every step is
audited.

Who does what: district offices plan for their district, the bureau for its districts and for
the city (programmes across districts); the bureau approves or returns submitted plans (a
district office cannot approve); a plan's moves become employment records on its effective date
(`plan_apply`, from the page or `qiangshi rotation apply`).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope
from qiangshi.core.background import enqueue
from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import audit_record, audit_records
from qiangshi.engines import rotation as engine
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.staffing.selectors import current_school_year
from qiangshi.teachers.models import Employment, Teacher

from .explain import Explainer
from .models import (
    DecisionKind,
    Method,
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
        raise ApplicationError(_("You may not do this."))


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
        raise ApplicationError(_("This plan belongs to a larger region; you may only view it."))
    if not plan.is_editable:
        raise ApplicationError(
            _("Only a draft or returned plan can be changed (this one is %(status)s).")
            % {"status": plan.get_status_display()}
        )
    return plan


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
) -> RotationPlan:
    """A new draft plan for a district or city and school year (not yet solved)."""
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
    params: dict[str, Any] = {
        "rule_version": rules["version"],
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
    return {
        "status": result.status,
        "method": result.method,
        "objective": result.objective,
        "gap": result.gap,
        "solve_time": round(result.solve_time, 3),
        "message": result.message,
        "infeasible_groups": list(result.infeasible_groups),
        "cv_before": result.cv_before,
        "cv_after": result.cv_after,
        "schools": schools,
        "eligible": sum(1 for t in inp.teachers if t.eligible),
        "teachers": len(inp.teachers),
        "moves": len(result.moves),
    }


def solve(plan: RotationPlan, *, progress=None) -> engine.Result:
    """Run the optimiser (or the greedy baseline) on the plan's region and store the moves.

    The moves of the previous solve are replaced in one transaction; a failure leaves them as
    they were and marks the solve failed. Runs as a system read of the region (the caller
    checked the actor)."""
    progress = progress or (lambda message: None)
    RotationPlan.objects.filter(pk=plan.pk).update(
        solve_state=SolveState.RUNNING, solve_message=_("Reading the registry")
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
        runner = engine.greedy_plan if plan.method == Method.GREEDY else engine.plan
        result = runner(inp.teachers, inp.schools, inp.params)
        progress(_("Saving"))
        summary = _result_summary(result, inp)
        summary["read_time"] = round(time.monotonic() - started - result.solve_time, 3)
        summary["needs"] = inp.needs
        summary["uncoverable"] = inp.uncoverable
        greedy = result.baseline  # the greedy plan the optimiser started from
        if greedy is not None and result.status in ("optimal", "feasible"):
            summary["greedy"] = {
                "status": greedy.status,
                "objective": greedy.objective,
                "moves": len(greedy.moves),
                "solve_time": round(greedy.solve_time, 3),
                "cv_after": greedy.cv_after,
            }
        with transaction.atomic():
            plan.moves.all().delete()
            rows = []
            explain = Explainer(inp)
            for m in result.moves:
                c = inp.candidate_by_id[m.teacher]
                rows.append(
                    RotationMove(
                        plan=plan,
                        teacher_id=int(m.teacher),
                        origin_id=int(m.origin),
                        destination_id=int(m.destination),
                        subject=c.subject,
                        is_backbone=c.is_backbone,
                        distance_km=round(m.distance_km, 2),
                        reason=explain.reason(m),
                    )
                )
            RotationMove.objects.bulk_create(rows, batch_size=2000)
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


def plan_solve(*, actor, plan: RotationPlan, method: str | None = None) -> RotationPlan:
    """Queue a (re-)solve of a draft plan: a background job (in-process without a broker)."""
    plan = _editable(actor, plan)
    if method:
        if method not in Method.values:
            raise ApplicationError(_("Unknown method."), fields={"method": method})
        plan.method = method
    plan.solve_state = SolveState.QUEUED
    plan.solve_message = ""
    plan.save(update_fields=["method", "solve_state", "solve_message"])
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
        raise ApplicationError(_("You may not do this."))
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
    Employment.objects.bulk_update(list(current.values()), ["end_date", "end_reason"], 2000)
    Employment.objects.bulk_create(new, batch_size=2000)
    audit_records(
        actor=actor,
        action="employment.rotate",
        entries=[(m.teacher, {"school": [m.origin.code, m.destination.code]}) for m in moves],
        note=str(plan),
    )
    _transition(actor, plan, PlanStatus.EFFECTIVE, applied_at=timezone.now())
    return len(moves)


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
        raise ApplicationError(_("Only a teacher can state their own preferences."))
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
