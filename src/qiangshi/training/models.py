"""Training (继续教育, POLICY.md §4): programmes, enrolments and the hours on each teacher's
training record.

A programme is offered by a region's office (national and provincial ones are recorded under the
top region the system holds). A teacher enrols (or is assigned by the school or an office); past
the capacity, the enrolment waits. When the school confirms a completion, the programme's hours
are credited to the teacher's training record; hours from elsewhere arrive by import.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import ScopedThroughTeacher
from qiangshi.core.models import TimeStampedModel
from qiangshi.org.models import Stage
from qiangshi.teachers.models import EducationLevel, StudyMode, Subject


class TrainingCategory(models.TextChoices):
    """The kinds of training the rule file sets minimums and caps for (keys of its
    `categories`)."""

    CENTRALISED = "centralised", _("Centralised training")
    SCHOOL_BASED = "school_based", _("School-based study")
    ONLINE = "online", _("Online study")
    DEGREE = "degree", _("Degree study")
    INDUCTION = "induction", _("New-teacher induction")
    OTHER = "other", _("Other training")


class ProgrammeLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Provincial")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    SCHOOL = "school", _("School")


class TargetGroup(models.TextChoices):
    NEW_TEACHERS = "new_teachers", _("New teachers")
    SCIENCE_TEACHERS = "science_teachers", _("Science teachers")
    HOMEROOM_TEACHERS = "homeroom_teachers", _("Homeroom teachers")
    BACKBONE_CANDIDATES = "backbone_candidates", _("Backbone candidates")


class DeliveryMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Programme(TimeStampedModel):
    """A training programme offered to teachers: what it covers, for whom, how many places,
    when. `region` is the organising office's region (it decides who sees it: that region's
    area and the schools below it)."""

    scope_subject = "programme"
    scope_region_path = "region"

    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=ProgrammeLevel.choices)
    provider = models.CharField(_("provider"), max_length=200)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("organising region"), on_delete=models.PROTECT
    )
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    category = models.CharField(_("category"), max_length=16, choices=TrainingCategory.choices)
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True)
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    mode = models.CharField(_("delivery"), max_length=12, choices=DeliveryMode.choices)
    description = models.TextField(_("description"), blank=True)
    # The digital-literacy indicators (codes of the framework file) the programme develops.
    covers = models.JSONField(_("literacy indicators covered"), default=list, blank=True)
    # When set, a completion credits the programme's hours in proportion to the session hours
    # the teacher attended (see `Session`, `Attendance`).
    credit_by_attendance = models.BooleanField(_("hours follow attendance"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="training_programme_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="training_programme_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def target_group_labels(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [str(labels[g]) for g in self.target_groups if g in labels]


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITING = "waiting", _("On the waiting list")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The statuses that hold a place on a programme.
PLACE_HOLDING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


class Enrolment(ScopedThroughTeacher, TimeStampedModel):
    """A teacher on a programme: enrolled (holding a place), waiting for one, then completed or
    not as the school confirms; `assigned_by` is empty when the teacher enrolled themselves."""

    scope_subject = "enrolment"

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="training_enrolments",
    )
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "teacher"], name="training_enrolment_once_per_programme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} @ {self.programme_id}"


class RecordSource(models.TextChoices):
    PROGRAMME = "programme", _("Programme completed")
    IMPORT = "import", _("Imported")
    SELF_REPORTED = "self", _("Entered by the teacher, approved by the school")
    PARTNERSHIP = "partnership", _("Partnership activity")


class TrainingRecord(ScopedThroughTeacher, TimeStampedModel):
    """Hours credited to a teacher's training record: from a confirmed completion (with its
    enrolment) or imported from elsewhere (degree study, provincial platforms, the national
    smart-education platform)."""

    scope_subject = "trainingrecord"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="training_records",
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    category = models.CharField(_("category"), max_length=16, choices=TrainingCategory.choices)
    title = models.CharField(_("training"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=RecordSource.choices)
    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="record",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["teacher", "date"], name="training_record_teacher")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="training_record_hours_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.date}"


class LiteracyAssessment(ScopedThroughTeacher, TimeStampedModel):
    """A teacher's digital-literacy self-assessment (POLICY §5) for a year, under a version of
    the framework file: the answer to each question, saved as the teacher goes."""

    scope_subject = "literacyassessment"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="literacy_assessments",
    )
    framework_version = models.CharField(_("framework version"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("digital literacy self-assessment")
        verbose_name_plural = _("digital literacy self-assessments")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "framework_version", "year"],
                name="training_literacy_once_a_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year}"


# --- Sessions and attendance ------------------------------------------------------------------


class Session(TimeStampedModel):
    """One meeting of a programme: when, where (a place or a link) and how many hours. Seen by
    whoever sees the programme."""

    scope_subject = "programme"
    scope_region_path = "programme__region"

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["date", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="training_session_hours_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="training_session_times_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.date} {self.starts_at:%H:%M}"


class Attendance(ScopedThroughTeacher, TimeStampedModel):
    """Whether an enrolled teacher attended a session, as the school or the organiser marked
    it. No row: not marked yet (never taken for absent)."""

    scope_subject = "attendance"

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendance"
    )
    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="training_attendance",
    )
    present = models.BooleanField(_("present"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="training_attendance_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} @ {self.session_id}: {self.present}"


# --- Hours entered by the teacher -------------------------------------------------------------


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the school's review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class HoursClaim(ScopedThroughTeacher, TimeStampedModel):
    """Training hours a teacher enters with evidence (a certificate), for their school to
    approve (on the review workflow, process `training_hours_claim`). Approval puts the hours
    on the record (`record`); a rejection gives the reason; the teacher may withdraw a claim
    while it waits. Only the teacher and their school see a claim and its evidence."""

    scope_subject = "hoursclaim"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="training_claims",
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    category = models.CharField(_("category"), max_length=16, choices=TrainingCategory.choices)
    title = models.CharField(_("training"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="training-evidence/")
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ClaimStatus.choices,
        default=ClaimStatus.PENDING,
        db_index=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.TextField(_("reason"), blank=True)
    record = models.OneToOneField(
        TrainingRecord,
        verbose_name=_("training record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claim",
    )

    class Meta:
        verbose_name = _("hours entered by a teacher")
        verbose_name_plural = _("hours entered by teachers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="training_claim_hours_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.date}"


# --- Training spend against the public budget (POLICY §4) -------------------------------------


class TrainingBudget(TimeStampedModel):
    """A school's public-funds budget of a year, as entered by the school or its office (the
    base the 5% training spend is measured against)."""

    scope_subject = "trainingbudget"
    scope_school_path = "school"

    school = models.ForeignKey(
        "org.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="training_budgets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    public_budget = models.DecimalField(
        _("public funds budget (yuan)"), max_digits=14, decimal_places=2
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("public funds budget")
        verbose_name_plural = _("public funds budgets")
        ordering = ["-year", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="training_budget_once_a_year"),
            models.CheckConstraint(
                condition=models.Q(public_budget__gt=0), name="training_budget_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.year}"


class TrainingSpend(TimeStampedModel):
    """Money a school spent on teacher training in a year: a programme's cost for its teachers
    (`programme`) or a total entered from the school's accounts."""

    scope_subject = "trainingbudget"
    scope_school_path = "school"

    school = models.ForeignKey(
        "org.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="training_spend",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training spend")
        verbose_name_plural = _("training spend")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="training_spend_positive")
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.year}: {self.amount}"


# --- Reminders --------------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    CYCLE = "cycle", _("Behind on the 5-year cycle")
    INDUCTION = "induction", _("Behind on the new-teacher induction")


class TrainingReminder(ScopedThroughTeacher, TimeStampedModel):
    """A reminder the school (or an office) sent a teacher who is behind: it waits in the
    teacher's inbox (process `training_reminder`) until they acknowledge it. `shortfall` is the
    hours missing when it was sent."""

    scope_subject = "trainingreminder"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="training_reminders",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    shortfall = models.DecimalField(_("hours missing"), max_digits=6, decimal_places=1)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training reminder")
        verbose_name_plural = _("training reminders")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.kind}"


class DegreeStudyStatus(models.TextChoices):
    STUDYING = "studying", _("Studying")
    COMPLETED = "completed", _("Degree obtained")
    DISCONTINUED = "discontinued", _("Discontinued")


class DegreeStudy(ScopedThroughTeacher, TimeStampedModel):
    """A teacher studying for a higher degree (学历提升): the degree sought, where, since when
    and when it is expected. On completion the degree becomes an education record of the
    teacher's history (`education_record`), written through the registry's services."""

    scope_subject = "degreestudy"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="degree_studies",
    )
    level = models.CharField(_("degree sought"), max_length=20, choices=EducationLevel.choices)
    institution = models.CharField(_("institution"), max_length=120)
    programme = models.CharField(_("programme of study"), max_length=120)
    study_mode = models.CharField(
        _("study mode"), max_length=12, choices=StudyMode.choices, default=StudyMode.IN_SERVICE
    )
    start_date = models.DateField(_("start date"))
    expected_on = models.DateField(_("expected completion"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DegreeStudyStatus.choices,
        default=DegreeStudyStatus.STUDYING,
    )
    completed_on = models.DateField(_("date obtained"), null=True, blank=True)
    education_record = models.OneToOneField(
        "teachers.EducationRecord",
        verbose_name=_("education record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("degree study")
        verbose_name_plural = _("degree studies")
        ordering = ["expected_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_on__gte=models.F("start_date")),
                name="training_degree_study_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["teacher", "level"],
                condition=models.Q(status="studying"),
                name="training_degree_study_once_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.institution}"
