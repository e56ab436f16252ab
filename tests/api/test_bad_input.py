"""Input no rule can accept answers 422 with a message, never a server error."""

from urllib.parse import urlencode

import pytest
from django.test import Client


@pytest.fixture
def admin_api(api_as):
    return api_as("admin")


def test_a_huge_page_number_is_refused_with_422(admin_api):
    response = admin_api.get("/api/teachers", {"page": "99999999999999999999"})
    assert response.status_code == 422
    assert "page" in response.json()["fields"]


def test_a_page_past_the_last_answers_an_empty_page(admin_api):
    response = admin_api.get("/api/teachers", {"page": "1000000"})
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_nul_character_in_a_query_is_refused_with_422(admin_api):
    response = admin_api.get("/api/teachers", {"q": "王\x00"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"q"}


def test_a_nul_character_in_a_json_string_is_refused_and_writes_nothing(admin_api, world):
    teacher = world["teachers"]["a"]
    response = admin_api.patch(f"/api/teachers/{teacher.pk}", {"name": "陈\x00静"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"name"}
    teacher.refresh_from_db()
    assert teacher.name == "陈静"


def test_a_nul_character_in_a_page_query_is_refused_with_422(world):
    client = Client()
    client.force_login(world["users"]["admin"])
    response = client.get("/teachers/", {"q": "\x00"})
    assert response.status_code == 422


def test_a_year_before_any_staffing_standard_answers_422_in_the_api(admin_api, world):
    district = world["tree"]["siming"].pk
    response = admin_api.get(f"/api/staffing/districts/{district}/posts", {"year": 1901})
    assert response.status_code == 422
    body = response.json()
    assert "2002" in body["message"]
    assert "year" in body["fields"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_refusal_is_in_the_request_language(admin_api, world, language):
    district = world["tree"]["siming"].pk
    response = admin_api.get(
        f"/api/staffing/districts/{district}/posts",
        {"year": 1901},
        **{"Accept-Language": language},
    )
    message = response.json()["message"]
    assert ("standard" in message) == (language == "en")
    assert ("编制标准" in message) == (language == "zh-hans")


@pytest.mark.parametrize(
    "page", ["staffing/", "staffing/{d}/", "staffing/{d}/posts/", "staffing/school/{s}/"]
)
def test_a_year_before_any_staffing_standard_answers_422_on_the_pages(world, page):
    client = Client()
    client.force_login(world["users"]["admin"])
    url = "/" + page.format(d=world["tree"]["siming"].pk, s=world["schools"]["a"].pk)
    response = client.get(url, {"year": 1901})
    assert response.status_code == 422
    assert "2002" in response.content.decode()


def test_a_nul_character_in_a_posted_form_is_refused_and_writes_nothing(world):
    teacher = world["teachers"]["a"]
    client = Client()
    client.force_login(world["users"]["admin"])
    url = f"/teachers/{teacher.pk}/edit/"
    body = urlencode({"name": "陈静", "address": "思明\x00路"})
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    # a multipart form (files may hold any byte) is left to the form, which refuses it too
    response = client.post(url, {"name": "陈静", "address": "思明\x00路"})
    assert "address" in response.context["form"].errors
    teacher.refresh_from_db()
    assert teacher.address == ""
