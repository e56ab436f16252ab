"""HTTP API plumbing shared by every router: authentication, the error shape, and /api/me.

Two ways in: a bearer token (`Authorization: Bearer <key>`, see `api_token_create`) for scripts,
and the Django session for a logged-in browser (the interactive docs). The authenticated user is
`request.auth`, and every endpoint passes it to selectors and services as the actor.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer, SessionAuth
from pydantic import BaseModel

from qiangshi.core.errors import ApplicationError, Forbidden, InvalidInput, bilingual

from .permissions import has_perm
from .services import api_token_authenticate

# The largest primary key a database integer column holds; larger ids are invalid input, not 500s.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer qs_…` checked against the stored token hashes."""

    def authenticate(self, request, token: str):
        return api_token_authenticate(token.strip())


class LoggedInSessionAuth(SessionAuth):
    """The Django session; CSRF is checked (unsafe methods) only when the session has a user.

    Ninja's SessionAuth checks CSRF before it knows whether anyone is logged in, which would turn
    a request with a bad bearer token into a CSRF 403 instead of a 401.
    """

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


API_AUTH = [BearerTokenAuth(), LoggedInSessionAuth()]


# --- Who may call an operation ---------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """What an operation asks of the caller's role: every one of `permissions` and, when
    `roles` is given, one of those roles. Checked right after authentication, before the
    request's input is read, so a caller whose role may not do the operation gets 403 whatever
    it sent. Where the caller may act (scope) is the operation's own business: a record outside
    it answers 404 like a missing one."""

    permissions: tuple[str, ...] = ()
    roles: frozenset[str] | None = None

    def allows(self, user) -> bool:
        if not all(has_perm(user, p) for p in self.permissions):
            return False
        return self.roles is None or getattr(user, "role", None) in self.roles

    def describe(self) -> str:
        parts = [f"`{p}`" for p in self.permissions]
        if self.roles is not None:
            parts.append("role " + " or ".join(f"`{r}`" for r in sorted(self.roles)))
        return ", ".join(parts) if parts else "any authenticated user"


def requires(*permissions: str, roles: set[str] | None = None):
    """Declare what an operation needs (`@requires("teacher.change")`; no argument: any
    authenticated user). Every operation of the API declares it; the API refuses to start
    with one that does not (see `guard_operation`)."""
    requirement = Requirement(tuple(permissions), frozenset(roles) if roles is not None else None)

    def mark(view_func):
        view_func.qs_requirement = requirement
        return view_func

    return mark


def requirement_of(operation) -> Requirement:
    requirement = getattr(operation.view_func, "qs_requirement", None)
    if requirement is None:
        raise ImproperlyConfigured(
            f"API operation {operation.view_func.__module__}.{operation.view_func.__name__} "
            "declares no @requires(...)"
        )
    return requirement


def query_names(operation) -> frozenset[str]:
    """The query parameters an operation declares (its filters and pagination)."""
    names: set[str] = set()
    for model in operation.models:
        if model.__ninja_param_source__ != "query":
            continue
        flat = getattr(model, "__ninja_flatten_map__", None)
        names |= set(flat) if flat else {f.alias or n for n, f in model.model_fields.items()}
    return frozenset(names)


def guard_operation(operation) -> None:
    """Run the role check and the check for unknown query parameters after authentication and
    before ninja reads the input: 403 for a role without the operation's requirement, then 422
    naming each query parameter the operation does not declare (a misspelt filter would
    otherwise be ignored and answer the whole list)."""
    if getattr(operation, "qs_guarded", False):
        return
    requirement = requirement_of(operation)
    known = query_names(operation)
    # Ninja's Operation.run authenticates (`_run_checks`), then reads the input
    # (`_get_values`) inside the block whose exceptions become error answers: the checks go in
    # front of the latter. tests/api/test_refusals.py fails if a ninja upgrade moves them.
    read_input = operation._get_values

    def guarded(request, path_params, temporal_response):
        if not requirement.allows(request.auth):
            raise Forbidden(_("Your role may not do this."))
        unknown = sorted(set(request.GET) - known)
        if unknown:
            raise InvalidInput(
                _("The request is not valid."),
                fields={name: _("Unknown query parameter.") for name in unknown},
            )
        return read_input(request, path_params, temporal_response)

    operation._get_values = guarded
    operation.qs_guarded = True


# The last page number accepted: its offset (page × 200) must still fit a database integer.
MAX_PAGE = 10**9
# The largest page a client may ask for; more is refused (422), not quietly cut.
MAX_PAGE_SIZE = 200


class PageIn(Schema):
    """`?page=` (from 1) and `?page_size=` (1–200, default 50) of every list endpoint."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1")
    page_size: int = Field(
        settings.PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page (1–200)"
    )


def page_of(rows, paging: PageIn, convert: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """One page of `rows` (a queryset or a list) in the shape every list endpoint answers:
    `{"items": [...], "count": N, "page": P, "page_size": S}`; `convert` turns each row of the
    page (only those) into what the endpoint shows."""
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    offset = (paging.page - 1) * paging.page_size
    items = list(rows[offset : offset + paging.page_size])
    return {
        "items": [convert(r) for r in items] if convert else items,
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
    }


class Pagination(PaginationBase):
    """Ninja's `@paginate` with `page_of`: an endpoint returns its rows (a queryset) and the
    answer is one page of them, `{"items", "count", "page", "page_size"}`."""

    Input = PageIn

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Rows in every page together")
        page: int
        page_size: int

    def paginate_queryset(self, queryset, pagination: PageIn, request, **params):
        return page_of(queryset, pagination)


class DictPage(Pagination.Output):
    """A page of rows an endpoint builds itself (with `page_of`)."""

    items: list[dict[str, Any]]


class ErrorOut(Schema):
    """Every error answer: a message and, for invalid input, one message per field."""

    message: str
    fields: dict[str, str] = {}


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ConflictValues(Schema):
    """One field of an edit conflict: the value sent and the value saved meanwhile."""

    yours: str
    theirs: str


class ConflictOut(ErrorOut):
    """409: the record was saved by someone else since `If-Match`/`version`; nothing written.
    Send the edit again with the current `version` to keep your values."""

    conflicts: dict[str, ConflictValues] = {}
    version: int


def expected_version(request, body_version: int | None) -> int | None:
    """The version an edit was made on: the body's `version`, else the `If-Match` header (an
    ETag as given by GET, `"3"` or `W/"3"`); None when neither is sent. A malformed header is
    invalid input (422)."""
    if body_version is not None:
        return body_version
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.removeprefix("W/").strip('"')
    if not tag.isdigit() or not 1 <= int(tag) <= MAX_ID:
        raise bilingual(
            'If-Match must be an ETag given by GET, such as "3".',
            'If-Match 须为 GET 返回的 ETag，例如 "3"。',
            fields={"If-Match": _("Enter a whole number.")},
            error=InvalidInput,
        )
    return int(tag)


def etag(version: int) -> str:
    return f'"{version}"'


# Pydantic error types → translatable messages (the API answers in the request's language).
_TYPE_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "int_from_float": lambda: _("Enter a whole number."),
    "float_parsing": lambda: _("Enter a number."),
    "float_type": lambda: _("Enter a number."),
    "decimal_parsing": lambda: _("Enter a number."),
    "decimal_type": lambda: _("Enter a number."),
    "bool_parsing": lambda: _("Enter true or false."),
    "bool_type": lambda: _("Enter true or false."),
    "date_parsing": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "date_type": lambda: _("Enter a valid date (YYYY-MM-DD)."),
    "enum": lambda: _("Choose one of the listed values."),
    "literal_error": lambda: _("Choose one of the listed values."),
    "string_type": lambda: _("Enter text."),
    "list_type": lambda: _("Enter a list."),
    "dict_type": lambda: _("Enter an object."),
    "model_type": lambda: _("Enter an object."),
    "model_attributes_type": lambda: _("Enter an object."),
    "extra_forbidden": lambda: _("Unknown field."),
    "greater_than_equal": lambda: _("The value is too small."),
    "greater_than": lambda: _("The value is too small."),
    "less_than_equal": lambda: _("The value is too large."),
    "less_than": lambda: _("The value is too large."),
    "string_too_long": lambda: _("The text is too long."),
    "json_invalid": lambda: _("The request body is not valid JSON."),
    "json_type": lambda: _("The request body is not valid JSON."),
    "finite_number": lambda: _("Enter a finite number."),
    "decimal_max_places": lambda: _("Too many digits after the decimal point."),
    "decimal_max_digits": lambda: _("Too many digits."),
    "decimal_whole_digits": lambda: _("Too many digits before the decimal point."),
    "int_parsing_size": lambda: _("The value is too large."),
    "multiple_of": lambda: _("The value is not an allowed step."),
    "string_too_short": lambda: _("The text is too short."),
    "string_pattern_mismatch": lambda: _("The text does not have the expected form."),
    "string_unicode": lambda: _("Enter text."),
    "too_short": lambda: _("Too few items."),
    "too_long": lambda: _("Too many items."),
    "datetime_parsing": lambda: _("Enter a valid date and time (ISO 8601)."),
    "datetime_from_date_parsing": lambda: _("Enter a valid date and time (ISO 8601)."),
    "datetime_type": lambda: _("Enter a valid date and time (ISO 8601)."),
    "set_type": lambda: _("Enter a list."),
    "tuple_type": lambda: _("Enter a list."),
    "none_required": lambda: _("This field must be empty."),
}
# Leading parts of an error location that name where the value came from, not the field.
_SOURCES = {"query", "path", "body", "header", "cookie", "form", "file"}
_BODY_PARAMS = {"payload", "data", "body", "pagination", "filters", "ninja_pagination"}


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Ninja/pydantic validation errors as {"field": "message"} (nested fields dotted)."""
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        if loc and loc[0] in _BODY_PARAMS:
            loc = loc[1:]
        key = ".".join(loc) or "__all__"
        message = _TYPE_MESSAGES.get(error.get("type", ""))
        fields.setdefault(key, message() if message else str(error.get("msg", "")))
    return fields


def plain(value: Any) -> Any:
    """Schema output as plain values for services: enum members become their string values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def input_data(payload: BaseModel, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent, as plain values; a null for a field that cannot be empty is
    refused here (the model would only notice when saving)."""
    data = plain(payload.model_dump(exclude_unset=True))
    nulls = sorted(k for k, v in data.items() if v is None and k not in nullable)
    if nulls:
        raise ApplicationError(
            _("The request is not valid."),
            fields={k: _("This field may not be null.") for k in nulls},
        )
    return data


router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    region_id: int | None
    region_name: str | None = None
    school_id: int | None
    school_name: str | None = None
    teacher_id: int | None = None

    @staticmethod
    def resolve_region_name(user) -> str | None:
        return user.region.name if user.region_id else None

    @staticmethod
    def resolve_school_name(user) -> str | None:
        return user.school.name if user.school_id else None

    @staticmethod
    def resolve_teacher_id(user) -> int | None:
        teacher = getattr(user, "teacher_profile", None)
        return teacher.pk if teacher is not None else None


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The authenticated user")
@requires()
def me(request):
    return request.auth
