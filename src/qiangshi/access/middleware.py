"""The session policy, checked on every request of a logged-in browser:

1. an idle session ends: after QIANGSHI_SESSION_IDLE_MINUTES without a request, the user is
   logged out and sent to the login page;
2. a user who enrolled a TOTP second factor must enter a code before anything else;
3. with QIANGSHI_FORCE_PASSWORD_CHANGE, a user whose password someone else chose must choose
   their own before anything else.

API requests with a bearer token carry no session and are not affected; an API request on a
session that still owes step 2 or 3 is treated as anonymous (401).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

LAST_SEEN = "qs_last_seen"
OTP_REQUIRED = "qs_otp_required"
# Refresh the stored time at most once a minute, so that most requests write no session.
_TOUCH_SECONDS = 60


def _exempt(path: str, pending: str) -> bool:
    """Whether a session that still owes step `pending` may open `path`: the page of that
    step, logging in and out, the language switch and static files (nothing else: a session
    owing its second factor may not even change the password)."""
    allowed = [
        reverse(pending),
        reverse("web:login"),
        reverse("web:logout"),
        reverse("set_language"),
        "/" + settings.STATIC_URL.lstrip("/"),
    ]
    return any(path == p or (p.endswith("/") and path.startswith(p) and p != "/") for p in allowed)


def _redirect(request, url: str):
    if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class LoginPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        idle = settings.QIANGSHI_SESSION_IDLE_MINUTES * 60
        last = request.session.get(LAST_SEEN)
        if idle > 0 and last is not None and now - int(last) > idle:
            logout(request)
            if request.path.startswith("/api/"):
                return self.get_response(request)
            messages.info(request, _("You were logged out after a period of inactivity."))
            if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
                return _redirect(request, reverse("web:login"))
            return redirect_to_login(request.get_full_path())
        if last is None or now - int(last) >= _TOUCH_SECONDS:
            request.session[LAST_SEEN] = now

        pending = None
        if request.session.get(OTP_REQUIRED) and not _verified(user):
            pending = "web:otp_verify"
        elif settings.QIANGSHI_FORCE_PASSWORD_CHANGE and user.must_change_password:
            pending = "web:password_change"
        if pending and not _exempt(request.path, pending):
            if request.path.startswith("/api/"):
                request.user = AnonymousUser()
                return self.get_response(request)
            return _redirect(request, reverse(pending))
        return self.get_response(request)


def _verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())
