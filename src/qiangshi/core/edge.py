"""Refusing input no part of the system can hold, before any view sees it.

A NUL character cannot be stored in a PostgreSQL text column (psycopg refuses the query), so a
`?q=%00` or a JSON string with `\\u0000` would reach the database and fail there as a server
error. This middleware answers such a request 422 with a message in the request's language
(JSON for the API, a short page otherwise), and turns an `InvalidInput` raised by a page (a
year before any rule set, say) into the same 422 page instead of a 500.
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from qiangshi.core.errors import InvalidInput

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_fields(request: HttpRequest) -> list[str]:
    """The names of the request's parameters whose value (or name) holds a NUL character."""
    fields = [k for k, values in request.GET.lists() if _has_nul(k) or any(map(_has_nul, values))]
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return fields
    content_type = request.content_type or ""
    if content_type == "application/json":
        body = request.body
        if b"\\u0000" in body or b"\x00" in body:
            try:
                data = json.loads(body)
            except ValueError:
                return fields  # not JSON at all: the API's own parser answers that
            if isinstance(data, dict):
                fields += [k for k, v in data.items() if _has_nul(k) or _has_nul(v)]
            elif _has_nul(data):
                fields.append("__all__")
    elif content_type == "application/x-www-form-urlencoded":
        # Not multipart: reading it here would parse the upload before a view could choose its
        # upload handlers (and files may hold any byte); forms refuse NUL in their text fields.
        fields += [
            k for k, values in request.POST.lists() if _has_nul(k) or any(map(_has_nul, values))
        ]
    return fields


def _refusal(request: HttpRequest, message: str, fields: dict[str, str]) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"message": message, "fields": fields}, status=422)
    items = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in fields.items())
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(_("Invalid request"))}'
        f"</title></head><body><h1>{escape(_('Invalid request'))}</h1><p>{escape(message)}</p>"
        f"<ul>{items}</ul></body></html>"
    )
    return HttpResponse(page, status=422, content_type="text/html; charset=utf-8")


class RejectInvalidInputMiddleware:
    """422 for a request carrying a NUL character, and for `InvalidInput` raised by a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = _nul_fields(request)
        if fields:
            message = _("The request holds a NUL character, which no text field may contain.")
            return _refusal(request, _("The request is not valid."), {f: message for f in fields})
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, InvalidInput):
            return _refusal(request, exception.message, exception.fields)
        return None
