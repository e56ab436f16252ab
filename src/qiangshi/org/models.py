"""The region tree (province → city → district) and the schools in it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.core.models import TimeStampedModel


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")


class Region(TimeStampedModel):
    """An administrative region. `path` is the chain of codes from the root ("35/3502/350203/"),
    so that "this region and everything below it" is one prefix match."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    is_pilot = models.BooleanField(_("pilot region"), default=False)
    is_off_island = models.BooleanField(
        _("off-island"), default=False, help_text=_("Xiamen: a district off the island")
    )

    scope_subject = "region"
    scope_region_path = ""

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Stage(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    NINE_YEAR = "nine_year", _("Nine-year")
    TWELVE_YEAR = "twelve_year", _("Twelve-year")


# Grades each stage teaches (1–6 primary, 7–9 junior, 10–12 senior).
STAGE_GRADES = {
    Stage.PRIMARY: range(1, 7),
    Stage.JUNIOR: range(7, 10),
    Stage.SENIOR: range(10, 13),
    Stage.NINE_YEAR: range(1, 10),
    Stage.TWELVE_YEAR: range(1, 13),
}


class Location(models.TextChoices):
    URBAN = "urban", _("Urban")
    TOWN = "town", _("Town")
    RURAL = "rural", _("Rural")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class School(TimeStampedModel):
    """A school. It belongs to exactly one district."""

    code = models.CharField(_("school code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    district = models.ForeignKey(
        Region,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": RegionLevel.DISTRICT},
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    location = models.CharField(_("location"), max_length=8, choices=Location.choices)
    ownership = models.CharField(
        _("ownership"), max_length=8, choices=Ownership.choices, default=Ownership.PUBLIC
    )
    is_boarding = models.BooleanField(_("boarding school"), default=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    scope_subject = "school"
    scope_school_path = ""

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["district", "stage"]),
            # The teacher list sorted by school walks the schools in this order.
            models.Index(fields=["name", "id"], name="org_school_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grades(self) -> range:
        return STAGE_GRADES[self.stage]


class SchoolEnrollment(models.Model):
    """Students and classes of one grade of a school in one school year (the year it starts)."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="enrollments"
    )
    year = models.PositiveSmallIntegerField(_("school year"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    students = models.PositiveIntegerField(_("students"))
    classes = models.PositiveIntegerField(_("classes"))

    scope_subject = "school"
    scope_school_path = "school"

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollment")
        ordering = ["school", "-year", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "grade"], name="enrollment_unique"),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=12), name="enrollment_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.year} G{self.grade}: {self.students}"


class SchoolFacility(models.Model):
    """A school's facilities in one year: the resource inputs of the balance indicators."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="facilities"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    teaching_area_m2 = models.DecimalField(
        _("teaching and auxiliary area (m²)"), max_digits=12, decimal_places=2
    )
    sports_area_m2 = models.DecimalField(_("sports area (m²)"), max_digits=12, decimal_places=2)
    equipment_value_yuan = models.DecimalField(
        _("teaching equipment value (yuan)"), max_digits=14, decimal_places=2
    )
    multimedia_rooms = models.PositiveIntegerField(_("networked multimedia classrooms"))

    scope_subject = "school"
    scope_school_path = "school"

    class Meta:
        verbose_name = _("facility record")
        verbose_name_plural = _("facility records")
        ordering = ["school", "-year"]
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="facility_unique")]

    def __str__(self) -> str:
        return f"{self.school} {self.year}"
