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
