"""The pilot office's indicators (first slice): pilot regions side by side, from their data."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.org.models import SchoolEnrollment
from qiangshi.pilot import selectors
from qiangshi.teachers.models import EducationRecord, TitleRecord


@pytest.fixture
def xiamen(world):
    a, b, c = (world["schools"][k] for k in "abc")
    SchoolEnrollment.objects.create(school=a, year=2025, grade=1, students=150, classes=3)
    SchoolEnrollment.objects.create(school=c, year=2025, grade=7, students=50, classes=1)
    ta, tb = world["teachers"]["a"], world["teachers"]["b"]
    EducationRecord.objects.create(teacher=ta, level="master", institution="福建师范大学")
    EducationRecord.objects.create(teacher=tb, level="associate", institution="集美大学")
    TitleRecord.objects.create(teacher=tb, rank="senior", obtained_on=date(2020, 9, 1))
    return world


def test_indicators_of_a_pilot_region_from_its_own_data(xiamen):
    [col] = selectors.pilot_indicators(actor=xiamen["users"]["pilot"], year=2025)
    # Xiamen: schools a, b (Siming), c (Huli); teachers a, b, c; 200 pupils.
    assert col.region.code == "3502" and (col.schools, col.pupils, col.teachers) == (3, 200, 3)
    assert col.teachers_per_100_pupils == Decimal("1.50")
    assert (col.degree_share, col.postgraduate_share, col.senior_title_share) == (
        Decimal("33.3"),
        Decimal("33.3"),
        Decimal("33.3"),
    )
    assert col.parity_year is None and col.burden_demands_per_school == 0


@pytest.mark.parametrize(
    "role,status",
    [("pilot", 200), ("bureau", 200), ("admin", 200), ("district", 403), ("school", 403),
     ("teacher", 403), ("reviewer", 403), ("auditor", 403)],
)  # fmt: skip
def test_who_sees_the_page(xiamen, client, role, status):
    client.force_login(xiamen["users"][role])
    assert client.get(reverse("web:pilot_indicators") + "?year=2025").status_code == status


def test_page_and_export_name_the_regions(xiamen, client):
    client.force_login(xiamen["users"]["pilot"])
    body = client.get(reverse("web:pilot_indicators") + "?year=2025").content.decode()
    assert "厦门市" in body and "每百名学生" in body
    xlsx = client.get(reverse("web:pilot_indicators") + "?year=2025&format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][1] == "厦门市" and rows[3][1] == 3
