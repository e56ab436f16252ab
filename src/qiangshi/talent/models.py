"""Talent and partnerships (POLICY.md §15; issue 18): recruitment plans for doctoral graduates
and shortage subjects with the hires against them, olympiad-coach incentives, partnerships
(mountain–sea with Longyan, master teachers off the island, cross-strait exchange) with the
people sent and received and their activities, and the region's teacher perks with their
take-up per school."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import ScopedThroughTeacher
from qiangshi.core.models import TimeStampedModel
from qiangshi.teachers.models import Subject

# --- recruitment ----------------------------------------------------------------------------


class RecruitmentCategory(models.TextChoices):
    DOCTORAL = "doctoral", _("Doctoral graduates (excellence programme)")
    SHORTAGE = "shortage", _("Shortage subjects")


class RecruitmentPlan(TimeStampedModel):
    """A region's (city's or district's) recruitment plan for a year: its targets per category
    and subject, and the hires against them."""

    scope_subject = "recruitmentplan"
    scope_region_path = "region"

    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    remarks = models.CharField(_("remarks"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recruitment plan")
        verbose_name_plural = _("recruitment plans")
        ordering = ["-year", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="talent_plan_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"


class RecruitmentTarget(models.Model):
    """How many of a category (and subject: blank means any subject) the plan wants."""

    scope_subject = "recruitmentplan"
    scope_region_path = "plan__region"

    plan = models.ForeignKey(
        RecruitmentPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets"
    )
    category = models.CharField(_("category"), max_length=12, choices=RecruitmentCategory.choices)
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices, blank=True)
    target = models.PositiveIntegerField(_("target"))

    class Meta:
        verbose_name = _("recruitment target")
        verbose_name_plural = _("recruitment targets")
        ordering = ["category", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "category", "subject"], name="talent_target_unique"
            )
        ]

    def __str__(self) -> str:
        subject = f" {self.get_subject_display()}" if self.subject else ""
        return f"{self.plan} {self.get_category_display()}{subject}"


class HireStatus(models.TextChoices):
    SIGNED = "signed", _("Signed")
    JOINED = "joined", _("Joined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The statuses that count against the plan.
COUNTING = (HireStatus.SIGNED, HireStatus.JOINED)


class Hire(TimeStampedModel):
    """A person hired under a plan into a school: recorded when they sign (before they are in
    the registry), linked to their registry record when they join."""

    scope_subject = "hire"
    scope_school_path = "school"

    plan = models.ForeignKey(
        RecruitmentPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="hires"
    )
    category = models.CharField(_("category"), max_length=12, choices=RecruitmentCategory.choices)
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices, blank=True)
    name = models.CharField(_("name"), max_length=50)
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    university = models.CharField(_("university"), max_length=120, blank=True)
    hired_on = models.DateField(_("signed on"))
    status = models.CharField(_("status"), max_length=10, choices=HireStatus.choices)
    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("registry record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hire")
        verbose_name_plural = _("hires")
        ordering = ["-hired_on", "-id"]

    def __str__(self) -> str:
        return self.name


# --- olympiad-coach incentives ---------------------------------------------------------------


class Olympiad(models.TextChoices):
    MATHEMATICS = "mathematics", _("Mathematics olympiad")
    PHYSICS = "physics", _("Physics olympiad")
    CHEMISTRY = "chemistry", _("Chemistry olympiad")
    BIOLOGY = "biology", _("Biology olympiad")
    INFORMATICS = "informatics", _("Informatics olympiad")


class OlympiadLevel(models.TextChoices):
    """The result's prize level; keys of the rule set's `amounts`."""

    NATIONAL_GOLD = "national_gold", _("National gold medal")
    NATIONAL_SILVER = "national_silver", _("National silver medal")
    NATIONAL_BRONZE = "national_bronze", _("National bronze medal")
    PROVINCIAL_FIRST = "provincial_first", _("Provincial first prize")
    PROVINCIAL_SECOND = "provincial_second", _("Provincial second prize")
    PROVINCIAL_THIRD = "provincial_third", _("Provincial third prize")


class OlympiadResult(TimeStampedModel):
    """A pupil's olympiad result credited to their coach (a registry teacher) at the coach's
    school, and the reward it earns the coach under the rule set in force on the award date."""

    scope_subject = "olympiadresult"
    scope_school_path = "school"

    olympiad = models.CharField(_("olympiad"), max_length=12, choices=Olympiad.choices)
    competition = models.CharField(_("competition"), max_length=200)
    coach = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("coach"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    pupil = models.CharField(_("pupil"), max_length=50)
    level = models.CharField(_("result"), max_length=20, choices=OlympiadLevel.choices)
    awarded_on = models.DateField(_("awarded on"))
    reward = models.DecimalField(_("reward (yuan)"), max_digits=10, decimal_places=0)
    rule_version = models.CharField(_("rule version"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("olympiad result")
        verbose_name_plural = _("olympiad results")
        ordering = ["-awarded_on", "-id"]
        indexes = [models.Index(fields=["coach", "awarded_on"], name="talent_olympiad_coach")]

    def __str__(self) -> str:
        return f"{self.pupil} {self.competition}"


# --- partnerships ---------------------------------------------------------------------------


class PartnershipKind(models.TextChoices):
    MOUNTAIN_SEA = "mountain_sea", _("Mountain–sea education community")
    OFF_ISLAND = "off_island", _("Master teachers off the island")
    CROSS_STRAIT = "cross_strait", _("Cross-strait teacher exchange")


class Partnership(TimeStampedModel):
    """A partnership of a region's office with a partner region or organisation, on terms."""

    scope_subject = "partnership"
    scope_region_path = "region"

    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PartnershipKind.choices)
    title = models.CharField(_("title"), max_length=200)
    partner = models.CharField(_("partner"), max_length=200)
    terms = models.TextField(_("terms"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Direction(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")


class Exchange(models.Model):
    """A person sent to or received from the partner: a registry teacher, or someone from
    outside (name and organisation only)."""

    scope_subject = "partnership"
    scope_region_path = "partnership__region"

    partnership = models.ForeignKey(
        Partnership, verbose_name=_("partnership"), on_delete=models.CASCADE, related_name="people"
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("registry teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=50)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("person sent or received")
        verbose_name_plural = _("people sent and received")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("Training")
    DEMONSTRATION = "demonstration", _("Demonstration lessons")
    RESEARCH = "research", _("Joint teaching research")
    VISIT = "visit", _("Visit")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class PartnershipActivity(TimeStampedModel):
    """An activity of a partnership, with dates and hours. Confirming it credits training hours
    to the registry teachers who took part, where the rule set says so; cancelling it takes them
    back."""

    scope_subject = "partnership"
    scope_region_path = "partnership__region"

    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    location = models.CharField(_("location"), max_length=200, blank=True)
    others = models.PositiveIntegerField(_("other participants"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices)
    rule_version = models.CharField(_("rule version"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("partnership activity")
        verbose_name_plural = _("partnership activities")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="talent_activity_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="talent_activity_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ActivityParticipant(ScopedThroughTeacher, models.Model):
    """A registry teacher who took part in an activity, with the training record its
    confirmation credited (none: not credited, or not yet)."""

    scope_subject = "activityparticipant"

    activity = models.ForeignKey(
        PartnershipActivity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="+"
    )
    training_record = models.OneToOneField(
        "training.TrainingRecord",
        verbose_name=_("training record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    credited_hours = models.DecimalField(
        _("credited hours"), max_digits=6, decimal_places=1, null=True, blank=True
    )

    class Meta:
        verbose_name = _("activity participant")
        verbose_name_plural = _("activity participants")
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "teacher"], name="talent_participant_once")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} @ {self.activity_id}"


# --- teacher perks --------------------------------------------------------------------------


class Perk(TimeStampedModel):
    """A benefit the region offers its teachers (惠师政策): who provides it, who qualifies,
    for which period."""

    scope_subject = "perk"
    scope_region_path = "region"

    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    eligibility = models.CharField(_("who qualifies"), max_length=500)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("teacher perk")
        verbose_name_plural = _("teacher perks")
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class PerkUptake(models.Model):
    """Take-up of a perk at a school: a count the school records for a period, or one teacher
    (count 1)."""

    scope_subject = "perkuptake"
    scope_school_path = "school"

    perk = models.ForeignKey(
        Perk, verbose_name=_("perk"), on_delete=models.CASCADE, related_name="uptakes"
    )
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("teachers"))
    on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("perk take-up")
        verbose_name_plural = _("perk take-up")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["perk", "teacher"],
                condition=models.Q(teacher__isnull=False),
                name="talent_uptake_teacher_once",
            ),
            models.CheckConstraint(condition=models.Q(count__gt=0), name="talent_uptake_count"),
        ]

    def __str__(self) -> str:
        return f"{self.perk} · {self.school}"
