"""The leadership pages: the office records, corrects and deletes a term through the forms, a
refused term shows its reason next to the field, the region view filters and exports, and the
school page shows its leadership."""

from datetime import date
from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.leadership import services
from qiangshi.leadership.models import LeadershipTerm


def _form(**data):
    base = {"post": "principal", "teacher": "", "outside_name": "", "outside_employer": "",
            "outside_position": "", "term_number": "1", "starts_on": "2022-09-01",
            "ends_on": "", "left_on": ""}  # fmt: skip
    return {**base, **data}


def test_office_records_edits_and_deletes_a_term(client, world):
    client.force_login(world["users"]["district"])
    a, chen = world["schools"]["a"], world["teachers"]["a"]
    url = reverse("web:leadership_term_create", args=[a.pk])
    assert chen.name in client.get(url).content.decode()  # the school's teachers to choose from
    answer = client.post(url, _form(teacher=str(chen.pk), term_number="2"))
    assert answer.status_code == 302
    term = LeadershipTerm.objects.get()
    assert (term.teacher_id, term.term_number) == (chen.pk, 2)
    edit = reverse("web:leadership_term_edit", args=[term.pk])
    client.post(edit, _form(teacher=str(chen.pk), term_number="2", left_on="2024-07-01"))
    term.refresh_from_db()
    assert term.left_on == date(2024, 7, 1)
    page = client.get(reverse("web:leadership_school", args=[a.pk])).content.decode()
    assert "2024-07-01" in page and "data-confirm" in page
    client.post(reverse("web:leadership_term_delete", args=[term.pk]))
    assert not LeadershipTerm.objects.exists()


def test_a_second_principal_is_refused_next_to_the_field(client, world):
    district, a = world["users"]["district"], world["schools"]["a"]
    services.term_record(actor=district, school_pk=a.pk,
                         data={"post": "principal", "teacher": world["teachers"]["a"].pk,
                               "starts_on": date(2020, 9, 1)})  # fmt: skip
    client.force_login(district)
    client.cookies["django_language"] = "en"
    answer = client.post(
        reverse("web:leadership_term_create", args=[a.pk]),
        _form(post="health_vice", outside_name="何医生"),
    )
    assert answer.status_code == 200
    assert "Give the outside person" in answer.content.decode()
    answer = client.post(
        reverse("web:leadership_term_create", args=[a.pk]),
        _form(teacher=str(world["teachers"]["a"].pk), starts_on="2023-01-01"),
    )
    assert "already has a holder" in answer.content.decode()
    assert LeadershipTerm.objects.count() == 1


def test_region_view_filters_and_exports(client, world):
    district, a = world["users"]["district"], world["schools"]["a"]
    chen = world["teachers"]["a"]
    for post in ("secretary", "principal"):
        services.term_record(actor=district, school_pk=a.pk,
                             data={"post": post, "teacher": chen.pk,
                                   "starts_on": date(2020, 9, 1)})  # fmt: skip
    client.force_login(district)
    combined = client.get(reverse("web:leadership_region"), {"gap": "combined"}).content.decode()
    assert "思明第一小学" in combined and "思明第二小学" not in combined
    answer = client.get(reverse("web:leadership_region"), {"format": "xlsx"})
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"思明第一小学", "思明第二小学"}
    assert rows["思明第一小学"][3] == rows["思明第一小学"][4] == "陈静"
    assert "书记、校长由一人担任" in rows["思明第一小学"][-1]
    school_page = client.get(reverse("web:school_detail", args=[a.pk])).content.decode()
    assert 'id="leadership-current"' in school_page and "陈静" in school_page
