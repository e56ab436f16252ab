"""The training pages end to end: a teacher enrols, the school confirms, the hours show; the
list's filters and export; the cycle report; the English pages."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qiangshi.training.models import Enrolment, TrainingRecord

from .conftest import make_programme

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def running(world):
    today = timezone.localdate()
    return make_programme(
        world["users"]["district"],
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=2),
        capacity=1,
    )


def test_teacher_enrols_school_confirms_and_hours_reach_the_record(world, client, running):
    client.force_login(world["users"]["teacher"])
    page = client.get(reverse("web:training_programme", args=[running.pk])).content.decode()
    assert "enrol-button" in page
    r = client.post(reverse("web:training_enrol", args=[running.pk]))
    assert r.status_code == 302
    enrolment = Enrolment.objects.get(programme=running)
    assert enrolment.status == "enrolled" and enrolment.teacher == world["teachers"]["a"]

    client.force_login(world["users"]["school"])
    body = client.get(reverse("web:training_confirm")).content.decode()
    assert world["teachers"]["a"].name in body and running.title in body
    r = client.post(
        reverse("web:training_confirm"), {"enrolment": [enrolment.pk], "outcome": "completed"}
    )
    assert r.status_code == 302
    assert TrainingRecord.objects.filter(enrolment=enrolment).exists()

    client.force_login(world["users"]["teacher"])
    hours = client.get(reverse("web:training_my_hours")).content.decode()
    assert running.title in hours and "24 / 360" not in hours
    assert "24" in hours


def test_a_full_programme_puts_the_next_on_the_waiting_list(world, client, running):
    client.force_login(world["users"]["school"])
    b_school = world["teachers"]["a"]
    client.post(reverse("web:training_enrol", args=[running.pk]), {"teacher": b_school.pk})
    from tests import factories

    other = factories.teacher(world["users"]["admin"], world["schools"]["a"], "赵敏")
    client.post(reverse("web:training_enrol", args=[running.pk]), {"teacher": other.pk})
    statuses = dict(Enrolment.objects.values_list("teacher_id", "status"))
    assert statuses == {b_school.pk: "enrolled", other.pk: "waiting"}


def test_list_filters_and_export(world, client, running):
    make_programme(world["users"]["district"], title="信息技术应用能力提升", category="online")
    client.force_login(world["users"]["district"])
    url = reverse("web:training_home")
    body = client.get(url + "?category=online").content.decode()
    assert "信息技术应用能力提升" in body and running.title not in body
    body = client.get(url + "?q=新课标").content.decode()
    assert running.title in body and "信息技术应用能力提升" not in body
    r = client.get(reverse("web:training_export") + "?category=online")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["信息技术应用能力提升"]
    assert rows[1][5] == "网络研修"  # labels, not codes


def test_office_creates_a_programme_through_the_form(world, client):
    client.force_login(world["users"]["district"])
    data = {
        "title": "班主任工作坊",
        "level": "district",
        "provider": "区进修学校",
        "hours": "12",
        "capacity": "40",
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-02",
        "mode": "online",
        "category": "centralised",
        "target_groups": ["homeroom_teachers"],
    }
    r = client.post(reverse("web:training_programme_create"), data)
    assert r.status_code == 302
    bad = client.post(reverse("web:training_programme_create"), {**data, "ends_on": "2027-02-01"})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()


def test_cycle_report_page_and_export(world, client):
    TrainingRecord.objects.create(
        teacher=world["teachers"]["a"],
        date=timezone.localdate(),
        hours=12,
        category="online",
        title="x",
        source="import",
    )
    client.force_login(world["users"]["district"])
    body = client.get(reverse("web:training_report")).content.decode()
    assert "思明第一小学" in body and "completion-rate" in body
    r = client.get(reverse("web:training_report") + "?region=350203&format=xlsx")
    assert r.status_code == 200 and len(load_workbook(io.BytesIO(r.content)).sheetnames) == 2
    assert client.get(reverse("web:training_report") + "?region=350802").status_code == 404


@pytest.mark.parametrize("role", ["teacher", "school", "district"])
def test_english_pages_show_no_chinese_but_names(world, client, running, role):
    client.force_login(world["users"][role])
    client.cookies["django_language"] = "en"
    names = {running.title, running.provider, *(t.name for t in world["teachers"].values())}
    names |= {s.name for s in world["schools"].values()}
    urls = [reverse("web:training_home"), reverse("web:training_programme", args=[running.pk])]
    if role == "teacher":
        urls.append(reverse("web:training_my_hours"))
    if role == "school":
        urls.append(reverse("web:training_confirm"))
    if role in ("school", "district"):
        urls.append(reverse("web:training_report"))
    for url in urls:
        body = client.get(url).content.decode()
        for name in names:
            body = body.replace(name, "")
        body = re.sub(r"<title>.*?</title>", "", body, flags=re.S)
        found = CHINESE.findall(re.sub(r"<script.*?</script>", "", body, flags=re.S))
        # The product's logotype and the language switch are names, shown in every language.
        leftover = set("".join(found)) - set("强师简体中文")
        assert not leftover, (url, "".join(found)[:80])
