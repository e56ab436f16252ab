"""Reads for awards: rounds and nominations (scoped), quotas and their use, each candidate's
eligibility rule by rule (engines/awards.py on the registry's facts), statistics per round,
the long-service honours of a year and the Teachers' Day list of a school.

One number, one function: the quota use, the statistics and the honour lists shown on the pages,
in the exports and by the API all come from here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.engines.awards import (
    MISSING,
    PASS,
    Candidate,
    RuleResult,
    check,
    eligible,
    long_service,
)
from qiangshi.ethics.selectors import ethics_bars_for
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import (
    Appraisal,
    AppraisalGrade,
    Employment,
    Recognition,
    RecognitionKind,
    RecognitionLevel,
    Teacher,
    TeacherCurrent,
    TitleRank,
)
from qiangshi.workflow.models import WorkItem

from .models import AwardKind, AwardNomination, AwardObjection, AwardQuota, AwardRound, Outcome
from .rules import criteria, kind_rules, rules_of, rules_on
from .workflow import ACTIVE_STATES, PROCESS, STATES

RULE_LABELS = {
    "teaching_years": _("Years of teaching"),
    "appraisals": _("Annual appraisals"),
    "appraisal_excellent": _("Excellent appraisals"),
    "ethics_bar": _("No ethics bar on awards"),
    "not_recently_awarded": _("Not awarded recently"),
    "title": _("Professional title"),
    "homeroom": _("Homeroom teacher"),
}
STATUS_LABELS = {"pass": _("met"), "fail": _("not met"), "missing": _("not recorded")}


def _years(values) -> str:
    return pgettext("list separator", ", ").join(str(v) for v in values) if values else ""


def rule_reason(result: RuleResult | dict) -> str:
    """The result of one rule in the reader's language, with its facts."""
    if isinstance(result, dict):
        result = RuleResult(result["rule"], result["status"], result.get("params", {}))
    p, s = result.params, result.status
    grades = dict(AppraisalGrade.choices)
    titles = dict(TitleRank.choices)
    key = result.rule
    if key == "teaching_years":
        if s == MISSING:
            return str(
                _("The date the teacher started work is not recorded (%(n)s years needed).")
            ) % {"n": p["required"]}
        return str(_("%(years)s years of teaching (%(n)s needed).")) % {
            "years": p["years"],
            "n": p["required"],
        }
    if key == "appraisals":
        base = {"years": _years(p["years"]), "grade": grades.get(p["minimum"], p["minimum"])}
        if s == "fail":
            return str(_("Appraisal below “%(grade)s” in %(below)s.")) % {
                **base,
                "below": _years(p["below"]),
            }
        if s == MISSING:
            return str(_("No appraisal recorded for %(missing)s.")) % {
                "missing": _years(p["missing"])
            }
        return str(_("“%(grade)s” or better in %(years)s.")) % base
    if key == "appraisal_excellent":
        base = {"count": p["count"], "n": p["required"], "years": _years(p["years"])}
        if s == MISSING:
            return str(
                _(
                    "%(count)s “excellent” in %(years)s (%(n)s needed); no appraisal recorded for %(missing)s."
                )
            ) % {**base, "missing": _years(p["missing"])}
        return str(_("%(count)s “excellent” in %(years)s (%(n)s needed).")) % base
    if key == "ethics_bar":
        if s == PASS:
            return str(_("No ethics bar on awards on the reference date."))
        if p.get("until"):
            return str(_("Barred from awards by an ethics decision until %(date)s.")) % {
                "date": p["until"]
            }
        return str(_("Barred from awards by an ethics decision, without an end."))
    if key == "not_recently_awarded":
        if s == PASS:
            return str(_("Not given this award in the last %(n)s years.")) % {"n": p["within"]}
        return str(_("Given this award on %(date)s, within the last %(n)s years.")) % {
            "date": p["awarded_on"],
            "n": p["within"],
        }
    if key == "title":
        need = titles.get(p["minimum"], p["minimum"])
        if s == MISSING:
            return str(_("No professional title recorded (“%(need)s” or higher needed).")) % {
                "need": need
            }
        return str(_("Title “%(title)s” (“%(need)s” or higher needed).")) % {
            "title": titles.get(p["title"], p["title"]),
            "need": need,
        }
    if key == "homeroom":
        if s == MISSING:
            return str(_("No current post recorded."))
        return str(_("Holds a homeroom post.") if s == PASS else _("Holds no homeroom post."))
    return key  # pragma: no cover - every engine rule is listed above


def results_out(results) -> list[dict]:
    """Rule results as plain dicts (stored with a nomination, given by the API)."""
    out = []
    for r in results:
        params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.params.items()}
        out.append({"rule": r.rule, "status": r.status, "params": params})
    return out


# --- rounds ----------------------------------------------------------------------------------


def round_list(*, actor, filters: dict | None = None):
    """Rounds the actor may see (those organised in their region or above it), newest first;
    every round for `actor=None` (a system operator: the command line). Filters: `year`,
    `kind`, `q` (title contains)."""
    filters = filters or {}
    qs = AwardRound.objects.all()
    if actor is not None:
        qs = scope(qs, actor, "view")
    qs = qs.select_related("region")
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(title__icontains=filters["q"])
    return qs.order_by("-year", "kind", "pk")


def round_get(*, actor, pk) -> AwardRound:
    return get_in_scope(AwardRound.objects.select_related("region"), actor, "view", pk=pk)


def round_rules(round_: AwardRound) -> dict:
    """The rule set the round was created with."""
    return rules_of(round_.rule_version)


def school_quota(round_: AwardRound, school: School) -> int:
    row = AwardQuota.objects.filter(round=round_, school=school).first()
    return row.quota if row else round_.school_quota


def district_quota(round_: AwardRound, district: Region) -> int | None:
    row = AwardQuota.objects.filter(round=round_, district=district).first()
    return row.quota if row else round_.district_quota


def _active(round_: AwardRound):
    """The round's nominations still taking part (not withdrawn)."""
    items = WorkItem.objects.filter(process=PROCESS, state__in=ACTIVE_STATES)
    return AwardNomination.objects.filter(round=round_, pk__in=items.values("object_id"))


@dataclass
class QuotaUse:
    school_quota: int
    school_used: int
    district_quota: int | None
    district_used: int

    @property
    def school_left(self) -> int:
        return max(self.school_quota - self.school_used, 0)

    @property
    def district_left(self) -> int | None:
        if self.district_quota is None:
            return None
        return max(self.district_quota - self.district_used, 0)


def quota_use(round_: AwardRound, school: School) -> QuotaUse:
    """The school's and its district's quotas in the round, and how many nominations use them."""
    active = _active(round_)
    return QuotaUse(
        school_quota=school_quota(round_, school),
        school_used=active.filter(school=school).count(),
        district_quota=district_quota(round_, school.district),
        district_used=active.filter(school__district=school.district).count(),
    )


# --- eligibility -----------------------------------------------------------------------------


def _current_jobs(teacher_ids) -> dict[int, Employment]:
    return {
        e.teacher_id: e
        for e in Employment.objects.filter(teacher_id__in=teacher_ids, end_date__isnull=True)
    }


def candidates(teacher_ids, round_: AwardRound) -> dict[int, Candidate]:
    """The registry's facts about each teacher for the round (a bounded number of queries)."""
    ids = list(teacher_ids)
    rules = round_rules(round_)
    k = kind_rules(rules, round_.kind)
    on = round_.reference_date
    years = range(round_.year - k.get("appraisal_years", 0), round_.year)
    appraisals: dict[int, dict[int, str]] = defaultdict(dict)
    for tid, year, grade in Appraisal.objects.filter(
        teacher_id__in=ids, year__in=list(years)
    ).values_list("teacher_id", "year", "grade"):
        appraisals[tid][year] = grade
    previous: dict[int, set[date]] = defaultdict(set)
    for tid, day in AwardNomination.objects.filter(
        teacher_id__in=ids, round__kind=round_.kind, outcome=Outcome.AWARDED
    ).values_list("teacher_id", "decided_on"):
        previous[tid].add(day)
    if k.get("recognition_kind"):
        for tid, day in Recognition.objects.filter(
            teacher_id__in=ids, kind=k["recognition_kind"]
        ).values_list("teacher_id", "start_date"):
            previous[tid].add(day)
    titles = dict(
        TeacherCurrent.objects.filter(teacher_id__in=ids).values_list("teacher_id", "title_rank")
    )
    bars = ethics_bars_for(ids, on)
    jobs = _current_jobs(ids)
    starts = dict(Teacher.objects.filter(pk__in=ids).values_list("pk", "work_start_date"))
    out = {}
    for tid in ids:
        bar = next((b for b in bars.get(tid, []) if b.kind == "awards"), None)
        job = jobs.get(tid)
        out[tid] = Candidate(
            work_start=starts.get(tid),
            appraisals=appraisals.get(tid, {}),
            barred=bar is not None,
            barred_until=bar.ends_on if bar else None,
            previous_awards=tuple(sorted(d for d in previous.get(tid, ()) if d)),
            title=titles.get(tid),
            is_homeroom=job.is_homeroom if job else None,
        )
    return out


def eligibility_of(teacher_ids, round_: AwardRound) -> dict[int, list[RuleResult]]:
    """Each teacher's rule results for the round, on its reference date."""
    k = criteria(round_rules(round_), round_.kind)
    facts = candidates(teacher_ids, round_)
    return {
        tid: check(c, k, on=round_.reference_date, year=round_.year) for tid, c in facts.items()
    }


@dataclass
class CandidateRow:
    teacher: Teacher
    results: list[RuleResult]
    eligible: bool
    nominated: bool
    reasons: list[dict] = field(default_factory=list)


def school_candidates(*, actor, round_: AwardRound, school: School, q: str = "") -> list:
    """The teachers of `school` (in the actor's scope, working there now) with their
    eligibility for the round; eligible first, then by name."""
    teachers = scope(Teacher.objects.all(), actor, "view").filter(
        employments__school=school, employments__end_date__isnull=True
    )
    if q:
        teachers = teachers.filter(name__icontains=q)
    teachers = list(teachers.distinct().order_by("name", "pk"))
    results = eligibility_of([t.pk for t in teachers], round_)
    nominated = set(
        _active(round_).filter(teacher__in=teachers).values_list("teacher_id", flat=True)
    )
    rows = []
    for t in teachers:
        r = results[t.pk]
        rows.append(
            CandidateRow(
                teacher=t,
                results=r,
                eligible=eligible(r),
                nominated=t.pk in nominated,
                reasons=reasons(r),
            )
        )
    rows.sort(key=lambda row: (not row.eligible, row.teacher.name))
    return rows


def reasons(results) -> list[dict]:
    """Rule results (engine objects or stored dicts) ready for a page or the API."""
    out = []
    for x in results:
        if not isinstance(x, RuleResult):
            x = RuleResult(x["rule"], x["status"], x.get("params", {}))
        out.append(
            {
                "rule": x.rule,
                "label": str(RULE_LABELS.get(x.rule, x.rule)),
                "status": x.status,
                "status_label": str(STATUS_LABELS.get(x.status, x.status)),
                "text": rule_reason(x),
            }
        )
    return out


# --- nominations -----------------------------------------------------------------------------


def nomination_list(*, actor, filters: dict | None = None):
    """Nominations the actor may see (offices of their area, the nominating school, the teacher
    their own; all of them for `actor=None`, a system operator). Filters: `round`, `state`,
    `school`, `q` (teacher name)."""
    filters = filters or {}
    qs = AwardNomination.objects.all()
    if actor is not None:
        qs = scope(qs, actor, "view")
    qs = qs.select_related("teacher", "school", "school__district", "round")
    if filters.get("round"):
        qs = qs.filter(round_id=filters["round"])
    if filters.get("school"):
        qs = qs.filter(school_id=filters["school"])
    if filters.get("q"):
        qs = qs.filter(teacher__name__icontains=filters["q"])
    if filters.get("state"):
        qs = qs.filter(
            pk__in=WorkItem.objects.filter(process=PROCESS, state=filters["state"]).values(
                "object_id"
            )
        )
    return qs.order_by("round_id", "school__district__code", "school__name", "pk")


def nomination_get(*, actor, pk) -> AwardNomination:
    return get_in_scope(
        AwardNomination.objects.select_related("teacher", "school", "school__district", "round"),
        actor,
        "view",
        pk=pk,
    )


def nomination_states(nominations) -> dict[int, WorkItem]:
    """nomination id → its work item (state, deadline)."""
    ids = [n.pk for n in nominations]
    return {i.object_id: i for i in WorkItem.objects.filter(process=PROCESS, object_id__in=ids)}


@dataclass
class NoticeRow:
    nomination: AwardNomination
    item: WorkItem  # its state on the workflow: the objection period ends on `item.due_on`


@dataclass
class RoundNotice:
    """A round's public notice (公示) as the actor sees it: the nominations under notice now,
    and the nominations awarded."""

    round: AwardRound
    notice: list[NoticeRow]
    decided: list[AwardNomination]


def round_notice(*, actor, round_: AwardRound) -> RoundNotice:
    """The public notice of a round, for its page and its PDF: over the nominations the actor
    may see (none for a role that sees no nominations)."""
    noms = (
        list(nomination_list(actor=actor, filters={"round": round_.pk}))
        if can(actor, "awardnomination", "view")
        else []
    )
    items = nomination_states(noms)
    return RoundNotice(
        round=round_,
        notice=[
            NoticeRow(n, items[n.pk])
            for n in noms
            if n.pk in items and items[n.pk].state == "notice"
        ],
        decided=[n for n in noms if n.outcome == Outcome.AWARDED],
    )


def objections_of(*, actor, nomination) -> list[AwardObjection]:
    """The objections to a nomination, for those who may see them (else empty)."""
    if not can(actor, "awardobjection", "view"):
        return []
    return list(scope(AwardObjection.objects.all(), actor, "view").filter(nomination=nomination))


def open_objections(nomination) -> int:
    return AwardObjection.objects.filter(nomination=nomination, outcome="").count()


# --- statistics ------------------------------------------------------------------------------


def round_statistics(*, actor, round_: AwardRound) -> dict:
    """The round's figures over the nominations the actor may see (all of them for
    `actor=None`): per state, and per district (nominated, still in review, awarded, not
    awarded, district quota)."""
    noms = list(nomination_list(actor=actor, filters={"round": round_.pk}))
    states = nomination_states(noms)
    per_state: dict[str, int] = defaultdict(int)
    per_district: dict[int, dict] = {}
    for n in noms:
        state = states[n.pk].state if n.pk in states else ""
        per_state[state] += 1
        d = n.school.district
        row = per_district.setdefault(
            d.pk,
            {"district": d, "nominated": 0, "in_review": 0, "awarded": 0, "not_awarded": 0,
             "withdrawn": 0, "quota": district_quota(round_, d)},
        )  # fmt: skip
        if state == "withdrawn":
            row["withdrawn"] += 1
            continue
        row["nominated"] += 1
        if state == "awarded":
            row["awarded"] += 1
        elif state == "not_awarded":
            row["not_awarded"] += 1
        else:
            row["in_review"] += 1
    districts = sorted(per_district.values(), key=lambda r: r["district"].code)
    total = {
        key: sum(r[key] for r in districts)
        for key in ("nominated", "in_review", "awarded", "not_awarded", "withdrawn")
    }
    return {
        "states": [{"state": s, "label": STATES[s], "count": per_state.get(s, 0)} for s in STATES],
        "districts": districts,
        "total": total,
    }


# --- long-service honours and the Teachers' Day list -----------------------------------------


@dataclass
class HonourRow:
    teacher: Teacher
    school: School | None
    work_start: date | None
    status: str  # reached, unknown


def _teachers_here(actor, *, district=None, school=None):
    """Teachers the actor may see working now (an open employment), optionally in a district or
    school, with their current school."""
    qs = scope(Teacher.objects.all(), actor, "view").filter(
        employments__end_date__isnull=True, personnel_status="active"
    )
    if district:
        qs = qs.filter(
            employments__school__district_id=district, employments__end_date__isnull=True
        )
    if school:
        qs = qs.filter(employments__school_id=school, employments__end_date__isnull=True)
    return qs.distinct()


def long_service_list(*, actor, year: int, filters: dict | None = None) -> list[HonourRow]:
    """The long-service honours (从教三十年) of `year` in the actor's area: teachers working
    now who started work `long_service_years` years before `year`, and every teacher whose
    start is not recorded, listed as unknown (never skipped). Filters: `district`, `school`,
    `status` ("reached" or "unknown"), `q` (name)."""
    filters = filters or {}
    years = long_service_years(year)
    qs = _teachers_here(actor, district=filters.get("district"), school=filters.get("school"))
    status = filters.get("status", "")
    reached = Q(work_start_date__year=year - years)
    unknown = Q(work_start_date__isnull=True)
    qs = qs.filter(
        reached if status == "reached" else unknown if status == "unknown" else reached | unknown
    )
    if filters.get("q"):
        qs = qs.filter(name__icontains=filters["q"])
    teachers = list(qs.order_by("name", "pk"))
    jobs = {
        e.teacher_id: e.school
        for e in Employment.objects.filter(
            teacher_id__in=[t.pk for t in teachers], end_date__isnull=True
        ).select_related("school", "school__district")
    }
    rows = [
        HonourRow(
            t, jobs.get(t.pk), t.work_start_date, long_service(t.work_start_date, year, years=years)
        )
        for t in teachers
    ]
    rows.sort(
        key=lambda r: (r.status != "reached", r.school.name if r.school else "", r.teacher.name)
    )
    return rows


def long_service_years(year: int) -> int:
    """The years of teaching the long-service honour asks (the rule set in force on Teachers'
    Day of `year`)."""
    return rules_on(date(year, 9, 10))["long_service_years"]


def _honour(kind, level) -> str:
    return str(_("%(kind)s (%(level)s)")) % {"kind": kind, "level": level}


@dataclass
class DayRow:
    teacher: Teacher
    school: School | None
    honours: list[str]


def teachers_day_list(*, actor, year: int, school=None, district=None) -> list[DayRow]:
    """Who is honoured on Teachers' Day (9月10日) of `year` in the actor's area, per teacher:
    the awards decided in the year, the long-service honour reached in the year, and the
    recognitions starting in the year (those an award created counted once, as the award)."""
    teachers = {t.pk: t for t in _teachers_here(actor, district=district, school=school)}
    ids = list(teachers)
    honours: dict[int, list[str]] = defaultdict(list)
    kinds = dict(AwardKind.choices)
    levels = dict(RecognitionLevel.choices)
    for tid, kind, level in AwardNomination.objects.filter(
        teacher_id__in=ids, outcome=Outcome.AWARDED, decided_on__year=year
    ).values_list("teacher_id", "round__kind", "round__level"):
        honours[tid].append(_honour(kinds.get(kind, kind), levels.get(level, level)))
    years = long_service_years(year)
    for tid in Teacher.objects.filter(pk__in=ids, work_start_date__year=year - years).values_list(
        "pk", flat=True
    ):
        honours[tid].append(str(_("%(n)s years of teaching") % {"n": years}))
    rec_kinds = dict(RecognitionKind.choices)
    for tid, kind, level in (
        Recognition.objects.filter(teacher_id__in=ids, start_date__year=year)
        .filter(award_nomination__isnull=True)
        .values_list("teacher_id", "kind", "level")
    ):
        honours[tid].append(_honour(rec_kinds.get(kind, kind), levels.get(level, level)))
    jobs = {
        e.teacher_id: e.school
        for e in Employment.objects.filter(
            teacher_id__in=list(honours), end_date__isnull=True
        ).select_related("school")
    }
    rows = [DayRow(teachers[tid], jobs.get(tid), h) for tid, h in honours.items()]
    rows.sort(key=lambda r: (r.school.name if r.school else "", r.teacher.name))
    return rows
