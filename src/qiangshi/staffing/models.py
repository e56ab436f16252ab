"""Quota allocations (县管校聘): the district holds the staffing pool and allocates it to its
schools, year by year. While a district has no allocation row for a year, each school's
allocation is its computed quota (the first move writes those rows)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuotaAllocation(models.Model):
    """The posts of quota the district has allocated to one school for one school year."""

    district = models.ForeignKey(
        "org.Region",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="quota_allocations",
    )
    school = models.ForeignKey(
        "org.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="quota_allocations",
    )
    year = models.PositiveIntegerField(_("school year"))
    quota = models.PositiveIntegerField(_("allocated quota"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("quota allocation")
        verbose_name_plural = _("quota allocations")
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="staffing_alloc_school_year")
        ]
        indexes = [models.Index(fields=["district", "year"], name="staffing_alloc_district_year")]

    def __str__(self) -> str:
        return f"{self.school} {self.year}: {self.quota}"


class BirthRecord(models.Model):
    """Births registered in a district in one calendar year (出生人口), imported per district
    and year. The forecast draws a school's first-grade entrants from the births six years
    earlier when the district has a series (see `engines.forecast.cohort_forecast`)."""

    district = models.ForeignKey(
        "org.Region",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="birth_records",
    )
    year = models.PositiveIntegerField(_("year"))
    births = models.PositiveIntegerField(_("births"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_subject = "region"
    scope_region_path = "district"

    class Meta:
        verbose_name = _("births record")
        verbose_name_plural = _("births")
        ordering = ["district", "year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="staffing_births_year")
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}: {self.births}"
