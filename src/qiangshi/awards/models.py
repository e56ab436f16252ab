"""Teacher award selection (优秀教师评选, issue 17): rounds per kind, year and level with
nomination quotas, nominations on the review workflow (school → district → bureau → public
notice with objections → decision), and the objections received during the notice.

A decision that awards a kind the registry knows as a recognition (master teacher, backbone
teacher, subject leader) creates that `teachers.Recognition` through the teachers' services; the
award itself (`AwardNomination.outcome`, `decided_on`) is the record for every kind.
Long-service honours are not stored: they are derived each year from the registry.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.core import crypto
from qiangshi.teachers.models import RecognitionLevel


class AwardKind(models.TextChoices):
    EXCELLENT_TEACHER = "excellent_teacher", _("Excellent teacher")
    EXCELLENT_HOMEROOM = "excellent_homeroom", _("Excellent homeroom teacher")
    MASTER_TEACHER = "master_teacher", _("Master teacher")
    BACKBONE = "backbone", _("Backbone teacher")
    SUBJECT_LEADER = "subject_leader", _("Subject leader")


# An award round is given at district level or above (a school's own honours are not rounds).
AWARD_LEVELS = [(v, label) for v, label in RecognitionLevel.choices if v != "school"]


class AwardRound(models.Model):
    """One selection of an award kind for a year and level, run by an office of `region`:
    its nomination window, reference date for eligibility, quotas and rule version."""

    scope_subject = "awardround"
    scope_region_path = "region"

    kind = models.CharField(_("award"), max_length=20, choices=AwardKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=10, choices=AWARD_LEVELS)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    nominations_open_on = models.DateField(_("nominations open on"))
    nominations_close_on = models.DateField(_("nominations close on"))
    reference_date = models.DateField(_("reference date for eligibility"))
    # Default quotas (from the rule file when the round is created); AwardQuota overrides.
    school_quota = models.PositiveSmallIntegerField(_("nominations per school"))
    district_quota = models.PositiveSmallIntegerField(
        _("nominations per district"), null=True, blank=True
    )
    rule_version = models.CharField(_("rule version"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award round")
        verbose_name_plural = _("award rounds")
        ordering = ["-year", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "level", "region"], name="awards_round_once"
            ),
            models.CheckConstraint(
                condition=models.Q(nominations_close_on__gte=models.F("nominations_open_on")),
                name="awards_round_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AwardQuota(models.Model):
    """A quota of a round for one school or one district, overriding the round's default."""

    scope_subject = "awardround"
    scope_region_path = "round__region"

    round = models.ForeignKey(
        AwardRound, verbose_name=_("award round"), on_delete=models.CASCADE, related_name="quotas"
    )
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    district = models.ForeignKey(
        "org.Region", verbose_name=_("district"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    quota = models.PositiveSmallIntegerField(_("quota"))

    class Meta:
        verbose_name = _("nomination quota")
        verbose_name_plural = _("nomination quotas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(school__isnull=True) ^ models.Q(district__isnull=True),
                name="awards_quota_one_target",
            ),
            models.UniqueConstraint(fields=["round", "school"], name="awards_quota_school"),
            models.UniqueConstraint(fields=["round", "district"], name="awards_quota_district"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.quota}"


class Outcome(models.TextChoices):
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded")


class AwardNomination(models.Model):
    """A school's nomination of one of its teachers in a round, on the review workflow
    (process "award_nomination"). The eligibility found when nominating is kept with the rule
    version it used; the decision (awarded or not, on which date) and the recognition it created
    are recorded here."""

    scope_subject = "awardnomination"
    scope_school_path = "school"
    scope_teacher_path = "teacher"

    round = models.ForeignKey(
        AwardRound, verbose_name=_("award round"), on_delete=models.PROTECT,
        related_name="nominations",
    )  # fmt: skip
    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.PROTECT,
        related_name="award_nominations",
    )  # fmt: skip
    school = models.ForeignKey(
        "org.School", verbose_name=_("nominating school"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    nominated_on = models.DateField(_("nominated on"))
    citation = models.TextField(_("deeds"))  # 主要事迹
    eligibility = models.JSONField(_("eligibility when nominated"), default=list)
    rule_version = models.CharField(_("rule version"), max_length=20)
    noticed_on = models.DateField(_("public notice from"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recognition = models.OneToOneField(
        "teachers.Recognition", verbose_name=_("recognition"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="award_nomination",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("nominated by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("award nomination")
        verbose_name_plural = _("award nominations")
        ordering = ["round", "school", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "teacher"], name="awards_nomination_once")
        ]
        indexes = [models.Index(fields=["teacher", "decided_on"], name="awards_nom_teacher")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.teacher_id}"


class ObjectionOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld: the nomination is not awarded")
    DISMISSED = "dismissed", _("Dismissed: unfounded")


class AwardObjection(models.Model):
    """An objection received during the public notice of a nomination, and how it was handled.
    Its text may name people: it is encrypted at rest."""

    scope_subject = "awardobjection"
    scope_school_path = "nomination__school"

    nomination = models.ForeignKey(
        AwardNomination, verbose_name=_("award nomination"), on_delete=models.CASCADE,
        related_name="objections",
    )  # fmt: skip
    received_on = models.DateField(_("received on"))
    summary_encrypted = models.TextField(_("objection (encrypted)"))
    outcome = models.CharField(
        _("handling"), max_length=10, choices=ObjectionOutcome.choices, blank=True
    )
    response_encrypted = models.TextField(_("findings (encrypted)"), blank=True)
    handled_on = models.DateField(_("handled on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def summary(self) -> str:
        return crypto.decrypt(self.summary_encrypted)

    @property
    def response(self) -> str:
        return crypto.decrypt(self.response_encrypted)
