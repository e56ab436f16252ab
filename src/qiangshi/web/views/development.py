"""Teacher development pages of the training area (issue 16, part B): growth paths (a teacher's
and a school's), degree upgrading (the studies, their completion and the balance effect), the
science teachers' training, the digital-literacy aggregates, and the school's bulk assignment of
the top recommendation.

Reads come from the training app's modules (`growth`, `degrees`, `science`, `literacy_stats`,
`assign`), writes go through their `*_create`/`*_complete`/`*_assign` functions.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require, scope
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.teachers.models import EducationLevel, StudyMode, Subject, Teacher
from qiangshi.training import assign, degrees, growth, literacy, literacy_stats, science
from qiangshi.training.models import DegreeStudyStatus, TrainingCategory
from qiangshi.web.lists import paginate, query_without_page, xlsx_response


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _join(items) -> str:
    """A list of names in the active language's way."""
    return (", " if _english() else "、").join(items)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _school(request, pk=None) -> School:
    """The school asked for (`pk`, or `?school=`) in the actor's scope; a school administrator's
    own school by default. 404 outside the scope."""
    pk = pk or request.GET.get("school") or request.POST.get("school")
    if not pk and request.user.role == Role.SCHOOL:
        pk = request.user.school_id
    if not str(pk or "").isdigit():
        raise Http404
    school = scope(School.objects.select_related("district"), request.user, "view").filter(pk=pk)
    school = school.first()
    if school is None:
        raise Http404
    return school


def _area_schools(request):
    """The schools of the actor's area, for choosing one (search `q`, paged)."""
    qs = scope(School.objects.filter(is_active=True), request.user, "view")
    if q := (request.GET.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    return paginate(request, qs.order_by("code"))


def _region(request) -> Region | None:
    """The district (or city) chosen within the actor's area; None: all of it."""
    code = request.GET.get("region", "")
    if not code:
        return None
    region = (
        scope(Region.objects.filter(code=code), request.user, "view")
        .filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT))
        .first()
    )
    if region is None or (
        request.user.region_id and not region.path.startswith(request.user.region.path)
    ):
        raise Http404
    return region


def _regions(request) -> list[Region]:
    if request.user.role in (Role.SCHOOL, Role.TEACHER):
        return []
    return list(
        scope(
            Region.objects.filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT)),
            request.user,
            "view",
        )
        .filter(path__startswith=request.user.region.path if request.user.region_id else "")
        .order_by("path")
    )


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


# --- Growth paths ---------------------------------------------------------------------------


def _criterion_text(result) -> str:
    """What a criterion asks and what the teacher has, in words."""
    from qiangshi.teachers.models import (
        EDUCATION_RANK,
        TITLE_RANK,
        EducationLevel,
        RecognitionKind,
        RecognitionLevel,
        TitleRank,
    )

    c = result.criterion
    by_order = {
        "title": ({v: k for k, v in TITLE_RANK.items()}, dict(TitleRank.choices)),
        "degree": ({v: k for k, v in EDUCATION_RANK.items()}, dict(EducationLevel.choices)),
        "recognition": (
            {v: k for k, v in growth.LEVEL_RANK.items()},
            dict(RecognitionLevel.choices),
        ),
    }

    def label(kind, order):
        if order is None:
            return _("none recorded")
        codes, labels = by_order[kind]
        return str(labels[codes[int(order)]])

    have = result.have
    if c.kind == "years":
        need = _("at least %(n)s years of teaching") % {"n": f"{c.minimum:g}"}
        got = _("not known") if have is None else _("%(n)s years") % {"n": f"{have:g}"}
    elif c.kind in ("title", "degree"):
        need = (
            _("title: %(v)s or above") if c.kind == "title" else _("degree: %(v)s or above")
        ) % {"v": label(c.kind, c.minimum)}
        got = label(c.kind, have)
    elif c.kind == "recognition":
        kinds = dict(RecognitionKind.choices)
        names = _join(str(kinds[k]) for k in sorted(c.kinds))
        need = _("%(kinds)s, %(level)s level or above") % {
            "kinds": names or _("any recognition"),
            "level": label("recognition", c.minimum),
        }
        got = label("recognition", have)
    elif c.kind == "hours":
        cats = dict(TrainingCategory.choices)
        which = _join(str(cats.get(k, k)) for k in sorted(c.kinds))
        need = (
            _("%(n)s training hours (%(which)s)") % {"n": f"{c.minimum:g}", "which": which}
            if c.kinds
            else _("%(n)s training hours") % {"n": f"{c.minimum:g}"}
        )
        got = _("%(n)s h") % {"n": f"{have:g}"}
    else:  # literacy
        need = _("digital literacy self-assessment of %(n)s or more") % {"n": f"{c.minimum:g}"}
        got = _("not assessed") if have is None else f"{have:g}"
    return need, got


def _path_rows(results) -> list[dict]:
    rows = []
    for r in results:
        milestones = []
        for m in r.milestones:
            milestones.append(
                {
                    "name": growth.name(m.milestone),
                    "reached": m.reached,
                    "reached_on": m.reached_on,
                    "criteria": [
                        dict(zip(("need", "have"), _criterion_text(c), strict=True), met=c.met)
                        for c in m.criteria
                    ],
                }
            )
        rows.append(
            {
                "name": growth.name(r.path),
                "code": r.path.code,
                "milestones": milestones,
                "current": growth.name(r.current.milestone) if r.current else None,
                "next": growth.name(r.next.milestone) if r.next else None,
                "missing": [
                    dict(zip(("need", "have"), _criterion_text(c), strict=True))
                    for c in (r.next.missing if r.next else ())
                ],
            }
        )
    return rows


@login_required
def training_paths(request):
    """Growth paths: a teacher's own; a school administrator's school overview; an office's
    choice of school."""
    require(request.user, "trainingrecord", "view")
    if request.user.role == Role.TEACHER:
        teacher = getattr(request.user, "teacher_profile", None)
        if teacher is None:
            raise Http404
        return redirect("web:training_teacher_paths", teacher.pk)
    if request.user.role == Role.SCHOOL and request.user.school_id:
        return redirect("web:training_school_paths", request.user.school_id)
    require(request.user, "trainingrecord", "aggregate")
    return render(
        request,
        "web/training/paths_schools.html",
        {"page": _area_schools(request), "query": query_without_page(request)},
    )


@login_required
def training_teacher_paths(request, pk):
    """One teacher's growth paths: milestones reached (when), the next and what it lacks."""
    require(request.user, "trainingrecord", "view")
    try:
        result = growth.teacher_growth(actor=request.user, teacher_pk=pk, on=timezone.localdate())
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "web/training/paths_teacher.html",
        {
            "teacher": result.teacher,
            "file": result.file,
            "paths": _path_rows(result.results),
        },
    )


@login_required
def training_school_paths(request, pk):
    """A school's teachers on the growth paths: how many stand at each milestone, and each
    teacher's last milestone and next one."""
    require(request.user, "trainingrecord", "aggregate")
    school = _school(request, pk)
    overview = growth.school_growth(actor=request.user, school=school, on=timezone.localdate())
    paths = [
        {
            "code": p.code,
            "name": growth.name(p),
            "counts": [(_("None yet"), overview.counts[p.code][""])]
            + [(growth.name(m), overview.counts[p.code][m.code]) for m in p.milestones],
        }
        for p in overview.paths
    ]
    rows = [
        {
            "teacher": row["teacher"],
            "stands": [
                (
                    growth.name(r.current.milestone) if r.current else None,
                    growth.name(r.next.milestone) if r.next else None,
                    len(r.next.missing) if r.next else 0,
                )
                for r in (row["results"][p.code] for p in overview.paths)
            ],
        }
        for row in overview.teachers
    ]
    page = paginate(request, rows)
    return render(
        request,
        "web/training/paths_school.html",
        {
            "school": school,
            "file": overview.file,
            "paths": paths,
            "total": overview.total,
            "page": page,
            "query": query_without_page(request),
            "chart": {
                "paths": [
                    {
                        "name": p["name"],
                        "labels": [c[0] for c in p["counts"]],
                        "values": [c[1] for c in p["counts"]],
                    }
                    for p in paths
                ],
                "label": _("Teachers"),
            },
        },
    )


# --- Degree upgrading -----------------------------------------------------------------------

DEGREE_FILTERS = ("q", "status", "level", "school", "due")


def _degree_rows(qs):
    return [
        (
            s.teacher.name,
            s.get_level_display(),
            s.programme,
            s.institution,
            s.get_study_mode_display(),
            s.start_date,
            s.expected_on,
            s.get_status_display(),
            s.completed_on,
        )
        for s in qs[:50000]
    ]


@login_required
def training_degrees(request):
    """Teachers studying for a higher degree: search, filters, pages, xlsx export."""
    require(request.user, "degreestudy", "view")
    filters = {k: request.GET.get(k, "") for k in DEGREE_FILTERS}
    filters["due"] = _date(filters["due"]) or ""
    qs = degrees.degree_study_list(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, "degreestudy", "export")
        rows = _degree_rows(qs)
        audit_record(
            actor=request.user, action="training.degree_study_export", note=f"{len(rows)} rows"
        )
        header = [
            _("Teacher"),
            _("Degree sought"),
            _("Programme of study"),
            _("Institution"),
            _("Study mode"),
            _("Start date"),
            _("Expected completion"),
            _("Status"),
            _("Date obtained"),
        ]
        return xlsx_response("degree-studies", [(_("Degree studies"), header, rows)])
    own_school = request.user.school_id if request.user.role == Role.SCHOOL else None
    return render(
        request,
        "web/training/degrees.html",
        {
            "page": paginate(request, qs),
            "query": query_without_page(request),
            "filters": {**filters, "due": request.GET.get("due", "")},
            "statuses": DegreeStudyStatus.choices,
            "levels": EducationLevel.choices,
            "may_create": can(request.user, "degreestudy", "create"),
            "may_change": can(request.user, "degreestudy", "change"),
            "may_effect": can(request.user, "degreestudy", "aggregate"),
            "own_school": own_school,
            "today": timezone.localdate(),
        },
    )


@login_required
def training_degree_create(request):
    """Record a teacher's study for a higher degree."""
    require(request.user, "degreestudy", "create")
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        p = request.POST
        start, expected = _date(p.get("start_date")), _date(p.get("expected_on"))
        teacher = p.get("teacher", "")
        if not teacher.isdigit():
            errors["teacher"] = _("Choose a teacher.")
        if start is None:
            errors["start_date"] = _("Enter a date (YYYY-MM-DD).")
        if expected is None:
            errors["expected_on"] = _("Enter a date (YYYY-MM-DD).")
        if not errors:
            try:
                degrees.degree_study_create(
                    actor=request.user,
                    teacher_pk=int(teacher),
                    level=p.get("level", ""),
                    institution=p.get("institution", ""),
                    programme=p.get("programme", ""),
                    study_mode=p.get("study_mode", ""),
                    start_date=start,
                    expected_on=expected,
                )
            except NotFound:
                errors["teacher"] = _("Choose a teacher.")
            except ApplicationError as exc:
                errors = dict(exc.fields) or {"form": exc.message}
            else:
                messages.success(request, _("Degree study recorded."))
                return redirect("web:training_degrees")
    teachers = (
        scope(Teacher.objects.all(), request.user, "change")
        .filter(employments__end_date__isnull=True)
        .distinct()
        .order_by("name", "pk")[:1000]
    )
    return render(
        request,
        "web/training/degree_form.html",
        {
            "errors": errors,
            "values": values,
            "teachers": teachers,
            "levels": EducationLevel.choices,
            "modes": StudyMode.choices,
        },
    )


@login_required
@require_POST
def training_degree_close(request, pk):
    """Close a study: the degree obtained (on a date) or discontinued."""
    require(request.user, "degreestudy", "change")
    try:
        study = degrees.degree_study_get(actor=request.user, pk=pk)
        if request.POST.get("outcome") == "completed":
            degrees.degree_study_complete(
                actor=request.user,
                study_pk=study.pk,
                completed_on=_date(request.POST.get("completed_on")),
            )
            messages.success(request, _("The degree is on the teacher's record."))
        else:
            degrees.degree_study_discontinue(actor=request.user, study_pk=study.pk)
            messages.success(request, _("The study is closed as discontinued."))
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("web:training_degrees") + "?" + request.POST.get("back", ""))


@login_required
def training_degree_effect(request):
    """A school's "teachers above the required degree per 100 pupils" now and when those
    expected to finish by a date do so."""
    require(request.user, "degreestudy", "aggregate")
    if not request.GET.get("school") and request.user.role != Role.SCHOOL:
        return render(
            request,
            "web/training/paths_schools.html",
            {
                "page": _area_schools(request),
                "query": query_without_page(request),
                "target": "web:training_degree_effect",
            },
        )
    school = _school(request)
    today = timezone.localdate()
    by = _date(request.GET.get("by")) or date(today.year + 1, 8, 31)
    effect = degrees.degree_effect(actor=request.user, school=school, by=by)
    return render(
        request,
        "web/training/degree_effect.html",
        {"effect": effect, "school": school, "by": by},
    )


# --- Science teachers -----------------------------------------------------------------------


def _science_xlsx(report, area: str):
    header = [
        _("Area"),
        _("School"),
        _("School code"),
        _("Science teachers"),
        _("Keeping the cycle's pace"),
        _("Share keeping the pace (%)"),
        _("Cycle complete"),
        _("Hours per teacher"),
        _("Science-programme hours per teacher"),
        _("Teachers with science-programme hours"),
        _("Coverage (%)"),
    ]

    def line(name, code, r):
        return (
            area,
            name,
            code,
            r.teachers,
            r.on_pace,
            _rate(r.on_pace_share),
            r.complete,
            r.hours_per_teacher,
            r.science_hours_per_teacher,
            r.trained,
            _rate(r.coverage),
        )

    rows = [line(r.school.name, r.school.code, r) for r in report.schools]
    rows.append(line(_("Total"), "", report.total))
    return xlsx_response("science-teachers", [(_("Science teachers"), header, rows)])


@login_required
def training_science(request):
    """The science teachers' training per school, for a school or an area: hours per teacher,
    the share keeping the cycle's pace, science-programme hours and coverage; xlsx export."""
    require(request.user, "trainingrecord", "aggregate")
    region = _region(request)
    school = None
    if request.user.role == Role.SCHOOL:
        school = _school(request)
    report = science.science_report(
        actor=request.user, on=timezone.localdate(), region=region, school=school
    )
    if request.GET.get("format") == "xlsx":
        require(request.user, "trainingrecord", "export")
        audit_record(
            actor=request.user,
            action="training.science_export",
            note=region.code if region else "",
        )
        area = region.display_name if region else (school.name if school else _("Your area"))
        return _science_xlsx(report, area)
    labels = dict(Subject.choices)
    return render(
        request,
        "web/training/science.html",
        {
            "report": report,
            "region": region,
            "regions": _regions(request),
            "subjects": [str(labels.get(s, s)) for s in report.parameters["subjects"]],
            "on_pace": _rate(report.total.on_pace_share),
            "coverage": _rate(report.total.coverage),
        },
    )


# --- Digital literacy aggregates ------------------------------------------------------------


def _literacy_xlsx(overview, area: str):
    dims = overview.dimensions
    means = [
        (area, _("Total"), "", overview.assessed) + tuple(overview.area[c].mean for c, _n in dims)
    ] + [
        (area, s["school"].name, s["school"].code, s["assessed"])
        + tuple(s["means"][c].mean for c, _n in dims)
        for s in overview.schools
    ]
    low, high = overview.scale
    bins = [f"{b}–{b + 1}" for b in range(low, high)]
    histogram = [(n,) + tuple(overview.histograms[c]) for c, n in dims]
    trend = [(name, y.year, y.mean, y.n, y.change) for c, name in dims for y in overview.trend[c]]
    return xlsx_response(
        "digital-literacy",
        [
            (
                _("Means"),
                [_("Area"), _("School"), _("School code"), _("Assessed")] + [n for _c, n in dims],
                means,
            ),
            (_("Distribution"), [_("Dimension")] + bins, histogram),
            (
                _("Year over year"),
                [_("Dimension"), _("Year"), _("Mean"), _("Assessed"), _("Change")],
                trend,
            ),
        ],
    )


@login_required
def training_literacy_overview(request):
    """Digital literacy of a school or an area: means per dimension (the area's and each
    school's), the distribution per dimension and the change year over year; xlsx export."""
    require(request.user, "trainingrecord", "aggregate")
    require(request.user, "literacyassessment", "view")
    region = _region(request)
    school = _school(request) if request.user.role == Role.SCHOOL else None
    today = timezone.localdate()
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    overview = literacy_stats.literacy_overview(
        actor=request.user, year=year, region=region, school=school
    )
    if request.GET.get("format") == "xlsx":
        require(request.user, "trainingrecord", "export")
        audit_record(
            actor=request.user,
            action="training.literacy_export",
            note=f"{region.code if region else ''} {year}".strip(),
        )
        area = region.display_name if region else (school.name if school else _("Your area"))
        return _literacy_xlsx(overview, area)
    low, high = overview.scale
    dims = overview.dimensions
    return render(
        request,
        "web/training/literacy_overview.html",
        {
            "overview": overview,
            "region": region,
            "regions": _regions(request),
            "years": sorted(set(overview.years) | {today.year}, reverse=True),
            "area_means": [(n, overview.area[c]) for c, n in dims],
            "school_rows": [
                {
                    "school": s["school"],
                    "assessed": s["assessed"],
                    "means": [s["means"][c] for c, _n in dims],
                }
                for s in overview.schools
            ],
            "dimension_names": [n for _c, n in dims],
            "chart": {
                "dimensions": [n for _c, n in dims],
                "bins": [f"{b}–{b + 1}" for b in range(low, high)],
                "histograms": [overview.histograms[c] for c, _n in dims],
                "years": [y.year for y in overview.trend[dims[0][0]]] if dims else [],
                "trend": [[y.mean for y in overview.trend[c]] for c, _n in dims],
                "max": high,
                "teachers_label": _("Teachers"),
                "mean_label": _("Mean"),
            },
        },
    )


# --- Bulk assignment of the top recommendation ----------------------------------------------


def _reason(programme, rec, names: dict[str, str]) -> str:
    """Why the programme is proposed for the teacher (said to the school, not the teacher),
    from the engine's named parts that count in its favour."""
    labels = dict(TrainingCategory.choices)

    def literacy_part(code):
        wording = (
            _("covers %(indicator)s, the teacher's lowest")
            if rec.lowest == code
            else _("covers %(indicator)s")
        )
        return wording % {"indicator": names.get(code, code)}

    says = {
        "literacy": literacy_part,
        "hours": lambda n: _("%(n)s h towards the cycle") % {"n": f"{n:g}"},
        "minimum": lambda c: (
            _("counts towards the %(category)s minimum") % {"category": labels.get(c, c)}
        ),
        "subject": lambda _s: _("for the teacher's subject"),
        "stage": lambda _s: _("for the stage"),
    }
    bits = [says[p.kind](p.detail) for p in rec.parts if p.kind in says and p.points > 0]
    bits.append(
        _("%(h)s h; starts %(date)s")
        % {"h": f"{programme.hours:g}", "date": programme.starts_on.isoformat()}
    )
    return ("; " if _english() else "；").join(bits)


@login_required
def training_recommendations(request):
    """The school's teachers with their top recommendation; choose teachers (or all on the
    filter), preview, confirm: the enrolments are created (capacity and waiting list kept)."""
    require(request.user, "enrolment", "create")
    if request.user.role == Role.TEACHER:
        raise PermissionDenied
    if not (request.GET.get("school") or request.POST.get("school")) and (
        request.user.role != Role.SCHOOL
    ):
        return render(
            request,
            "web/training/paths_schools.html",
            {
                "page": _area_schools(request),
                "query": query_without_page(request),
                "target": "web:training_recommendations",
            },
        )
    school = _school(request)
    today = timezone.localdate()
    names = {code: literacy.name(i) for code, i in literacy.indicators().items()}
    if request.method == "POST" and request.POST.get("step") == "confirm":
        pairs = []
        for value in request.POST.getlist("pair"):
            t, _sep, p = value.partition(":")
            if t.isdigit() and p.isdigit():
                pairs.append((int(t), int(p)))
        try:
            result = assign.recommendations_assign(
                actor=request.user, school=school, pairs=pairs, today=today
            )
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(e)d enrolled, %(w)d on a waiting list, %(r)d refused.")
                % {"e": len(result.enrolled), "w": len(result.waiting), "r": len(result.refused)},
            )
            if result.refused:
                teachers = Teacher.objects.in_bulk([t for t, _m in result.refused])
                for t, why in result.refused:
                    messages.warning(request, f"{teachers[t].name}: {why}")
        return redirect(reverse("web:training_recommendations") + f"?school={school.pk}")
    filters = {"q": request.GET.get("q", ""), "subject": request.GET.get("subject", "")}
    teachers = assign.school_teachers(actor=request.user, school=school, filters=filters)
    if request.method == "POST":  # the preview of the chosen teachers (or all on the filter)
        if request.POST.get("all"):
            filters = {"q": request.POST.get("q", ""), "subject": request.POST.get("subject", "")}
            chosen = list(
                assign.school_teachers(actor=request.user, school=school, filters=filters)[:500]
            )
        else:
            pks = [int(v) for v in request.POST.getlist("teacher") if v.isdigit()]
            chosen = list(teachers.filter(pk__in=pks)) if pks else []
        if not chosen:
            messages.error(request, _("Choose at least one teacher."))
            return redirect(reverse("web:training_recommendations") + f"?school={school.pk}")
        proposals = assign.proposals(actor=request.user, teachers=chosen, on=today)
        return render(
            request,
            "web/training/recommend_preview.html",
            {
                "school": school,
                "proposals": [
                    {
                        "p": p,
                        "reason": _reason(p.programme, p.recommendation, names)
                        if p.programme
                        else "",
                    }
                    for p in proposals
                ],
                "assignable": sum(1 for p in proposals if p.programme),
            },
        )
    page = paginate(request, teachers)
    shown = assign.proposals(actor=request.user, teachers=list(page.object_list), on=today)
    return render(
        request,
        "web/training/recommendations.html",
        {
            "school": school,
            "page": page,
            "query": query_without_page(request),
            "filters": filters,
            "subjects": Subject.choices,
            "rows": [
                {
                    "p": p,
                    "reason": _reason(p.programme, p.recommendation, names) if p.programme else "",
                }
                for p in shown
            ],
        },
    )
