"""Users, their role and area, and API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.org.models import Region, School


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    BUREAU = "bureau", _("Bureau personnel office")
    DISTRICT = "district", _("District office")
    SCHOOL = "school", _("School administrator")
    TEACHER = "teacher", _("Teacher")
    REVIEWER = "reviewer", _("Expert reviewer")
    PILOT = "pilot", _("Pilot office")
    AUDITOR = "auditor", _("Auditor")
    ETHICS = "ethics", _("Ethics officer")


class User(AbstractUser):
    """A person who logs in. `role` decides what they may do; `region` or `school` where.

    Bureau and district offices, and their ethics officers, have a region (they see it and everything below); a school
    administrator has a school; a teacher is linked from their Teacher record.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.TEACHER)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # Set when someone else chose the password (a demo login, an account created or reset by an
    # administrator); with QIANGSHI_FORCE_PASSWORD_CHANGE the user must choose their own first.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """A bearer token for the HTTP API. Only a hash of the key is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return "qs_" + secrets.token_urlsafe(32)
