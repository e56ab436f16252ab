"""The placement lottery's data (POLICY §10): an intake (one year's primary-to-junior admission
in a city or district), its zones with their junior schools' places and reserved places, the
anonymised pupils, the pupils' names and ID numbers kept apart, and the draws with their files
and results.

The draw itself is `qiangshi.engines.lottery`; `services.draw_run` turns an intake into the
engine's `schools.csv` and `pupils.csv` and stores everything the engine writes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qiangshi.core import crypto
from qiangshi.core.models import TimeStampedModel
from qiangshi.engines import idcard
from qiangshi.org.models import Region, School


class Intake(TimeStampedModel):
    """One year's primary-to-junior admission in a region (a city or a district): the unit a
    draw is made for."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="intakes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=120)

    scope_subject = "placement"
    scope_region_path = "region"

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-year", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="placement_intake_region_year")
        ]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """A catchment zone (片区): one or several junior schools share its pupils."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="zones"
    )
    code = models.CharField(_("zone code"), max_length=40)
    name = models.CharField(_("name"), max_length=120, blank=True)

    scope_subject = "placement"
    scope_region_path = "intake__region"

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "code"], name="placement_zone_code")
        ]

    def __str__(self) -> str:
        return self.name or self.code


class SchoolPlaces(models.Model):
    """A junior school's places in an intake, in its zone. The draw offers `places` minus the
    school's reserved places."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="school_places"
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), on_delete=models.CASCADE, related_name="school_places"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    places = models.PositiveIntegerField(_("places"))

    scope_subject = "placement"
    scope_region_path = "intake__region"

    class Meta:
        verbose_name = _("school places")
        verbose_name_plural = _("school places")
        ordering = ["school__code"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "school"], name="placement_places_school")
        ]

    def __str__(self) -> str:
        return f"{self.school.code} {self.places}"


class ReservedPlace(models.Model):
    """Places of a school held back from the draw (e.g. for admissions decided after it)."""

    school_places = models.ForeignKey(
        SchoolPlaces,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="reserved",
    )
    count = models.PositiveIntegerField(_("reserved places"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    scope_subject = "placement"
    scope_region_path = "school_places__intake__region"

    class Meta:
        verbose_name = _("reserved places")
        verbose_name_plural = _("reserved places")

    def __str__(self) -> str:
        return f"{self.school_places.school.code} −{self.count}"


class Admission(models.TextChoices):
    LOTTERY = "lottery", _("Lottery")
    POLICY = "policy", _("Policy admission")
    EARLY = "early", _("Early admission")


class Pupil(models.Model):
    """An anonymised pupil: a code, a zone, up to three ranked choices and, for a policy or
    early admission, the school admitted to. No name or ID number: see PupilIdentity."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="pupils"
    )
    code = models.CharField(_("pupil code"), max_length=40)
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), on_delete=models.CASCADE, related_name="pupils"
    )
    choice1 = models.ForeignKey(
        SchoolPlaces, verbose_name=_("choice 1"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    choice2 = models.ForeignKey(
        SchoolPlaces, verbose_name=_("choice 2"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    choice3 = models.ForeignKey(
        SchoolPlaces, verbose_name=_("choice 3"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    admission = models.CharField(
        _("admission"), max_length=8, choices=Admission.choices, default=Admission.LOTTERY
    )
    assigned = models.ForeignKey(
        SchoolPlaces, verbose_name=_("admitted to"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    scope_subject = "placement"
    scope_region_path = "intake__region"

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "code"], name="placement_pupil_code")
        ]

    def __str__(self) -> str:
        return self.code


class PupilIdentity(models.Model):
    """A pupil's name and ID number, apart from the draw's data: only the admissions office
    (the `pupilidentity` permission) sees them. The ID number is encrypted as teachers' are."""

    pupil = models.OneToOneField(
        Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="identity"
    )
    name = models.CharField(_("name"), max_length=50)
    national_id_encrypted = models.TextField(_("national ID (encrypted)"), blank=True)
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    primary_school = models.CharField(_("primary school"), max_length=120, blank=True)

    scope_subject = "pupilidentity"
    scope_region_path = "pupil__intake__region"

    class Meta:
        verbose_name = _("pupil identity")
        verbose_name_plural = _("pupil identities")

    def __str__(self) -> str:
        return self.name

    @property
    def national_id(self) -> str:
        return crypto.decrypt(self.national_id_encrypted)

    @property
    def national_id_masked(self) -> str:
        return idcard.mask(self.national_id) if self.national_id_encrypted else ""


class DrawKind(models.TextChoices):
    REHEARSAL = "rehearsal", _("Rehearsal")
    CEREMONY = "ceremony", _("Ceremony")


class Draw(TimeStampedModel):
    """One run of the lottery on an intake's data: the seed parts as typed, the seed, the hash
    chain a notary signs, the manifest, and (through DrawFile and DrawResult) every file and
    result row. A rehearsal uses a test seed; the one ceremony draw of an intake is published."""

    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.CASCADE, related_name="draws"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DrawKind.choices)
    version = models.PositiveSmallIntegerField(_("draw version"))
    witnesses = models.JSONField(_("witnesses"), default=list)
    seed_parts = models.JSONField(_("seed parts"), default=list)
    seed = models.CharField(_("seed"), max_length=64)
    chain_sha256 = models.CharField(_("chain hash"), max_length=64)
    manifest = models.JSONField(_("manifest"))
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    scope_subject = "placement"
    scope_region_path = "intake__region"

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake"], condition=Q(kind="ceremony"), name="placement_one_ceremony"
            )
        ]

    def __str__(self) -> str:
        return f"{self.intake} {self.get_kind_display()} #{self.pk}"


class DrawFile(models.Model):
    """One file of a draw, byte for byte: the two inputs, every list, the result, the manifest."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=40)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draw", "name"], name="placement_drawfile_name")
        ]

    def __str__(self) -> str:
        return self.name


class DrawResult(models.Model):
    """One row of a draw's result.csv, for the lookup by pupil code."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="results")
    pupil_code = models.CharField(max_length=40)
    lottery_number = models.PositiveIntegerField(null=True)
    school_code = models.CharField(max_length=20, blank=True)
    round = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draw", "pupil_code"], name="placement_result_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_code} {self.school_code or '-'} ({self.round})"
