"""Welfare (POLICY.md §7, §9): salary parity figures per district and year, and the
non-teaching burden — the yearly list of inspections and whitelist of activities, requests to
enter schools with their approval, what actually arrived at each school, and teachers'
anonymous reports."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WageGroup(models.TextChoices):
    TEACHER = "teacher", _("Teachers")
    CIVIL_SERVANT = "civil_servant", _("Civil servants")


class WageSource(models.TextChoices):
    IMPORT = "import", _("Imported")
    FORM = "form", _("Entered")


class WageFigure(models.Model):
    """One component of one group's average annual wage (yuan per person) in a district and
    year, as the finance office reports it. The components compared are the rule set's."""

    scope_subject = "wage"
    scope_region_path = "district"

    district = models.ForeignKey(
        "org.Region", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    group = models.CharField(_("group"), max_length=16, choices=WageGroup.choices)
    component = models.CharField(_("component"), max_length=32)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    source = models.CharField(_("source"), max_length=8, choices=WageSource.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("wage figure")
        verbose_name_plural = _("wage figures")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "group", "component"], name="welfare_wage_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year} {self.group} {self.component}"


class BurdenKind(models.TextChoices):
    INSPECTION = "inspection", _("Inspection, evaluation or assessment")
    ACTIVITY = "activity", _("Activity entering schools")


class BurdenListItem(models.Model):
    """An entry of a region's yearly list of inspections (督查检查考核事项清单) or of its
    whitelist of activities entering schools (进校园活动白名单)."""

    scope_subject = "burdenlist"
    scope_region_path = "region"

    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=BurdenKind.choices)
    title = models.CharField(_("title"), max_length=200)
    requester = models.CharField(_("who asks"), max_length=200)
    purpose = models.CharField(_("why"), max_length=500, blank=True)
    comprehensive = models.BooleanField(
        _("comprehensive inspection (county level or above)"), default=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("listed inspection or activity")
        verbose_name_plural = _("list of inspections and activities")
        ordering = ["-year", "kind", "title"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class EntryRequest(models.Model):
    """A request to enter schools (an inspection or an activity): who asks, why, the schools
    affected, dates and duration. A request not on the list or over a cap is refused with the
    reasons; otherwise it waits for the office's decision."""

    scope_subject = "entryrequest"
    scope_region_path = "region"

    region = models.ForeignKey(
        "org.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=BurdenKind.choices)
    list_item = models.ForeignKey(
        BurdenListItem,
        verbose_name=_("list entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    title = models.CharField(_("title"), max_length=200)
    requester = models.CharField(_("who asks"), max_length=200)
    purpose = models.CharField(_("why"), max_length=500, blank=True)
    comprehensive = models.BooleanField(_("comprehensive inspection"), default=False)
    schools = models.ManyToManyField("org.School", verbose_name=_("schools"), related_name="+")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    hours = models.DecimalField(_("duration (hours)"), max_digits=6, decimal_places=1)
    announced_on = models.DateField(_("scope announced on"))
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices)
    # [{"code": ..., "school": id | None, "cap": n | None}]: why it was refused.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("request to enter schools")
        verbose_name_plural = _("requests to enter schools")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class BurdenArrival(models.Model):
    """A demand that actually arrived at a school, recorded by the school: approved (linked to
    its request) or not (no request: the bureau sees these)."""

    scope_subject = "burdenarrival"
    scope_school_path = "school"

    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    request = models.ForeignKey(
        EntryRequest,
        verbose_name=_("approved request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=BurdenKind.choices)
    title = models.CharField(_("what"), max_length=200)
    requester = models.CharField(_("who asked"), max_length=200)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    teachers_involved = models.PositiveIntegerField(_("teachers involved"))
    paper_trail = models.BooleanField(_("paper trail demanded as evidence"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demand that arrived")
        verbose_name_plural = _("demands that arrived")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["school", "on"], name="welfare_arrival_school_on")]

    def __str__(self) -> str:
        return self.title

    @property
    def approved(self) -> bool:
        return self.request_id is not None


class AnonymousReport(models.Model):
    """A teacher's anonymous report of a demand on their school. It holds nothing that leads
    back to the teacher: no user, no creation time (only the semester), no address; a random
    key, so that the order of keys says nothing of the order of reports."""

    scope_subject = "burdenreport"
    scope_school_path = "school"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    semester = models.CharField(_("semester"), max_length=8)
    kind = models.CharField(_("kind"), max_length=12, choices=BurdenKind.choices)
    requester = models.CharField(_("who asked"), max_length=200)
    description = models.TextField(_("what was demanded"))

    class Meta:
        verbose_name = _("anonymous report")
        verbose_name_plural = _("anonymous reports")
        ordering = ["-school_year", "-semester", "school", "id"]

    def __str__(self) -> str:
        return f"{self.school_year} {self.semester}"


class PayrollRow(models.Model):
    """One teacher's pay of one parity component in one calendar year, as the payroll gives it
    (the optional source of the teachers' side of salary parity, POLICY §7). `school` is the
    school that paid it; the district's average counts public compulsory schools only. The
    amount is encrypted at rest: it is seen only as part of an average, except by the roles
    with `payroll.view`, and each such view is in the access log."""

    scope_subject = "payroll"
    scope_school_path = "school"

    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    component = models.CharField(_("component"), max_length=32)
    amount_encrypted = models.TextField(_("amount (encrypted)"))
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("payroll row")
        verbose_name_plural = _("payroll rows")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "year", "component"], name="welfare_payroll_unique"
            )
        ]
        indexes = [models.Index(fields=["school", "year"], name="welfare_payroll_school_year")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year} {self.component}"

    @property
    def amount(self):
        from decimal import Decimal

        from qiangshi.core import crypto

        return Decimal(crypto.decrypt(self.amount_encrypted))
