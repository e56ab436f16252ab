"""Language selection (Chinese unless the user chose otherwise), and a cap on request bodies.

Django's LocaleMiddleware follows the browser's Accept-Language, which gives English to every
bureau PC with an English browser. Here pages use the language the user picked (the
`django_language` cookie set by the language switch) and otherwise zh-Hans; the HTTP API still
honours Accept-Language, as other systems expect.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _


class QiangshiLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else None
        except LookupError:
            language = None
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class RequestBodyLimitMiddleware:
    """Refuse a request whose body is larger than `QIANGSHI_MAX_REQUEST_BODY_MB` (the largest
    upload and its form) before anything reads it: 413 with a message in the request's
    language, JSON under /api/ (`{"message", "fields"}`), a short page elsewhere.

    Django caps the fields of a form (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files, which it
    writes to disk as they come; the views then read an upload whole. A body announced larger
    than the cap is answered at once, without receiving it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = int(getattr(settings, "QIANGSHI_MAX_REQUEST_BODY_MB", 0) or 0) * 1024 * 1024
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request) -> HttpResponse:
        upload = int(getattr(settings, "QIANGSHI_IMPORT_MAX_UPLOAD_MB", 0) or 0)
        message = _("The upload is larger than %(size)s MB; split the file into smaller files.") % {
            "size": upload
        }
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message, "fields": {"file": message}}, status=413)
        page = (
            f'<!doctype html><html lang="{translation.get_language()}"><meta charset="utf-8">'
            f"<title>413</title><p>{escape(message)}</p>"
            f'<p><a href="{escape(request.path)}">{escape(_("Back"))}</a></p></html>'
        )
        return HttpResponse(page, status=413)
