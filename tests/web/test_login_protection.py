"""Login protection: lockout per account and per address with its audit rows, the
administrator's unlock, password rules, changing one's password (forced when someone else set
it), the idle timeout, and the TOTP second factor."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qiangshi.access.middleware import LAST_SEEN
from qiangshi.core.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db
LOGIN = "/login/"


def _login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client) -> bool:
    return client.get(reverse("web:dashboard")).status_code == 200


def _actions(**filters) -> list[str]:
    return list(AuditLog.objects.filter(**filters).order_by("id").values_list("action", flat=True))


# --- Lockout ------------------------------------------------------------------------------------


def test_an_account_is_locked_after_the_failure_limit_and_every_step_is_audited(client, world):
    user = world["users"]["district"]
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, user.username, "wrong-password").status_code == 200
    locked = _login(client, user.username, "wrong-password")
    assert locked.status_code == 429
    assert 'id="login-locked"' in locked.content.decode()

    # Even the right password is refused while the lock lasts, from any address.
    again = _login(client, user.username, factories.PASSWORD, address="10.0.0.99")
    assert again.status_code == 429
    assert not _logged_in(client)

    failed = AuditLog.objects.filter(action="auth.login_failed", actor_username=user.username)
    assert failed.count() >= limit
    assert all(row.object_id == str(user.pk) for row in failed)
    assert all("password" not in str(row.changes) for row in failed)
    assert AuditLog.objects.filter(action="auth.lockout", object_id=str(user.pk)).exists()
    assert not AuditLog.objects.filter(action="auth.login").exists()


def test_thirty_wrong_passwords_are_not_all_tried(client, world):
    user = world["users"]["school"]
    answers = [_login(client, user.username, f"guess-{i}").status_code for i in range(30)]
    assert answers.count(429) >= 30 - settings.AXES_FAILURE_LIMIT


def test_an_address_is_locked_after_failures_on_many_accounts(client, world):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        _login(client, f"nobody-{i}", "wrong-password", address="10.9.9.9")
    district = world["users"]["district"]
    assert _login(client, district.username, factories.PASSWORD, "10.9.9.9").status_code == 429
    # The same account from another address is not locked.
    assert _login(client, district.username, factories.PASSWORD, "10.1.1.1").status_code == 302
    assert AuditLog.objects.filter(action="auth.lockout").exists()


def test_the_lock_ends_after_the_cool_down(client, world):
    user = world["users"]["district"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, "wrong-password")
    assert _login(client, user.username, factories.PASSWORD).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert _login(client, user.username, factories.PASSWORD).status_code == 302
    assert _logged_in(client)


def test_an_administrator_unlocks_a_login_and_others_may_not(client, world):
    user = world["users"]["district"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, "wrong-password")
    unlock = {"kind": "account", "value": user.username}

    client.force_login(world["users"]["bureau"])
    assert client.get(reverse("web:login_locks")).status_code == 403
    assert client.post(reverse("web:login_lock_clear"), unlock).status_code == 403
    client.logout()
    assert _login(client, user.username, factories.PASSWORD).status_code == 429

    client.force_login(world["users"]["admin"])
    page = client.get(reverse("web:login_locks"))
    assert page.status_code == 200 and user.username in page.content.decode()
    assert client.post(reverse("web:login_lock_clear"), unlock).status_code == 302
    assert user.username not in client.get(reverse("web:login_locks")).content.decode()
    client.logout()
    assert AuditLog.objects.filter(action="auth.unlock", object_id=str(user.pk)).exists()
    assert _login(client, user.username, factories.PASSWORD, address="10.0.0.2").status_code == 302


def test_an_administrator_sees_and_unlocks_a_locked_address(client, world):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"nobody-{i}", "wrong-password", address="10.7.7.7")
    client.force_login(world["users"]["admin"])
    page = client.get(reverse("web:login_locks")).content.decode()
    assert "10.7.7.7" in page
    response = client.post(
        reverse("web:login_lock_clear"), {"kind": "address", "value": "10.7.7.7"}
    )
    assert response.status_code == 302
    client.logout()
    district = world["users"]["district"]
    assert _login(client, district.username, factories.PASSWORD, "10.7.7.7").status_code == 302
    assert AuditLog.objects.filter(action="auth.unlock", changes__address="10.7.7.7").exists()


def test_a_successful_login_is_audited_with_the_address(client, world):
    user = world["users"]["district"]
    assert _login(client, user.username, factories.PASSWORD, address="10.2.3.4").status_code == 302
    row = AuditLog.objects.get(action="auth.login")
    assert row.actor_id == user.pk and row.changes == {"address": "10.2.3.4"}
    client.post(reverse("web:logout"))
    assert AuditLog.objects.filter(action="auth.logout", actor_id=user.pk).exists()


# --- Passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["12345678", "password", "password1234", "123456789012", "short-1"]
)
def test_weak_passwords_fail_validation(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_long_uncommon_password_passes_validation():
    validate_password("qiangshi-demo-long")


def test_every_user_can_change_their_own_password(client, world):
    teacher = world["users"]["teacher"]
    client.force_login(teacher)
    page = client.get(reverse("web:password_change"))
    assert page.status_code == 200
    weak = client.post(
        reverse("web:password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert weak.status_code == 200 and "is-invalid" in weak.content.decode()
    new = "lantern-harbour-47"
    done = client.post(
        reverse("web:password_change"),
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302
    teacher.refresh_from_db()
    assert teacher.check_password(new)
    assert _logged_in(client)  # the session survives its own password change
    assert AuditLog.objects.filter(action="auth.password_change", actor_id=teacher.pk).exists()


@override_settings(QIANGSHI_FORCE_PASSWORD_CHANGE=True)
def test_a_password_set_by_someone_else_must_be_changed_first(client, world):
    user = world["users"]["district"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    assert _login(client, user.username, factories.PASSWORD).status_code == 302
    response = client.get(reverse("web:teacher_list"))
    assert response.status_code == 302 and response["Location"] == reverse("web:password_change")
    assert (
        'id="password-change-required"'
        in client.get(reverse("web:password_change")).content.decode()
    )
    new = "lantern-harbour-47"
    client.post(
        reverse("web:password_change"),
        {"old_password": factories.PASSWORD, "new_password1": new, "new_password2": new},
    )
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("web:teacher_list")).status_code == 200


def test_without_the_setting_a_demo_password_is_not_forced(client, world):
    user = world["users"]["district"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client.force_login(user)
    assert client.get(reverse("web:teacher_list")).status_code == 200


# --- Idle timeout -------------------------------------------------------------------------------


def test_the_idle_timeout_is_a_setting_of_thirty_minutes():
    assert settings.QIANGSHI_SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_COOKIE_AGE < 14 * 24 * 3600


def _idle_for(client, minutes: float):
    session = client.session
    session[LAST_SEEN] = int(time.time() - minutes * 60)
    session.save()


def test_an_idle_session_ends(client, world):
    client.force_login(world["users"]["district"])
    _idle_for(client, 31)
    response = client.get(reverse("web:teacher_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert not _logged_in(client)


def test_an_active_session_goes_on(client, world):
    client.force_login(world["users"]["district"])
    _idle_for(client, 29)
    assert client.get(reverse("web:teacher_list")).status_code == 200
    assert client.session[LAST_SEEN] > time.time() - 60


@override_settings(QIANGSHI_SESSION_IDLE_MINUTES=5)
def test_the_idle_timeout_follows_the_setting(client, world):
    client.force_login(world["users"]["district"])
    _idle_for(client, 6)
    assert client.get(reverse("web:teacher_list")).status_code == 302


def test_an_idle_htmx_request_is_sent_to_the_login_page(client, world):
    client.force_login(world["users"]["district"])
    _idle_for(client, 31)
    response = client.get(reverse("web:teacher_list"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("web:login")


# --- Second factor ------------------------------------------------------------------------------


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _enrol(client, user) -> TOTPDevice:
    client.force_login(user)
    client.post(reverse("web:account_security"), {"action": "start"})
    page = client.get(reverse("web:account_security")).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    assert "http://" not in page.split('id="totp-qr"')[1].split("</div>")[0].replace(
        "http://www.w3.org", ""
    )
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post(reverse("web:account_security"), {"action": "confirm", "token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(user=user).confirmed
    client.post(reverse("web:account_security"), {"action": "confirm", "token": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.mark.parametrize("role", ["admin", "bureau"])
def test_an_enrolled_user_must_give_a_code_at_login(client, world, role):
    user = world["users"][role]
    device = _enrol(client, user)
    client.post(reverse("web:logout"))

    assert _login(client, user.username, factories.PASSWORD).status_code == 302
    held = client.get(reverse("web:dashboard"))
    assert held.status_code == 302 and held["Location"] == reverse("web:otp_verify")
    # The session may not use the API before the code either.
    assert client.get("/api/me").status_code == 401

    # Nor change the password, which would let a stolen password lock the owner out.
    change = client.get(reverse("web:password_change"))
    assert change.status_code == 302 and change["Location"] == reverse("web:otp_verify")

    bad = client.post(reverse("web:otp_verify"), {"token": "000000"})
    assert bad.status_code == 200 and "alert-danger" in bad.content.decode()
    assert AuditLog.objects.filter(action="auth.otp_failed", actor_id=user.pk).exists()

    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1
    device.save()
    ok = client.post(reverse("web:otp_verify"), {"token": _code(device)})
    assert ok.status_code == 302
    assert _logged_in(client)
    assert AuditLog.objects.filter(action="auth.totp_enrol", actor_id=user.pk).exists()
    assert AuditLog.objects.filter(action="auth.otp_verified", actor_id=user.pk).exists()


def test_users_without_a_device_log_in_with_the_password_alone(client, world):
    user = world["users"]["bureau"]
    assert _login(client, user.username, factories.PASSWORD).status_code == 302
    assert _logged_in(client)


def test_other_roles_are_not_offered_a_second_factor(client, world):
    client.force_login(world["users"]["teacher"])
    page = client.get(reverse("web:account_security")).content.decode()
    assert 'id="totp-card"' not in page
    client.post(reverse("web:account_security"), {"action": "start"})
    assert not TOTPDevice.objects.exists()


def test_api_bearer_tokens_still_work(client, world):
    from qiangshi.access.services import api_token_create

    _, key = api_token_create(actor=world["users"]["district"], name="script")
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_a_reset_password_is_temporary_and_unlocks_the_login(client, world):
    from io import StringIO

    from django.core.management import call_command

    user = world["users"]["district"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, "wrong-password")
    out = StringIO()
    call_command("reset_password", user=user.username, stdout=out, stderr=StringIO())
    temporary = out.getvalue().strip()
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(temporary)
    assert AuditLog.objects.filter(action="user.password_reset", object_id=str(user.pk)).exists()
    with override_settings(QIANGSHI_FORCE_PASSWORD_CHANGE=True):
        assert _login(client, user.username, temporary).status_code == 302
        assert client.get(reverse("web:dashboard"))["Location"] == reverse("web:password_change")


def test_the_demo_password_logs_in_with_local_settings(client, world):
    """`make demo` runs the local settings: the shared demo password keeps working there."""
    user = world["users"]["district"]
    user.set_password("qiangshi-demo")
    user.must_change_password = True
    user.save()
    assert not settings.QIANGSHI_FORCE_PASSWORD_CHANGE
    assert _login(client, user.username, "qiangshi-demo").status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200
