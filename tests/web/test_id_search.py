"""A search by national ID number never enters a URL (address bar, history, server log): the
filter form is POSTed and the ID travels as a short-lived opaque token of the session."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from qiangshi.core.models import AuditLog
from qiangshi.web.views.teachers import SEARCH_TOKENS

pytestmark = pytest.mark.django_db
LIST = "/teachers/"


def _listed(response, world) -> set[str]:
    html = response.content.decode()
    return {k for k, t in world["teachers"].items() if f">{t.name}</a>" in html}


def _urls_in(html: str) -> list[str]:
    import re

    return re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*)"', html)


def test_the_filter_form_posts(client, world):
    client.force_login(world["users"]["district"])
    html = client.get(reverse("web:teacher_list")).content.decode()
    form = html.split('id="teacher-filters"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form
    assert "hx-get" not in form and "hx-post" in html


def test_an_id_search_is_found_and_no_url_holds_the_id(client, world):
    client.force_login(world["users"]["district"])
    target = world["teachers"]["b"]
    number = target.national_id
    response = client.post(LIST, {"q": number, "district": ""})
    assert response.status_code == 302
    location = response["Location"]
    assert number not in location and "qt=" in location and "q=" not in location.replace("qt=", "")
    page = client.get(location)
    assert _listed(page, world) == {"b"}
    html = page.content.decode()
    for url in _urls_in(html):  # pagination, sort, export links
        assert number not in url and number[:6] not in url, url
    assert html.count(number) <= 1  # only the search box's own value


def test_an_htmx_id_search_pushes_a_url_without_the_id(client, world):
    client.force_login(world["users"]["district"])
    number = world["teachers"]["b"].national_id
    response = client.post(
        LIST,
        {"q": number, "sort": "name"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="teacher-results",
    )
    assert response.status_code == 200
    pushed = response["HX-Push-Url"]
    assert pushed.startswith(LIST) and number not in pushed and "qt=" in pushed
    assert "sort=name" in pushed
    assert _listed(response, world) == {"b"}
    for url in _urls_in(response.content.decode()):
        assert number not in url, url
    # The pushed address shows the same result when opened again (reload, back button).
    assert _listed(client.get(pushed), world) == {"b"}


def test_a_partial_id_is_kept_out_of_urls_too(client, world):
    client.force_login(world["users"]["district"])
    response = client.post(LIST, {"q": "350203"})
    assert "350203" not in response["Location"]


def test_a_name_search_stays_in_the_url(client, world):
    client.force_login(world["users"]["district"])
    response = client.post(LIST, {"q": "王芳"})
    assert "q=%E7%8E%8B%E8%8A%B3" in response["Location"]
    assert _listed(client.get(response["Location"]), world) == {"b"}


def test_an_id_in_an_old_link_is_moved_out_of_the_address_bar(client, world):
    client.force_login(world["users"]["district"])
    number = world["teachers"]["b"].national_id
    response = client.get(LIST, {"q": number})
    assert response.status_code == 302 and number not in response["Location"]
    assert _listed(client.get(response["Location"]), world) == {"b"}


def test_a_token_belongs_to_its_session_and_expires(client, world, django_user_model):
    client.force_login(world["users"]["district"])
    number = world["teachers"]["b"].national_id
    location = client.post(LIST, {"q": number})["Location"]

    other = client_class_login(world["users"]["bureau"])
    assert _listed(other.get(location), world) != {"b"}  # another session cannot resolve it

    session = client.session
    store = session[SEARCH_TOKENS]
    for entry in store.values():
        entry[1] = int(time.time()) - 1
    session[SEARCH_TOKENS] = store
    session.save()
    expired = client.get(location)
    assert expired.status_code == 200 and _listed(expired, world) != {"b"}


def client_class_login(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_the_export_follows_an_id_search_and_audits_it_masked(client, world):
    client.force_login(world["users"]["district"])
    number = world["teachers"]["b"].national_id
    location = client.post(LIST, {"q": number})["Location"]
    query = location.split("?", 1)[1]
    response = client.get(reverse("web:teacher_export") + "?" + query)
    assert response.status_code == 200
    note = AuditLog.objects.get(action="teacher.export").note
    assert number not in note and "qt=" not in note


@override_settings(QIANGSHI_SEARCH_TOKEN_MINUTES=0)
def test_with_no_lifetime_a_token_is_never_resolved(client, world):
    client.force_login(world["users"]["district"])
    location = client.post(LIST, {"q": world["teachers"]["b"].national_id})["Location"]
    assert _listed(client.get(location), world) != {"b"}
