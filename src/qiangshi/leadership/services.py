"""Writes for school leadership: record, change and delete a term. Each write checks the holder
(a registry teacher employed at the school, or an outside person for the science, security and
health vice-principals), the dates, and that a single-holder post (Party secretary, principal)
never has two holders on one day; each is audited."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.access.scoping import can, get_in_scope
from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import audit_record, diff, snapshot
from qiangshi.engines.leadership import overlaps
from qiangshi.org.models import School
from qiangshi.teachers.models import Employment, Teacher

from .models import OUTSIDE_POSTS, SINGLE_HOLDER, LeadershipTerm, Post

FIELDS = (
    "post",
    "teacher",
    "outside_name",
    "outside_employer",
    "outside_position",
    "term_number",
    "starts_on",
    "ends_on",
    "left_on",
)
MAX_TERM_NUMBER = 20


def _require(actor, action: str) -> None:
    if not can(actor, "leadership", action):
        raise PermissionDenied


def _error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, fields={field: message})


def _text(data: dict, key: str) -> str:
    return (data.get(key) or "").strip()


def _clean(*, actor, school: School, data: dict, term: LeadershipTerm | None, today: date) -> dict:
    """The term's values from `data`, checked; ApplicationError naming the field otherwise."""
    post = data.get("post") or ""
    if post not in Post.values:
        raise _error("post", _("Choose a post."))
    teacher_pk = data.get("teacher")
    outside = {k: _text(data, k) for k in ("outside_name", "outside_employer", "outside_position")}
    teacher = None
    if teacher_pk:
        if any(outside.values()):
            raise _error(
                "outside_name",
                _("Give either a teacher from the registry or an outside person, not both."),
            )
        try:
            teacher = get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)
        except ApplicationError:
            raise _error("teacher", _("No teacher with this ID in your area.")) from None
        if not Employment.objects.filter(teacher=teacher, school=school).exists():
            raise _error("teacher", _("This teacher has never been employed at this school."))
    elif post not in OUTSIDE_POSTS:
        raise _error("teacher", _("This post is held by a teacher of the school: give their ID."))
    elif not outside["outside_name"]:
        raise _error("outside_name", _("Give the teacher's ID or the outside person's name."))
    elif not outside["outside_employer"]:
        raise _error("outside_employer", _("Give the outside person's employer."))
    raw = data.get("term_number")
    try:
        number = 1 if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_TERM_NUMBER:
        message = _("The term number is from 1 to %(most)s.") % {"most": MAX_TERM_NUMBER}
        raise _error("term_number", message)
    starts_on, ends_on, left_on = data.get("starts_on"), data.get("ends_on"), data.get("left_on")
    if not starts_on:
        raise _error("starts_on", _("Give the day the term starts."))
    if ends_on and ends_on <= starts_on:
        raise _error("ends_on", _("The term must end after it starts."))
    if left_on and left_on <= starts_on:
        raise _error("left_on", _("The holder must leave after the term starts."))
    if left_on and left_on > today:
        raise _error("left_on", _("The day the holder left cannot be in the future."))
    values = {
        "post": post,
        "teacher": teacher,
        **(dict.fromkeys(outside, "") if teacher else outside),
        "term_number": number,
        "starts_on": starts_on,
        "ends_on": ends_on or None,
        "left_on": left_on or None,
    }
    _check_overlap(school=school, values=values, term=term)
    return values


def _check_overlap(*, school: School, values: dict, term: LeadershipTerm | None) -> None:
    """A single-holder post has one holder a day; nobody holds the same post twice at once."""
    new = LeadershipTerm(school=school, **values).as_term()
    others = LeadershipTerm.objects.filter(school=school, post=values["post"]).select_related(
        "teacher"
    )
    if term is not None:
        others = others.exclude(pk=term.pk)
    for other in others:
        if not overlaps(new, other.as_term()):
            continue
        until = other.until.isoformat() if other.until else _("open")
        args = {"name": other.holder_name, "start": other.starts_on.isoformat(), "until": until}
        if values["post"] in SINGLE_HOLDER:
            message = _(
                "The post already has a holder in this period: %(name)s, from %(start)s "
                "until %(until)s. End that term first."
            )
            raise _error("starts_on", message % args)
        same_teacher = values["teacher"] is not None and other.teacher_id == values["teacher"].pk
        same_outside = (
            values["teacher"] is None
            and other.teacher_id is None
            and other.outside_name == values["outside_name"]
        )
        if same_teacher or same_outside:
            message = _(
                "%(name)s already holds this post in this period (from %(start)s until %(until)s)."
            )
            raise _error("starts_on", message % args)


@transaction.atomic
def term_record(*, actor, school_pk, data: dict, today: date | None = None) -> LeadershipTerm:
    """Record a leadership term at a school in the actor's area."""
    _require(actor, "create")
    school = get_in_scope(School.objects.all(), actor, "view", pk=school_pk)
    values = _clean(actor=actor, school=school, data=data, term=None, today=today or date.today())
    term = LeadershipTerm.objects.create(
        school=school, created_by=actor if getattr(actor, "pk", None) else None, **values
    )
    changes = diff({}, {k: v for k, v in snapshot(term, FIELDS).items() if v not in (None, "")})
    audit_record(actor=actor, action="leadership.create", target=term, changes=changes)
    return term


@transaction.atomic
def term_update(*, actor, term_pk, data: dict, today: date | None = None) -> LeadershipTerm:
    """Change a term (correct it, or record its end or the day the holder left). Fields not in
    `data` keep their values."""
    _require(actor, "change")
    term = get_in_scope(
        LeadershipTerm.objects.select_related("school"), actor, "change", pk=term_pk
    )
    current = term.values()
    if "teacher" in data and data["teacher"]:
        current.update(dict.fromkeys(("outside_name", "outside_employer", "outside_position"), ""))
    if any(data.get(k) for k in ("outside_name", "outside_employer", "outside_position")):
        current["teacher"] = None
    merged = {**current, **data}
    before = snapshot(term, FIELDS)
    values = _clean(
        actor=actor, school=term.school, data=merged, term=term, today=today or date.today()
    )
    for key, value in values.items():
        setattr(term, key, value)
    term.save()
    changes = diff(before, snapshot(term, FIELDS))
    audit_record(actor=actor, action="leadership.change", target=term, changes=changes)
    return term


@transaction.atomic
def term_delete(*, actor, term_pk) -> None:
    """Delete a term recorded by mistake (a term that ended stays: record its end instead)."""
    _require(actor, "delete")
    term = get_in_scope(LeadershipTerm.objects.all(), actor, "delete", pk=term_pk)
    before = {k: v for k, v in snapshot(term, FIELDS).items() if v not in (None, "")}
    audit_record(actor=actor, action="leadership.delete", target=term, changes=diff(before, {}))
    term.delete()
