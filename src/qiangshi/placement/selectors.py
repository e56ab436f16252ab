"""Reads of the placement area. Everything an actor sees starts from `scope()`; the published
lookup by pupil code is public and returns only a published ceremony draw's row."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from qiangshi.access.models import Role
from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.core.errors import NotFound

from .models import Draw, DrawFile, DrawKind, DrawResult, Intake, Pupil, PupilIdentity, SchoolPlaces


def intake_list(*, actor) -> QuerySet[Intake]:
    return (
        scope(Intake.objects.select_related("region"), actor, "view")
        .annotate(n_pupils=Count("pupils", distinct=True))
        .order_by("-year", "region__path")
    )


def intake_get(*, actor, pk) -> Intake:
    return get_in_scope(Intake.objects.select_related("region"), actor, "view", pk=pk)


def intake_summary(intake: Intake) -> dict:
    """Zones with their schools, places, reserved and policy admissions; pupil counts."""
    places = list(
        SchoolPlaces.objects.filter(intake=intake)
        .select_related("school", "zone")
        .annotate(reserved_n=Sum("reserved__count"))
        .order_by("zone__code", "school__code")
    )
    policy = dict(
        Pupil.objects.filter(intake=intake, assigned__isnull=False)
        .values("assigned")
        .annotate(n=Count("id"))
        .values_list("assigned", "n")
    )
    zones: dict = {}
    for sp in places:
        z = zones.setdefault(sp.zone_id, {"zone": sp.zone, "schools": [], "places": 0, "pupils": 0})
        sp.policy_n = policy.get(sp.pk, 0)
        z["schools"].append(sp)
        z["places"] += sp.places - (sp.reserved_n or 0)
    for zone_id, n in (
        Pupil.objects.filter(intake=intake)
        .values("zone")
        .annotate(n=Count("id"))
        .values_list("zone", "n")
    ):
        if zone_id in zones:
            zones[zone_id]["pupils"] = n
    return {
        "zones": list(zones.values()),
        "pupils": Pupil.objects.filter(intake=intake).count(),
        "policy": sum(policy.values()),
    }


def draw_list(*, actor, intake: Intake) -> QuerySet[Draw]:
    return scope(Draw.objects.filter(intake=intake), actor, "view").select_related("run_by")


def draw_get(*, actor, pk) -> Draw:
    return get_in_scope(Draw.objects.select_related("intake__region"), actor, "view", pk=pk)


def draw_file(*, draw: Draw, name: str) -> DrawFile:
    found = DrawFile.objects.filter(draw=draw, name=name).first()
    if found is None:
        raise NotFound("Not found")
    return found


def draw_results(*, draw: Draw) -> QuerySet[DrawResult]:
    return DrawResult.objects.filter(draw=draw).order_by("pupil_code")


def identities(*, actor, intake: Intake) -> dict[str, PupilIdentity]:
    """Names and ID numbers by pupil code, for the admissions office of the intake's area only
    (empty for everyone else)."""
    qs = scope(PupilIdentity.objects.filter(pupil__intake=intake), actor, "view")
    if actor.role in (Role.BUREAU, Role.DISTRICT):
        qs = qs.filter(pupil__intake__region__path__startswith=actor.region.path)
    return {i.pupil.code: i for i in qs.select_related("pupil")}


def published_draw(intake: Intake) -> Draw | None:
    return Draw.objects.filter(
        intake=intake, kind=DrawKind.CEREMONY, published_at__isnull=False
    ).first()


def published_result(*, intake_id, pupil_code: str) -> tuple[Draw, DrawResult] | None:
    """The published placement of one pupil code (public: a code shows only its own school)."""
    intake = Intake.objects.filter(pk=intake_id).first()
    if intake is None:
        return None
    draw = published_draw(intake)
    if draw is None:
        return None
    row = DrawResult.objects.filter(draw=draw, pupil_code=pupil_code).first()
    return (draw, row) if row is not None else None


def published_intakes() -> QuerySet[Intake]:
    return Intake.objects.filter(
        draws__kind=DrawKind.CEREMONY, draws__published_at__isnull=False
    ).select_related("region")
