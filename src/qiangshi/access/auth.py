"""Login protection: who is asking (the client address), audit rows for every login event, the
administrator's unlock, and the second factor (TOTP).

django-axes counts failures and locks; Django sends the login signals; this module turns each
into an audit record (`qiangshi.access.apps` connects the signals) so the auditor sees every
login, failure, lockout and unlock in the audit log.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import audit_record

from .models import User
from .permissions import has_perm

USERNAME_MAX = 150


def client_ip(request) -> str:
    """The address of the client. REMOTE_ADDR only: a proxy's X-Forwarded-For is not trusted
    (a client could set it to escape the per-address lockout)."""
    return (getattr(request, "META", {}) or {}).get("REMOTE_ADDR", "") or ""


class _Attempted:
    """The actor of a failed login: the name typed (no user, or one that did not log in)."""

    pk = None

    def __init__(self, username: str):
        self.username = (username or "").strip()[:USERNAME_MAX] or "anonymous"


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def login_event_record(*, event: str, username: str = "", user=None, request=None) -> None:
    """Audit one login event: `login`, `logout`, `login_failed`, `lockout`, `otp_failed`.

    The actor is the user when known, else the name typed; the note carries the address and the
    channel (the password is never recorded).
    """
    name = getattr(user, "username", "") or username
    target = user if getattr(user, "pk", None) else _user_named(name)
    address = client_ip(request) if request is not None else ""
    audit_record(
        actor=user if getattr(user, "pk", None) else _Attempted(name),
        action=f"auth.{event}",
        target=target,
        object_type="" if target is not None else "access.user",
        changes={"address": address} if address else {},
        note=f"ip={address}" if address else "",
    )


def login_locks() -> list:
    """Current lockouts: the axes attempt rows at or over the failure limit, newest first."""
    from axes.models import AccessAttempt

    return list(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).order_by("-attempt_time")
    )


@transaction.atomic
def login_lock_clear(*, actor, attempt_id: int) -> None:
    """Unlock an account or an address before its cool-down ends (administrators only)."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    if not has_perm(actor, "loginlock.change"):
        raise ApplicationError(_("You may not unlock logins."))
    attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        raise ApplicationError(_("This lock no longer exists."))
    username, address = attempt.username or "", attempt.ip_address or ""
    if username:
        reset(username=username)
    if address:
        reset(ip=address)
    audit_record(
        actor=actor,
        action="auth.unlock",
        target=_user_named(username),
        object_type="access.user",
        changes={"username": username, "address": address},
    )


@transaction.atomic
def password_change_record(*, user) -> None:
    """The user chose a new password: clear the forced-change flag and audit it."""
    User.objects.filter(pk=user.pk).update(must_change_password=False)
    user.must_change_password = False
    audit_record(actor=user, action="auth.password_change", target=user)


def totp_allowed(user) -> bool:
    """Whether the user's role may enrol a TOTP second factor."""
    return getattr(user, "role", None) in settings.QIANGSHI_TOTP_ROLES


def totp_device(user, *, confirmed: bool | None = True):
    """The user's TOTP device (confirmed, unconfirmed or either with None), if any."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-pk").first()


@transaction.atomic
def totp_enrol_start(*, user):
    """A new, unconfirmed TOTP device for the user (replacing an unfinished enrolment)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not totp_allowed(user):
        raise ApplicationError(_("Your role does not use a second factor."))
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user, token: str):
    """Confirm the unconfirmed device with a code from the app; replaces an older device."""
    device = totp_device(user, confirmed=False)
    if device is None:
        raise ApplicationError(_("Start the enrolment again."))
    if not _verify(device, token):
        raise ApplicationError(
            _("The code is not right. Check the time on your phone and try again."),
            fields={"token": _("The code is not right.")},
        )
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action="auth.totp_enrol", target=user)
    return device


@transaction.atomic
def totp_remove(*, user, token: str) -> None:
    """Remove the user's second factor, proven by a current code."""
    device = totp_device(user)
    if device is None:
        raise ApplicationError(_("No second factor is enrolled."))
    if not _verify(device, token):
        raise ApplicationError(
            _("The code is not right."), fields={"token": _("The code is not right.")}
        )
    device.delete()
    audit_record(actor=user, action="auth.totp_remove", target=user)


def _verify(device, token: str) -> bool:
    token = "".join(ch for ch in (token or "") if ch.isdigit())
    return bool(token) and device.verify_token(token)
