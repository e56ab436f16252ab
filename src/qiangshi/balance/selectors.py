"""Reads for the balance monitor: the registry adapter that turns a district's schools, enrollment,
facility records and teachers into engine inputs, and the evaluation of a district.

How each figure is counted (shown next to the figures in the UI):
- students: `SchoolEnrollment` of the school year, grades 1–6 for the primary part and 7–9 for
  the junior part (10–12, the senior part of a twelve-year school, only enters the split);
- a teacher belongs to a school on date `on` when an employment there has started
  (start_date ≤ on) and not ended (end_date empty or ≥ on);
- higher-degree teachers: full-time teachers (`is_full_time_teacher`) whose highest education
  completed by `on` (graduation date ≤ on) is at least the rule set's level for the stage
  (primary: associate/专科, junior: bachelor/本科);
- backbone teachers: teachers of the school (full-time or not, as in the official wording)
  with a recognition of a backbone kind at district level or above, valid on `on`; a teacher
  with several recognitions counts once;
- PE/arts teachers: full-time teachers whose main subject is PE, music or fine arts; non-full-time
  ones with those main subjects are the part-time PE/arts teachers that a rural small school may
  add;
- facilities: the school's `SchoolFacility` record of the year;
- private (民办) schools are judged with the public ones, or listed as not evaluated, as the
  rule set's `scope.include_private_schools` says (the result records which way it went).

Nine-year and twelve-year schools: a teacher whose teaching load for the school year (the later
term if both are recorded) is in the primary, junior or senior stage belongs to that part (a
senior-part teacher is outside compulsory education); a teacher without such a load, and every
facility figure, is split across the parts by enrollment (`split_school`).
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When

from qiangshi.access.scoping import scope
from qiangshi.core.bulk import filter_in
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.shared import query_key, shared
from qiangshi.engines.balance import (
    STAGES,
    DistrictResult,
    RuleSet,
    SchoolInput,
    apply_teacher_changes,
    evaluate_district,
    split_school,
)
from qiangshi.org.models import (
    Ownership,
    Region,
    RegionLevel,
    School,
    SchoolEnrollment,
    SchoolFacility,
    Stage,
)
from qiangshi.teachers.models import (
    EDUCATION_RANK,
    EducationRecord,
    Employment,
    Recognition,
    TeachingLoad,
)

from .rules import rule_set_on

COMPULSORY = (Stage.PRIMARY, Stage.JUNIOR, Stage.NINE_YEAR, Stage.TWELVE_YEAR)
PART_GRADES = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
SCHOOL_PARTS = {
    Stage.PRIMARY: ("primary",),
    Stage.JUNIOR: ("junior",),
    Stage.NINE_YEAR: ("primary", "junior"),
    Stage.TWELVE_YEAR: ("primary", "junior", "senior"),
}
FACILITY_FIELDS = ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_rooms")


def default_on(year: int, today: date | None = None) -> date:
    """The registry date for school year `year`: today while the year runs (1 September to 31
    August), else its first day (the date of the yearly education statistics)."""
    today = today or date.today()
    start, end = date(year, 9, 1), date(year + 1, 8, 31)
    return today if start <= today <= end else start


def _district(district) -> Region:
    if isinstance(district, Region):
        return district
    region = Region.objects.filter(code=str(district), level=RegionLevel.DISTRICT).first()
    if region is None:
        raise NotFound(f"No district with code {district}.")
    return region


def district_by_code(code: str) -> Region:
    """The district with this code (NotFound otherwise)."""
    return _district(code)


def _teacher_counts(school_ids: list[int], year: int, on: date, rules: RuleSet):
    """{(school_id, load_stage): counts} in one query (grouped, with correlated subqueries)."""
    rank = Case(
        *[When(level=level, then=Value(r)) for level, r in EDUCATION_RANK.items()],
        output_field=IntegerField(),
    )
    education = (
        EducationRecord.objects.filter(
            Q(end_date__lte=on) | Q(end_date_missing=True),  # graduated, date unknown
            teacher=OuterRef("teacher_id"),
        )
        .annotate(rank=rank)
        .order_by("-rank")
        .values("rank")[:1]
    )
    recognition = Recognition.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        teacher=OuterRef("teacher_id"),
        kind__in=rules.backbone_kinds,
        level__in=rules.backbone_levels,
        start_date__lte=on,
    )
    load = (
        TeachingLoad.objects.filter(teacher=OuterRef("teacher_id"), school_year=year)
        .order_by("-term")
        .values("stage")[:1]
    )
    full_time = Q(is_full_time_teacher=True)
    arts = Q(main_subject__in=rules.pe_arts_subjects)
    counts = {}
    for stage in STAGES:
        level = rules.higher_degree_min_level.get(stage)
        if level not in EDUCATION_RANK:
            raise ApplicationError(
                f"Rule set {rules.version}: no education level for {stage} higher-degree teachers."
            )
        counts[f"higher_{stage}"] = Count(
            "teacher_id", distinct=True, filter=full_time & Q(education__gte=EDUCATION_RANK[level])
        )
    on_roll = Employment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        Q(start_date__isnull=True) | Q(start_date__lte=on),  # a missing start: on the roll
    )
    out = {}
    for employments in filter_in(on_roll, "school_id", school_ids):  # by school: no overlap
        rows = (
            employments.annotate(
                education=Subquery(education, output_field=IntegerField()),
                backbone=Exists(recognition),
                load_stage=Subquery(load),
            )
            .order_by()
            .values("school_id", "load_stage")
            .annotate(
                **counts,
                backbone_teachers=Count("teacher_id", distinct=True, filter=Q(backbone=True)),
                pe_arts_teachers=Count("teacher_id", distinct=True, filter=full_time & arts),
                pe_arts_part_time=Count("teacher_id", distinct=True, filter=~full_time & arts),
            )
        )
        out.update(((r.pop("school_id"), r.pop("load_stage")), r) for r in rows)
    return out


def district_inputs(
    *, district, year: int, on: date, rules: RuleSet | None = None, actor=None
) -> list[SchoolInput]:
    """Engine inputs for the compulsory-education schools of a district: one per stage part.

    `district` is a Region or its code. Reads as a system operator unless `actor` is given, in
    which case only the schools in the actor's scope are read. Five queries whatever the size.
    A school without enrollment or a facility record for the year comes back with `missing`
    set, so that the evaluation lists it as excluded instead of judging it on zeros.
    """
    region = _district(district)
    return districts_inputs(districts=[region], year=year, on=on, rules=rules, actor=actor)[
        region.pk
    ]


def districts_inputs(
    *, districts: list[Region], year: int, on: date, rules: RuleSet | None = None, actor=None
) -> dict[int, list[SchoolInput]]:
    """`district_inputs` of several districts at once, {district id: inputs}: the same five
    queries for a province's fifty districts as for one (a region page read each district in
    turn: 206 queries and 3.6 s of SQL at province scale)."""
    rules = rules or rule_set_on(on)
    schools_qs = School.objects.filter(
        district__in=[d.pk for d in districts], is_active=True, stage__in=COMPULSORY
    )
    if actor is not None:
        schools_qs = scope(schools_qs, actor, "view")
    schools = list(
        schools_qs.order_by("code").values(
            "id", "code", "stage", "location", "ownership", "district_id"
        )
    )
    ids = [s["id"] for s in schools]

    students: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PART_GRADES, 0))
    facilities = {}
    for enrolled_qs, facility_qs in zip(
        filter_in(SchoolEnrollment.objects.filter(year=year), "school_id", ids),
        filter_in(SchoolFacility.objects.filter(year=year), "school_id", ids),
        strict=True,
    ):
        for school_id, grade, n in enrolled_qs.values_list("school_id", "grade", "students"):
            for part, grades in PART_GRADES.items():
                if grade in grades:
                    students[school_id][part] += n
        facilities.update(
            (f["school_id"], f) for f in facility_qs.values("school_id", *FACILITY_FIELDS)
        )
    teachers = _teacher_counts(ids, year, on, rules)
    by_school: dict[int, list[tuple[str | None, dict]]] = defaultdict(list)
    for (school_id, load_stage), counts in teachers.items():
        by_school[school_id].append((load_stage, counts))

    out: dict[int, list[SchoolInput]] = {d.pk: [] for d in districts}
    for school in schools:
        inputs = out[school["district_id"]]
        parts = SCHOOL_PARTS[school["stage"]]
        enrolled = {p: n for p, n in students[school["id"]].items() if p in parts and n}
        facility = facilities.get(school["id"])
        totals = {k: float(facility[k]) for k in FACILITY_FIELDS} if facility else {}
        per_stage = {stage: {"higher_degree_teachers": 0.0} for stage in STAGES}
        assigned: dict[str, dict[str, float]] = {}
        for load_stage, counts in by_school[school["id"]]:
            through = len(parts) > 1 and load_stage in parts
            if through:
                target = assigned.setdefault(load_stage, defaultdict(float))
                if load_stage in STAGES:
                    target["higher_degree_teachers"] += counts[f"higher_{load_stage}"]
            else:
                target = totals
                for stage in STAGES:
                    per_stage[stage]["higher_degree_teachers"] += counts[f"higher_{stage}"]
            for key in ("backbone_teachers", "pe_arts_teachers", "pe_arts_part_time"):
                target[key] = target.get(key, 0.0) + counts[key]
        assigned.pop("senior", None)  # outside compulsory education
        missing = tuple(
            name
            for name, absent in (("enrollment", not enrolled), ("facility", facility is None))
            if absent
        )
        rural = school["location"] == "rural"
        private = school["ownership"] == Ownership.PRIVATE
        if not enrolled:
            inputs += [
                SchoolInput(school["code"], p, 0, rural=rural, missing=missing, private=private)
                for p in parts
                if p in STAGES
            ]
            continue
        for part in split_school(
            school["code"],
            enrolled,
            totals,
            per_stage=per_stage,
            assigned=assigned,
            rural=rural,
        ):
            inputs.append(replace(part, missing=missing, private=private))
    return out


def district_report(
    *,
    district,
    year: int,
    on: date | None = None,
    stages: tuple[str, ...] = STAGES,
    actor=None,
) -> list[DistrictResult]:
    """Evaluate a district from the registry, one result per stage that has schools in scope.
    The rule set is the one in effect on `on` (default: `default_on(year)`)."""
    on = on or default_on(year)
    rules = rule_set_on(on)
    inputs = district_inputs(district=district, year=year, on=on, rules=rules, actor=actor)
    results = []
    for stage in stages:
        if not any(i.stage == stage for i in inputs):
            continue
        try:
            results.append(evaluate_district(inputs, stage, rules))
        except ValueError as exc:
            raise ApplicationError(str(exc)) from None
    return results


# ---------------------------------------------------------------------------------------------
# Scoped reads for the pages


def enrollment_years(district=None) -> list[int]:
    """School years with enrollment recorded (in the district, or the list of districts, if
    given), latest first; shared until the next write (core.shared)."""
    qs = SchoolEnrollment.objects.order_by()
    if isinstance(district, Region):
        qs = qs.filter(school__district=district)
    elif district is not None:
        qs = qs.filter(school__district__in=list(district))
    years = qs.values_list("year", flat=True).distinct()
    return shared("enrollment years", query_key(years), lambda: sorted(set(years), reverse=True))


def evaluation_years(district: Region) -> list[int]:
    """School years in which the district has both enrollment and facility records, latest
    first: the years its balance history can show; shared until the next write (core.shared)."""
    return shared("evaluation years", district.pk, lambda: _evaluation_years(district))


def _evaluation_years(district: Region) -> list[int]:
    enrolled = set(
        SchoolEnrollment.objects.filter(school__district=district)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    equipped = set(
        SchoolFacility.objects.filter(school__district=district)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(enrolled & equipped, reverse=True)


def school_for(actor, school_pk) -> School:
    """A compulsory-education school in the actor's scope for aggregates; NotFound otherwise."""
    try:
        pk = int(school_pk)
    except (TypeError, ValueError):
        raise NotFound("Not found") from None
    school = (
        scope(School.objects.select_related("district"), actor, "aggregate")
        .filter(pk=pk, stage__in=COMPULSORY)
        .first()
    )
    if school is None:
        raise NotFound("Not found")
    return school


def stage_reports(
    *, district, year: int, actor=None, changes=None
) -> dict[str, DistrictResult | None]:
    """Like `district_report`, but per stage and forgiving: {stage: result}, with None for a
    stage that has schools but none that can be judged (all excluded); stages without schools
    are left out. One read of the registry for both stages. `changes` adds or takes away
    teachers per school part (`engines.balance.apply_teacher_changes`): the figures after a
    rotation plan, counted exactly as the figures before."""
    region = _district(district)
    return districts_stage_reports(districts=[region], year=year, actor=actor, changes=changes)[
        region.pk
    ]


def districts_stage_reports(
    *, districts: list[Region], year: int, actor=None, changes=None
) -> dict[int, dict[str, DistrictResult | None]]:
    """`stage_reports` of several districts, {district id: {stage: result}}, from one read of
    the registry (`districts_inputs`); the region pages list every district with this.

    Without `changes`, the results are shared briefly between the users of one area
    (`core.shared`, keyed by the schools the actor may read and the year), as the dashboard's
    counts: a province's evaluation reads every teacher's education, recognitions and teaching
    load (2 s of SQL). The figures are the official method's either way.
    """
    if changes:
        return _districts_stage_reports(districts, year, actor, changes)
    schools = School.objects.filter(district__in=[d.pk for d in districts])
    if actor is not None:
        schools = scope(schools, actor, "view")
    return shared(
        "balance",
        (query_key(schools), [d.pk for d in districts], year),
        lambda: _districts_stage_reports(districts, year, actor, None),
    )


def _districts_stage_reports(districts, year, actor, changes):
    on = default_on(year)
    rules = rule_set_on(on)
    read = districts_inputs(districts=districts, year=year, on=on, rules=rules, actor=actor)
    reports: dict[int, dict[str, DistrictResult | None]] = {}
    for district_id, inputs in read.items():
        if changes:
            inputs = apply_teacher_changes(inputs, changes)
        out: dict[str, DistrictResult | None] = {}
        for stage in STAGES:
            if not any(i.stage == stage for i in inputs):
                continue
            try:
                out[stage] = evaluate_district(inputs, stage, rules)
            except ValueError:
                out[stage] = None
        reports[district_id] = out
    return reports


def school_report_for(actor, school_pk, year: int) -> tuple[School, dict]:
    """A school in the actor's scope and the evaluation of its whole district (per stage, see
    `stage_reports`) for comparison. The district is read as a whole, whatever the actor's
    scope: the page shows the school's own values and district aggregates (means, CVs) only."""
    school = school_for(actor, school_pk)
    return school, stage_reports(district=school.district, year=year)


def district_cvs(
    *, district, year: int, actor=None, changes=None
) -> dict[str, dict[str, float | None]]:
    """{stage: {indicator key: CV}} of a district for a school year: the one function behind
    every page that shows a district's balance CV (the balance pages, rotation plans before and
    after, the dashboard), so that they show the same number. Stages whose schools cannot be
    judged are left out; an indicator whose district mean is 0 has a CV of None."""
    return {
        stage: {key: ind.cv for key, ind in result.indicators.items()}
        for stage, result in stage_reports(
            district=district, year=year, actor=actor, changes=changes
        ).items()
        if result is not None
    }
