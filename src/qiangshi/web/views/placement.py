"""Placement lottery pages (issue 19): intakes, the import of zones, places and pupils, the
rehearsal, the ceremony (witnesses type their parts, a parent presses start), the draw page with
the seed and chain hash large enough to photograph, downloads, publication, and the public lookup
of a published result by pupil code.

Reads come from `qiangshi.placement.selectors`, writes go through `qiangshi.placement.services`.
"""

from __future__ import annotations

import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require, scope
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.engines import lottery as engine
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.placement import selectors, services
from qiangshi.placement.models import DrawKind
from qiangshi.web.lists import paginate, query_without_page

# The witnesses a ceremony asks for by default (POLICY §10: supervision office, notary,
# parents); the page can ask for more.
DEFAULT_WITNESSES = [
    gettext_lazy("Supervision office"),
    gettext_lazy("Notary"),
    gettext_lazy("Parents' representative"),
]
MAX_WITNESSES = 9
DOWNLOADABLE = (*engine.INPUT_FILES, *engine.OUTPUT_FILES, engine.MANIFEST_FILE)


def _intake(request, pk):
    require(request.user, "placement", "view")
    try:
        return selectors.intake_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _draw(request, pk):
    require(request.user, "placement", "view")
    try:
        return selectors.draw_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _may_change(user, intake) -> bool:
    try:
        services.require(user, intake, "change")
    except NotFound:
        return False
    return True


def _error_lines(exc: ApplicationError) -> list[str]:
    return str(exc.message).splitlines()


def _regions(user):
    """Cities and districts where the actor may open an intake."""
    qs = scope(Region.objects.filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT)), user)
    if user.role in (Role.BUREAU, Role.DISTRICT):
        qs = qs.filter(path__startswith=user.region.path) if user.region_id else qs.none()
    return list(qs.order_by("path"))


@login_required
def placement_home(request):
    """The intakes of the actor's area and a form for a new one."""
    require(request.user, "placement", "view")
    user = request.user
    may_create = can(user, "placement", "change")
    errors: list[str] = []
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        region = Region.objects.filter(code=request.POST.get("region", "")).first()
        year = request.POST.get("year", "")
        try:
            if region is None or not year.isdigit():
                raise ApplicationError(_("Choose a region and a year."))
            intake = services.intake_create(
                actor=user, region=region, year=int(year), name=request.POST.get("name", "")
            )
        except (ApplicationError, NotFound) as exc:
            errors = _error_lines(exc)
        else:
            messages.success(request, _("Intake created."))
            return redirect("web:placement_intake", intake.pk)
    return render(
        request,
        "web/placement/home.html",
        {
            "intakes": selectors.intake_list(actor=user),
            "may_create": may_create,
            "regions": _regions(user) if may_create else [],
            "errors": errors,
        },
    )


@login_required
def placement_intake(request, pk):
    """An intake: zones, schools and places, pupils; import; rehearsal; draws."""
    intake = _intake(request, pk)
    draws = list(selectors.draw_list(actor=request.user, intake=intake))
    return render(
        request,
        "web/placement/intake.html",
        {
            "intake": intake,
            "summary": selectors.intake_summary(intake),
            "draws": draws,
            "ceremony": next((d for d in draws if d.kind == DrawKind.CEREMONY), None),
            "may_change": _may_change(request.user, intake),
            "errors": request.session.pop("placement_errors", []),
        },
    )


@login_required
@require_POST
def placement_import(request, pk):
    intake = _intake(request, pk)
    schools = request.FILES.get("schools")
    pupils = request.FILES.get("pupils")
    try:
        if schools is None or pupils is None:
            raise ApplicationError(_("Upload both files: the schools and the pupils."))
        counts = services.intake_import(
            actor=request.user,
            intake=intake,
            schools_data=schools.read(),
            schools_filename=schools.name,
            pupils_data=pupils.read(),
            pupils_filename=pupils.name,
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        request.session["placement_errors"] = _error_lines(exc)
    else:
        messages.success(
            request,
            _("Imported %(zones)d zones, %(schools)d schools and %(pupils)d pupils.") % counts,
        )
    return redirect("web:placement_intake", intake.pk)


def _parts(raw: str) -> list[str]:
    """Seed parts from a text box: one a line, taken as typed (no trimming of the text itself;
    only the line ends are removed)."""
    return [line for line in raw.replace("\r\n", "\n").split("\n") if line != ""]


@login_required
@require_POST
def placement_rehearsal(request, pk):
    """A rehearsal with a test seed: any number of times, never published."""
    intake = _intake(request, pk)
    try:
        draw = services.draw_run(
            actor=request.user,
            intake=intake,
            kind=DrawKind.REHEARSAL,
            seed_parts=_parts(request.POST.get("seed_parts", "")),
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        request.session["placement_errors"] = _error_lines(exc)
        return redirect("web:placement_intake", intake.pk)
    messages.success(request, _("Rehearsal draw made."))
    return redirect("web:placement_draw", draw.pk)


@login_required
def placement_ceremony(request, pk):
    """The ceremony: each witness types a part, a parent presses start; the draw runs once."""
    intake = _intake(request, pk)
    if not _may_change(request.user, intake):
        raise PermissionDenied
    try:
        count = min(max(int(request.GET.get("witnesses") or 3), 1), MAX_WITNESSES)
    except ValueError:
        count = 3
    errors: list[str] = []
    if request.method == "POST":
        labels = request.POST.getlist("witness")
        parts = request.POST.getlist("part")
        count = len(parts)
        try:
            draw = services.draw_run(
                actor=request.user,
                intake=intake,
                kind=DrawKind.CEREMONY,
                seed_parts=parts,
                witnesses=labels,
            )
        except ApplicationError as exc:
            errors = _error_lines(exc)
        else:
            return redirect("web:placement_draw", draw.pk)
        rows = list(zip(labels, parts, strict=False))
    else:
        rows = [
            (str(DEFAULT_WITNESSES[i]) if i < len(DEFAULT_WITNESSES) else "", "")
            for i in range(count)
        ]
    ceremony = intake.draws.filter(kind=DrawKind.CEREMONY).first()
    return render(
        request,
        "web/placement/ceremony.html",
        {
            "intake": intake,
            "rows": rows,
            "more": min(count + 1, MAX_WITNESSES),
            "errors": errors,
            "ceremony": ceremony,
            "summary": selectors.intake_summary(intake),
        },
    )


@login_required
def placement_draw(request, pk):
    """A draw: seed and chain hash shown large, counts, files with their SHA-256, results
    (with names for the admissions office), publication."""
    draw = _draw(request, pk)
    results = paginate(request, selectors.draw_results(draw=draw), per_page=100)
    names = selectors.identities(actor=request.user, intake=draw.intake)
    files = list(draw.files.order_by("id").values("name", "sha256"))
    schools = {
        s.code: s for s in School.objects.filter(district__path__startswith=draw.intake.region.path)
    }
    rows = [(r, names.get(r.pupil_code), schools.get(r.school_code)) for r in results]
    return render(
        request,
        "web/placement/draw.html",
        {
            "draw": draw,
            "intake": draw.intake,
            "page": results,
            "rows": rows,
            "show_names": bool(names),
            "files": files,
            "counts": draw.manifest.get("counts", {}),
            "may_publish": draw.kind == DrawKind.CEREMONY
            and draw.published_at is None
            and _may_change(request.user, draw.intake),
            "query": query_without_page(request),
            "witness_parts": list(zip(draw.witnesses, draw.seed_parts, strict=False))
            if draw.witnesses
            else [("", p) for p in draw.seed_parts],
        },
    )


@login_required
@require_POST
def placement_publish(request, pk):
    draw = _draw(request, pk)
    try:
        services.draw_publish(actor=request.user, draw=draw)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Results published: families can look them up by pupil code."))
    return redirect("web:placement_draw", draw.pk)


@login_required
def placement_file(request, pk, name):
    """One file of a draw, byte for byte (what `qiangshi lottery verify` checks)."""
    draw = _draw(request, pk)
    if name not in DOWNLOADABLE:
        raise Http404
    try:
        f = selectors.draw_file(draw=draw, name=name)
    except NotFound:
        raise Http404 from None
    kind = "application/json" if name.endswith(".json") else "text/csv"
    response = HttpResponse(bytes(f.content), content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def placement_zip(request, pk):
    """All the files of a draw in one zip: inputs/ and result/ as the commands expect."""
    draw = _draw(request, pk)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in draw.files.order_by("id"):
            folder = "inputs" if f.name in engine.INPUT_FILES else "result"
            z.writestr(f"{folder}/{f.name}", bytes(f.content))
    response = HttpResponse(buf.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="lottery-{draw.pk}.zip"'
    return response


def placement_lookup(request):
    """Public: a published result by pupil code (a code shows only its own placement)."""
    intakes = list(selectors.published_intakes())
    intake_id = request.GET.get("intake", "")
    code = request.GET.get("code", "")
    found = None
    searched = bool(intake_id and code)
    if searched and intake_id.isdigit():
        found = selectors.published_result(intake_id=int(intake_id), pupil_code=code)
    school = None
    if found and found[1].school_code:
        school = School.objects.filter(code=found[1].school_code).first()
    return render(
        request,
        "web/placement/lookup.html",
        {
            "intakes": intakes,
            "intake_id": intake_id,
            "code": code,
            "searched": searched,
            "draw": found[0] if found else None,
            "row": found[1] if found else None,
            "school": school,
        },
    )
