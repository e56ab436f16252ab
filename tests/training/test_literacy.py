"""The digital-literacy self-assessment, its profile and the recommendations shown with it."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.training import literacy, selectors, services

from .conftest import make_programme


def test_answers_are_saved_as_the_teacher_goes_and_scored(world):
    teacher_user = world["users"]["teacher"]
    services.literacy_answers_save(actor=teacher_user, answers={"q6": "2"}, year=2026)
    a = services.literacy_answers_save(
        actor=teacher_user, answers={"q7": "4", "zz": "9"}, year=2026
    )
    assert a.answers == {"q6": 2, "q7": 4}
    scores = literacy.indicator_scores(a.answers)
    assert scores == {"application.design": 2, "application.instruction": 4}
    dims = {d["code"]: d["score"] for d in literacy.dimension_scores(a.answers)}
    assert dims["application"] == 3 and dims["awareness"] is None
    assert AuditLog.objects.filter(action="training.literacy_save").count() == 2
    with pytest.raises(ApplicationError):
        services.literacy_answers_save(actor=teacher_user, answers={"q1": "6"}, year=2026)
    with pytest.raises(PermissionDenied):
        services.literacy_answers_save(actor=world["users"]["school"], answers={}, year=2026)


def test_recommendations_put_the_programme_for_the_weakest_indicator_first(world):
    today = timezone.localdate()
    district = world["users"]["district"]
    soon = today + timedelta(days=10)
    design = make_programme(
        district,
        title="教学设计",
        covers=["application.design"],
        target_groups=[],
        starts_on=soon,
        ends_on=soon,
    )
    safety = make_programme(
        district,
        title="数据安全",
        covers=["responsibility.safety"],
        target_groups=[],
        starts_on=soon,
        ends_on=soon,
    )
    make_programme(district, title="已开始", starts_on=today - timedelta(days=1), ends_on=soon)
    services.literacy_answers_save(
        actor=world["users"]["teacher"], answers={"q6": "4", "q11": "1"}, year=today.year
    )
    ranked = selectors.recommendations(
        actor=world["users"]["teacher"], teacher=world["teachers"]["a"], on=today
    )
    assert [p.pk for p, _ in ranked] == [safety.pk, design.pk]
    assert ranked[0][1].lowest == "responsibility.safety"


def test_the_page_saves_shows_the_profile_and_explains_recommendations(world, client):
    today = timezone.localdate()
    soon = today + timedelta(days=10)
    make_programme(
        world["users"]["district"],
        title="数据安全",
        covers=["responsibility.safety"],
        target_groups=[],
        starts_on=soon,
        ends_on=soon,
    )
    client.force_login(world["users"]["teacher"])
    url = reverse("web:training_literacy")
    assert client.post(url, {"q-q11": "1", "q-q6": "5"}).status_code == 302
    body = client.get(url).content.decode()
    assert "数据安全" in body and "数字安全保护" in body and "最低" in body
    assert 'id="q11-1" value="1" checked' in body
    client.cookies["django_language"] = "en"
    body = client.get(url).content.decode()
    assert "covers Safety, your lowest" in body


def test_only_teachers_have_the_page(world, client):
    for role, status in (("school", 403), ("district", 403), ("admin", 404)):
        client.force_login(world["users"][role])
        assert client.get(reverse("web:training_literacy")).status_code == status, role


def test_a_programme_may_only_cover_indicators_of_the_framework(world):
    with pytest.raises(ApplicationError):
        make_programme(world["users"]["district"], covers=["made.up"])
    p = make_programme(world["users"]["district"], covers=["application.design"])
    assert p.covers == ["application.design"]
