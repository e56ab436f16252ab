"""The API takes searches by national ID number in a POST body, never in a URL."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_id_in_the_query_string_is_refused_and_nothing_is_listed(world, api_as):
    number = world["teachers"]["b"].national_id
    response = api_as("district").get("/api/teachers", {"q": number})
    assert response.status_code == 400
    body = response.json()
    assert "q" in body["fields"] and number not in str(body)
    partial = api_as("district").get("/api/teachers", {"q": number[:8]})
    assert partial.status_code == 400


def test_a_search_by_id_goes_in_the_body(world, api_as):
    target = world["teachers"]["b"]
    response = api_as("district").post("/api/teachers/search", {"q": target.national_id})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["items"]] == [target.pk]


def test_the_search_body_takes_the_list_filters_and_paging(world, api_as):
    client = api_as("bureau")
    response = client.post("/api/teachers/search?page_size=1", {"stage": "primary"})
    assert response.status_code == 200
    assert response.json()["count"] == 2 and len(response.json()["items"]) == 1
    bad = client.post("/api/teachers/search", {"stage": "university"})
    assert bad.status_code == 422


def test_a_name_search_still_works_in_the_query_string(world, api_as):
    response = api_as("district").get("/api/teachers", {"q": "王芳"})
    assert response.json()["count"] == 1
