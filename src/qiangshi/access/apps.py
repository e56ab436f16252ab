from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "qiangshi.access"
    label = "access"

    def ready(self):
        # Failures, lockouts and logouts reach us only as signals (Django's and django-axes');
        # each is audited. Successful logins are audited by the login views.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_out, user_login_failed

        from . import signals

        user_logged_out.connect(signals.on_logout, dispatch_uid="qiangshi-audit-logout")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="qiangshi-audit-failed")
        user_locked_out.connect(signals.on_locked_out, dispatch_uid="qiangshi-audit-lockout")
