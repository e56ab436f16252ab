"""The HTTP API under /api/: one NinjaAPI, its authentication, error shape and routers.

OpenAPI at /api/openapi.json, interactive docs at /api/docs (Swagger UI served from ninja's own
static files, so the page works without internet access).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from qiangshi.access.api import (
    API_AUTH,
    ErrorOut,
    guard_operation,
    requirement_of,
    validation_fields,
)
from qiangshi.access.api import router as access_router
from qiangshi.core.errors import ApplicationError, EditConflict, Forbidden, InvalidInput, NotFound
from qiangshi.imports.api import router as imports_router
from qiangshi.org.api import regions_router, schools_router
from qiangshi.teachers.api import router as teachers_router

# Answers any operation may give whatever it declares: no valid credentials (401), input that
# fails validation, holds a NUL character or an unknown query parameter (422).
_ANSWERS_OF_EVERY_OPERATION = {
    "401": "Authentication required",
    "422": "The request is not valid (a field, or a query parameter the operation does not take)",
}
_FORBIDDEN = "Your role may not do this (or, for a session, the CSRF check failed)"
_NOT_FOUND = "Not found, or outside your area"


class QiangshiAPI(NinjaAPI):
    """NinjaAPI whose every operation checks the caller's role and its query parameters before
    reading the input (`guard_operation`), and whose OpenAPI schema documents the error answers
    every operation can give, so that a client (and the schema-fuzzing test) finds each status
    code it may meet declared, and each operation's requirement (`x-requires`)."""

    def _get_bound_routers(self):
        bound = super()._get_bound_routers()
        for operation in self.operations(bound):
            guard_operation(operation)
        return bound

    def operations(self, bound=None):
        """Every operation of the API (each once, as bound to its URL)."""
        for router in bound if bound is not None else self._get_bound_routers():
            for path_view in router.path_operations.values():
                yield from path_view.operations

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        requirements = {
            self.get_openapi_operation_id(op): requirement_of(op) for op in self.operations()
        }
        for path, path_item in schema.get("paths", {}).items():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, description in _ANSWERS_OF_EVERY_OPERATION.items():
                    responses.setdefault(status, {"description": description, "content": error})
                requirement = requirements[operation["operationId"]]
                operation["x-requires"] = {
                    "permissions": list(requirement.permissions),
                    "roles": sorted(requirement.roles) if requirement.roles is not None else None,
                }
                note = f"Requires: {requirement.describe()}."
                operation["description"] = "\n\n".join(
                    p for p in (operation.get("description"), note) if p
                )
                responses.setdefault("403", {"description": _FORBIDDEN, "content": error})
                if "{" in path:
                    responses.setdefault("404", {"description": _NOT_FOUND, "content": error})
                if "requestBody" in operation:  # a body that is not JSON cannot be read
                    responses.setdefault(
                        "400",
                        {"description": "The request body could not be read", "content": error},
                    )
        return schema


api = QiangshiAPI(
    title="Qiangshi API",
    version="1",
    description=(
        "The registry of the education bureau's schools and teachers. Authenticate with "
        "`Authorization: Bearer <key>` (create a key with `qiangshi create_api_token`) or a "
        "logged-in session. Every answer is limited to what the caller's role may see; a record "
        "outside it answers 404 like a missing one; an operation the caller's role may not use "
        "answers 403 (checked before the input is read; each operation's requirement is in its "
        "description and in `x-requires`). A query parameter the operation does not take is "
        "refused with 422 naming it, rather than ignored. Every list answers "
        '`{"items": [...], "count": N, "page": P, "page_size": S}` (`?page=` from 1, '
        "`?page_size=` 1–200, default 50). Errors are "
        '`{"message": "...", "fields": {"field": "..."}}`, in the request\'s language; an '
        "unknown URL under /api/ answers 404 in the same shape."
    ),
    urls_namespace="api",
    auth=API_AUTH,
    docs=Swagger(settings={"persistAuthorization": True}),
)


@api.exception_handler(NotFound)
@api.exception_handler(Http404)
def _not_found(request, exc: Exception):
    return api.create_response(request, {"message": _("Not found"), "fields": {}}, status=404)


@api.exception_handler(Forbidden)
def _forbidden(request, exc: Forbidden):
    return api.create_response(request, {"message": exc.message, "fields": exc.fields}, status=403)


@api.exception_handler(PermissionDenied)
def _permission_denied(request, exc: PermissionDenied):
    """A service's refusal raised as Django's PermissionDenied (as the pages expect): 403."""
    return api.create_response(
        request, {"message": _("Your role may not do this."), "fields": {}}, status=403
    )


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return api.create_response(request, {"message": exc.message, "fields": exc.fields}, status=400)


@api.exception_handler(EditConflict)
def _edit_conflict(request, exc: EditConflict):
    body = {
        "message": exc.message,
        "fields": exc.fields,
        "conflicts": {k: {"yours": y, "theirs": t} for k, (y, t) in exc.conflicts.items()},
        "version": exc.version,
    }
    response = api.create_response(request, body, status=409)
    response["ETag"] = f'"{exc.version}"'
    return response


@api.exception_handler(InvalidInput)
def _invalid_input(request, exc: InvalidInput):
    return api.create_response(request, {"message": exc.message, "fields": exc.fields}, status=422)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return api.create_response(
        request,
        {"message": _("The request is not valid."), "fields": validation_fields(exc.errors)},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc: AuthenticationError):
    response = api.create_response(
        request,
        {"message": _("Authentication required: a valid bearer token or a session."), "fields": {}},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    messages = {
        400: _("The request body could not be read; send JSON."),
        403: _("Forbidden: the CSRF check failed."),
        429: _("Too many requests."),
    }
    message = messages.get(exc.status_code, str(exc))
    return api.create_response(request, {"message": message, "fields": {}}, status=exc.status_code)


api.add_router("/", access_router)
api.add_router("/regions", regions_router)
api.add_router("/schools", schools_router)
api.add_router("/teachers", teachers_router)
api.add_router("/imports", imports_router)
api.add_router("/exports", "qiangshi.imports.export_api.router")
api.add_router("/staffing", "qiangshi.staffing.api.router")
api.add_router("/rotation", "qiangshi.rotation.api.router")
api.add_router("/placement", "qiangshi.placement.api.router")
api.add_router("/welfare", "qiangshi.welfare.api.router")
api.add_router("/training", "qiangshi.training.api.router")
api.add_router("/training", "qiangshi.training.development_api.router")
api.add_router("/ethics", "qiangshi.ethics.api.router")
api.add_router("/awards", "qiangshi.awards.api.router")
api.add_router("/leadership", "qiangshi.leadership.api.router")
api.add_router("/workflow", "qiangshi.workflow.api.router")
api.add_router("/practices", "qiangshi.practices.api.router")
api.add_router("/titles", "qiangshi.titles.api.router")
api.add_router("/talent", "qiangshi.talent.api.router")
api.add_router("/pilot", "qiangshi.pilot.api.router")


def not_found(request, rest: str = ""):
    """Any URL under /api/ that names no operation: JSON 404 in the error shape (the pages'
    friendly HTML 404 is for the rest of the site)."""
    return JsonResponse(
        {"message": _("Not found"), "fields": {}},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
