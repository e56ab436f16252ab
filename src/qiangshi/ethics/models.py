"""Each teacher's ethics file (POLICY.md §6): yearly ethics assessment grades, commitments,
commendations, cases on the review workflow, and the sanctions decided.

Other areas need only what a teacher is barred from on a date: `selectors.ethics_bars`, derived
from the sanctions and the violations decided in cases, never typed. Cases and sanctions are
sensitive personal information: case text is encrypted at rest, only the ethics officers, the
teacher concerned and auditors see a case (`scope_subject = "ethicscase"`), lists elsewhere show
only that a bar exists, and the audit trail masks the kind.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import ScopedThroughTeacher
from qiangshi.core import crypto


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    DEMERIT = "demerit", _("Demerit")
    DEMOTION = "demotion", _("Post demotion or removal")
    DISMISSAL = "dismissal", _("Dismissal")


class Sanction(ScopedThroughTeacher, models.Model):
    """One sanction decided on a teacher; active from `decided_on` until `ends_on` (exclusive;
    empty: no end)."""

    scope_subject = "sanction"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="sanctions",
    )
    kind = models.CharField(_("sanction"), max_length=12, choices=SanctionKind.choices)
    decided_on = models.DateField(_("decided on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=20)
    # Revoked on appeal: the sanction stops applying on this day.
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ethics sanction")
        verbose_name_plural = _("ethics sanctions")
        indexes = [models.Index(fields=["teacher", "decided_on"], name="ethics_sanction_teacher")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.decided_on}"


class Guideline(models.IntegerChoices):
    """The ten professional-conduct guidelines for primary and secondary teachers (2018)."""

    POLITICAL = 1, _("Keep to the right political direction")
    LAW = 2, _("Love the country and abide by the law")
    CULTURE = 3, _("Pass on fine culture")
    TEACHING = 4, _("Devote oneself to teaching and educating")
    CARE = 5, _("Care for and protect students")
    SAFETY = 6, _("Strengthen safety precautions")
    CONDUCT = 7, _("Be upright in word and deed")
    FAIRNESS = 8, _("Uphold fairness and integrity")
    INTEGRITY = 9, _("Stay honest and self-disciplined")
    PRACTICE = 10, _("Teach within the rules (no paid tutoring)")


class Measure(models.TextChoices):
    """Measures other than sanctions (POLICY §6)."""

    CRITICISM = "criticism", _("Criticism and education")
    ADMONITION = "admonition", _("Admonition talk")
    SELF_EXAMINATION = "self_examination", _("Written self-examination")
    CIRCULATED = "circulated", _("Circulated criticism")


class Grade(models.TextChoices):
    """The yearly ethics assessment grade, best first."""

    EXCELLENT = "excellent", _("Excellent")
    PASS = "pass", _("Pass")
    BASIC_PASS = "basic_pass", _("Basic pass")
    FAIL = "fail", _("Fail")


GRADE_ORDER = [g.value for g in Grade]


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Decision upheld")
    REVOKED = "revoked", _("Decision revoked")


class EthicsFileEntry(ScopedThroughTeacher, models.Model):
    """Base of the non-case parts of a teacher's ethics file."""

    scope_subject = "ethicsfile"
    scope_auditor = True

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="%(class)s_entries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        abstract = True


class YearlyFileEntry(EthicsFileEntry):
    """An entry of the ethics file that a teacher has at most once a year."""

    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        abstract = True
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="%(app_label)s_%(class)s_year")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.year}"


class EthicsAssessment(YearlyFileEntry):
    """The teacher's ethics assessment grade for a year."""

    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)

    class Meta(YearlyFileEntry.Meta):
        verbose_name = _("ethics assessment")
        verbose_name_plural = _("ethics assessments")


class EthicsCommitment(YearlyFileEntry):
    """An ethics commitment the teacher signed for a year."""

    signed_on = models.DateField(_("signed on"))

    class Meta(YearlyFileEntry.Meta):
        verbose_name = _("ethics commitment")
        verbose_name_plural = _("ethics commitments")


class EthicsCommendation(EthicsFileEntry):
    """A commendation for the teacher's conduct (who gave it, when)."""

    title = models.CharField(_("commendation"), max_length=200)
    awarded_by = models.CharField(_("awarded by"), max_length=200)
    awarded_on = models.DateField(_("awarded on"))

    class Meta:
        verbose_name = _("ethics commendation")
        verbose_name_plural = _("ethics commendations")
        ordering = ["-awarded_on"]

    def __str__(self) -> str:
        return self.title


def _encrypted_text(name: str, label):
    """A property reading and writing `<name>_encrypted` in clear text."""

    def get(self) -> str:
        return crypto.decrypt(getattr(self, f"{name}_encrypted"))

    def set_(self, value: str) -> None:
        setattr(self, f"{name}_encrypted", crypto.encrypt((value or "").strip()))

    return property(get, set_, doc=str(label))


class EthicsCase(ScopedThroughTeacher, models.Model):
    """An ethics case on the review workflow (process "ethics_case"): report, investigation,
    the teacher's statement, decision (sanction and measures with a start date), notice, appeal.

    Every free text is encrypted at rest; the teacher, the dates and the outcome codes are not,
    so that bars can be derived without decrypting anything."""

    scope_subject = "ethicscase"
    scope_auditor = True

    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.PROTECT,
        related_name="ethics_cases",
    )  # fmt: skip
    reported_on = models.DateField(_("reported on"))
    guidelines = models.JSONField(_("guidelines concerned"), default=list)
    reporter_encrypted = models.TextField(_("reported by (encrypted)"), blank=True)
    summary_encrypted = models.TextField(_("what was reported (encrypted)"))
    findings_encrypted = models.TextField(_("investigation findings (encrypted)"), blank=True)
    # The teacher sees the case from the day their statement is asked for (not while a report
    # is checked; never the reporter).
    teacher_informed_on = models.DateField(_("teacher informed on"), null=True, blank=True)
    statement_encrypted = models.TextField(_("teacher's statement (encrypted)"), blank=True)
    violation = models.BooleanField(_("violation found"), null=True, blank=True)
    sanction_kind = models.CharField(
        _("sanction"), max_length=12, choices=SanctionKind.choices, blank=True
    )
    measures = models.JSONField(_("other measures"), default=list, blank=True)
    decision_encrypted = models.TextField(_("decision (encrypted)"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    starts_on = models.DateField(_("takes effect on"), null=True, blank=True)
    sanction = models.OneToOneField(
        Sanction, verbose_name=_("sanction"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="case",
    )  # fmt: skip
    noticed_on = models.DateField(_("notified on"), null=True, blank=True)
    appeal_encrypted = models.TextField(_("appeal (encrypted)"), blank=True)
    appeal_outcome = models.CharField(
        _("appeal outcome"), max_length=10, choices=AppealOutcome.choices, blank=True
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    reporter = _encrypted_text("reporter", _("reported by"))
    summary = _encrypted_text("summary", _("what was reported"))
    findings = _encrypted_text("findings", _("investigation findings"))
    statement = _encrypted_text("statement", _("teacher's statement"))
    decision = _encrypted_text("decision", _("decision"))
    appeal = _encrypted_text("appeal", _("appeal"))

    class Meta:
        verbose_name = _("ethics case")
        verbose_name_plural = _("ethics cases")
        ordering = ["-reported_on", "-id"]
        indexes = [models.Index(fields=["teacher", "decided_on"], name="ethics_case_teacher")]

    def __str__(self) -> str:
        return f"#{self.pk}"
