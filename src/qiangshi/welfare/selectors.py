"""Reads for welfare: salary parity per district and year (through the parity engine), and the
non-teaching burden (lists, requests, arrivals, anonymous reports, the burden index).

Every read starts from `scope()`: a district office sees its district, the bureau its region,
the pilot office the pilot regions; a school its own arrivals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core import crypto
from qiangshi.core.errors import NotFound
from qiangshi.engines import burden as burden_engine
from qiangshi.engines import parity as parity_engine
from qiangshi.org.models import Ownership, Region, RegionLevel, School
from qiangshi.teachers.selectors import teacher_count_by_school

from . import rules
from .models import (
    AnonymousReport,
    BurdenArrival,
    BurdenListItem,
    EntryRequest,
    PayrollRow,
    WageFigure,
    WageGroup,
)

# Where the teachers' side of parity comes from: the finance office's return (the default), or
# the average of the per-teacher payroll rows.
FINANCE, PAYROLL = "finance", "payroll"
TEACHER_SOURCES = (FINANCE, PAYROLL)

# --- salary parity --------------------------------------------------------------------------


def wage_districts(actor, action: str = "view") -> QuerySet[Region]:
    """The districts whose parity figures the actor may `action` (view, change, export)."""
    if not can(actor, "wage", action):
        return Region.objects.none()
    return scope(Region.objects.filter(level=RegionLevel.DISTRICT), actor, "view").order_by("path")


def wage_district_get(actor, pk, action: str = "view") -> Region:
    """A district in the actor's parity scope; NotFound otherwise (missing or forbidden)."""
    try:
        return wage_districts(actor, action).get(pk=int(pk))
    except (Region.DoesNotExist, TypeError, ValueError):
        raise NotFound("Not found") from None


def wage_regions(actor) -> list[Region]:
    """The cities (and provinces) above the actor's districts, for the region filter."""
    districts = list(wage_districts(actor))
    codes = {c for d in districts for c in d.path.strip("/").split("/")[:-1]}
    return list(Region.objects.filter(code__in=codes).order_by("path"))


@dataclass(frozen=True)
class ParityRow:
    district: Region
    year: int
    result: parity_engine.ParityResult
    rule_version: str
    has_figures: bool
    teacher_source: str = FINANCE


@dataclass(frozen=True)
class PayrollAverage:
    """A district-year's teacher-side average from the payroll rows: the teachers counted
    (public compulsory schools) and the average per component (None where some teacher's row
    lacks it)."""

    teachers: int
    by_component: dict[str, Decimal | None]


def payroll_averages(districts, years=None) -> dict[tuple[int, int], PayrollAverage]:
    """System read: {(district id, year): PayrollAverage} from the payroll rows of the public
    schools of the rule set's compulsory stages (POLICY §7). The amounts are decrypted here and
    only their sums leave."""
    qs = PayrollRow.objects.filter(
        school__district__in=districts, school__ownership=Ownership.PUBLIC
    ).order_by()
    if years is not None:
        qs = qs.filter(year__in=list(years))
    sums: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    teachers: dict[tuple[int, int], set[int]] = defaultdict(set)
    stages: dict[int, set[str]] = {}
    for district_id, year, stage, teacher_id, component, sealed in qs.values_list(
        "school__district_id", "year", "school__stage", "teacher_id", "component",
        "amount_encrypted",
    ).iterator(chunk_size=5000):  # fmt: skip
        if year not in stages:
            stages[year] = set(rules.parity_rules(year)["compulsory_stages"])
        if stage not in stages[year]:
            continue
        key = (district_id, year)
        sums[key][component] += Decimal(crypto.decrypt(sealed))
        counts[key][component] += 1
        teachers[key].add(teacher_id)
    out = {}
    for key, people in teachers.items():
        n = len(people)
        out[key] = PayrollAverage(
            n,
            {
                c: (total / n).quantize(Decimal("0.01")) if counts[key][c] == n else None
                for c, total in sums[key].items()
            },
        )
    return out


def _figures(
    districts, years=None, source: str = FINANCE
) -> dict[tuple[int, int], dict[str, dict[str, object]]]:
    """{(district id, year): {group: {component: amount}}}; with the payroll source, the
    teachers' amounts are the payroll rows' averages instead of the finance office's."""
    qs = WageFigure.objects.filter(district__in=districts).order_by()
    if years is not None:
        qs = qs.filter(year__in=list(years))
    if source == PAYROLL:
        qs = qs.filter(group=WageGroup.CIVIL_SERVANT)
    out: dict[tuple[int, int], dict[str, dict]] = defaultdict(
        lambda: {WageGroup.TEACHER: {}, WageGroup.CIVIL_SERVANT: {}}
    )
    for district_id, year, group, component, amount in qs.values_list(
        "district_id", "year", "group", "component", "amount"
    ):
        out[(district_id, year)][group][component] = amount
    if source == PAYROLL:
        for key, average in payroll_averages(districts, years).items():
            known = {c: a for c, a in average.by_component.items() if a is not None}
            out[key][WageGroup.TEACHER] = known
    return out


def _row(district, year, groups, source: str = FINANCE) -> ParityRow:
    rule_set = rules.parity_rules(year)
    comps = [c["key"] for c in rule_set["components"]]
    teacher = groups.get(WageGroup.TEACHER, {}) if groups else {}
    civil = groups.get(WageGroup.CIVIL_SERVANT, {}) if groups else {}
    result = parity_engine.evaluate(teacher, civil, comps)
    return ParityRow(district, year, result, rule_set["version"], bool(teacher or civil), source)


def parity_years(actor) -> list[int]:
    """The years with figures in the actor's districts, newest first."""
    return sorted(
        set(
            WageFigure.objects.filter(district__in=wage_districts(actor))
            .values_list("year", flat=True)
            .distinct()
        ),
        reverse=True,
    )


def parity_table(
    *,
    actor,
    year: int,
    region: Region | None = None,
    failing_only: bool = False,
    source: str = FINANCE,
) -> list[ParityRow]:
    """One row per district the actor covers (below `region` if given) for `year`; a district
    without figures is listed with its verdict missing. `source`: where the teachers' side
    comes from (the finance office's figures, or the payroll rows' average)."""
    districts = wage_districts(actor)
    if region is not None:
        districts = districts.filter(path__startswith=region.path)
    districts = list(districts)
    figures = _figures(districts, [year], source)
    rows = [_row(d, year, figures.get((d.pk, year)), source) for d in districts]
    if failing_only:
        rows = [r for r in rows if r.result.passed is False]
    return rows


def parity_history(*, actor, district: Region, source: str = FINANCE) -> list[ParityRow]:
    """The district's verdict for every year it has figures, oldest first."""
    wage_district_get(actor, district.pk)
    figures = _figures([district], None, source)
    return [_row(district, y, figures[(district.pk, y)], source) for (_d, y) in sorted(figures)]


def parity_figures(*, actor, district: Region, year: int) -> dict[tuple[str, str], object]:
    """{(group, component): amount} of a district-year (for the form)."""
    wage_district_get(actor, district.pk)
    return {
        (f.group, f.component): f.amount
        for f in WageFigure.objects.filter(district=district, year=year)
    }


def parity_report(*, region: Region, year: int, source: str = FINANCE) -> list[ParityRow]:
    """System read for the command: every district at or below `region`."""
    districts = list(
        Region.objects.filter(level=RegionLevel.DISTRICT, path__startswith=region.path).order_by(
            "path"
        )
    )
    figures = _figures(districts, [year], source)
    return [_row(d, year, figures.get((d.pk, year)), source) for d in districts]


def parity_as_dict(row: ParityRow) -> dict:
    """The five keys of the command's and the API's per-district answer."""

    def num(v):
        return None if v is None else float(v)

    r = row.result
    return {
        "teacher_wage": num(r.teacher_wage),
        "civil_servant_wage": num(r.civil_servant_wage),
        "gap": num(r.gap),
        "passed": r.passed,
        "by_component": {
            c.component: {
                "teacher_wage": num(c.teacher_wage),
                "civil_servant_wage": num(c.civil_servant_wage),
                "gap": num(c.gap),
            }
            for c in r.by_component
        },
    }


# --- non-teaching burden --------------------------------------------------------------------


def burden_list(*, actor, year: int | None = None) -> QuerySet[BurdenListItem]:
    qs = scope(BurdenListItem.objects.select_related("region"), actor, "view")
    return qs.filter(year=year) if year else qs


def list_items_for(region: Region, year: int, kind: str) -> QuerySet[BurdenListItem]:
    """System read: the entries of `region`'s lists and those of the regions above it."""
    prefixes = []
    parts = region.path.strip("/").split("/")
    for i in range(len(parts)):
        prefixes.append("/".join(parts[: i + 1]) + "/")
    return BurdenListItem.objects.filter(region__path__in=prefixes, year=year, kind=kind)


def request_list(*, actor, status: str | None = None) -> QuerySet[EntryRequest]:
    qs = scope(
        EntryRequest.objects.select_related("region", "list_item").prefetch_related("schools"),
        actor,
        "view",
    )
    return qs.filter(status=status) if status else qs


def request_get(*, actor, pk, action: str = "view") -> EntryRequest:
    return get_in_scope(EntryRequest.objects.select_related("region"), actor, action, pk=pk)


def approved_requests_for_school(school: School, on: date | None = None) -> QuerySet:
    """System read: approved requests naming the school (the arrival form's choices)."""
    from .models import RequestStatus

    qs = EntryRequest.objects.filter(schools=school, status=RequestStatus.APPROVED)
    return qs.filter(start_date__lte=on, end_date__gte=on) if on else qs


def arrival_list(
    *, actor, year: int | None = None, unapproved: bool = False, school: int | None = None
) -> QuerySet[BurdenArrival]:
    qs = scope(BurdenArrival.objects.select_related("school", "request"), actor, "view")
    if year:
        qs = qs.filter(on__year=year)
    if unapproved:
        qs = qs.filter(request__isnull=True)
    if school:
        qs = qs.filter(school_id=school)
    return qs


def report_list(*, actor) -> QuerySet[AnonymousReport]:
    return scope(AnonymousReport.objects.select_related("school"), actor, "view")


@dataclass(frozen=True)
class BurdenRow:
    school: School
    year: int
    index: burden_engine.BurdenIndex
    teachers: int
    unapproved: int


def burden_index(*, actor, year: int) -> list[BurdenRow]:
    """The burden index of every school with arrivals in `year` the actor sees, heaviest
    first."""
    arrivals = arrival_list(actor=actor, year=year)
    per_school: dict[int, list] = defaultdict(list)
    unapproved: dict[int, int] = defaultdict(int)
    schools: dict[int, School] = {}
    for a in arrivals:
        per_school[a.school_id].append((a.hours, a.teachers_involved))
        schools[a.school_id] = a.school
        if a.request_id is None:
            unapproved[a.school_id] += 1
    counts = teacher_count_by_school(per_school)
    rows = [
        BurdenRow(
            schools[pk],
            year,
            burden_engine.burden_index(items, teachers=counts.get(pk, 0)),
            counts.get(pk, 0),
            unapproved[pk],
        )
        for pk, items in per_school.items()
    ]
    rows.sort(key=lambda r: (-(r.index.hours_per_teacher or 0), -r.index.count, r.school.code))
    return rows


def burden_trend(*, actor, school_pk=None) -> dict[int, dict]:
    """{year: {"count", "teacher_hours"}} over the arrivals the actor sees (one school's if
    given), oldest first."""
    qs = arrival_list(actor=actor, school=school_pk)
    out: dict[int, dict] = {}
    for on, hours, involved in qs.values_list("on", "hours", "teachers_involved"):
        row = out.setdefault(on.year, {"count": 0, "teacher_hours": 0.0})
        row["count"] += 1
        row["teacher_hours"] += float(hours) * involved
    return dict(sorted(out.items()))


def parity_series(
    *, actor, region: Region | None = None, source: str = FINANCE
) -> dict[Region, list[ParityRow]]:
    """Every district the actor covers (below `region`) with its verdict for each year that has
    figures, oldest first: the trend chart."""
    districts = wage_districts(actor)
    if region is not None:
        districts = districts.filter(path__startswith=region.path)
    districts = list(districts)
    figures = _figures(districts, None, source)
    by_pk = {d.pk: d for d in districts}
    out: dict[Region, list[ParityRow]] = {d: [] for d in districts}
    for pk, year in sorted(figures):
        out[by_pk[pk]].append(_row(by_pk[pk], year, figures[(pk, year)], source))
    return out


@dataclass(frozen=True)
class RegionBurden:
    """The burden index of a whole region (`burden_engine.burden_index`, as for one school, over
    every demand that arrived at its schools and its current teachers), with its schools."""

    index: burden_engine.BurdenIndex
    schools: int
    teachers: int

    @property
    def demands_per_school(self):
        from decimal import ROUND_HALF_UP, Decimal

        if not self.schools:
            return None
        return (Decimal(self.index.count) / self.schools).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def region_burden(*, region: Region, year: int) -> RegionBurden | None:
    """The burden of `region` (and below) in calendar year `year`; None when nothing is
    recorded there for the year (missing, not zero: the region may record no arrivals at all).
    System read of aggregates: the pilot office's indicators and report."""
    schools = list(
        School.objects.filter(district__path__startswith=region.path, is_active=True).values_list(
            "pk", flat=True
        )
    )
    arrivals = list(
        BurdenArrival.objects.filter(school_id__in=schools, on__year=year).values_list(
            "hours", "teachers_involved"
        )
    )
    if not arrivals:
        return None
    teachers = sum(teacher_count_by_school(schools).values())
    return RegionBurden(
        burden_engine.burden_index(arrivals, teachers=teachers), len(schools), teachers
    )


# --- payroll rows (sensitive) -----------------------------------------------------------------


def payroll_district_summary(*, actor, district: Region, year: int) -> PayrollAverage | None:
    """The district-year's payroll average (aggregate: for every role that sees its parity)."""
    wage_district_get(actor, district.pk)
    return payroll_averages([district], [year]).get((district.pk, year))


def payroll_rows(*, actor, district: Region, year: int) -> QuerySet[PayrollRow]:
    """The payroll rows of a district-year's schools for the roles with `payroll.view`, none
    for the others (the amounts still sealed: `services.payroll_reveal` opens them and logs
    the view)."""
    wage_district_get(actor, district.pk)
    return scope(PayrollRow.objects.all(), actor, "view").filter(
        school__district=district, year=year
    )


def payroll_teachers(*, actor, district: Region, year: int) -> list[tuple[int, int]]:
    """(teacher id, school id) of each teacher with payroll rows in the district-year that the
    actor may see individually, by school code and name: what the page paginates."""
    rows = payroll_rows(actor=actor, district=district, year=year)
    return list(
        rows.order_by("school__code", "teacher__name", "teacher_id")
        .values_list("teacher_id", "school_id")
        .distinct()
    )
