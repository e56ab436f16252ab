"""The one place that decides who may see what: `scope(queryset, actor, action)`.

Every selector, view base class and API endpoint that returns rows calls it. A model takes part
by declaring how it reaches the org tree and the registry, as plain attributes:

- `scope_subject`: the permission subject ("teacher", "school", …);
- `scope_school_path`: lookup path to its School ("" when the model is School);
- `scope_current`: a lookup that must be null for the school link to be current
  (e.g. "employments__end_date" — a teacher belongs to the school of their open employment);
- `scope_region_path`: lookup path to a Region, for models above school level;
- `scope_teacher_path`: lookup path to a Teacher ("" when the model is Teacher), for self-access;
- `scope_auditor`: True when auditors see every row (ethics cases, which they hold to account).
- `scope_reviewer_path`: lookup path to the expert reviewer (a user) assigned to the row; an
  expert reviewer sees only the rows assigned to them (title applications drawn for a panel).

Models with none of these (audit logs) are visible whole to the roles that have the permission.
"""

from django.db.models import Model, Q, QuerySet

from qiangshi.core.errors import NotFound
from qiangshi.org.models import Region

from .models import Role
from .permissions import has_perm


class ScopedThroughTeacher:
    """Mixin for a model whose rows each belong to one teacher (a `teacher` foreign key): it is
    scoped through the teacher's current school, and a teacher sees their own rows. The model
    still names its `scope_subject`."""

    scope_school_path = "teacher__employments__school"
    scope_current = "teacher__employments__end_date"
    scope_teacher_path = "teacher"


def _join(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def _region_paths(actor) -> list[str] | None:
    """Region path prefixes the actor covers; None means everywhere."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role in (Role.BUREAU, Role.DISTRICT, Role.ETHICS):
        return [actor.region.path] if actor.region_id else []
    if actor.role == Role.PILOT:
        return list(Region.objects.filter(is_pilot=True).values_list("path", flat=True))
    return []


def _area_q(model: type[Model], actor) -> Q | None:
    """The filter for the actor's area on `model`; None = no restriction; Q(pk__in=[]) = none."""
    nothing = Q(pk__in=[])
    school_path = getattr(model, "scope_school_path", None)
    region_path = getattr(model, "scope_region_path", None)
    teacher_path = getattr(model, "scope_teacher_path", None)
    current = getattr(model, "scope_current", None)
    current_q = Q(**{f"{current}__isnull": True}) if current else Q()

    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.AUDITOR:
        unscoped = school_path is None and region_path is None and teacher_path is None
        return None if unscoped or getattr(model, "scope_auditor", False) else nothing

    if actor.role == Role.TEACHER:
        teacher = getattr(actor, "teacher_profile", None)
        if teacher is None:
            return nothing
        if teacher_path is not None:
            return Q(**{_join(teacher_path, "pk"): teacher.pk})
        school = teacher.current_school
        if school_path is not None and school is not None:
            return Q(**{_join(school_path, "pk"): school.pk}) & current_q
        if region_path is not None and school is not None:
            return _ancestors_q(region_path, school.district)
        return nothing

    if actor.role == Role.SCHOOL:
        if not actor.school_id:
            return nothing
        if school_path is not None:
            return Q(**{_join(school_path, "pk"): actor.school_id}) & current_q
        if region_path is not None:
            return _ancestors_q(region_path, actor.school.district)
        return nothing

    if actor.role == Role.REVIEWER:
        reviewer_path = getattr(model, "scope_reviewer_path", None)
        if not reviewer_path:
            return nothing
        # A subquery: the path may cross to-many relations (no duplicate rows).
        return Q(pk__in=model._base_manager.filter(**{reviewer_path: actor.pk}).values("pk"))

    paths = _region_paths(actor)
    if paths is None:
        return None
    if not paths:
        return nothing
    if current and teacher_path is not None:
        # Teachers working in the area now, and former staff (no open employment) whose last
        # employment was there: retired or departed teachers stay in the records of the office
        # that had them. Both are the district of the teacher's current-state projection
        # (teachers.projection), one indexed row a teacher: no subquery over the employments.
        # The area's regions are listed by id, not joined by path: the planner then knows how
        # many teachers they hold and reads them by the projection's district index.
        return Q(**{_join(teacher_path, "current_state__district_id__in"): _regions_under(paths)})
    if school_path is not None:
        prefix = _join(school_path, "district__path__startswith")
        area = Q()
        for p in paths:
            area |= Q(**{prefix: p})
        return area & current_q
    if region_path is not None:
        area = Q()
        for p in paths:
            area |= Q(**{_join(region_path, "path__startswith"): p})
            # Offices also see the regions above their own (to place themselves in the tree).
            area |= _ancestors_q(region_path, None, path=p)
        return area
    return nothing


def _regions_under(paths: list[str]) -> list[int]:
    """The ids of the regions under `paths`, shared until the data changes (core.shared)."""
    from qiangshi.core.shared import shared

    def ids() -> list[int]:
        area = Q()
        for p in paths:
            area |= Q(path__startswith=p)
        return list(Region.objects.filter(area).order_by("pk").values_list("pk", flat=True))

    return shared("area regions", tuple(paths), ids)


def _ancestors_q(region_path: str, region: Region | None, *, path: str | None = None) -> Q:
    """Regions whose path is a prefix of the given region's path (itself and its ancestors)."""
    full = path if path is not None else (region.path if region else "")
    parts = [p for p in full.split("/") if p]
    prefixes = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return Q(**{_join(region_path, "path__in"): prefixes}) if prefixes else Q(pk__in=[])


def scope(queryset: QuerySet, actor, action: str = "view") -> QuerySet:
    """Narrow `queryset` to the rows `actor` may `action`. Unknown or anonymous actors get none."""
    model = queryset.model
    subject = getattr(model, "scope_subject", model._meta.model_name)
    if not has_perm(actor, f"{subject}.{action}"):
        return queryset.none()
    area = _area_q(model, actor)
    if area is None:
        return queryset
    return queryset.filter(area)


def can(actor, subject: str, action: str) -> bool:
    """Whether the role may `action` on `subject` at all (menus, buttons)."""
    return has_perm(actor, f"{subject}.{action}")


def require(actor, subject: str, action: str) -> None:
    """`can`, or PermissionDenied (403): the check a service makes before it writes."""
    from django.core.exceptions import PermissionDenied

    if not can(actor, subject, action):
        raise PermissionDenied


def get_in_scope(queryset: QuerySet, actor, action: str = "view", **lookup):
    """Fetch one row inside the actor's scope; missing and forbidden both raise NotFound."""
    try:
        return scope(queryset, actor, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound("Not found") from None
