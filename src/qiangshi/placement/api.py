"""HTTP API of the placement lottery: intakes, their import (two files, all or nothing), draws
(rehearsal and ceremony), a draw's manifest, files and results, publication, and the published
result of a pupil code.

Intakes and draws outside the caller's area answer 404 like missing ones; pupils' names appear
only for the admissions office (the bureau or district office of the intake's area)."""

from typing import Any, Literal

from django.http import HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from qiangshi.access.api import ERRORS, DictPage, Id, PageIn, page_of, requires
from qiangshi.core.errors import NotFound
from qiangshi.engines import lottery as engine
from qiangshi.org.models import Region

from . import selectors, services

router = Router(tags=["placement"])
FILES = (*engine.INPUT_FILES, *engine.OUTPUT_FILES, engine.MANIFEST_FILE)


def _intake_out(intake, summary: dict | None = None) -> dict[str, Any]:
    out = {
        "id": intake.pk,
        "name": intake.name,
        "region": intake.region.code,
        "year": intake.year,
    }
    if summary is not None:
        out["pupils"] = summary["pupils"]
        out["policy_admissions"] = summary["policy"]
        out["zones"] = [
            {
                "code": z["zone"].code,
                "name": z["zone"].name,
                "pupils": z["pupils"],
                "places_in_draw": z["places"],
                "schools": [
                    {
                        "school_code": sp.school.code,
                        "school_name": sp.school.name,
                        "places": sp.places,
                        "reserved": sp.reserved_n or 0,
                        "policy_admissions": sp.policy_n,
                    }
                    for sp in z["schools"]
                ],
            }
            for z in summary["zones"]
        ]
    return out


def _draw_out(draw) -> dict[str, Any]:
    return {
        "id": draw.pk,
        "intake_id": draw.intake_id,
        "kind": draw.kind,
        "version": draw.version,
        "witnesses": draw.witnesses,
        "seed_parts": draw.seed_parts,
        "seed": draw.seed,
        "chain_sha256": draw.chain_sha256,
        "counts": draw.manifest.get("counts", {}),
        "created_at": draw.created_at.isoformat(),
        "published_at": draw.published_at.isoformat() if draw.published_at else None,
    }


@router.get("/intakes", response={200: DictPage, **ERRORS}, summary="Intakes")
@requires("placement.view")
def intake_list(request, paging: Query[PageIn]):
    return page_of(selectors.intake_list(actor=request.auth), paging, _intake_out)


class IntakeIn(Schema):
    region: str = Field(..., max_length=12, description="City or district code")
    year: int = Field(..., ge=2000, le=2100)
    name: str = Field("", max_length=120)


@router.post("/intakes", response={201: dict[str, Any], **ERRORS}, summary="Create an intake")
@requires("placement.change")
def intake_create(request, payload: IntakeIn):
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise NotFound("Not found")
    intake = services.intake_create(
        actor=request.auth, region=region, year=payload.year, name=payload.name
    )
    return Status(201, _intake_out(intake, selectors.intake_summary(intake)))


@router.get(
    "/intakes/{intake_id}",
    response={200: dict[str, Any], **ERRORS},
    summary="An intake: zones, schools, places, reserved places and pupil counts",
)
@requires("placement.view")
def intake_detail(request, intake_id: Id):
    intake = selectors.intake_get(actor=request.auth, pk=intake_id)
    out = _intake_out(intake, selectors.intake_summary(intake))
    out["draws"] = [_draw_out(d) for d in selectors.draw_list(actor=request.auth, intake=intake)]
    return out


@router.post(
    "/intakes/{intake_id}/import",
    response={200: dict[str, int], **ERRORS},
    summary="Replace the intake's zones, places and pupils by two files (all or nothing)",
)
@requires("placement.change")
def intake_import(request, intake_id: Id, schools: File[UploadedFile], pupils: File[UploadedFile]):
    intake = selectors.intake_get(actor=request.auth, pk=intake_id)
    return services.intake_import(
        actor=request.auth,
        intake=intake,
        schools_data=schools.read(),
        schools_filename=schools.name or "schools.csv",
        pupils_data=pupils.read(),
        pupils_filename=pupils.name or "pupils.csv",
    )


class DrawIn(Schema):
    kind: Literal["rehearsal", "ceremony"]
    seed_parts: list[str] = Field(..., min_length=1, max_length=20)
    witnesses: list[str] = Field(default_factory=list, max_length=20)


@router.post(
    "/intakes/{intake_id}/draws",
    response={201: dict[str, Any], **ERRORS},
    summary="Run a draw (a rehearsal, or the ceremony once)",
)
@requires("placement.change")
def draw_create(request, intake_id: Id, payload: DrawIn):
    intake = selectors.intake_get(actor=request.auth, pk=intake_id)
    draw = services.draw_run(
        actor=request.auth,
        intake=intake,
        kind=payload.kind,
        seed_parts=payload.seed_parts,
        witnesses=payload.witnesses,
    )
    return Status(201, _draw_out(draw))


@router.get("/draws/{draw_id}", response={200: dict[str, Any], **ERRORS}, summary="A draw")
@requires("placement.view")
def draw_detail(request, draw_id: Id):
    draw = selectors.draw_get(actor=request.auth, pk=draw_id)
    out = _draw_out(draw)
    out["manifest"] = draw.manifest
    return out


@router.get(
    "/draws/{draw_id}/results",
    response={200: DictPage, **ERRORS},
    summary="A draw's result rows by pupil code (names for the admissions office only)",
)
@requires("placement.view")
def draw_results(request, draw_id: Id, paging: Query[PageIn]):
    draw = selectors.draw_get(actor=request.auth, pk=draw_id)
    names = selectors.identities(actor=request.auth, intake=draw.intake)

    def row_out(r) -> dict[str, Any]:
        row = {
            "pupil_code": r.pupil_code,
            "lottery_number": r.lottery_number,
            "school_code": r.school_code,
            "round": r.round,
        }
        if names:
            identity = names.get(r.pupil_code)
            row["name"] = identity.name if identity else ""
        return row

    return page_of(selectors.draw_results(draw=draw), paging, row_out)


@router.get(
    "/draws/{draw_id}/files/{name}",
    response={200: None, **ERRORS},
    summary="One file of a draw, byte for byte (inputs, lists, result.csv, manifest.json)",
)
@requires("placement.view")
def draw_file(request, draw_id: Id, name: str):
    draw = selectors.draw_get(actor=request.auth, pk=draw_id)
    if name not in FILES:
        raise NotFound("Not found")
    f = selectors.draw_file(draw=draw, name=name)
    kind = "application/json" if name.endswith(".json") else "text/csv"
    response = HttpResponse(bytes(f.content), content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/draws/{draw_id}/publish",
    response={200: dict[str, Any], **ERRORS},
    summary="Publish the ceremony draw's results",
)
@requires("placement.change")
def draw_publish(request, draw_id: Id):
    draw = selectors.draw_get(actor=request.auth, pk=draw_id)
    return _draw_out(services.draw_publish(actor=request.auth, draw=draw))


@router.get(
    "/intakes/{intake_id}/published/{pupil_code}",
    response={200: dict[str, Any], **ERRORS},
    summary="The published placement of a pupil code",
)
@requires()
def published_result(request, intake_id: Id, pupil_code: str):
    found = selectors.published_result(intake_id=intake_id, pupil_code=pupil_code)
    if found is None:
        raise NotFound("Not found")
    draw, row = found
    return {
        "pupil_code": row.pupil_code,
        "lottery_number": row.lottery_number,
        "school_code": row.school_code,
        "round": row.round,
        "chain_sha256": draw.chain_sha256,
    }
