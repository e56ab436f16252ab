"""Reads of the registry. Every function starts from `scope()`."""

import re
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.core import crypto
from qiangshi.core.shared import generation, query_key, shared, shared_get, shared_set
from qiangshi.engines import idcard

from .models import (
    ChangeRequest,
    Employment,
    Recognition,
    Teacher,
)

# The same orders on the projection's columns, for the query that reads a page's keys: it
# needs no join but the sort column's (`TeacherPages`). The projection's school is the current
# one, as the annotation's.
KEY_SORTS = {
    "name": "name",
    "-name": "-name",
    "birth_date": "birth_date",
    "-birth_date": "-birth_date",
    "school": "current_state__school__name",
    "-school": "-current_state__school__name",
    "title": "current_state__title_order",
    "-title": "-current_state__title_order",
    "education": "current_state__education_order",
    "-education": "-current_state__education_order",
}

SORTS = {
    "name": "name",
    "-name": "-name",
    "birth_date": "birth_date",
    "-birth_date": "-birth_date",
    "school": "current_school_name",
    "-school": "-current_school_name",
    "title": "title_order",
    "-title": "-title_order",
    "education": "education_order",
    "-education": "-education_order",
}


def annotate_current(qs: QuerySet) -> QuerySet:
    """Annotate the derived current state: current_school_id/_name, current_district_name,
    current_stage, current_subject, current_employment_type, current_is_full_time, title_rank
    (with title_order), education_level (highest completed, with education_order).

    The title and education come from the projection `TeacherCurrent` (one row a teacher,
    kept by teachers.projection), joined, instead of a subquery over the history per teacher.
    """
    # The open employment is at most one row (a unique constraint), so a LEFT JOIN through a
    # filtered relation gives the current job without a subquery per column.
    qs = qs.annotate(
        current_job=FilteredRelation("employments", condition=Q(employments__end_date__isnull=True))
    )
    return qs.annotate(
        current_school_id=F("current_job__school_id"),
        current_school_name=F("current_job__school__name"),
        current_district_name=F("current_job__school__district__name"),
        current_stage=F("current_job__school__stage"),
        current_subject=F("current_job__main_subject"),
        current_employment_type=F("current_job__employment_type"),
        current_is_full_time=F("current_job__is_full_time_teacher"),
        title_rank=F("current_state__title_rank"),
        title_order=F("current_state__title_order"),
        education_level=F("current_state__education_level"),
        education_order=F("current_state__education_order"),
    )


def _years_before(today: date, years: int) -> date:
    """The same day `years` earlier; 29 February falls back to 28 February."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _birth_bounds(age_min: int | None, age_max: int | None, today: date) -> Q:
    """Born so that the age today is within [age_min, age_max]."""
    q = Q()
    if age_min is not None:
        q &= Q(birth_date__lte=_years_before(today, age_min))
    if age_max is not None:
        q &= Q(birth_date__gt=_years_before(today, age_max + 1))
    return q


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


_DIGIT_RUN = re.compile(r"\d{6,}")


def search_is_sensitive(q: str | None) -> bool:
    """Whether search text holds a national ID number, whole or in part (a run of six or more
    digits, after folding full-width digits): such a search must not travel in a URL."""
    return bool(q) and bool(_DIGIT_RUN.search(idcard.normalise(q)))


class TeacherPages(QuerySet):
    """The teacher list, whose page (a slice) is read in two steps: the page's primary keys in
    the list's order, by a query that carries only the keys and the sort columns, then those
    rows with their current state, by key. Sorting and skipping wide rows (OFFSET) is what made
    deep pages slow; the narrow query sorts and skips keys, and only the page's rows are read
    whole (the keys are in the actor's scope already: the second query does not scope again)."""

    # A count at least this large is shared briefly (core.shared) between the readers of the
    # same list: counting a province's 400,000 teachers takes 0.15 s of every page of it, and
    # a count a minute old is fine at that size. Smaller counts are exact on every page.
    SHARED_COUNT = 10_000

    def count(self) -> int:
        # The count of the filtered teachers, without the joins that only annotate each row
        # (its current job, school and district): they change no number of rows.
        counted = getattr(self, "_counted", None)
        if counted is None or self._result_cache is not None:
            return super().count()
        if (known := getattr(self, "_count", None)) is not None:
            return known  # the paginator's count, again when the page is read
        self._count = self._shared_count(counted)
        return self._count

    def _sorting_is_cheaper(self, stop: int) -> bool:
        """Whether the page's keys are found faster by sorting the list's rows than by walking
        the sort column's index (PostgreSQL).

        Walking the index in order reads about `stop` × all / listed teachers before it has
        the page, sorting reads the `listed` teachers once. The planner guesses this from
        statistics that do not see how an area's teachers spread over the index: a district's
        page 20 (1.7% of a province) walked 60,000 index entries (0.2 s) where sorting its 7,000
        teachers takes 0.02 s, so when the walk would read more rows than the sort, the order
        is given as an expression the index cannot serve."""
        if connection.vendor != "postgresql":
            return False
        listed = self.count()
        if 0 < listed <= stop:
            # The walk reads at least `stop` entries, the sort at most `listed`: no estimate
            # is needed (and its query is saved).
            return True
        everyone = _teachers_estimate()
        return 0 < listed < everyone and stop * everyone > listed * listed

    def _shared_count(self, counted) -> int:
        key = ("teacher list", query_key(counted))
        current = generation()
        if (known := shared_get(key, current)) is not None:
            return known
        n = counted.count()
        if n >= self.SHARED_COUNT:
            shared_set(key, n, current)
        return n

    def __getitem__(self, k):
        if (
            not isinstance(k, slice)
            or self._result_cache is not None
            or self._fields is not None
            or k.step is not None
        ):
            return super().__getitem__(k)
        # The keys from the filtered teachers and their sort column only (no annotating join).
        keyed = getattr(self, "_keyed", None)
        source = keyed if keyed is not None else self
        if keyed is not None and k.stop is not None and self._sorting_is_cheaper(k.stop):
            source = source.order_by(*_unindexed(source.query.order_by))
        keys = list(source.values_list("pk", flat=True)[k])
        rows = annotate_current(Teacher.objects.filter(pk__in=keys))
        by_key = {row.pk: row for row in rows}
        return [by_key[pk] for pk in keys]


def teacher_list(*, actor, filters: dict[str, Any] | None = None, action: str = "view") -> QuerySet:
    """Teachers in the actor's scope, with the current state annotated.

    filters: q (name, or a full national ID number), district, school, subject, title,
    education, employment_type, gender, age_min, age_max, sort, and status: "current" (the
    default: teachers with an open employment), "former" (retired or left) or "all".
    """
    filters = filters or {}
    qs = scope(TeacherPages(Teacher), actor, action)
    status = filters.get("status") or "current"
    # Whether an employment is open, from the projection (indexed with the area).
    if status == "current":
        qs = qs.filter(current_state__is_current=True)
    elif status == "former":
        qs = qs.filter(current_state__is_current=False)
    if q := (filters.get("q") or "").strip():
        number = idcard.normalise(q)
        if len(number) == 18 and number[:17].isdigit():
            qs = qs.filter(national_id_hash=crypto.lookup_hash(number))
        else:
            qs = qs.filter(_name_contains(q))
    if district := _int(filters.get("district")):
        qs = qs.filter(current_state__district_id=district)
    if school := _int(filters.get("school")):
        qs = qs.filter(current_state__school_id=school)
    if subject := filters.get("subject"):
        qs = qs.filter(_open_job(main_subject=subject))
    if employment_type := filters.get("employment_type"):
        qs = qs.filter(_open_job(employment_type=employment_type))
    if stage := filters.get("stage"):
        qs = qs.filter(current_state__school__stage=stage)
    if title := filters.get("title"):
        qs = qs.filter(current_state__title_rank=title if title != "none" else None)
    if education := filters.get("education"):
        qs = qs.filter(current_state__education_level=education)
    if gender := filters.get("gender"):
        qs = qs.filter(gender=gender)
    qs = qs.filter(
        _birth_bounds(_int(filters.get("age_min")), _int(filters.get("age_max")), date.today())
    )
    sort = filters.get("sort") or ""
    order = SORTS.get(sort, "name")
    key_order = KEY_SORTS.get(sort, "name")
    if q and order in ("name", "-name") and connection.vendor == "postgresql":
        by_name = _Unindexed(F("name"), output_field=CharField())  # not the index: see above
        order = key_order = by_name.desc() if order == "-name" else by_name.asc()
    listed = annotate_current(qs).order_by(order, "pk")
    listed._counted = qs
    keyed = qs
    if sort in ("school", "-school") and status == "current":
        # The same teachers (a current teacher is one with a current school, see
        # teachers.projection), joined to their school rather than left-joined: PostgreSQL then
        # walks the schools in name order (org_school_name) and each one's teachers
        # (teachers_current_school) instead of sorting every listed teacher (a province: 0.2 s
        # on three processes, against 1 ms).
        keyed = qs.filter(current_state__school__name__isnull=False)
    listed._keyed = keyed.order_by(key_order, "pk")
    return listed


def _open_job(**fields) -> Exists:
    """The teacher's open employment has these fields."""
    return Exists(
        Employment.objects.filter(teacher=OuterRef("pk"), end_date__isnull=True, **fields)
    )


def _name_contains(q: str) -> Q:
    """Name or former name contains `q` (case-insensitive).

    On PostgreSQL the rows are first narrowed by the characters of `q`, through GIN indexes on
    each name's characters (teachers migration 0014): a name search is mostly one or two
    Chinese characters, which neither a B-tree nor trigrams can look up, and `LIKE '%陈%'`
    alone reads every teacher of the database (0.5 s at province scale). `teacher_list` also
    sorts a search by an expression rather than the name column: walking the name index in
    order, the planner expects matches all along it, while a surname's sit together (0.65 s
    to find the first 50)."""
    contains = Q(name__icontains=q) | Q(former_name__icontains=q)
    if connection.vendor != "postgresql":
        return contains
    chars = sorted(set(q.lower()))
    return (Q(_HasChars(F("name"), chars)) | Q(_HasChars(F("former_name"), chars))) & contains


class _HasChars(Func):
    """The column's characters (lower case) include all of `chars`: the expression of the GIN
    indexes of teachers migration 0014 (PostgreSQL)."""

    output_field = BooleanField()

    def __init__(self, expression, chars: list[str]):
        super().__init__(expression)
        self.chars = chars

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"regexp_split_to_array(lower({sql}), '') @> %s::text[]", (*params, self.chars)


class _Unindexed(Func):
    """The column as an expression (`COALESCE(name, name)`): the same values and order, NULLs
    included, but not the column's index."""

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"COALESCE({sql}, {sql})", (*params, *params)


def _unindexed(ordering) -> list:
    """`ordering` (a queryset's order_by) with each column (but the primary key, the tie
    break) as `_Unindexed`."""
    out = []
    for item in ordering:
        if not isinstance(item, str) or item.lstrip("-") == "pk":
            out.append(item)
            continue
        column = _Unindexed(F(item.lstrip("-")))
        out.append(column.desc() if item.startswith("-") else column.asc())
    return out


def _teachers_estimate() -> int:
    """The number of teachers in the database, as PostgreSQL's statistics have it (shared
    until the data changes, core.shared)."""

    def estimate() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
                [Teacher._meta.db_table],
            )
            return int(cursor.fetchone()[0])

    return shared("teachers estimate", connection.alias, estimate)


def teacher_get(*, actor, pk, action: str = "view") -> Teacher:
    """One teacher inside the actor's scope, with every history group prefetched."""
    qs = Teacher.objects.prefetch_related(
        "employments__school__district",
        "education_records",
        "title_records",
        "certificates",
        "recognitions",
        "appraisals",
        "teaching_loads",
        "work_experience",
    )
    return get_in_scope(qs, actor, action, pk=pk)


def teacher_for_user(user) -> Teacher | None:
    return getattr(user, "teacher_profile", None)


def teacher_stats(*, actor, region=None) -> dict[str, Any]:
    """Counts for the dashboard over the teachers the actor may aggregate (those working in
    `region` if given; `actor=None` reads as a system operator: the pilot office's indicators
    and report compare regions with these same counts).

    Shared briefly between the users of one area (`core.shared`, keyed by the scope's query):
    a dashboard at province
    scale is a dozen aggregates over hundreds of thousands of rows, and a minute-old count is
    fine on it (the lists, not the dashboard, show the rows just written).
    """
    base = (
        Teacher.objects.all() if actor is None else scope(Teacher.objects.all(), actor, "aggregate")
    )
    # current staff only (the projection says whether an employment is open, and its area)
    current = {"current_state__is_current": True}
    if region is not None:
        current["current_state__district__path__startswith"] = region.path
    base = base.filter(**current)
    return shared("teacher_stats", query_key(base), lambda: _teacher_stats(base))


def _teacher_stats(base: QuerySet) -> dict[str, Any]:
    qs = annotate_current(base)
    today = date.today()
    bands = [
        (20, 24),
        (25, 29),
        (30, 34),
        (35, 39),
        (40, 44),
        (45, 49),
        (50, 54),
        (55, 59),
        (60, 65),
    ]
    # Every breakdown and every age band in one pass over the teachers (a province's 400,000
    # were read six times, 1.5 s): counts per combination, filtered per band, summed here.
    keys = ("current_stage", "title_rank", "education_level", "current_employment_type")
    rows = (
        qs.order_by()
        .values(*keys, "gender")
        .annotate(
            n=Count("pk"),
            **{
                f"band{i}": Count("pk", filter=_birth_bounds(low, high, today))
                for i, (low, high) in enumerate(bands)
            },
        )
    )
    total = 0
    by: dict[str, dict[str, int]] = {key: {} for key in keys}
    by_gender: dict[str, int] = {}
    band_counts: dict[tuple[str, int], int] = {}
    for r in rows:
        total += r["n"]
        for key in keys:
            by[key][r[key] or ""] = by[key].get(r[key] or "", 0) + r["n"]
        by_gender[r["gender"]] = by_gender.get(r["gender"], 0) + r["n"]
        for i in range(len(bands)):
            band_counts[(r["gender"], i)] = band_counts.get((r["gender"], i), 0) + r[f"band{i}"]
    by = {key: dict(sorted(counts.items())) for key, counts in by.items()}
    pyramid = [
        {
            "band": f"{low}–{high}",
            "male": band_counts.get(("male", i), 0),
            "female": band_counts.get(("female", i), 0),
        }
        for i, (low, high) in enumerate(bands)
    ]
    valid_recognition = Recognition.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        teacher=OuterRef("pk"),
        start_date__lte=today,
        level__in=["district", "city", "province", "national"],
    )
    backbone = base.filter(Exists(valid_recognition)).count()
    return {
        "total": total,
        "by_stage": by["current_stage"],
        "by_title": by["title_rank"],
        "by_education": by["education_level"],
        "by_employment_type": by["current_employment_type"],
        "by_gender": by_gender,
        "age_pyramid": pyramid,
        "backbone": backbone,
    }


BACHELOR_OR_ABOVE = ("bachelor", "master", "doctorate")
POSTGRADUATE = ("master", "doctorate")
SENIOR_TITLES = ("senior", "professor")


def stats_share(counts: dict[str, int], keys, total: int) -> float | None:
    """The percentage of `total` that `keys` of `counts` make up (one decimal; None without
    teachers): the bachelor's-or-above share on the dashboard, and the degree and title
    structure of the pilot office's indicators."""
    if not total:
        return None
    return round(100 * sum(counts.get(k, 0) for k in keys) / total, 1)


COMPLETENESS = [
    ("basic", "name", _("name")),
    ("basic", "gender", _("gender")),
    ("basic", "birth_date", _("birth date")),
    ("basic", "ethnicity", _("ethnicity")),
    ("basic", "political_status", _("political status")),
    ("basic", "native_place", _("native place")),
    ("basic", "work_start_date", _("date started work")),
    ("contact", "phone_encrypted", _("phone")),
    ("contact", "email", _("email")),
]


def teacher_completeness(teacher: Teacher, today: date | None = None) -> dict[str, Any]:
    """What the record still lacks before it can be reported to the national system.

    Checks the basic and contact fields, one record in each required group, the dates that
    were never given (the start at the current school, a degree's graduation date, the date a
    title was obtained), and the national
    system's rules that apply: education history starts at senior secondary school, an
    appraisal for last year, and for full-time teachers a main subject and a teaching load for
    the current school year (which starts in September).
    """
    today = today or date.today()
    missing: list[dict[str, str]] = []

    def lack(group: str, field: str, label) -> None:
        missing.append({"group": group, "field": field, "label": str(label)})

    for group, field, label in COMPLETENESS:
        if not getattr(teacher, field):
            lack(group, field, label)
    checks = len(COMPLETENESS)
    education = list(teacher.education_records.all())
    required = [
        ("employment", list(teacher.employments.all()), _("current employment")),
        ("education", education, _("education history")),
        ("certificate", list(teacher.certificates.all()), _("teaching certificate")),
    ]
    for group, records, label in required:
        checks += 1
        if not records:
            lack(group, group, label)
    checks += 1
    if education and not any(
        r.level in ("senior_secondary", "secondary_normal") for r in education
    ):
        lack("education", "senior_secondary", _("senior secondary school in education history"))
    checks += 1
    if not any(a.year == today.year - 1 for a in teacher.appraisals.all()):
        lack("appraisal", "appraisal", _("annual appraisal for last year"))
    # A date an import's file left out is kept empty: the record lacks it until someone gives it.
    job = teacher.current_employment
    if job is not None:
        checks += 1
        if job.start_date is None:
            lack("employment", "start_date", _("start date at the current school"))
    if education:
        checks += 1
        if any(r.end_date is None and r.end_date_missing for r in education):
            lack("education", "graduation_date", _("graduation date"))
    titles = list(teacher.title_records.all())
    if titles:
        checks += 1
        if any(r.obtained_on is None for r in titles):
            lack("title", "obtained_on", _("date a title was obtained"))
    if job is not None and job.is_full_time_teacher:
        checks += 2
        if not job.main_subject:
            lack("employment", "main_subject", _("main subject"))
        school_year = today.year if today.month >= 9 else today.year - 1
        if not any(t.school_year == school_year for t in teacher.teaching_loads.all()):
            lack("teaching_load", "teaching_load", _("teaching load for this school year"))
    return {"missing": missing, "percent": round(100 * (checks - len(missing)) / checks)}


def backbone_recognitions(teacher: Teacher, on: date | None = None) -> list[Recognition]:
    on = on or date.today()
    return [r for r in teacher.recognitions.all() if r.is_valid_on(on)]


def change_request_list(*, actor, status: str | None = None) -> QuerySet:
    qs = scope(ChangeRequest.objects.select_related("teacher", "submitted_by"), actor, "view")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def change_request_get(*, actor, pk, action: str = "view") -> ChangeRequest:
    return get_in_scope(ChangeRequest.objects.select_related("teacher"), actor, action, pk=pk)


def teacher_count_by_school(school_ids) -> dict[int, int]:
    """Current teachers per school, for school lists."""
    rows = (
        Employment.objects.filter(school_id__in=list(school_ids), end_date__isnull=True)
        .values("school_id")
        .annotate(n=Count("pk"))
    )
    return {r["school_id"]: r["n"] for r in rows}


def registration_query_list(*, actor, open_only: bool = True) -> QuerySet:
    """Queries from other offices about teachers whose records the actor holds."""
    from .models import RegistrationQuery

    qs = scope(RegistrationQuery.objects.all(), actor, "review").select_related("teacher")
    return qs.filter(closed_at__isnull=True) if open_only else qs
