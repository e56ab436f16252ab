import io
from datetime import date

import pytest
from openpyxl import Workbook

from qiangshi.org.models import SchoolEnrollment
from qiangshi.pilot.models import PilotRegion
from qiangshi.pilot.selectors import default_year
from qiangshi.pilot.services import pilot_region_link
from qiangshi.teachers import projection
from qiangshi.teachers.models import EducationRecord, TitleRecord
from qiangshi.welfare.models import WageFigure
from tests.api.conftest import api_as  # noqa: F401  (the API client fixture)

YEAR = default_year()  # the current school year: the registry's structure is today's
# The ten pilot regions of the seed, by code.
TEN = ["31", "37", "63", "3502", "4307", "231183", "330304", "411481", "450331", "500235"]


def pilot_xlsx(rows, header=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or ["试点地区代码", "试点地区名称", "年度", "数据来源",
                         "每百名学生专任教师数", "本科及以上学历教师占比（%）",
                         "人才招聘计划完成率（%）"])  # fmt: skip
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def xiamen(world):
    """The world of tests/conftest.py with Xiamen running Qiangshi (its pilot region linked),
    pupils, degrees, a title and one district's parity figures."""
    a, b, c = (world["schools"][k] for k in "abc")
    SchoolEnrollment.objects.create(school=a, year=YEAR, grade=1, students=150, classes=3)
    SchoolEnrollment.objects.create(school=c, year=YEAR, grade=7, students=50, classes=1)
    ta, tb = world["teachers"]["a"], world["teachers"]["b"]
    EducationRecord.objects.create(
        teacher=ta, level="master", institution="福建师范大学", end_date=date(2010, 7, 1)
    )
    EducationRecord.objects.create(
        teacher=tb, level="associate", institution="集美大学", end_date=date(2008, 7, 1)
    )
    TitleRecord.objects.create(teacher=tb, rank="senior", obtained_on=date(2020, 9, 1))
    projection.refresh_all()  # the dashboard's counts read the teachers' current state
    siming = world["tree"]["siming"]
    for group, amount in (("teacher", 120000), ("civil_servant", 110000)):
        for component, share in (("basic_pay", 4), ("allowances", 3), ("performance_pay", 2),
                                 ("year_end_incentive", 1)):  # fmt: skip
            WageFigure.objects.create(
                district=siming, year=YEAR, group=group, component=component,
                amount=amount * share // 10,
            )  # fmt: skip
    pilot_region_link(
        actor=world["users"]["admin"],
        pilot_region=PilotRegion.objects.get(code="3502"),
        region=world["tree"]["xiamen"],
    )
    return world
