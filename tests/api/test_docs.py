"""The API describes itself: OpenAPI document and the offline interactive docs."""

import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse


def test_openapi_document_lists_every_endpoint(client, db):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Qiangshi API"
    assert spec["info"]["version"] == "1"
    paths = spec["paths"]
    for path, methods in {
        "/api/schools": {"get", "post"},
        "/api/schools/{school_id}": {"get", "patch"},
        "/api/teachers": {"get", "post"},
        "/api/teachers/{teacher_id}": {"get", "patch"},
        "/api/teachers/{teacher_id}/reveal": {"post"},
        "/api/regions": {"get", "post"},
        "/api/regions/{region_id}": {"get", "patch"},
        "/api/teachers/{teacher_id}/records/{kind}": {"post"},
        "/api/teachers/{teacher_id}/records/{kind}/{record_id}": {"patch", "delete"},
        "/api/teachers/{teacher_id}/employment": {"post"},
        "/api/teachers/{teacher_id}/employment/end": {"post"},
        "/api/me": {"get"},
        "/api/ethics/cases": {"get", "post"},
        "/api/ethics/cases/{case_id}": {"get"},
        "/api/ethics/cases/{case_id}/steps": {"post"},
        "/api/ethics/teachers/{teacher_id}/bars": {"get"},
        "/api/workflow/inbox": {"get"},
        "/api/awards/rounds": {"get", "post"},
        "/api/awards/rounds/{round_id}": {"get"},
        "/api/awards/rounds/{round_id}/statistics": {"get"},
        "/api/awards/rounds/{round_id}/eligibility": {"get"},
        "/api/awards/nominations": {"get", "post"},
        "/api/awards/nominations/{nomination_id}": {"get"},
        "/api/awards/nominations/{nomination_id}/steps": {"post"},
        "/api/awards/results": {"get"},
        "/api/awards/long-service": {"get"},
        "/api/leadership/terms": {"get", "post"},
        "/api/leadership/terms/{term_id}": {"get", "patch", "delete"},
        "/api/leadership/schools": {"get"},
        "/api/leadership/schools/{school_id}": {"get"},
        "/api/titles/rounds": {"get"},
        "/api/titles/rounds/{round_id}": {"get"},
        "/api/titles/rounds/{round_id}/results": {"get"},
        "/api/titles/rounds/{round_id}/applications": {"post"},
        "/api/titles/applications": {"get"},
        "/api/titles/applications/{application_id}": {"get"},
        "/api/titles/applications/{application_id}/steps": {"post"},
        "/api/titles/applications/{application_id}/scores": {"post"},
        "/api/titles/reviewers": {"get", "post"},
        "/api/titles/reviewers/{profile_id}": {"patch"},
        "/api/titles/relations": {"get", "post"},
        "/api/titles/relations/{relation_id}": {"patch", "delete"},
        "/api/titles/weak-schools": {"get", "post"},
        "/api/titles/weak-schools/{designation_id}/end": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_api_urls_live_under_the_api_namespace(db):
    assert reverse("api:openapi-json") == "/api/openapi.json"


def test_docs_page_loads_its_assets_locally_not_from_a_cdn(client, db):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*href="([^"]+)"', html)
    assert any("swagger-ui-bundle" in s for s in sources)
    for url in sources + styles:
        assert url.startswith("/"), url
    assert "cdn" not in html.lower()
    assert "https://" not in html and "http://" not in html
    # …and those local files exist (collectstatic ships them with the project's own assets).
    for url in sources + styles:
        assert finders.find(url.removeprefix("/" + settings.STATIC_URL.lstrip("/"))), url


def test_docs_page_works_for_a_logged_in_user(client, world):
    client.force_login(world["users"]["district"])

    response = client.get("/api/docs")

    assert response.status_code == 200
    assert "data-csrf-token" in response.content.decode()
