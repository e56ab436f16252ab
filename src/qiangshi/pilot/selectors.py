"""The pilot office's indicators (issue 18): per pilot region and year, side by side.

Where a pilot region runs Qiangshi here (it is linked to its `org.Region`), each indicator is
computed from its own data by the selector the module's own page uses, so that a figure is the
same number on both pages (one number, one function):

- teachers per 100 pupils: `staffing.selectors.district_staffing` totals of each district;
- degree and title structure: `teachers.selectors.teacher_stats` (the dashboard's counts) and
  `stats_share`;
- rotation rate and backbone share: `rotation.selectors.rotation_outcome` (approved plans);
- training-cycle completion: `training.selectors.cycle_report`;
- balance verdicts and CVs: `balance.selectors.stage_reports` of each district;
- salary parity: `welfare.selectors.parity_report`;
- burden index: `welfare.selectors.region_burden` (the burden engine's index, as per school);
- ethics cases: `ethics.selectors.case_counts` (counts only);
- recruitment against plan: `recruitment_against_plan`, the talent module's selector.

Where it does not, its figures are imported from the template (`PilotFigure`, see
`importing.py`), each with its source, date and who loaded it. A figure neither computed nor
imported stays missing (None), never zero. Years: school years (starting in September) for
staffing, structure, rotation, training and balance; calendar years for parity, burden and
ethics, as their modules count them.

Counts and shares only: no person is listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.utils.translation import get_language

from qiangshi.access.models import Role
from qiangshi.access.scoping import can
from qiangshi.core import rulefiles
from qiangshi.core.errors import NotFound
from qiangshi.core.shared import shared
from qiangshi.org.models import Region, RegionLevel

from .models import PilotFigure, PilotRegion, PilotReport

RULES_DIR = Path(__file__).resolve().parent / "rules"
COMPUTED, IMPORTED = "computed", "imported"


# --- the indicators (a reviewed data file) ----------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    key: str
    group: str
    zh: str
    en: str
    unit: str
    digits: int
    minimum: Decimal
    maximum: Decimal
    definition: str
    definition_zh: str = ""

    @property
    def label(self) -> str:
        return self.en if (get_language() or "").startswith("en") else self.zh

    @property
    def description(self) -> str:
        """How the indicator is counted, in the active language."""
        english = (get_language() or "").startswith("en")
        return self.definition if english or not self.definition_zh else self.definition_zh


def indicator_rules(on: date | None = None) -> dict:
    """The indicator file in force on `on` (default today)."""
    return rulefiles.in_force(RULES_DIR, on or date.today())


def indicators(on: date | None = None) -> list[Indicator]:
    """The indicators compared, in the file's order."""
    return [
        Indicator(
            key=i["key"],
            group=i["group"],
            zh=i["zh"],
            en=i["en"],
            unit=i.get("unit", ""),
            digits=int(i.get("digits", 2)),
            minimum=Decimal(str(i.get("min", 0))),
            maximum=Decimal(str(i["max"])),
            definition=i.get("definition", ""),
            definition_zh=i.get("definition_zh", ""),
        )
        for i in indicator_rules(on)["indicators"]
    ]


def indicator_map() -> dict[str, Indicator]:
    return {i.key: i for i in indicators()}


def chosen_indicators(keys) -> list[Indicator]:
    """The indicators among `keys`, in the file's order; all of them when none is (the
    comparison's filter)."""
    wanted = set(keys or ())
    every = indicators()
    return [i for i in every if i.key in wanted] or every


def modules() -> dict[str, list[Indicator]]:
    """Each module's indicators (the file's `group` of each), in the file's order."""
    out: dict[str, list[Indicator]] = {}
    for ind in indicators():
        out.setdefault(ind.group, []).append(ind)
    return out


def figure_text(figure: Figure, ind: Indicator) -> str | None:
    """A figure as the pages print it (the indicator's digits, thousands separated); None when
    it is missing."""
    return None if figure.value is None else f"{figure.value:,.{ind.digits}f}"


# --- which pilot regions an actor compares ----------------------------------------------------


def pilot_regions(actor) -> list[PilotRegion]:
    """The pilot regions the actor compares: all of them for the pilot office (and the
    administrator), those running here within its own area for a bureau; none otherwise."""
    if actor is None:  # a system operator (the command line)
        return list(PilotRegion.objects.select_related("region"))
    if not can(actor, "pilotindicator", "view"):
        return []
    qs = PilotRegion.objects.select_related("region")
    if actor.role in (Role.PILOT, Role.ADMIN):
        return list(qs)
    if actor.region_id:
        return list(qs.filter(region__path__startswith=actor.region.path))
    return []


def pilot_region_get(actor, code: str) -> PilotRegion:
    """A pilot region the actor compares, by code; NotFound for a missing or forbidden one."""
    for p in pilot_regions(actor):
        if p.code == str(code):
            return p
    raise NotFound("Not found")


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One indicator of a region-year: its value (None: missing), whether it was computed here
    or imported, and for an imported one its source, when and by whom."""

    value: Decimal | None
    origin: str | None = None  # COMPUTED, IMPORTED, or None when missing
    source: str = ""
    at: datetime | None = None
    by: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None


MISSING = Figure(None)


@dataclass
class RegionYear:
    """The indicators of one pilot region for one year, with the module details the report
    shows (per district) where they were computed."""

    pilot_region: PilotRegion
    year: int
    figures: dict[str, Figure]
    details: dict = field(default_factory=dict)

    def value(self, key: str) -> Decimal | None:
        return self.figures.get(key, MISSING).value


def _dec(value, digits: int) -> Decimal | None:
    if value is None:
        return None
    q = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP)


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def year_end(year: int, today: date | None = None) -> date:
    """The registry date read for school year `year`: its last day, or today while it runs."""
    today = today or date.today()
    return min(today, date(year + 1, 8, 31))


def districts_of(region: Region) -> list[Region]:
    return list(
        Region.objects.filter(level=RegionLevel.DISTRICT, path__startswith=region.path).order_by(
            "path"
        )
    )


def recruitment_against_plan(region: Region, year: int) -> Decimal | None:
    """Recruitment against plan (hires over the year's planned recruitment, %), from the talent
    module's own selector (the figure its pages show); missing when the region has no plan with
    a target for the year."""
    from qiangshi.talent.selectors import recruitment_against_plan as talent_recruitment

    rate = talent_recruitment(region, year)["rate"]
    return (
        None
        if rate is None
        else Decimal(str(rate * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    )


Step = Callable[[str], None]


def _staffing(region, year, districts):
    from qiangshi.staffing.selectors import district_staffing

    teachers, pupils = 0, 0
    for d in districts:
        totals = district_staffing(actor=None, district=d, year=year).totals
        teachers += totals["full_time_teachers"]
        pupils += sum(totals["students"].values())
    values = {"teachers_per_100_pupils": teachers * 100 / pupils if pupils else None}
    return values, {"full_time_teachers": teachers, "pupils": pupils or None}


def _structure(region, year, districts):
    """The dashboard's counts of the teachers on the registry today: only the current school
    year has them (a past year's structure is not kept, so it is missing, not today's)."""
    from qiangshi.teachers.selectors import (
        BACHELOR_OR_ABOVE,
        POSTGRADUATE,
        SENIOR_TITLES,
        stats_share,
        teacher_stats,
    )

    if year != default_year():
        return {}, None
    stats = teacher_stats(actor=None, region=region)
    total = stats["total"]
    values = {
        "bachelor_share": stats_share(stats["by_education"], BACHELOR_OR_ABOVE, total),
        "postgraduate_share": stats_share(stats["by_education"], POSTGRADUATE, total),
        "senior_title_share": stats_share(stats["by_title"], SENIOR_TITLES, total),
    }
    details = {
        "teachers": total,
        "by_education": stats["by_education"],
        "by_title": stats["by_title"],
    }
    return values, details


def _rotation(region, year, districts):
    from qiangshi.rotation.selectors import rotation_outcome

    outcome = rotation_outcome(region=region, year=year)
    values = {
        "rotation_rate": _percent(outcome.rate) if outcome else None,
        "rotation_backbone_share": _percent(outcome.backbone_share) if outcome else None,
    }
    return values, outcome


def _training(region, year, districts):
    from qiangshi.training.selectors import cycle_report

    cycle = cycle_report(actor=None, on=year_end(year), region=region)
    details = {
        "teachers": cycle.teachers,
        "complete": cycle.complete,
        "at_risk": cycle.at_risk_count,
        "start": cycle.start,
        "end": cycle.end,
        "rule_version": cycle.rule_version,
    }
    return {"training_completion": _percent(cycle.completion_rate)}, details


def _balance(region, year, districts):
    from qiangshi.balance.selectors import stage_reports

    rows, judged, passing = [], 0, 0
    max_cv: dict[str, float | None] = {"primary": None, "junior": None}
    for d in districts:
        for stage, result in stage_reports(district=d, year=year).items():
            cvs = {} if result is None else {k: i.cv for k, i in result.indicators.items()}
            rows.append(
                {
                    "district": d,
                    "stage": stage,
                    "passed": None if result is None else result.passed,
                    "cvs": cvs,
                    "rule_set": None if result is None else result.rule_set,
                }
            )
            if result is None:
                continue
            judged += 1
            passing += bool(result.passed)
            known = [cv for cv in cvs.values() if cv is not None]
            if known and stage in max_cv:
                max_cv[stage] = max([*known, max_cv[stage] or 0.0])
    values = {
        "balance_districts_passing": passing * 100 / judged if judged else None,
        "balance_max_cv_primary": max_cv["primary"],
        "balance_max_cv_junior": max_cv["junior"],
    }
    return values, rows


def _parity(region, year, districts):
    from qiangshi.welfare.selectors import parity_report

    rows = parity_report(region=region, year=year)
    known = [r for r in rows if r.result.passed is not None]
    values = {
        "parity_districts_passing": (
            sum(bool(r.result.passed) for r in known) * 100 / len(known) if known else None
        ),
        "parity_gap": sum(float(r.result.gap) for r in known) / len(known) if known else None,
    }
    return values, rows


def _burden(region, year, districts):
    from qiangshi.welfare.selectors import region_burden

    burden = region_burden(region=region, year=year)
    values = {
        "burden_hours_per_teacher": burden.index.hours_per_teacher if burden else None,
        "burden_demands_per_school": burden.demands_per_school if burden else None,
    }
    return values, burden


def _ethics(region, year, districts):
    from qiangshi.ethics.selectors import case_counts

    cases = case_counts(region=region, year=year)
    return {"ethics_cases": cases["reported"], "ethics_violations": cases["violations"]}, cases


def _talent(region, year, districts):
    return {"recruitment_against_plan": recruitment_against_plan(region, year)}, None


# Each module's figures, in the report's order; the indicator file's `group` of each key says
# which module gives it (welfare: parity and burden).
MODULES = {
    "staffing": (_staffing, "staffing"),
    "structure": (_structure, "structure"),
    "rotation": (_rotation, "rotation"),
    "training": (_training, "training"),
    "balance": (_balance, "balance"),
    "parity": (_parity, "welfare"),
    "burden": (_burden, "welfare"),
    "ethics": (_ethics, "ethics"),
    "talent": (_talent, "talent"),
}
COMPUTE_STEPS = len(MODULES)  # the calls of `step` in `computed`


def computed(
    region: Region, year: int, step: Step | None = None, groups: set[str] | None = None
) -> tuple[dict, dict]:
    """({indicator key: value or None}, {module: details}) of a region that runs Qiangshi
    here, each from the module's own selector (see the module docstring); only the indicator
    `groups` given, if any. `step(module)` is called after each module (the report's
    progress)."""
    values: dict[str, float | None] = {}
    details: dict = {}
    districts = districts_of(region)
    for name, (compute, group) in MODULES.items():
        if groups is None or group in groups:
            values_of, details[name] = compute(region, year, districts)
            values.update(values_of)
        if step is not None:
            step(name)
    return values, details


def _cached_computed(region: Region, year: int, groups: set[str] | None = None) -> dict:
    """`computed` values, shared until the next write (core.shared); the report always
    computes afresh."""
    which = ",".join(sorted(groups)) if groups is not None else "all"
    return shared(
        "pilot", (region.pk, year, which), lambda: computed(region, year, groups=groups)[0]
    )


def imported(pilot_regions: list[PilotRegion], years) -> dict[tuple[int, int], dict[str, Figure]]:
    """{(pilot region id, year): {key: Figure}} of the imported figures."""
    out: dict[tuple[int, int], dict[str, Figure]] = {}
    rows = PilotFigure.objects.filter(
        pilot_region__in=pilot_regions, year__in=list(years)
    ).select_related("imported_by")
    for f in rows:
        out.setdefault((f.pilot_region_id, f.year), {})[f.key] = Figure(
            f.value,
            IMPORTED,
            f.source,
            f.imported_at,
            f.imported_by.username if f.imported_by else "",
        )
    return out


def _merge(
    p: PilotRegion, year: int, values: dict | None, loaded: dict[str, Figure]
) -> dict[str, Figure]:
    """Computed figures where the region runs here; an imported figure where nothing is
    computed for the key; missing otherwise."""
    out = {}
    for ind in indicators():
        value = (values or {}).get(ind.key)
        if value is not None:
            out[ind.key] = Figure(_dec(value, ind.digits), COMPUTED)
        else:
            out[ind.key] = loaded.get(ind.key, MISSING)
    return out


def region_year(p: PilotRegion, year: int, step: Step | None = None) -> RegionYear:
    """One pilot region's indicators for a year, with the details (the report's read: always
    computed afresh)."""
    values, details = computed(p.region, year, step) if p.runs_here else (None, {})
    loaded = imported([p], [year]).get((p.pk, year), {})
    return RegionYear(p, year, _merge(p, year, values, loaded), details)


def comparison(
    *, actor, year: int, regions: list[PilotRegion] | None = None, keys: set[str] | None = None
) -> list[RegionYear]:
    """The pilot regions the actor compares (or `regions` among them), side by side; with
    `keys`, only the modules that give those indicators are computed (the others' figures are
    left missing: callers show only `keys`)."""
    allowed = pilot_regions(actor)
    if regions is not None:
        wanted = {r.pk for r in regions}
        allowed = [p for p in allowed if p.pk in wanted]
    loaded = imported(allowed, [year])
    return [
        RegionYear(
            p,
            year,
            _merge(
                p,
                year,
                _cached_computed(p.region, year, _groups(keys)) if p.runs_here else None,
                loaded.get((p.pk, year), {}),
            ),
        )
        for p in allowed
    ]


def _groups(keys: set[str] | None) -> set[str] | None:
    if keys is None:
        return None
    return {i.group for i in indicators() if i.key in keys}


def available_years(actor) -> list[int]:
    """Years with imported figures or enrollment in a region that runs here, latest first."""
    from qiangshi.balance.selectors import enrollment_years

    regions = pilot_regions(actor)
    years = set(
        PilotFigure.objects.filter(pilot_region__in=regions)
        .values_list("year", flat=True)
        .distinct()
    )
    for p in regions:
        if p.runs_here:
            years |= set(enrollment_years(districts_of(p.region)))
    return sorted(years, reverse=True)


# How many school years a trend shows, the last one included.
TREND_YEARS = 6


def trend_years(last: int) -> list[int]:
    """The years of a trend ending with `last`, oldest first."""
    return list(range(last - TREND_YEARS + 1, last + 1))


@dataclass(frozen=True)
class RegionCard:
    """A pilot region on the pilot office's home: how many of its indicators are known."""

    pilot_region: PilotRegion
    known: int
    total: int


def region_cards(*, actor, year: int) -> list[RegionCard]:
    """The pilot regions the actor compares, each with the number of its indicators known
    (computed or imported) for the year."""
    return [
        RegionCard(
            c.pilot_region,
            sum(1 for f in c.figures.values() if f.value is not None),
            len(c.figures),
        )
        for c in comparison(actor=actor, year=year)
    ]


def trend(*, actor, key: str, years: list[int]) -> list[tuple[PilotRegion, list[Figure]]]:
    """One indicator of every pilot region the actor compares, year by year (oldest first)."""
    if key not in indicator_map():
        raise NotFound("Not found")
    by_year = {
        y: {c.pilot_region.pk: c for c in comparison(actor=actor, year=y, keys={key})}
        for y in years
    }
    return [(p, [by_year[y][p.pk].figures[key] for y in years]) for p in pilot_regions(actor)]


def default_year(today: date | None = None) -> int:
    """The school year running today (it starts on 1 September)."""
    today = today or date.today()
    return today.year if today.month >= 9 else today.year - 1


# --- kept reports -----------------------------------------------------------------------------


def report_list(*, actor):
    """The reports of the pilot regions the actor compares, newest first."""
    if not can(actor, "pilotreport", "view"):
        return PilotReport.objects.none()
    return PilotReport.objects.filter(pilot_region__in=pilot_regions(actor)).select_related(
        "pilot_region", "requested_by"
    )


def report_get(*, actor, pk) -> PilotReport:
    """One report of a pilot region the actor compares; NotFound otherwise (missing or
    forbidden alike)."""
    try:
        return report_list(actor=actor).get(pk=int(pk))
    except (PilotReport.DoesNotExist, TypeError, ValueError):
        raise NotFound("Not found") from None
