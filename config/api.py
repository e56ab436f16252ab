"""The HTTP API under /api/: one NinjaAPI, its authentication, error shape and routers.

OpenAPI at /api/openapi.json, interactive docs at /api/docs (Swagger UI served from ninja's own
static files, so the page works without internet access).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from qiangshi.access.api import API_AUTH, ErrorOut, validation_fields
from qiangshi.access.api import router as access_router
from qiangshi.core.errors import ApplicationError, EditConflict, InvalidInput, NotFound
from qiangshi.imports.api import router as imports_router
from qiangshi.org.api import regions_router, schools_router
from qiangshi.teachers.api import router as teachers_router

# Answers any operation may give whatever it declares: no valid credentials (401), input that
# fails validation or holds a NUL character (422).
_ANSWERS_OF_EVERY_OPERATION = {
    "401": "Authentication required",
    "422": "The request is not valid",
}


class QiangshiAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema documents the error answers every operation can give, so
    that a client (and the schema-fuzzing test) finds each status code it may meet declared."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, description in _ANSWERS_OF_EVERY_OPERATION.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


api = QiangshiAPI(
    title="Qiangshi API",
    version="1",
    description=(
        "The registry of the education bureau's schools and teachers. Authenticate with "
        "`Authorization: Bearer <key>` (create a key with `qiangshi create_api_token`) or a "
        "logged-in session. Every answer is limited to what the caller's role may see; a record "
        "outside it answers 404 like a missing one. Errors are "
        '`{"message": "...", "fields": {"field": "..."}}`.'
    ),
    urls_namespace="api",
    auth=API_AUTH,
    docs=Swagger(settings={"persistAuthorization": True}),
)


@api.exception_handler(NotFound)
@api.exception_handler(Http404)
def _not_found(request, exc: Exception):
    return api.create_response(request, {"message": _("Not found"), "fields": {}}, status=404)


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
