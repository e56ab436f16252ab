"""Base models and the two logs every area writes to: the audit log and the access log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """One row per write: who did what to which object, and which fields changed (before → after).

    Sensitive values are stored masked in `changes`; the row never holds a clear national ID.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # looked up by actor_username; a user is deleted rarely, if ever
    )
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        # Few indexes: a bulk import writes a row per teacher and every index costs (issue 3).
        # Plain b-trees for what is matched exactly, an object's history, and one pattern
        # index for the action, matched exactly or by prefix (on PostgreSQL it serves both).
        indexes = [
            models.Index(fields=["actor_username"], name="core_audit_actor_name"),
            models.Index(
                fields=["action"], name="core_audit_action", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"


class AccessLog(models.Model):
    """One row each time someone saw a sensitive value in full (national ID, phone, …).

    An export is one row too (channel "export"): who, when, the filter (`note`, an ID-number
    search masked), the fields written in full (`field`, comma-separated) and how many people
    (`subject_count`); the people themselves are its `AccessLogSubject` rows, so that a search
    by person finds the exports that included them as well as their individual views.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField(_("viewer"), max_length=150, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object ID"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    field = models.CharField(_("field"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, default="web")
    # Exports only: the number of people written in full, and the filter.
    subject_count = models.PositiveIntegerField(_("people"), null=True, blank=True)
    note = models.CharField(_("filter"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sensitive-data access")
        verbose_name_plural = _("sensitive-data access log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} viewed {self.field}"


class AccessLogSubject(models.Model):
    """A person whose sensitive values an export (an `AccessLog` row) wrote in full.

    Compact on purpose: a city export adds one narrow row per teacher, no text. `object_id`
    is of the parent's `object_type` (a teacher's primary key) and is indexed, for the search
    by person.
    """

    access_log = models.ForeignKey(
        AccessLog,
        verbose_name=_("access record"),
        on_delete=models.CASCADE,
        related_name="subjects",
    )
    object_id = models.CharField(_("object ID"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("person in an export")
        verbose_name_plural = _("people in exports")

    def __str__(self) -> str:
        return f"{self.access_log_id}: {self.object_id}"


class EncryptionKeyState(models.Model):
    """Which encryption key the stored data is sealed with: a fingerprint of it (never the key),
    written on first use, and the progress of a key rotation under way.

    One row. A process started with a key whose fingerprint differs refuses to start (see
    `qiangshi.core.keys`), instead of failing on every page that decrypts and letting duplicate
    national IDs in (their lookup hashes would differ).
    """

    fingerprint = models.CharField(_("key fingerprint"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # During `qiangshi rotate_key`: the new key's fingerprint and, per table, the last primary
    # key re-encrypted ({"teachers.teacher": 1200, ...}); empty when no rotation is under way.
    rotating_to = models.CharField(_("rotating to"), max_length=64, blank=True)
    rotation_progress = models.JSONField(_("rotation progress"), default=dict, blank=True)

    class Meta:
        verbose_name = _("encryption key state")
        verbose_name_plural = _("encryption key state")

    def __str__(self) -> str:
        return self.fingerprint[:12]
