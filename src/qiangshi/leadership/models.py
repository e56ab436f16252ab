"""School leadership (POLICY.md §14): the Party secretary and the principal as separate posts
(党政分设), and the vice-principals by kind, each holding with its term. The science, security
and health vice-principals are often people from outside the school (researchers, police,
doctors): they are recorded by name, employer and position instead of a registry teacher.

History is kept: a holding is never overwritten by the next one; a single-holder post (Party
secretary, principal) has at most one holder on any day (services.py checks it).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.engines.leadership import Term


class Post(models.TextChoices):
    SECRETARY = "secretary", _("Party secretary")
    PRINCIPAL = "principal", _("Principal")
    VICE_PRINCIPAL = "vice_principal", _("Vice-principal")
    SCIENCE_VICE = "science_vice", _("Science vice-principal")
    SECURITY_VICE = "security_vice", _("Security vice-principal")
    HEALTH_VICE = "health_vice", _("Health vice-principal")


# Posts with one holder at a time.
SINGLE_HOLDER = (Post.SECRETARY, Post.PRINCIPAL)
VICE_POSTS = (Post.VICE_PRINCIPAL, Post.SCIENCE_VICE, Post.SECURITY_VICE, Post.HEALTH_VICE)
# Posts that a person from outside the school may hold.
OUTSIDE_POSTS = (Post.SCIENCE_VICE, Post.SECURITY_VICE, Post.HEALTH_VICE)


class LeadershipTerm(models.Model):
    """One person's term in one leadership post at one school: a registry teacher, or (for the
    science, security and health vice-principals) an outside person with employer and position.
    The holder is in the post from `starts_on` until `left_on` or else `ends_on` (exclusive)."""

    scope_subject = "leadership"
    scope_school_path = "school"

    school = models.ForeignKey(
        "org.School", verbose_name=_("school"), on_delete=models.PROTECT,
        related_name="leadership_terms",
    )  # fmt: skip
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    teacher = models.ForeignKey(
        "teachers.Teacher", verbose_name=_("teacher"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="leadership_terms",
    )  # fmt: skip
    outside_name = models.CharField(_("name (outside person)"), max_length=50, blank=True)
    outside_employer = models.CharField(_("employer"), max_length=200, blank=True)
    outside_position = models.CharField(_("position at the employer"), max_length=100, blank=True)
    term_number = models.PositiveSmallIntegerField(_("term number"), default=1)
    starts_on = models.DateField(_("term starts on"))
    ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    left_on = models.DateField(_("left the post on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL,
        null=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("leadership term")
        verbose_name_plural = _("leadership terms")
        ordering = ["school_id", "post", "-starts_on", "-pk"]
        indexes = [models.Index(fields=["school", "post", "starts_on"], name="leadership_post")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(teacher__isnull=False) | ~models.Q(outside_name=""),
                name="leadership_term_has_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.post} {self.holder_name}"

    @property
    def is_outside(self) -> bool:
        return self.teacher_id is None

    @property
    def holder_name(self) -> str:
        return self.teacher.name if self.teacher_id else self.outside_name

    def values(self) -> dict:
        """The term's editable values, the holder as a teacher id (services' and forms' input)."""
        return {
            "post": self.post,
            "teacher": self.teacher_id,
            "outside_name": self.outside_name,
            "outside_employer": self.outside_employer,
            "outside_position": self.outside_position,
            "term_number": self.term_number,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "left_on": self.left_on,
        }

    def as_term(self) -> Term:
        return Term(
            term_number=self.term_number,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            left_on=self.left_on,
        )

    @property
    def until(self):
        """The first day the holder is no longer in the post (None: open)."""
        return self.as_term().until
