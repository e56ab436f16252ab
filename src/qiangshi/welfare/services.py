"""Writes for welfare: parity figures entered in the form, the lists of inspections and
activities, requests to enter schools and their decision, what arrived at a school, and
teachers' anonymous reports. Each validates, runs in one transaction and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core.errors import ApplicationError, Forbidden, NotFound, translated
from qiangshi.core.services import access_record, audit_record
from qiangshi.engines import burden as burden_engine
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Teacher

from . import rules
from .models import (
    AnonymousReport,
    BurdenArrival,
    BurdenKind,
    BurdenListItem,
    EntryRequest,
    RequestStatus,
    WageGroup,
    WageSource,
)
from .parity_import import MAX_WAGE, figure_changes, write_figures
from .selectors import list_items_for, parity_figures, payroll_rows, wage_district_get

# --- salary parity --------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not 1990 <= int(year) <= 2100:
        raise translated(
            gettext_lazy("The year must be between 1990 and 2100."),
            fields={"year": _("The year must be between 1990 and 2100.")},
        )


@transaction.atomic
def wages_set(*, actor, district_pk, year: int, figures: dict[tuple[str, str], object]) -> Region:
    """Enter a district-year's figures ({(group, component): amount}); every component of the
    year's rule set is needed for both groups. Replaces what was there; audited."""
    district = wage_district_get(actor, district_pk, "change")
    _check_year(year)
    wanted = rules.components(year)
    clean, errors = {}, {}
    for group in WageGroup.values:
        for component in wanted:
            raw = figures.get((group, component))
            field = f"{group}__{component}"
            try:
                amount = (
                    Decimal(str(raw).strip().replace(",", "")) if raw not in (None, "") else None
                )
            except InvalidOperation:
                amount = None
                errors[field] = _("Enter an amount in yuan.")
                continue
            if amount is None:
                errors[field] = _("Required.")
            elif not (amount.is_finite() and 0 <= amount < MAX_WAGE):
                errors[field] = _("The amount must be between 0 and 10,000,000 yuan.")
            else:
                clean[(group, component)] = amount.quantize(Decimal("0.01"))
    extra = sorted(c for (_g, c) in figures if c not in wanted)
    if extra:
        errors["component"] = _("Not a component compared in %(year)s: %(names)s") % {
            "year": year,
            "names": ", ".join(extra),
        }
    if errors:
        raise ApplicationError(_("Some figures are missing or not valid."), fields=errors)
    before = parity_figures(actor=actor, district=district, year=year)
    write_figures(district, year, clean, WageSource.FORM)
    audit_record(
        actor=actor,
        action="welfare.wages_set",
        target=district,
        changes=figure_changes(year, before, clean),
    )
    return district


# --- non-teaching burden: the lists ---------------------------------------------------------


def _check_texts(errors: dict, *, kind: str, **required: str) -> None:
    """Add the errors of a burden record's kind and required texts (title, requester, …)."""
    if kind not in BurdenKind.values:
        errors["kind"] = _("Choose inspection or activity.")
    for name, value in required.items():
        if not (value or "").strip():
            errors[name] = _("Required.")


def _check_hours(errors: dict, hours) -> Decimal | None:
    """The duration as a Decimal, or an error: more than 0, at most 1000 hours."""
    try:
        value = Decimal(str(hours))
        if value.is_finite() and 0 < value <= 1000:
            return value
    except InvalidOperation:
        pass
    errors["hours"] = _("Enter the duration in hours (more than 0, at most 1000).")
    return None


def _office_region(actor) -> Region:
    if actor.role in (Role.BUREAU, Role.DISTRICT) and actor.region_id:
        return actor.region
    raise translated(gettext_lazy("Only an education office keeps these lists."), error=Forbidden)


@transaction.atomic
def burden_list_add(
    *,
    actor,
    year: int,
    kind: str,
    title: str,
    requester: str,
    purpose: str = "",
    comprehensive: bool = False,
) -> BurdenListItem:
    """Add an entry to the office's yearly list of inspections or whitelist of activities."""
    if not can(actor, "burdenlist", "create"):
        raise NotFound("Not found")
    region = _office_region(actor)
    _check_year(year)
    errors = {}
    _check_texts(errors, kind=kind, title=title, requester=requester)
    if errors:
        raise ApplicationError(_("The entry is not complete."), fields=errors)
    item = BurdenListItem.objects.create(
        region=region,
        year=year,
        kind=kind,
        title=title.strip()[:200],
        requester=requester.strip()[:200],
        purpose=purpose.strip()[:500],
        comprehensive=bool(comprehensive) and kind == BurdenKind.INSPECTION,
    )
    audit_record(actor=actor, action="welfare.list_add", target=item)
    return item


# --- requests to enter schools --------------------------------------------------------------

REASONS = {
    "not_listed": gettext_lazy(
        "It is not on this year's list of inspections or whitelist of activities."
    ),
    "notice": gettext_lazy("Its scope was not announced %(cap)s days ahead."),
    "semester_cap": gettext_lazy(
        "%(school)s would have more than %(cap)s activities this semester."
    ),
    "year_cap": gettext_lazy("%(school)s would have more than %(cap)s activities this year."),
    "comprehensive_cap": gettext_lazy(
        "%(school)s would have more than %(cap)s comprehensive inspection(s) this year."
    ),
}


def reason_text(reason: dict, school_names: dict[int, str]) -> str:
    """A stored refusal reason in the active language."""
    if reason.get("code") == "office":
        return reason.get("text", "")
    template = REASONS.get(reason.get("code"), reason.get("code", ""))
    return str(template) % {
        "cap": reason.get("cap"),
        "school": school_names.get(reason.get("school"), reason.get("school")),
    }


def _loads(schools, start: date, exclude_pk=None) -> dict[int, burden_engine.SchoolLoad]:
    """What is already approved for each school in the semester and year of `start`."""
    sem_from, sem_to = rules.semester_bounds(start)
    approved = EntryRequest.objects.filter(status=RequestStatus.APPROVED)
    if exclude_pk:
        approved = approved.exclude(pk=exclude_pk)
    out = {}
    for school in schools:
        mine = approved.filter(schools=school)
        activities = mine.filter(kind=BurdenKind.ACTIVITY)
        out[school.pk] = burden_engine.SchoolLoad(
            activities_semester=activities.filter(
                start_date__gte=sem_from, start_date__lt=sem_to
            ).count(),
            activities_year=activities.filter(start_date__year=start.year).count(),
            comprehensive_year=mine.filter(
                kind=BurdenKind.INSPECTION, comprehensive=True, start_date__year=start.year
            ).count(),
        )
    return out


def _refusals(request: EntryRequest, schools) -> list[dict]:
    rule_set = rules.burden_rules(request.start_date)
    found = burden_engine.check_request(
        kind=request.kind,
        on_list=request.list_item_id is not None,
        comprehensive=request.comprehensive,
        notice_days=(request.start_date - request.announced_on).days,
        loads=_loads(schools, request.start_date, exclude_pk=request.pk),
        caps=rules.caps(rule_set),
        min_notice_days=rule_set["notice_days"],
    )
    request.rule_version = rule_set["version"]
    return [{"code": r.code, "school": r.school, "cap": r.cap} for r in found]


@transaction.atomic
def entry_request_submit(
    *,
    actor,
    kind: str,
    title: str,
    requester: str,
    purpose: str,
    school_pks: list[int],
    start_date: date,
    end_date: date,
    hours,
    announced_on: date,
    list_item_pk: int | None = None,
) -> EntryRequest:
    """Record a request to enter schools of the actor's area. A request not on the list, not
    announced in time, or over a cap for any school is refused at once with every reason;
    otherwise it waits for a decision."""
    if not can(actor, "entryrequest", "create"):
        raise NotFound("Not found")
    region = _office_region(actor)
    errors = {}
    _check_texts(errors, kind=kind, title=title, requester=requester)
    if end_date < start_date:
        errors["end_date"] = _("The end is before the start.")
    if announced_on > start_date:
        errors["announced_on"] = _("The scope is announced before the start.")
    hours = _check_hours(errors, hours)
    schools = list(
        scope(School.objects.filter(pk__in=school_pks or []), actor, "view").order_by("code")
    )
    if not schools or len(schools) != len(set(school_pks)):
        errors["schools"] = _("Choose the schools affected, in your area.")
    item = None
    if list_item_pk:
        item = list_items_for(region, start_date.year, kind).filter(pk=list_item_pk).first()
        if item is None:
            errors["list_item"] = _("Not an entry of this year's list for this kind.")
    if errors:
        raise ApplicationError(_("The request is not complete."), fields=errors)
    request = EntryRequest(
        region=region,
        kind=kind,
        list_item=item,
        title=title.strip()[:200],
        requester=requester.strip()[:200],
        purpose=purpose.strip()[:500],
        comprehensive=bool(item and item.comprehensive),
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        announced_on=announced_on,
        status=RequestStatus.PENDING,
        created_by=actor,
    )
    reasons = _refusals(request, schools)
    if reasons:
        request.status = RequestStatus.REFUSED
        request.reasons = reasons
        request.decided_at = timezone.now()
    request.save()
    request.schools.set(schools)
    audit_record(
        actor=actor,
        action="welfare.request_submit",
        target=request,
        changes={"status": [None, request.status], "reasons": [None, [r["code"] for r in reasons]]},
    )
    return request


@transaction.atomic
def entry_request_decide(*, actor, request_pk, approve: bool, comment: str = "") -> EntryRequest:
    """Approve or refuse a waiting request. Approval checks the caps again (another request may
    have been approved meanwhile): over a cap, it is refused with the reasons instead."""
    if not can(actor, "entryrequest", "review"):
        raise NotFound("Not found")
    request = get_in_scope(
        EntryRequest.objects.select_for_update().select_related("region"),
        actor,
        "review",
        pk=request_pk,
    )
    # An office sees the requests of the regions above it too, but decides only its own area's.
    if not request.region.path.startswith(getattr(actor.region, "path", "\0")):
        raise NotFound("Not found")
    if request.status != RequestStatus.PENDING:
        raise translated(gettext_lazy("This request has already been decided."))
    before = request.status
    if approve:
        reasons = _refusals(request, list(request.schools.all()))
        request.status = RequestStatus.REFUSED if reasons else RequestStatus.APPROVED
        request.reasons = reasons
    else:
        if not comment.strip():
            raise ApplicationError(
                _("Give the reason for refusing."), fields={"comment": _("Required.")}
            )
        request.status = RequestStatus.REFUSED
        request.reasons = [{"code": "office", "school": None, "cap": None, "text": comment[:500]}]
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save()
    audit_record(
        actor=actor,
        action="welfare.request_decide",
        target=request,
        changes={"status": [before, request.status]},
        note=comment[:500],
    )
    return request


# --- what arrived ---------------------------------------------------------------------------


@transaction.atomic
def arrival_record(
    *,
    actor,
    school_pk,
    kind: str,
    title: str,
    requester: str,
    on: date,
    hours,
    teachers_involved: int,
    request_pk: int | None = None,
    paper_trail: bool = False,
) -> BurdenArrival:
    """A school records a demand that arrived: an approved request naming the school, or an
    unapproved demand (no request)."""
    if not can(actor, "burdenarrival", "create"):
        raise NotFound("Not found")
    school = get_in_scope(School.objects.all(), actor, "view", pk=school_pk)
    errors = {}
    _check_texts(errors, kind=kind, title=title, requester=requester)
    if on > timezone.localdate():
        errors["on"] = _("The date cannot be in the future.")
    hours = _check_hours(errors, hours)
    if not isinstance(teachers_involved, int) or not 0 < teachers_involved <= 10000:
        errors["teachers_involved"] = _("Enter how many teachers it took (at least 1).")
    request = None
    if request_pk:
        request = EntryRequest.objects.filter(
            pk=request_pk, schools=school, status=RequestStatus.APPROVED
        ).first()
        if request is None:
            errors["request"] = _("Not an approved request naming this school.")
    if errors:
        raise ApplicationError(_("The record is not complete."), fields=errors)
    arrival = BurdenArrival.objects.create(
        school=school,
        request=request,
        kind=kind,
        title=title.strip()[:200],
        requester=requester.strip()[:200],
        on=on,
        hours=hours,
        teachers_involved=teachers_involved,
        paper_trail=paper_trail,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="welfare.arrival_record",
        target=arrival,
        changes={"approved": [None, request is not None]},
    )
    return arrival


# --- anonymous reports ----------------------------------------------------------------------


@transaction.atomic
def anonymous_report_submit(
    *, actor, kind: str, requester: str, description: str
) -> AnonymousReport:
    """A teacher reports a demand on their school, anonymously. The report keeps the school and
    the semester only; the audit entry names no actor and no report."""
    if not can(actor, "burdenreport", "create"):
        raise NotFound("Not found")
    teacher = getattr(actor, "teacher_profile", None)
    school = teacher.current_school if teacher is not None else None
    if school is None:
        raise translated(
            gettext_lazy("Only a teacher working at a school can report."), error=Forbidden
        )
    errors = {}
    _check_texts(errors, kind=kind, requester=requester, description=description)
    if errors:
        raise ApplicationError(_("The report is not complete."), fields=errors)
    school_year, semester = rules.semester_of(timezone.localdate())
    report = AnonymousReport.objects.create(
        school=school,
        school_year=school_year,
        semester=semester,
        kind=kind,
        requester=requester.strip()[:200],
        description=description.strip()[:4000],
    )
    # No actor, no object id, no school: the row says only that a report was filed.
    audit_record(actor=None, action="welfare.anonymous_report", object_type="welfare.report")
    return report


# --- payroll rows (sensitive) -----------------------------------------------------------------


@dataclass(frozen=True)
class PayrollLine:
    """One teacher's pay in a year, opened for a role with `payroll.view`."""

    teacher: Teacher
    school: School
    by_component: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.by_component.values(), Decimal(0))


def payroll_reveal(
    *, actor, district_pk, year: int, teacher_ids: list[int], channel: str = "web"
) -> list[PayrollLine]:
    """The pay of `teacher_ids` (a page of `selectors.payroll_teachers`) in the district-year,
    decrypted, for a role with `payroll.view`; each teacher shown is recorded in the access log
    (field "payroll")."""
    if not can(actor, "payroll", "view"):
        raise translated(
            gettext_lazy("Only authorised offices see individual pay; others see averages."),
            error=Forbidden,
        )
    district = wage_district_get(actor, district_pk)
    rows = (
        payroll_rows(actor=actor, district=district, year=year)
        .filter(teacher_id__in=teacher_ids)
        .select_related("teacher", "school")
    )
    lines: dict[int, PayrollLine] = {}
    for r in rows:
        line = lines.setdefault(r.teacher_id, PayrollLine(r.teacher, r.school, {}))
        line.by_component[r.component] = r.amount
    shown = [lines[pk] for pk in teacher_ids if pk in lines]
    with transaction.atomic():
        for line in shown:
            access_record(actor=actor, target=line.teacher, field="payroll", channel=channel)
    return shown
