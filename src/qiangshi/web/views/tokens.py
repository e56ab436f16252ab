"""A user's own API tokens: list, create (the key is shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qiangshi.access import services as access_services
from qiangshi.access.permissions import may_manage_api_tokens
from qiangshi.core.errors import ApplicationError
from qiangshi.web.adminforms import ApiTokenForm, apply_errors


def _page(request, form, *, new_key: str = "", new_token=None, status: int = 200):
    return render(
        request,
        "web/admin/api_tokens.html",
        {
            # Only the actor's own tokens: a token is never shown to anyone else.
            "tokens": request.user.api_tokens.order_by("-created_at", "-pk"),
            "form": form,
            "new_key": new_key,
            "new_token": new_token,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    if not may_manage_api_tokens(request.user):
        raise Http404
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, key = access_services.api_token_create(
                    actor=request.user, name=form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                # Rendered, not redirected: the key exists only in this response.
                response = _page(request, ApiTokenForm(), new_key=key, new_token=token)
                response["Cache-Control"] = "no-store"
                return response
        return _page(request, form)
    return _page(request, ApiTokenForm())


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = request.user.api_tokens.filter(pk=pk).first()
    if token is None:
        raise Http404
    if token.revoked_at is None:
        access_services.api_token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("web:api_tokens")
