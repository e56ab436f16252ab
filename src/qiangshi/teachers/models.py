"""The teacher registry: one Teacher per person, and their history as dated records.

Record groups follow the national teacher-information template (POLICY.md §12). A teacher's
current school, title and education level are derived from the dated records; the title and
education level are also kept in `TeacherCurrent`, a projection of those records refreshed in the
same transaction by every write that changes them (see `teachers.projection`).
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiangshi.access.scoping import ScopedThroughTeacher
from qiangshi.core import crypto
from qiangshi.core.models import TimeStampedModel
from qiangshi.engines import idcard
from qiangshi.org.models import School


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc_member", _("CPC member")
    CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
    CYL_MEMBER = "cyl_member", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Democratic party member")
    MASSES = "masses", _("Ordinary citizen")


class MaritalStatus(models.TextChoices):
    UNMARRIED = "unmarried", _("Unmarried")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class PersonnelStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    LEAVE = "leave", _("On leave")
    SECONDED = "seconded", _("Seconded")
    RETIRED = "retired", _("Retired")
    LEFT = "left", _("Left")


class EmploymentType(models.TextChoices):
    ESTABLISHED = "established", _("Established")
    NON_ESTABLISHED = "non_established", _("Non-established")
    CONTRACT = "contract", _("Contract")
    SUBSTITUTE = "substitute", _("Substitute")


class PostCategory(models.TextChoices):
    TEACHING = "teaching", _("Teaching")
    ADMINISTRATION = "administration", _("Administration")
    AUXILIARY = "auxiliary", _("Teaching auxiliary")
    LOGISTICS = "logistics", _("Logistics")


class Subject(models.TextChoices):
    CHINESE = "chinese", _("Chinese")
    MATHEMATICS = "mathematics", _("Mathematics")
    ENGLISH = "english", _("English")
    MORALITY_LAW = "morality_law", _("Morality and law")
    HISTORY = "history", _("History")
    GEOGRAPHY = "geography", _("Geography")
    PHYSICS = "physics", _("Physics")
    CHEMISTRY = "chemistry", _("Chemistry")
    BIOLOGY = "biology", _("Biology")
    SCIENCE = "science", _("Science")
    INFORMATION_TECHNOLOGY = "information_technology", _("Information technology")
    PE = "pe", _("Physical education and health")
    MUSIC = "music", _("Music")
    FINE_ARTS = "fine_arts", _("Fine arts")
    LABOUR = "labour", _("Labour and integrated practice")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    OTHER = "other", _("Other")


class EducationLevel(models.TextChoices):
    """Ordered from lowest to highest; `EDUCATION_RANK` gives the order."""

    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary")
    SECONDARY_NORMAL = "secondary_normal", _("Secondary normal school")
    ASSOCIATE = "associate", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTORATE = "doctorate", _("Doctorate")


EDUCATION_RANK = {level: i for i, level in enumerate(EducationLevel.values)}


class StudyMode(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    IN_SERVICE = "in_service", _("In-service")


class TitleRank(models.TextChoices):
    """Professional titles, lowest first. Post grades: third 13, second 11–12, first 8–10,
    senior 5–7, professor-level 1–4 (POLICY.md §3)."""

    THIRD = "third", _("Third-grade teacher")
    SECOND = "second", _("Second-grade teacher")
    FIRST = "first", _("First-grade teacher")
    SENIOR = "senior", _("Senior teacher")
    PROFESSOR = "professor", _("Professor-level teacher")


TITLE_RANK = {rank: i for i, rank in enumerate(TitleRank.values)}


class RecognitionKind(models.TextChoices):
    BACKBONE = "backbone", _("Backbone teacher")
    SUBJECT_LEADER = "subject_leader", _("Subject leader")
    MASTER_TEACHER = "master_teacher", _("Master teacher")
    # Honours from the award rounds (优秀教师, 优秀班主任): on the record, not backbone kinds.
    EXCELLENT_TEACHER = "excellent_teacher", _("Excellent teacher")
    EXCELLENT_HOMEROOM = "excellent_homeroom", _("Excellent homeroom teacher")


class RecognitionLevel(models.TextChoices):
    SCHOOL = "school", pgettext_lazy("recognition level", "School")
    DISTRICT = "district", pgettext_lazy("recognition level", "District")
    CITY = "city", pgettext_lazy("recognition level", "City")
    PROVINCE = "province", pgettext_lazy("recognition level", "Province")
    NATIONAL = "national", pgettext_lazy("recognition level", "National")


class CertificateStage(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary school")
    SENIOR = "senior", _("Senior secondary school")
    VOCATIONAL = "vocational", _("Secondary vocational school")


class AppraisalGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    COMPETENT = "competent", _("Competent")
    BASIC = "basic", _("Basically competent")
    INCOMPETENT = "incompetent", _("Incompetent")
    NOT_APPRAISED = "not_appraised", _("Not appraised")


class Teacher(TimeStampedModel):
    """One person in the registry: basic information and contact (one record each per teacher).

    The national ID and phone are encrypted at rest; `national_id_hash` (a keyed hash) serves
    exact lookup and uniqueness. Use `national_id` / `phone` to read them, and record the view.
    """

    scope_subject = "teacher"
    scope_school_path = "employments__school"
    scope_current = "employments__end_date"
    scope_teacher_path = ""

    name = models.CharField(_("name"), max_length=50)
    former_name = models.CharField(_("former name"), max_length=50, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    nationality = models.CharField(_("nationality"), max_length=40, default="中国")
    # Not known is kept as empty, never filled with the commonest value (issue 13, item 5).
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="")
    political_status = models.CharField(
        _("political status"),
        max_length=20,
        choices=PoliticalStatus.choices,
        blank=True,
        default="",
    )
    marital_status = models.CharField(
        _("marital status"), max_length=12, choices=MaritalStatus.choices, blank=True
    )
    native_place = models.CharField(_("native place"), max_length=100, blank=True)
    birthplace = models.CharField(_("birthplace"), max_length=100, blank=True)
    national_id_encrypted = models.TextField(_("national ID (encrypted)"), editable=False)
    national_id_hash = models.CharField(max_length=64, editable=False)  # unique: see Meta
    work_start_date = models.DateField(_("date started work"), null=True, blank=True)
    personnel_status = models.CharField(
        _("personnel status"),
        max_length=12,
        choices=PersonnelStatus.choices,
        default=PersonnelStatus.ACTIVE,
    )
    is_free_normal_graduate = models.BooleanField(_("free normal-student graduate"), default=False)
    is_special_grade = models.BooleanField(_("special-grade teacher"), default=False)
    is_mental_health_teacher = models.BooleanField(_("mental-health teacher"), default=False)
    # Contact (联系方式)
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    photo = models.FileField(_("photo"), upload_to="photos/", blank=True)
    # Optimistic locking: raised by one on every save through the services; an edit made on an
    # older version is refused when it would overwrite a change saved since (EditConflict).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher_profile",
    )

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["name", "id"]
        # Plain b-tree indexes only: a unique CharField or db_index=True also gets a LIKE twin
        # on PostgreSQL, which nothing here uses and which costs bulk imports (random hashes).
        constraints = [
            models.UniqueConstraint(fields=["national_id_hash"], name="teachers_teacher_id_hash")
        ]
        indexes = [
            # The list's order (name, then key): its pages' keys are read from the index alone.
            models.Index(fields=["name", "id"], name="teachers_teacher_name_id"),
        ]

    def __str__(self) -> str:
        return self.name

    # Sensitive values: decrypt on demand; callers record full views via core.services.
    @property
    def national_id(self) -> str:
        return crypto.decrypt(self.national_id_encrypted)

    @property
    def national_id_masked(self) -> str:
        return idcard.mask(self.national_id)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def phone_masked(self) -> str:
        return idcard.mask_phone(self.phone)

    def age(self, on: date | None = None) -> int:
        on = on or date.today()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    # Derived current state. Selectors annotate these for lists; these serve single records.
    @property
    def current_employment(self) -> "Employment | None":
        return next((e for e in self.employments.all() if e.end_date is None), None)

    @property
    def current_school(self) -> School | None:
        employment = self.current_employment
        return employment.school if employment else None

    @property
    def current_title(self) -> "TitleRecord | None":
        records = list(self.title_records.all())
        if not records:
            return None
        return max(records, key=lambda r: (TITLE_RANK[r.rank], r.obtained_on or date.min))

    @property
    def highest_education(self) -> "EducationRecord | None":
        done = [r for r in self.education_records.all() if r.is_completed]
        if not done:
            return None
        return max(done, key=lambda r: (EDUCATION_RANK[r.level], r.end_date or date.min))


class TeacherCurrent(models.Model):
    """A teacher's current title and highest completed education, projected from the history
    (TitleRecord, EducationRecord), and the current school and area from the employments, so
    that lists, scoping and dashboards read one row instead of recomputing them per teacher.
    Written only by `teachers.projection.refresh`, which every write of those records calls in
    its transaction; `qiangshi check_projections` compares it with the history.
    """

    teacher = models.OneToOneField(
        "Teacher", on_delete=models.CASCADE, primary_key=True, related_name="current_state"
    )
    title_rank = models.CharField(max_length=12, choices=TitleRank.choices, null=True)
    title_order = models.SmallIntegerField(null=True)  # TITLE_RANK of title_rank
    education_level = models.CharField(max_length=20, choices=EducationLevel.choices, null=True)
    education_order = models.SmallIntegerField(null=True)  # EDUCATION_RANK of education_level
    # The next graduation date after `as_of`: the highest completed education may change then.
    education_due_on = models.DateField(null=True)
    # From the employments: whether one is open, its school, and the district of the office
    # whose records the teacher is in (the open employment's school's; for former staff, the
    # last employment's). access.scoping reads the district to scope teachers to an office.
    is_current = models.BooleanField(default=False)
    # No database constraint: derived data, checked against the history by check_projections;
    # two foreign-key checks per row cost an import of 100,000 teachers a second.
    school = models.ForeignKey(
        "org.School",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    district = models.ForeignKey(
        "org.Region",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    as_of = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["district", "is_current"], name="teachers_current_area"),
            models.Index(fields=["school", "is_current"], name="teachers_current_school"),
            models.Index(fields=["title_order"], name="teachers_current_title"),
            models.Index(fields=["education_order"], name="teachers_current_edu"),
            models.Index(fields=["education_due_on"], name="teachers_current_due"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id}: {self.title_rank or '-'}, {self.education_level or '-'}"


class TeacherRecord(ScopedThroughTeacher, TimeStampedModel):
    """Base of the many-per-teacher record groups."""

    scope_subject = "teacher"
    # Optimistic locking, as Teacher.version.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class Employment(TeacherRecord):
    """A period of work at a school (工作经历 / 岗位聘任). At most one is open (no end date)."""

    scope_school_path = "school"
    scope_current = None

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="employments"
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="employments",
        db_index=False,  # (school, end_date) below serves it: one index less per import row
    )
    employment_type = models.CharField(
        _("employment type"), max_length=16, choices=EmploymentType.choices
    )
    post_category = models.CharField(
        _("post category"), max_length=16, choices=PostCategory.choices, default="teaching"
    )
    is_full_time_teacher = models.BooleanField(_("full-time teacher"), default=True)
    post_grade = models.PositiveSmallIntegerField(_("post grade"), null=True, blank=True)
    main_subject = models.CharField(
        _("main subject"), max_length=32, choices=Subject.choices, blank=True
    )
    other_subjects = models.JSONField(_("other subjects"), default=list, blank=True)
    is_homeroom = models.BooleanField(_("homeroom teacher"), default=False)
    is_principal = models.BooleanField(_("principal"), default=False)
    # Empty when not known (an import whose file left it out): never a stand-in date.
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employment history")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher"],
                condition=models.Q(end_date__isnull=True),
                name="one_open_employment_per_teacher",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="employment_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(post_grade__isnull=True)
                | models.Q(post_grade__gte=1, post_grade__lte=13),
                name="employment_post_grade_range",
            ),
        ]
        indexes = [models.Index(fields=["school", "end_date"])]

    def __str__(self) -> str:
        return f"{self.teacher} @ {self.school}"


class EducationRecord(TeacherRecord):
    """A period of study (学习经历), from senior secondary up. No end date: still studying,
    unless `end_date_missing` says the degree was obtained on a date nobody gave (an import's
    file named the degree without its graduation date)."""

    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="education_records",
    )
    level = models.CharField(_("education level"), max_length=20, choices=EducationLevel.choices)
    institution = models.CharField(_("institution"), max_length=120)
    major = models.CharField(_("major"), max_length=120, blank=True)
    study_mode = models.CharField(
        _("study mode"), max_length=12, choices=StudyMode.choices, default=StudyMode.FULL_TIME
    )
    is_normal_major = models.BooleanField(_("teacher-training major"), default=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("graduation date"), null=True, blank=True)
    end_date_missing = models.BooleanField(_("graduated, date not known"), default=False)

    class Meta:
        verbose_name = _("education record")
        verbose_name_plural = _("education history")
        ordering = ["-end_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.institution}"

    @property
    def is_completed(self) -> bool:
        if self.end_date is None:
            return self.end_date_missing
        return self.end_date <= date.today()


class WorkExperience(TeacherRecord):
    """Work before or outside the region's schools (工作经历 not covered by Employment)."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="work_experience"
    )
    employer = models.CharField(_("employer"), max_length=120)
    position = models.CharField(_("position"), max_length=100, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("prior work")
        verbose_name_plural = _("prior work")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.employer} {self.start_date}"


class SecondmentKind(models.TextChoices):
    SUPPORT = "support", _("Teaching support term (支教)")
    ITINERANT = "itinerant", _("Itinerant teaching (走教)")


class Secondment(TeacherRecord):
    """A term at another school with the post kept at home (支教, 走教): from a rotation plan's
    term move, from its effective date to its return date. The employment stays at the home
    school; `ended_on` is set when the teacher has returned."""

    scope_school_path = "school"
    scope_current = None

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="secondments"
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("host school"),
        on_delete=models.PROTECT,
        related_name="secondments",
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=SecondmentKind.choices, default=SecondmentKind.SUPPORT
    )
    start_date = models.DateField(_("start date"))
    return_date = models.DateField(_("return date"))
    ended_on = models.DateField(_("returned on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=160, blank=True)

    class Meta:
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(return_date__gt=models.F("start_date")),
                name="secondment_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.start_date}–{self.return_date}"


class Certificate(TeacherRecord):
    """A teaching certificate (教师资格): the stage and subject it covers."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="certificates"
    )
    stage = models.CharField(
        _("certificate stage"), max_length=16, choices=CertificateStage.choices
    )
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices)
    number = models.CharField(_("certificate number"), max_length=40, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    issuing_authority = models.CharField(_("issuing authority"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("teaching certificate")
        verbose_name_plural = _("teaching certificates")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.get_subject_display()}"


class TitleRecord(TeacherRecord):
    """A professional title obtained (职称) and when it was appointed (聘任)."""

    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="title_records",
        db_index=False,  # the unique (teacher, rank) below serves it
    )
    rank = models.CharField(_("title"), max_length=12, choices=TitleRank.choices)
    # Empty when not known (an import whose file left it out): never a stand-in date.
    obtained_on = models.DateField(_("date obtained"), null=True, blank=True)
    appointed_on = models.DateField(_("date appointed"), null=True, blank=True)

    class Meta:
        verbose_name = _("title record")
        verbose_name_plural = _("title history")
        ordering = ["-obtained_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "rank"], name="title_rank_once_per_teacher")
        ]

    def __str__(self) -> str:
        return f"{self.get_rank_display()} {self.obtained_on or ''}".rstrip()


class Recognition(TeacherRecord):
    """A backbone teacher / subject leader / master teacher recognition, valid for a period."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="recognitions"
    )
    kind = models.CharField(_("recognition"), max_length=20, choices=RecognitionKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=RecognitionLevel.choices)
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices, blank=True)
    start_date = models.DateField(_("valid from"))
    end_date = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_kind_display()}"

    def is_valid_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class Appraisal(TeacherRecord):
    """The annual appraisal (年度考核): one grade per year."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="appraisals"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=16, choices=AppraisalGrade.choices)

    class Meta:
        verbose_name = _("annual appraisal")
        verbose_name_plural = _("annual appraisals")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="appraisal_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_grade_display()}"


class TeachingLoad(TeacherRecord):
    """Teaching load (教育教学) for one school year and term."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="teaching_loads"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    term = models.PositiveSmallIntegerField(_("term"), choices=[(1, _("Autumn")), (2, _("Spring"))])
    stage = models.CharField(_("stage taught"), max_length=16, choices=CertificateStage.choices)
    subjects = models.JSONField(_("subjects"), default=list)
    weekly_periods = models.DecimalField(_("weekly periods"), max_digits=4, decimal_places=1)
    other_periods = models.DecimalField(
        _("other work in periods"), max_digits=4, decimal_places=1, default=0
    )
    concurrent_duties = models.CharField(_("concurrent duties"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("teaching load")
        verbose_name_plural = _("teaching load")
        ordering = ["-school_year", "-term"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "school_year", "term"], name="teaching_load_once_per_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_year}-{self.term}: {self.weekly_periods}"


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ChangeRequestKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    BASIC = "basic", _("Basic information")
    EDUCATION = "education", _("Education")
    CERTIFICATE = "certificate", _("Teaching certificate")
    TITLE = "title", _("Title")
    RECOGNITION = "recognition", _("Recognition")
    WORK = "work", _("Prior work")


class ChangeRequest(ScopedThroughTeacher, TimeStampedModel):
    """A teacher's proposed change to their own record, with evidence, for the school to review.

    `payload` holds the proposed values; sensitive ones (a new phone) are stored encrypted in
    `payload_encrypted`. Approval applies it through the same services as any other write.
    """

    scope_subject = "changerequest"

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeRequestKind.choices)
    payload = models.JSONField(_("proposed values"), default=dict)
    payload_encrypted = models.TextField(blank=True, editable=False)
    evidence = models.FileField(_("evidence"), upload_to="evidence/", blank=True)
    comment = models.TextField(_("comment"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
        db_index=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.teacher} {self.get_kind_display()} ({self.get_status_display()})"


class RegistrationQuery(ScopedThroughTeacher, models.Model):
    """An office tried to register a national ID number that a teacher outside its area already
    holds. The office was told only that it cannot register the number; this query asks the
    office that holds the record (the one that sees the teacher) to get in touch, e.g. to
    arrange a transfer. Visible to the offices that review the teacher's change requests."""

    scope_subject = "changerequest"

    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="registration_queries",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    asked_by_office = models.CharField(_("asking office"), max_length=255, blank=True)
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("registration query")
        verbose_name_plural = _("registration queries")
        ordering = ["-asked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.asked_by_office} → {self.teacher}"
