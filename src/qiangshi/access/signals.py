"""Receivers that audit login events (connected in AccessConfig.ready)."""

from .auth import login_event_record


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        login_event_record(event="logout", user=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    login_event_record(
        event="login_failed", username=str(credentials.get("username", "")), request=request
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    login_event_record(event="lockout", username=username or "", request=request)
