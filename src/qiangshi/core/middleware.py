"""Language selection: Chinese unless the user chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which gives English to every
bureau PC with an English browser. Here pages use the language the user picked (the
`django_language` cookie set by the language switch) and otherwise zh-Hans; the HTTP API still
honours Accept-Language, as other systems expect.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
