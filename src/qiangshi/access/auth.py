"""Login protection: who is asking (the client address), audit rows for every login event, the
administrator's unlock, and the second factor (TOTP).

django-axes counts failures and locks; Django sends the login signals; this module turns each
into an audit record (`qiangshi.access.apps` connects the signals) so the auditor sees every
login, failure, lockout and unlock in the audit log.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.core.errors import ApplicationError, Forbidden
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


def login_locks() -> list[dict]:
    """Current lockouts, as the administrator unlocks them: each account and each address whose
    failures within the cool-down reach the limit (an address sums the failures of every name
    tried from it), most recent first."""
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum
    from django.utils import timezone

    attempts = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )
    limit = settings.AXES_FAILURE_LIMIT
    locks = []
    for kind, field in (("account", "username"), ("address", "ip_address")):
        named = attempts.exclude(**{f"{field}__isnull": True})
        if field == "username":  # (an address field cannot be compared with "")
            named = named.exclude(username="")
        grouped = (
            named.order_by()  # the model's ordering would split the groups
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
        )
        locks += [
            {"kind": kind, "value": row[field], "failures": row["failures"], "last": row["last"]}
            for row in grouped
        ]
    return sorted(locks, key=lambda lock: lock["last"], reverse=True)


@transaction.atomic
def login_lock_clear(*, actor, kind: str, value: str) -> None:
    """Unlock an account (`kind` "account", `value` the username) or an address ("address")
    before its cool-down ends (administrators only)."""
    from axes.utils import reset

    if not has_perm(actor, "loginlock.change"):
        raise Forbidden(_("You may not unlock logins."))
    value = (value or "").strip()
    if kind not in ("account", "address") or not value:
        raise ApplicationError(_("This lock no longer exists."))
    removed = reset(username=value) if kind == "account" else reset(ip=value)
    if not removed:
        raise ApplicationError(_("This lock no longer exists."))
    audit_record(
        actor=actor,
        action="auth.unlock",
        target=_user_named(value) if kind == "account" else None,
        object_type="access.user",
        changes={"username": value} if kind == "account" else {"address": value},
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
