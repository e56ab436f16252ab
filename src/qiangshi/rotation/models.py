"""Rotation plans (交流轮岗, POLICY.md §8): who rotates where in a school year.

A plan belongs to a district, or to a city for programmes that cross districts (island to
off-island). Its life: draft (solve, fix or forbid moves, re-solve) → submitted → approved or
returned (with a comment; a returned plan is a draft again) → published (each teacher sees their
own move) → effective (on the effective date the moves become employment records). Every step
is audited. Exemptions take a teacher out of the eligible list for a year, with a reason.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiangshi.access.scoping import ScopedThroughTeacher


class PlanStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("rotation plan status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("rotation plan status", "Submitted")
    RETURNED = "returned", pgettext_lazy("rotation plan status", "Returned")
    APPROVED = "approved", pgettext_lazy("rotation plan status", "Approved")
    PUBLISHED = "published", pgettext_lazy("rotation plan status", "Published")
    EFFECTIVE = "effective", pgettext_lazy("rotation plan status", "In effect")


class SolveState(models.TextChoices):
    NONE = "", _("Not solved")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Solving")
    DONE = "done", _("Solved")
    FAILED = "failed", _("Failed")


class Method(models.TextChoices):
    MILP = "milp", _("Optimiser (MILP)")
    GREEDY = "greedy", _("Greedy baseline")


class RotationPlan(models.Model):
    scope_subject = "rotation"
    scope_region_path = "region"

    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="rotation_plans",
    )
    year = models.PositiveIntegerField(_("school year"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default="milp")
    # What the plan was solved with: rule version, quotas, origin/destination districts, weights.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    effective_date = models.DateField(_("effective date"))
    # The last solve: state, progress message, and the engine's result summary (status,
    # objective, gap, time, CVs before/after per district, per-school indicators, message).
    solve_state = models.CharField(
        _("solve state"), max_length=8, choices=SolveState.choices, blank=True, default=""
    )
    solve_message = models.CharField(_("solve progress"), max_length=255, blank=True)
    # Written as the solve goes on; a queued or running solve whose heartbeat stopped (the
    # server was stopped mid-solve) is marked failed (`services.stuck_solves_recover`).
    solve_heartbeat = models.DateTimeField(_("solve heartbeat"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    # The public notice (公示: name, from-school and to-school only), on for these dates.
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)

    class Meta:
        verbose_name = _("rotation plan")
        verbose_name_plural = _("rotation plans")
        ordering = ["-year", "region__code", "-id"]
        indexes = [models.Index(fields=["region", "year"], name="rotation_plan_region_year")]

    def __str__(self) -> str:
        return self.name or f"{self.region} {self.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in (PlanStatus.DRAFT, PlanStatus.RETURNED)

    def notice_open(self, today) -> bool:
        """Whether the public notice is shown on `today`."""
        return (
            self.status in (PlanStatus.PUBLISHED, PlanStatus.EFFECTIVE)
            and self.notice_start is not None
            and self.notice_end is not None
            and self.notice_start <= today <= self.notice_end
        )


class MoveForm(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    TERM = "term", _("Term with the post kept at home")


class RotationMove(models.Model):
    """One teacher (or principal) moving from their school to another under a plan: a transfer
    of the post, or a term of 1–3 years at the receiving school with the post kept at home."""

    scope_subject = "rotation"
    scope_school_path = "origin"
    scope_teacher_path = "teacher"

    plan = models.ForeignKey(
        RotationPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="moves"
    )
    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.PROTECT,
        related_name="rotation_moves",
    )
    origin = models.ForeignKey(
        "org.School", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        "org.School", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=32, blank=True)
    is_backbone = models.BooleanField(_("backbone teacher"), default=False)
    distance_km = models.FloatField(_("distance (km)"), default=0)
    reason = models.TextField(_("reason"), blank=True)  # in Chinese
    reason_en = models.TextField(_("reason (English)"), blank=True)
    is_principal = models.BooleanField(_("principal"), default=False)
    # The stage taught at the origin and at the destination (the same for a teacher; for a
    # principal the schools' stages).
    stage_from = models.CharField(_("stage from"), max_length=16, blank=True)
    stage_to = models.CharField(_("stage to"), max_length=16, blank=True)
    form = models.CharField(
        _("form"), max_length=8, choices=MoveForm.choices, default=MoveForm.TRANSFER
    )
    term_years = models.PositiveSmallIntegerField(_("term (years)"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)

    class Meta:
        verbose_name = _("rotation move")
        verbose_name_plural = _("rotation moves")
        ordering = ["origin__code", "teacher__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "teacher"], name="rotation_move_once")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id}: {self.origin_id} → {self.destination_id}"

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language (both are written when the plan is solved)."""
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.reason_en:
            return self.reason_en
        return self.reason

    @property
    def return_date(self):
        """The day a term ends (its years after the plan's effective date); None for a
        transfer."""
        if self.form != MoveForm.TERM or not self.term_years:
            return None
        start = self.plan.effective_date
        try:
            return start.replace(year=start.year + self.term_years)
        except ValueError:  # 29 February
            return start.replace(year=start.year + self.term_years, day=28)


class DecisionKind(models.TextChoices):
    MUST = "must", _("Must move")
    MUST_NOT = "must_not", _("Must not move")
    NOT_TO = "not_to", _("Not to this school")


class RotationDecision(models.Model):
    """A decision the planner fixed before re-solving: this teacher must move (optionally to a
    given school), must not move, or not to a given school."""

    scope_subject = "rotation"
    scope_region_path = "plan__region"

    plan = models.ForeignKey(
        RotationPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="decisions"
    )
    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("decision"), max_length=8, choices=DecisionKind.choices)
    school = models.ForeignKey(
        "org.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rotation decision")
        verbose_name_plural = _("rotation decisions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.teacher_id}: {self.kind}"


class RotationExemption(ScopedThroughTeacher, models.Model):
    """A teacher taken out of the eligible list for a school year, with the reason."""

    scope_subject = "rotation"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="rotation_exemptions",
    )
    year = models.PositiveIntegerField(_("school year"))
    reason = models.CharField(_("reason"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("rotation exemption")
        verbose_name_plural = _("rotation exemptions")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="rotation_exempt_once")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year}"


class RotationPreference(ScopedThroughTeacher, models.Model):
    """A teacher's preferred schools for a rotation year, best first (a soft term of the
    optimiser: a move elsewhere costs a little more)."""

    scope_subject = "rotation"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="rotation_preferences",
    )
    year = models.PositiveIntegerField(_("school year"))
    schools = models.JSONField(_("preferred schools"), default=list)  # school ids, best first
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rotation preference")
        verbose_name_plural = _("rotation preferences")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="rotation_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year}"
