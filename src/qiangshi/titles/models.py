"""Title evaluation (职称评价, POLICY.md §3, issue 17): yearly rounds per title and stage with
their quotas and required materials, applications on the review workflow (process
"title_application"), the expert reviewers' pool and declared relations, the panels drawn for
each application from a recorded seed, and the reviewers' scores.

Eligibility follows a versioned rule file (rules/titles-*.json); an application records the
rule version and each rule's result it was checked with. A decision creates the teacher's new
`TitleRecord` through the registry's services.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import ScopedThroughTeacher
from qiangshi.core import crypto
from qiangshi.teachers.models import TitleRank


class RoundStage(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary school")
    SENIOR = "senior", _("Senior secondary school")


class Aggregation(models.TextChoices):
    MEAN = "mean", _("Mean")
    TRIMMED_MEAN = "trimmed_mean", _("Trimmed mean (highest and lowest dropped)")


class QuotaSource(models.TextChoices):
    POST_STRUCTURE = "post_structure", _("From the post structure")
    ENTERED = "entered", _("Entered by the office")


class TitleRound(models.Model):
    """A yearly evaluation round for one title and one stage in a region (a city or a
    district): its dates, rule versions, panel settings, required materials and quotas."""

    scope_subject = "titleround"
    scope_region_path = "region"
    scope_reviewer_path = "applications__panel_members__reviewer"

    year = models.PositiveSmallIntegerField(_("year"))
    target = models.CharField(_("title"), max_length=12, choices=TitleRank.choices)
    stage = models.CharField(_("stage"), max_length=8, choices=RoundStage.choices)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT,
        related_name="title_rounds",
    )  # fmt: skip
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    reference_date = models.DateField(_("reference date"))
    rule_version = models.CharField(_("rule version"), max_length=30)
    rubric_version = models.CharField(_("rubric version"), max_length=30)
    aggregation = models.CharField(
        _("aggregation"), max_length=14, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    panel_size = models.PositiveSmallIntegerField(_("reviewers per application"), default=3)
    avoid_same_district = models.BooleanField(
        _("no reviewer from the same district"), default=False
    )
    materials = models.JSONField(_("required materials"), default=list, blank=True)
    quota_source = models.CharField(
        _("quota source"), max_length=16, choices=QuotaSource.choices,
        default=QuotaSource.POST_STRUCTURE,
    )  # fmt: skip
    quota_note = models.CharField(_("quota note"), max_length=300, blank=True)
    seed = models.CharField(_("panel seed"), max_length=64, blank=True)
    ranked_on = models.DateField(_("ranked on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("title round")
        verbose_name_plural = _("title rounds")
        ordering = ["-year", "region__code", "target", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "target", "stage", "region"], name="titles_round_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_target_display()} {self.get_stage_display()}"


class RoundQuota(models.Model):
    """How many promotions a round allows in a district (school empty) or a school."""

    round = models.ForeignKey(
        TitleRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="quotas"
    )
    district = models.ForeignKey(
        "org.Region", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    quota = models.PositiveIntegerField(_("quota"))
    source = models.CharField(_("quota source"), max_length=16, choices=QuotaSource.choices)

    class Meta:
        verbose_name = _("round quota")
        verbose_name_plural = _("round quotas")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "district", "school"], name="titles_quota_unique",
                nulls_distinct=False,
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.round_id} {self.district_id}/{self.school_id}: {self.quota}"


class TitleApplication(ScopedThroughTeacher, models.Model):
    """A teacher's application in a round, on the review workflow. `snapshot` holds what the
    registry said when it was pre-filled (education, years, service, hours, recognitions,
    ethics status); `checks` each eligibility rule's result at the last check."""

    scope_subject = "titleapplication"
    scope_reviewer_path = "panel_members__reviewer"

    round = models.ForeignKey(
        TitleRound, verbose_name=_("round"), on_delete=models.PROTECT,
        related_name="applications",
    )  # fmt: skip
    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.PROTECT,
        related_name="title_applications",
    )  # fmt: skip
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "org.Region", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=32, blank=True)
    current_title = models.CharField(
        _("current title"), max_length=12, choices=TitleRank.choices, blank=True
    )
    snapshot = models.JSONField(_("registry data"), default=dict)
    checks = models.JSONField(_("eligibility checks"), default=list)
    eligible = models.BooleanField(_("eligible"), default=False)
    rule_version = models.CharField(_("rule version"), max_length=30)
    checked_on = models.DateField(_("checked on"))
    statement = models.TextField(_("applicant's statement"), blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    within_quota = models.BooleanField(_("within the quota"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    title_record = models.ForeignKey(
        "teachers.TitleRecord", verbose_name=_("title record"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("title application")
        verbose_name_plural = _("title applications")
        ordering = ["round", "district", "school", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "teacher"], name="titles_application_once")
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class ApplicationMaterial(models.Model):
    """A file the applicant uploaded for one of the round's required materials (kept
    encrypted in the database, no copy on disk)."""

    application = models.ForeignKey(
        TitleApplication, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="materials",
    )  # fmt: skip
    kind = models.CharField(_("material"), max_length=40)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"))
    content_encrypted = models.TextField(_("content (encrypted)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name

    def content(self) -> bytes:
        import base64

        return base64.b64decode(crypto.decrypt(self.content_encrypted))


class ReviewerProfile(models.Model):
    """An expert reviewer's declared subjects and stages, and where they work (for conflicts).
    Only users with the reviewer role are in the pool."""

    scope_subject = "reviewerprofile"
    scope_region_path = "district"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.CASCADE,
        related_name="reviewer_profile",
    )  # fmt: skip
    subjects = models.JSONField(_("subjects"), default=list)
    stages = models.JSONField(_("stages"), default=list)
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    district = models.ForeignKey(
        "org.Region", verbose_name=_("district"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField(_("in the pool"), default=True)

    class Meta:
        verbose_name = _("reviewer profile")
        verbose_name_plural = _("reviewer profiles")

    def __str__(self) -> str:
        return str(self.user)


class RelationKind(models.TextChoices):
    COLLEAGUE = "colleague", _("Colleague")
    RELATIVE = "relative", _("Relative")
    MENTOR = "mentor", _("Mentor or former student")
    OTHER = "other", _("Other interest")


class ReviewerRelation(models.Model):
    """A relation a reviewer declared with a teacher: they never review that teacher. Scoped
    through the teacher: an office sees the relations with the teachers of its area (and a
    reviewer, given the permission, would see their own)."""

    scope_subject = "reviewerrelation"
    scope_school_path = "teacher__employments__school"
    scope_current = "teacher__employments__end_date"
    scope_teacher_path = "teacher"
    scope_reviewer_path = "reviewer"

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.CASCADE,
        related_name="declared_relations",
    )  # fmt: skip
    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("relation"), max_length=10, choices=RelationKind.choices)
    declared_on = models.DateField(_("declared on"))

    class Meta:
        verbose_name = _("declared relation")
        verbose_name_plural = _("declared relations")
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "teacher"], name="titles_relation_once")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id}–{self.teacher_id}"


class PanelMember(models.Model):
    """A reviewer drawn for an application (with the round's seed that drew them)."""

    application = models.ForeignKey(
        TitleApplication, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="panel_members",
    )  # fmt: skip
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT,
        related_name="title_panels",
    )  # fmt: skip
    position = models.PositiveSmallIntegerField(_("order drawn"))
    seed = models.CharField(_("panel seed"), max_length=64)
    drawn_on = models.DateField(_("drawn on"))

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ["application", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="titles_panel_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.reviewer_id}"


class Score(models.Model):
    """One reviewer's scores on the rubric for one application."""

    application = models.ForeignKey(
        TitleApplication, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="scores",
    )  # fmt: skip
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    scores = models.JSONField(_("scores"))
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2)
    rubric_version = models.CharField(_("rubric version"), max_length=30)
    scored_on = models.DateField(_("scored on"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["application", "reviewer"], name="titles_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.total}"


class WeakSchool(models.Model):
    """A school the bureau designated as weak (薄弱学校) for a period: service there counts
    towards the rural or weak-school service required before senior. `end_date` is the first
    day the school is no longer designated; `source` the reason and the decision it rests on.
    The offices designate and end designations (services.weak_school_designate, _end)."""

    scope_subject = "weakschool"
    scope_school_path = "school"

    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.CASCADE,
        related_name="weak_designations",
    )  # fmt: skip
    start_date = models.DateField(_("designated from"))
    end_date = models.DateField(_("designated until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("weak-school designation")
        verbose_name_plural = _("weak-school designations")
        ordering = ["school", "start_date"]

    def __str__(self) -> str:
        return f"{self.school_id} {self.start_date}"
