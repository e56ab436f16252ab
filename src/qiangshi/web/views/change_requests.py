"""Change requests: a teacher proposes a change to their own record; the school reviews it."""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qiangshi.access.scoping import can
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.engines import idcard
from qiangshi.teachers import selectors as teacher_selectors
from qiangshi.teachers import services as teacher_services
from qiangshi.teachers.models import ChangeRequestKind, ChangeRequestStatus
from qiangshi.web.adminforms import (
    REQUEST_FIELDS,
    ChangeRequestFilterForm,
    ChangeRequestForm,
    ReturnForm,
    apply_errors,
    request_field_label,
    request_value_display,
)
from qiangshi.web.lists import paginate, query_without_page
from qiangshi.web.views.schools import get_or_404

# Kinds whose proposal replaces fields of the teacher record (shown next to the current values).
_FIELD_KINDS = (ChangeRequestKind.CONTACT, ChangeRequestKind.BASIC)


def _is_requester(user) -> bool:
    return can(user, "changerequest", "create") and bool(teacher_selectors.teacher_for_user(user))


@login_required
def change_request_list(request):
    if not can(request.user, "changerequest", "view"):
        raise PermissionDenied
    reviewer = can(request.user, "changerequest", "review")
    form = ChangeRequestFilterForm(request.GET or None)
    status = request.GET.get("status")
    if status is None:
        # Reviewers start from what waits for them; teachers from all their requests.
        status = ChangeRequestStatus.PENDING if reviewer else "all"
        form = ChangeRequestFilterForm(initial={"status": status})
    elif status not in ChangeRequestStatus.values:
        status = "all"
    requests = teacher_selectors.change_request_list(
        actor=request.user, status=None if status == "all" else status
    )
    page = paginate(request, requests)
    return render(
        request,
        "web/admin/change_request_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "reviewer": reviewer,
            "can_create": _is_requester(request.user),
            "kinds": ChangeRequestKind.choices,
            "registration_queries": (
                list(teacher_selectors.registration_query_list(actor=request.user))
                if reviewer
                else []
            ),
        },
    )


@login_required
@require_POST
def registration_query_close(request, pk: int):
    """The holding office has contacted the office that asked about one of its teachers."""
    if not can(request.user, "changerequest", "review"):
        raise PermissionDenied
    query = teacher_selectors.registration_query_list(actor=request.user).filter(pk=pk).first()
    if query is None:
        raise Http404
    teacher_services.registration_query_close(actor=request.user, query=query)
    messages.success(request, _("The query is closed."))
    return redirect("web:change_request_list")


@login_required
@require_http_methods(["GET", "POST"])
def change_request_create(request):
    if not _is_requester(request.user):
        raise PermissionDenied
    kind = request.POST.get("kind") or request.GET.get("kind") or ChangeRequestKind.CONTACT
    if kind not in ChangeRequestKind.values:
        kind = ChangeRequestKind.CONTACT
    if request.method == "POST":
        form = ChangeRequestForm(request.POST, request.FILES, kind=kind)
        if form.is_valid():
            try:
                change = teacher_services.change_request_submit(
                    actor=request.user,
                    kind=kind,
                    payload=form.payload(),
                    comment=form.cleaned_data.get("comment") or "",
                    evidence=form.cleaned_data.get("evidence"),
                )
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Your request was submitted for review."))
                return redirect("web:change_request_detail", change.pk)
    else:
        form = ChangeRequestForm(kind=kind)
    return render(
        request,
        "web/admin/change_request_form.html",
        {"form": form, "kind": kind, "kinds": ChangeRequestKind.choices},
    )


def _current_value(teacher, name: str) -> str:
    if name == "phone":
        return teacher.phone_masked
    display = getattr(teacher, f"get_{name}_display", None)
    return str(display() if display else getattr(teacher, name, "") or "")


def _proposal_rows(change) -> list[dict]:
    """The proposed values for display: labelled, choice codes named, the phone masked."""
    payload = teacher_services.change_request_payload(change)
    order = REQUEST_FIELDS.get(change.kind, [])
    names = [n for n in order if n in payload] + [n for n in payload if n not in order]
    rows = []
    for name in names:
        value = payload[name]
        if name == "phone":
            shown = idcard.mask_phone(str(value))
        else:
            shown = request_value_display(change.kind, name, value)
        row = {"label": request_field_label(change.kind, name), "proposed": shown}
        if change.kind in _FIELD_KINDS:
            row["current"] = _current_value(change.teacher, name)
        rows.append(row)
    return rows


def _detail(request, change, *, return_form=None, status=200):
    user = request.user
    pending = change.status == ChangeRequestStatus.PENDING
    return render(
        request,
        "web/admin/change_request_detail.html",
        {
            "change": change,
            "rows": _proposal_rows(change),
            "shows_current": change.kind in _FIELD_KINDS,
            "can_review": pending and can(user, "changerequest", "review"),
            "can_withdraw": pending and change.submitted_by_id == user.pk,
            "return_form": return_form or ReturnForm(),
            "evidence_name": os.path.basename(change.evidence.name) if change.evidence else "",
        },
        status=status,
    )


@login_required
def change_request_detail(request, pk: int):
    change = get_or_404(teacher_selectors.change_request_get, actor=request.user, pk=pk)
    return _detail(request, change)


def _act(request, pk: int, service, success: str, **kwargs):
    change = get_or_404(teacher_selectors.change_request_get, actor=request.user, pk=pk)
    try:
        service(actor=request.user, request=change, **kwargs)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        for message in exc.fields.values():
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("web:change_request_detail", change.pk)


@login_required
@require_POST
def change_request_approve(request, pk: int):
    return _act(
        request,
        pk,
        teacher_services.change_request_approve,
        _("The request was approved and the record updated."),
    )


@login_required
@require_POST
def change_request_return(request, pk: int):
    change = get_or_404(teacher_selectors.change_request_get, actor=request.user, pk=pk)
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        teacher_services.change_request_return(
            actor=request.user, request=change, reason=form.cleaned_data.get("reason") or ""
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        apply_errors(form, exc)
        change.refresh_from_db()
        return _detail(request, change, return_form=form)
    messages.success(request, _("The request was returned to the teacher."))
    return redirect("web:change_request_detail", change.pk)


@login_required
@require_POST
def change_request_withdraw(request, pk: int):
    return _act(
        request, pk, teacher_services.change_request_withdraw, _("The request was withdrawn.")
    )


@login_required
@require_GET
def change_request_evidence(request, pk: int):
    change = get_or_404(teacher_selectors.change_request_get, actor=request.user, pk=pk)
    if not change.evidence:
        raise Http404
    return FileResponse(
        change.evidence.open("rb"),
        as_attachment=True,
        filename=os.path.basename(change.evidence.name),
    )
