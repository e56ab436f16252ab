"""Security response headers Django 5.2 does not set itself: Content-Security-Policy and
Permissions-Policy (HSTS, nosniff, referrer policy and frame options come from Django's
SecurityMiddleware and XFrameOptionsMiddleware)."""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if policy := settings.QIANGSHI_CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", policy)
        if permissions := settings.QIANGSHI_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", permissions)
        return response
