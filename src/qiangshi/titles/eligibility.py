"""Eligibility for the next title, from the registry (POLICY.md §3): the versioned rule files,
the candidates the engine checks (loaded for many teachers at once), and the reasons in the
reader's language.

What the registry lacks stays missing: the engine reports the rule as "unknown" and the reason
says what is missing (a title without its date, no completed education, no training record in
the cycle, a period of service without dates). The training cycle is the training module's
(`training.selectors.cycle_statuses_on`), the ethics bars the ethics module's (`ethics_bars_for`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiangshi.core import rulefiles
from qiangshi.engines import titles as engine
from qiangshi.ethics.selectors import ethics_bars_for
from qiangshi.org.models import Stage
from qiangshi.teachers.models import (
    EducationLevel,
    Employment,
    Secondment,
    Teacher,
    TeacherCurrent,
    TitleRank,
    TitleRecord,
)
from qiangshi.training.selectors import cycle_bounds, cycle_statuses_on

from .models import WeakSchool

RULES_DIR = Path(__file__).resolve().parent / "rules"
ELIGIBILITY = "titles-"
RUBRIC = "rubric-"

RULE_LABELS = {
    "current_title": _("Current title"),
    "degree": pgettext_lazy("title evaluation", "Education"),
    "stage": _("Stage"),
    "title_years": _("Years in the current title"),
    "rural_service": _("Rural or weak-school service"),
    "training_hours": _("Continuing-education hours"),
    "ethics_bar": _("Ethics"),
}

MESSAGES = {
    "degree_missing": _("No completed education is recorded in the registry."),
    "degree_not_accepted": _(
        "%(degree)s does not qualify for %(target)s (accepted: %(accepted)s)."
    ),
    "degree_ok": _("%(degree)s qualifies."),
    "title_already_held": _("Already holds %(title)s."),
    "title_needs_route": _("No route to %(target)s for this education."),
    "title_ok": _("Holds %(title)s."),
    "title_required": _("%(target)s requires the title %(required)s (held: %(title)s)."),
    "title_not_needed": _("No title required for this route."),
    "stage_needs_route": _("No route to %(target)s for this education."),
    "stage_any": _("Open to every stage."),
    "stage_missing": _(
        "No current school in the registry: the stage is not known (%(stages)s only)."
    ),
    "stage_ok": _("The stage qualifies (%(stages)s)."),
    "stage_limited": _("With %(degree)s this title is open to %(stages)s teachers only."),
    "years_needs_route": _("No route to %(target)s for this education."),
    "years_none": _("No minimum years for this route."),
    "years_title_not_held": _("%(years)s years in the required title are needed."),
    "years_title_date_missing": _(
        "The date the current title was obtained is not in the registry (%(years)s years needed)."
    ),
    "years_work_date_missing": _(
        "The date work started is not in the registry (%(years)s years needed)."
    ),
    "years_title_pass": _("%(years)s years in the title by %(due)s."),
    "years_title_fail": _(
        "%(years)s years in the title are reached only on %(due)s (title obtained %(since)s, reference date %(on)s)."
    ),
    "years_work_pass": _("%(years)s years since starting work by %(due)s."),
    "years_work_fail": _(
        "%(years)s years since starting work are reached only on %(due)s (reference date %(on)s)."
    ),
    "rural_not_needed": _("Not required for this title."),
    "rural_location_missing": _(
        "No current school in the registry: whether rural service is required is not known."
    ),
    "rural_not_urban": _("Not required outside urban schools."),
    "rural_ok": _("Rural or weak-school service done."),
    "rural_dates_missing": _(
        "A period of service has no dates in the registry: the service cannot be counted (%(rural_years)s year(s) rural or %(weak_years)s in a weak school needed)."
    ),
    "rural_short": _(
        "Urban teachers need %(rural_years)s year(s) of rural service or %(weak_years)s years in a weak school (done: %(rural_days)s and %(weak_days)s days)."
    ),
    "training_missing": _("No training hours are recorded in the current cycle."),
    "training_ok": _("Cycle complete (%(hours)s of %(required)s hours)."),
    "training_short": _("Cycle not complete: %(hours)s of %(required)s hours."),
    "ethics_ok": _("No ethics bar."),
    "ethics_barred_no_end": _("Barred from title evaluation by an ethics decision (no end date)."),
    "ethics_barred": _("Barred from title evaluation by an ethics decision until %(until)s."),
}

STAGE_LABELS = dict(Stage.choices)


def rules_on(on: date) -> dict:
    """The eligibility rule set in force on `on`."""
    return rulefiles.in_force(RULES_DIR / "eligibility", on)


def rules_version(version: str) -> dict:
    return rulefiles.by_version(RULES_DIR / "eligibility", version)


def rubric_on(on: date) -> dict:
    return rulefiles.in_force(RULES_DIR / "rubric", on)


def rubric_version(version: str) -> dict:
    return rulefiles.by_version(RULES_DIR / "rubric", version)


def reference_date(year: int, rules: dict) -> date:
    """The day years are counted to in `year` (the rule file's `reference_date`, MM-DD)."""
    month, day = (int(x) for x in rules["reference_date"].split("-"))
    return date(year, month, day)


def _shown(value):
    """A parameter as a reader sees it: labels for codes, dates formatted."""
    if isinstance(value, date):
        return date_format(value, "Y-m-d")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):
        return "、".join(str(_shown(v)) for v in value)
    if value in EducationLevel.values:
        return EducationLevel(value).label
    if value in TitleRank.values:
        return TitleRank(value).label
    if value in STAGE_LABELS:
        return STAGE_LABELS[value]
    if value is None:
        return _("none")
    return value


def message(check: engine.Check, target: str | None) -> str:
    """The check's reason in the active language."""
    params = {k: _shown(v) for k, v in check.params.items()}
    params["target"] = _shown(target) if target else ""
    params.setdefault("title", _("none"))
    return str(MESSAGES[check.code]) % params


def reasons(result: engine.Eligibility) -> list[dict]:
    """[{rule, status, message}] of every check that does not pass."""
    return [
        {"rule": c.rule, "status": c.status, "message": message(c, result.target)}
        for c in result.failed
    ]


def check_rows(result: engine.Eligibility) -> list[dict]:
    """Every check as stored on an application (codes and parameters, no text)."""
    return [
        {
            "rule": c.rule,
            "status": c.status,
            "code": c.code,
            "params": {k: _plain(v) for k, v in c.params.items()},
        }
        for c in result.checks
    ]


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def stored_check_message(row: dict, target: str) -> str:
    """A stored check's reason in the active language."""
    params = {}
    for k, v in row.get("params", {}).items():
        if isinstance(v, str) and len(v) == 10 and v[4] == "-":
            try:
                v = date.fromisoformat(v)
            except ValueError:
                pass
        params[k] = v
    return message(engine.Check(row["rule"], row["status"], row["code"], params), target)


# --- candidates from the registry ------------------------------------------------------------


def _overlap_days(start, end, lo, hi) -> int:
    """Days of [start, end) inside [lo, hi)."""
    a, b = max(start, lo), min(end, hi)
    return max(0, (b - a).days)


def _service(teacher_ids: list[int], on: date) -> dict[int, tuple[int | None, int | None]]:
    """(rural days, weak-school days) to `on` per teacher, from employments and secondments
    (terms at another school); None where a relevant period has no start date."""
    weak: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for school_id, start, end in WeakSchool.objects.values_list(
        "school_id", "start_date", "end_date"
    ):
        weak[school_id].append((start, end or date.max))
    periods: dict[int, list] = defaultdict(list)
    for tid, school_id, location, start, end in Employment.objects.filter(
        teacher_id__in=teacher_ids
    ).values_list("teacher_id", "school_id", "school__location", "start_date", "end_date"):
        periods[tid].append((school_id, location, start, end))
    for tid, school_id, location, start, back, ended in Secondment.objects.filter(
        teacher_id__in=teacher_ids
    ).values_list("teacher_id", "school_id", "school__location", "start_date", "return_date",
                  "ended_on"):  # fmt: skip
        periods[tid].append((school_id, location, start, ended or back))
    out = {}
    for tid in teacher_ids:
        rural: int | None = 0
        weak_days: int | None = 0
        for school_id, location, start, end in periods.get(tid, []):
            relevant_weak = school_id in weak
            if start is None:
                if location == "rural":
                    rural = None
                if relevant_weak:
                    weak_days = None
                continue
            stop = min(end or on, on)
            if location == "rural" and rural is not None:
                rural += _overlap_days(start, stop, start, stop)
            if relevant_weak and weak_days is not None:
                for lo, hi in weak[school_id]:
                    weak_days += _overlap_days(start, stop, lo, hi)
        out[tid] = (rural, weak_days)
    return out


def candidates(teacher_ids: list[int], on: date, stage: str | None = None) -> dict:
    """{teacher id: engine.Candidate} on `on` (the reference date): the current title from the
    registry's projection with the date it was obtained, the highest completed education, the
    current school's stages and location, rural and weak-school service, the training cycle
    holding `on`, and the ethics bar from title evaluation. `stage`: the round's stage (the
    teacher applies in it) instead of every stage the school teaches. System read: the caller
    scopes the teachers."""
    ids = list(teacher_ids)
    current = {
        row[0]: row[1:]
        for row in TeacherCurrent.objects.filter(teacher_id__in=ids).values_list(
            "teacher_id", "title_rank", "education_level"
        )
    }
    title_dates = {
        (tid, rank): obtained
        for tid, rank, obtained in TitleRecord.objects.filter(teacher_id__in=ids).values_list(
            "teacher_id", "rank", "obtained_on"
        )
    }
    jobs = {
        tid: (stage_, location)
        for tid, stage_, location in Employment.objects.filter(
            teacher_id__in=ids, end_date__isnull=True
        ).values_list("teacher_id", "school__stage", "school__location")
    }
    work_start = dict(Teacher.objects.filter(pk__in=ids).values_list("pk", "work_start_date"))
    service = _service(ids, on)
    cycles = cycle_statuses_on(ids, on)
    required = cycle_bounds(on)[2].required_hours
    bars = ethics_bars_for(ids, on)
    out = {}
    for tid in ids:
        title, degree = current.get(tid, (None, None))
        school_stage, location = jobs.get(tid, (None, None))
        stages = engine.SCHOOL_STAGES.get(school_stage) if school_stage else None
        if stage is not None and stages is not None:
            stages = frozenset({stage}) & stages
        cycle = cycles.get(tid)
        hours = cycle.hours if cycle else None
        bar = next((b for b in bars.get(tid, []) if b.kind == "title_evaluation"), None)
        rural, weak = service[tid]
        out[tid] = engine.Candidate(
            teacher=tid,
            current_title=title,
            title_since=title_dates.get((tid, title)) if title else None,
            degree=degree,
            work_start=work_start.get(tid),
            stages=stages,
            location=location,
            rural_days=rural,
            weak_days=weak,
            training_complete=None if not hours else bool(cycle.complete),
            training_hours=hours,
            training_required=required,
            barred=bar is not None,
            barred_until=bar.ends_on if bar else None,
        )
    return out


def evaluate_teachers(
    teacher_ids: list[int], year: int
) -> list[tuple[engine.Eligibility, str | None]]:
    """Each teacher checked for their next title in `year`'s round (reference date from the
    rule file in force then): [(eligibility, current title)]; a teacher at the top of the
    ladder gets an empty result (target None)."""
    rules = rules_on(date(year, 1, 1))
    on = reference_date(year, rules)
    out = []
    for tid, c in candidates(teacher_ids, on).items():
        target = engine.target_for(c, rules)
        if target is None:
            out.append((engine.Eligibility(tid, None, (), rules["version"]), c.current_title))
        else:
            out.append((engine.evaluate(c, target, rules, on), c.current_title))
    return out
