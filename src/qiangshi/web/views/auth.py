"""Logging in and out, the second factor, changing one's password, and unlocking logins.

django-axes counts failed logins per account and per address (settings: AXES_*); a locked login
gets the login page again with the cool-down (`locked_out`, HTTP 429). The session policy
(idle timeout, second factor, forced password change) is `qiangshi.access.middleware`.
"""

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from qiangshi.access import auth as access_auth
from qiangshi.access.middleware import LAST_SEEN, OTP_REQUIRED
from qiangshi.access.scoping import can
from qiangshi.core.errors import ApplicationError


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        response = super().form_valid(form)
        session = self.request.session
        session[LAST_SEEN] = int(time.time())
        session[OTP_REQUIRED] = access_auth.totp_device(user) is not None
        access_auth.login_event_record(event="login", user=user, request=self.request)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); redirects to the login page."""


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked account or address: the login page, with the cool-down."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    context = {
        "form": form,
        "locked_message": _(
            "Too many failed logins. This account or address is locked for %(minutes)d minutes; "
            "an administrator can unlock it sooner."
        )
        % {"minutes": minutes},
        "next": request.POST.get("next", ""),
    }
    return render(request, "web/login.html", context, status=429)


@login_required
def otp_verify(request):
    """The second step of a login for users with an enrolled authenticator."""
    user = request.user
    device = access_auth.totp_device(user)
    if device is None or user.is_verified():
        request.session.pop(OTP_REQUIRED, None)
        return redirect(settings.LOGIN_REDIRECT_URL)
    error = ""
    if request.method == "POST":
        token = "".join(ch for ch in request.POST.get("token", "") if ch.isdigit())
        if token and device.verify_token(token):
            otp_login(request, device)
            request.session.pop(OTP_REQUIRED, None)
            access_auth.login_event_record(event="otp_verified", user=user, request=request)
            return redirect(settings.LOGIN_REDIRECT_URL)
        access_auth.login_event_record(event="otp_failed", user=user, request=request)
        error = _("The code is not right. Enter the current six-digit code from your app.")
    return render(request, "web/otp_verify.html", {"error": error})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user changes their own password here (required first when someone else set it)."""

    template_name = "web/account/password_change.html"
    success_url = reverse_lazy("web:account_security")

    def form_valid(self, form):
        response = super().form_valid(form)
        access_auth.password_change_record(user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["forced"] = (
            settings.QIANGSHI_FORCE_PASSWORD_CHANGE and self.request.user.must_change_password
        )
        return context


@login_required
def account_security(request):
    """The user's password and, for administrators and bureau staff, the authenticator app."""
    user = request.user
    allowed = access_auth.totp_allowed(user)
    errors = {}
    if request.method == "POST" and allowed:
        action = request.POST.get("action")
        try:
            if action == "start":
                access_auth.totp_enrol_start(user=user)
            elif action == "confirm":
                device = access_auth.totp_enrol_confirm(user=user, token=request.POST.get("token"))
                otp_login(request, device)
                messages.success(request, _("The authenticator app is set up."))
                return redirect("web:account_security")
            elif action == "remove":
                access_auth.totp_remove(user=user, token=request.POST.get("token"))
                messages.success(request, _("The authenticator app has been removed."))
                return redirect("web:account_security")
        except ApplicationError as exc:
            errors = {"message": exc.message, **exc.fields}
    pending = access_auth.totp_device(user, confirmed=False) if allowed else None
    context = {
        "totp_allowed": allowed,
        "totp_enrolled": allowed and access_auth.totp_device(user) is not None,
        "pending": pending,
        "errors": errors,
    }
    if pending is not None:
        context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(
            scale=5, dark="#1f2937", light="#ffffff"
        )
        context["secret"] = _base32(pending.bin_key)
    return render(request, "web/account/security.html", context)


def _base32(key: bytes) -> str:
    """The key as authenticator apps show it, in groups of four for typing by hand."""
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def login_locks(request):
    """Locked accounts and addresses, for the administrator to unlock."""
    if not can(request.user, "loginlock", "view"):
        raise PermissionDenied
    return render(
        request,
        "web/account/login_locks.html",
        {"locks": access_auth.login_locks(), "limit": settings.AXES_FAILURE_LIMIT},
    )


@login_required
@require_POST
def login_lock_clear(request):
    if not can(request.user, "loginlock", "change"):
        raise PermissionDenied
    try:
        access_auth.login_lock_clear(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            value=request.POST.get("value", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The login has been unlocked."))
    return redirect("web:login_locks")
