"""The API's answers that do not depend on the operation: a role that may not use an operation
gets 403 whatever it sends, a query parameter the operation does not take gets 422, every list
has one shape, and an unknown URL under /api/ gets a JSON 404.

Every operation is taken from the OpenAPI document the API serves, so an operation added later
is covered without editing this file; what each one requires is read from its `x-requires`, and
a few refusals are written out by hand so that a wrong declaration fails too.
"""

import pytest
from django.test import Client

from qiangshi.access.permissions import has_perm

ROLES = [
    "admin",
    "bureau",
    "district",
    "school",
    "teacher",
    "reviewer",
    "pilot",
    "auditor",
    "ethics",
]
METHODS = {"get", "post", "put", "patch", "delete"}
# The only operations any authenticated user may call: who one is, one's own moves, what waits
# for one (the review inbox), and the published placement of a pupil code.
OPEN_TO_EVERY_ROLE = {
    ("get", "/api/me"),
    ("get", "/api/workflow/inbox"),
    ("get", "/api/rotation/mine"),
    ("get", "/api/placement/intakes/{intake_id}/published/{pupil_code}"),
    # Export jobs: each user their own; starting one checks the kind's export permission (403).
    ("get", "/api/exports"),
    ("post", "/api/exports"),
    ("get", "/api/exports/{job_id}"),
    ("get", "/api/exports/{job_id}/download"),
}
# Every list of the API (they all answer {"items", "count", "page", "page_size"}).
LISTS = {
    ("get", "/api/regions"),
    ("get", "/api/schools"),
    ("get", "/api/teachers"),
    ("post", "/api/teachers/search"),
    ("get", "/api/imports"),
    ("get", "/api/exports"),
    ("get", "/api/rotation/plans"),
    ("get", "/api/rotation/plans/{plan_id}/moves"),
    ("get", "/api/rotation/plans/{plan_id}/notice"),
    ("get", "/api/rotation/mine"),
    ("get", "/api/placement/intakes"),
    ("get", "/api/placement/draws/{draw_id}/results"),
}
PAGE_KEYS = {"items", "count", "page", "page_size"}


@pytest.fixture
def spec(client, db):
    return client.get("/api/openapi.json").json()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def _url(path: str, operation: dict) -> str:
    """The path with each parameter given a value of the right type (an id that exists or not:
    the answers tested here come before any record is looked up)."""
    for param in operation.get("parameters", []):
        if param["in"] != "path":
            continue
        schema = param.get("schema", {})
        if "enum" in schema:
            value = schema["enum"][0]
        elif schema.get("type") == "integer":
            value = 1
        else:
            value = "x"
        path = path.replace("{" + param["name"] + "}", str(value))
    return path


def _allows(requirement: dict, user) -> bool:
    roles = requirement["roles"]
    return all(has_perm(user, p) for p in requirement["permissions"]) and (
        roles is None or user.role in roles
    )


def _send(api, method: str, url: str):
    """A request whose body (where it has one) is not even JSON, with a parameter no operation
    takes."""
    url = f"{url}?no_such_parameter=1"
    if method == "get":
        return api.client.get(url, headers=api.headers)
    return getattr(api.client, method)(
        url, data=b"{not json", content_type="application/json", headers=api.headers
    )


def test_every_operation_declares_what_it_requires(spec):
    unrestricted = set()
    for method, path, operation in _operations(spec):
        requirement = operation["x-requires"]
        assert "403" in operation["responses"], (method, path)
        if "{" in path:
            assert "404" in operation["responses"], (method, path)
        assert "Requires:" in operation["description"], (method, path)
        if not requirement["permissions"] and requirement["roles"] is None:
            unrestricted.add((method, path))

    assert unrestricted == OPEN_TO_EVERY_ROLE


@pytest.mark.parametrize("role", ROLES)
def test_a_role_that_may_not_use_an_operation_gets_403_whatever_it_sends(world, api_as, spec, role):
    user = world["users"][role]
    api = api_as(role)
    refused = 0
    for method, path, operation in _operations(spec):
        if _allows(operation["x-requires"], user):
            continue
        response = _send(api, method, _url(path, operation))

        assert response.status_code == 403, (method, path, response.content)
        assert response.json() == {"message": "您的角色无权进行此操作。", "fields": {}}
        refused += 1
    assert refused or role == "admin"


@pytest.mark.parametrize(
    ("role", "method", "url", "body"),
    [
        ("teacher", "post", "/api/schools", {}),
        ("school", "post", "/api/schools", {"code": "1"}),
        ("auditor", "get", "/api/teachers", None),
        ("pilot", "get", "/api/teachers/1", None),
        ("district", "patch", "/api/regions/1", {"name": ""}),
        ("teacher", "patch", "/api/teachers/1", {"gender": "x"}),
        ("reviewer", "post", "/api/teachers/1/reveal", {"field": "salary"}),
        ("teacher", "post", "/api/imports", None),
        ("school", "post", "/api/rotation/plans", {"year": "soon"}),
        ("district", "post", "/api/rotation/plans/1/review", {"approve": "maybe"}),
        ("admin", "post", "/api/rotation/plans/1/publish", None),
        ("district", "put", "/api/rotation/preferences", {"year": -1}),
        ("teacher", "get", "/api/staffing/districts/1?year=1", None),
        ("school", "get", "/api/placement/intakes", None),
        ("admin", "post", "/api/placement/intakes", {"region": 35}),
        ("school", "post", "/api/leadership/terms", {"school": 1}),
        ("teacher", "get", "/api/leadership/schools", None),
    ],
)
def test_refusals_written_out(world, api_as, role, method, url, body):
    api = api_as(role)

    response = getattr(api, method)(url, body) if body is not None else getattr(api, method)(url)

    assert response.status_code == 403, response.content


def test_a_refusal_is_in_the_request_language(world, api_as):
    api = api_as("teacher")
    api.client.cookies["django_language"] = "en"

    response = api.post("/api/schools", {})

    assert response.json() == {"message": "Your role may not do this.", "fields": {}}


def test_a_record_outside_the_area_still_answers_404_not_403(world, api_as):
    school = world["schools"]["c"]  # Huli: outside a Siming district office's area

    response = api_as("district").patch(f"/api/schools/{school.pk}", {"name": "改名"})

    assert response.status_code == 404


def test_unauthenticated_answers_401_before_the_role_check(db):
    response = Client().post(
        "/api/schools?no_such_parameter=1", {}, content_type="application/json"
    )

    assert response.status_code == 401


@pytest.mark.parametrize("role", ["admin", "bureau", "district", "teacher"])
def test_an_unknown_query_parameter_answers_422_naming_it(world, api_as, spec, role):
    user = world["users"][role]
    api = api_as(role)
    checked = 0
    for method, path, operation in _operations(spec):
        if not _allows(operation["x-requires"], user):
            continue
        response = getattr(api.client, method)(
            f"{_url(path, operation)}?pagesize=5", headers=api.headers
        )

        assert response.status_code == 422, (method, path, response.content)
        assert response.json()["fields"] == {"pagesize": "未知的查询参数。"}, (method, path)
        checked += 1
    assert checked


def test_a_misspelt_filter_is_refused_rather_than_ignored(world, api_as):
    api = api_as("admin")

    good = api.get("/api/teachers", {"school": world["schools"]["a"].pk})
    misspelt = api.get("/api/teachers", {"schol": world["schools"]["a"].pk})

    assert good.status_code == 200 and good.json()["count"] == 1
    assert misspelt.status_code == 422
    assert set(misspelt.json()["fields"]) == {"schol"}


def test_the_openapi_description_says_unknown_parameters_are_refused(spec):
    assert (
        "query parameter the operation does not take is refused with 422"
        in (spec["info"]["description"])
    )


def test_every_list_has_one_shape_in_the_schema(spec):
    lists = set()
    for method, path, operation in _operations(spec):
        ok = operation["responses"].get("200") or operation["responses"].get("201") or {}
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        assert schema.get("type") != "array", (method, path)  # no bare list answers
        properties = set(schema.get("properties", {}))
        assert "results" not in properties, (method, path)
        if "items" in properties:
            assert properties == PAGE_KEYS, (method, path)
            lists.add((method, path))

    assert lists == LISTS


@pytest.mark.parametrize(
    ("role", "method", "url"),
    [
        ("admin", "get", "/api/regions"),
        ("admin", "get", "/api/schools"),
        ("admin", "get", "/api/teachers"),
        ("admin", "post", "/api/teachers/search"),
        ("admin", "get", "/api/imports"),
        ("bureau", "get", "/api/rotation/plans"),
        ("teacher", "get", "/api/rotation/mine"),
        ("bureau", "get", "/api/placement/intakes"),
    ],
)
def test_every_list_answers_items_count_page_and_page_size(world, api_as, role, method, url):
    api = api_as(role)

    response = getattr(api, method)(url, {}) if method == "post" else api.get(url)
    second = api.get(url, {"page": 2, "page_size": 1}) if method == "get" else None

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert (body["page"], body["page_size"]) == (1, 50)
    assert isinstance(body["items"], list) and body["count"] >= len(body["items"])
    if second is not None:
        assert set(second.json()) == PAGE_KEYS
        assert (second.json()["page"], second.json()["page_size"]) == (2, 1)


@pytest.mark.parametrize("size", [0, 201, "many"])
def test_a_page_size_out_of_bounds_answers_422(world, api_as, size):
    response = api_as("bureau").get("/api/rotation/plans", {"page_size": size})

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"page_size"}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/nothing-here"),
        ("get", "/api/teachers/1/nothing-here"),
        ("post", "/api/teachers/1/salary"),
        ("get", "/api/teachers/"),
        ("delete", "/api/v2/schools"),
    ],
)
def test_an_unknown_api_url_answers_json_404_in_the_error_shape(world, api_as, method, url):
    response = getattr(api_as("admin").client, method)(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"message": "未找到", "fields": {}}


def test_an_unknown_api_url_answers_404_without_a_login_too(client, db):
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert set(response.json()) == {"message", "fields"}


def test_an_unknown_page_outside_the_api_keeps_the_html_404(client, db):
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
