"""A teacher whose start date at the school was never given (an import's file left it out):
listed as "start date missing", never counted as eligible, on the page, the export and the API."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.access.services import api_token_create
from qiangshi.rotation.selectors import candidates
from qiangshi.teachers.models import Employment

from .world import YEAR


def test_a_teacher_without_a_start_date_is_listed_as_such_and_not_eligible(client, rot):
    person = rot["people"]["plain4"]
    Employment.objects.filter(teacher=person).update(start_date=None)
    _, people = candidates(rot["u"].district, YEAR)
    c = next(c for c in people if c.teacher_id == person.pk)
    assert c.since is None and c.years == 0
    assert "start_missing" in c.reasons and "years" not in c.reasons and not c.eligible

    client.force_login(rot["users"]["district"])
    url = reverse("web:rotation_eligibility") + f"?region=350203&year={YEAR}&school={rot['u'].pk}"
    body = client.get(url).content.decode()
    assert "进本校日期缺失" in body
    rows = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content)).active
    row = next(r for r in rows.iter_rows(values_only=True) if r[0] == person.name)
    assert "进本校日期缺失" in row

    _, key = api_token_create(actor=rot["users"]["district"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    api = client.get(
        f"/api/rotation/eligibility?region=350203&year={YEAR}&school={rot['u'].pk}", **auth
    ).json()
    listed = next(t for t in api["teachers"] if t["teacher_id"] == person.pk)
    assert listed["since"] is None and "start_missing" in listed["reasons"]
