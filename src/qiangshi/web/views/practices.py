"""Practice library pages (issue 18, pilot office): the list with the search box (ranked by
relevance), pillar and region filters, pagination and xlsx export; a case with its attachments
and similar cases; writing and editing a case and its attachments (pilot office, bureau).

Reads come from `qiangshi.practices.selectors`, writes go through `qiangshi.practices.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.practices import regions, selectors, services
from qiangshi.practices.models import Pillar, PracticeAttachment
from qiangshi.web.lists import paginate, query_without_page, xlsx_response

EXPORT_MAX = 50000


def _filters(request) -> dict:
    f = {k: request.GET.get(k, "").strip() for k in ("q", "pillar", "region")}
    if f["pillar"] not in Pillar.values:
        f["pillar"] = ""
    if f["region"] not in regions.codes():
        f["region"] = ""
    return f


def _ranked(request, filters):
    """(the query's words, the hits) when a query is given; (None, None) otherwise."""
    if not filters["q"]:
        return None, None
    return selectors.practice_search_hits(
        actor=request.user, query=filters["q"], pillar=filters["pillar"], region=filters["region"]
    )


@login_required
def practices_home(request):
    """The library: every case, newest first, or the cases matching the search, best first."""
    require(request.user, "practice", "view")
    filters = _filters(request)
    terms, hits = _ranked(request, filters)
    if hits is None:
        page = paginate(
            request,
            selectors.practice_list(
                actor=request.user, pillar=filters["pillar"], region=filters["region"]
            ),
        )
        rows = [selectors.Found(p, 0.0, ()) for p in page.object_list]
    else:
        page = paginate(request, hits)
        rows = selectors.with_cases(list(page.object_list))
    return render(
        request,
        "web/practices/home.html",
        {
            "page": page,
            "rows": rows,
            "terms": terms,
            "ranked": hits is not None,
            "query": query_without_page(request),
            "filters": filters,
            "pillars": Pillar.choices,
            "regions": regions.choices(),
            "may_create": bool(selectors.writable_regions(request.user))
            and can(request.user, "practice", "create"),
        },
    )


@login_required
def practices_export(request):
    """The filtered (and, with a search, ranked) list as xlsx."""
    require(request.user, "practice", "export")
    filters = _filters(request)
    _terms, hits = _ranked(request, filters)
    if hits is None:
        found = [
            selectors.Found(p, 0.0, ())
            for p in selectors.practice_list(
                actor=request.user, pillar=filters["pillar"], region=filters["region"]
            )[:EXPORT_MAX]
        ]
    else:
        found = selectors.with_cases(hits[:EXPORT_MAX])
    rows = [
        (
            f.practice.title,
            regions.name(f.practice.region_code),
            f.practice.get_pillar_display(),
            f.practice.summary,
            "、".join(f.practice.tags),
            *((round(f.score, 4), "、".join(f.terms)) if hits is not None else ()),
            f.practice.updated_at.date(),
        )
        for f in found
    ]
    audit_record(actor=request.user, action="practices.export", note=f"{len(rows)} rows")
    header = [_("Title"), _("Region"), _("Pillar"), _("Summary"), _("Tags")]
    if hits is not None:
        header += [_("Relevance"), _("Words matched")]
    header.append(_("Updated on"))
    return xlsx_response("practices", [(_("Practice cases"), header, rows)])


def _case(request, pk):
    require(request.user, "practice", "view")
    try:
        return selectors.practice_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def practices_detail(request, pk):
    """A case: its text, tags and attachments, and the cases most like it with the words they
    share."""
    practice = _case(request, pk)
    return render(
        request,
        "web/practices/detail.html",
        {
            "practice": practice,
            "region_name": regions.name(practice.region_code),
            "attachments": list(practice.attachments.all()),
            "similar": selectors.practice_similar(actor=request.user, practice=practice),
            "top_terms": selectors.practice_top_terms(actor=request.user, practice=practice),
            "may_change": selectors.practice_may_change(request.user, practice),
        },
    )


def _form(request, practice=None):
    user = request.user
    errors: dict[str, str] = {}
    if practice is None:
        values = {"region_code": "", "pillar": "", "tags": ""}
    else:
        values = {
            "title": practice.title,
            "region_code": practice.region_code,
            "pillar": practice.pillar,
            "summary": practice.summary,
            "full_text": practice.full_text,
            "tags": "、".join(practice.tags),
        }
    if request.method == "POST":
        p = request.POST
        values = {k: p.get(k, "") for k in services.FIELDS}
        try:
            if practice is None:
                practice = services.practice_create(actor=user, **values)
                messages.success(request, _("Practice case added to the library."))
            else:
                practice = services.practice_update(actor=user, practice_pk=practice.pk, **values)
                messages.success(request, _("Practice case saved."))
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            errors = dict(exc.fields) or {"form": exc.message}
        else:
            return redirect("web:practices_detail", practice.pk)
    writable = set(selectors.writable_regions(user))
    return render(
        request,
        "web/practices/form.html",
        {
            "practice": practice,
            "errors": errors,
            "values": values,
            "pillars": Pillar.choices,
            "regions": [(c, n) for c, n in regions.choices() if c in writable],
        },
    )


@login_required
def practices_create(request):
    require(request.user, "practice", "create")
    if not selectors.writable_regions(request.user):
        raise PermissionDenied
    return _form(request)


@login_required
def practices_edit(request, pk):
    practice = _case(request, pk)
    if not selectors.practice_may_change(request.user, practice):
        raise PermissionDenied
    return _form(request, practice)


@login_required
@require_POST
def practices_attachment_add(request, pk):
    practice = _case(request, pk)
    try:
        services.practice_attachment_add(
            actor=request.user, practice_pk=practice.pk, upload=request.FILES.get("file")
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("File attached."))
    return redirect("web:practices_detail", practice.pk)


def _attachment(request, pk) -> PracticeAttachment:
    require(request.user, "practice", "view")
    try:
        attachment = PracticeAttachment.objects.get(pk=int(pk))
        selectors.practice_get(actor=request.user, pk=attachment.practice_id)
    except (PracticeAttachment.DoesNotExist, NotFound, ValueError):
        raise Http404 from None
    return attachment


@login_required
def practices_attachment(request, pk):
    """Download an attached file."""
    attachment = _attachment(request, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@login_required
@require_POST
def practices_attachment_remove(request, pk):
    _attachment(request, pk)
    try:
        practice = services.practice_attachment_remove(actor=request.user, attachment_pk=pk)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Attachment removed."))
    return redirect("web:practices_detail", practice.pk)
