"""Importing facility records: keyed by school code and year, scoped, audited."""

import io

import pytest
from openpyxl import Workbook

from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.org.models import SchoolFacility

HEADER = [
    "学校代码",
    "年度",
    "教学及辅助用房面积(平方米)",
    "体育运动场馆面积(平方米)",
    "教学仪器设备值(元)",
    "网络多媒体教室数(间)",
]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_new_years_are_added_and_a_reimport_changes_nothing(world):
    a = world["schools"]["a"]
    data = _xlsx(
        [[a.code, 2025, "4,500.5", 7200, 2100000, 24], [a.code, 2026, 4600, 7200, 2200000, 26]]
    )
    result = import_file(
        actor=world["users"]["school"], kind="facilities", data=data, filename="f.xlsx"
    )
    assert (result.new, result.problems) == (2, [])
    row = SchoolFacility.objects.get(school=a, year=2025)
    assert str(row.teaching_area_m2) == "4500.50" and row.multimedia_rooms == 24
    again = import_file(
        actor=world["users"]["school"], kind="facilities", data=data, filename="f.xlsx"
    )
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)


def test_a_corrected_value_is_updated_and_audited(world):
    a = world["schools"]["a"]
    actor = world["users"]["district"]
    import_file(
        actor=actor,
        kind="facilities",
        data=_xlsx([[a.code, 2026, 4600, 7200, 2.2e6, 26]]),
        filename="f.xlsx",
    )
    result = import_file(
        actor=actor,
        kind="facilities",
        data=_xlsx([[a.code, 2026, 4600, 8000, 2.2e6, 26]]),
        filename="g.xlsx",
    )
    assert result.changed == 1
    assert SchoolFacility.objects.get(school=a, year=2026).sports_area_m2 == 8000
    audit = AuditLog.objects.filter(action="school.facility_import").latest("id")
    assert audit.changes == {"2026 sports_area_m2": ["7200.00", "8000.00"]}


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        (["B", 2026, 1, 1, 1, 1], "outside your area"),
        (["NOPE", 2026, 1, 1, 1, 1], "Unknown school"),
        (["A", 1850, 1, 1, 1, 1], "year"),
        (["A", 2026, "abc", 1, 1, 1], "number"),
        (["A", 2026, -5, 1, 1, 1], "out of range"),
        (["A", 2026, 1, 1, 1, None], "required"),
    ],
)
def test_bad_rows_import_nothing(world, row, fragment):
    codes = {"A": world["schools"]["a"].code, "B": world["schools"]["b"].code}
    row = [codes.get(row[0], row[0]), *row[1:]]
    good = [world["schools"]["a"].code, 2025, 1, 1, 1, 1]
    result = import_file(
        actor=world["users"]["school"],
        kind="facilities",
        data=_xlsx([good, row]),
        filename="f.xlsx",
    )
    assert SchoolFacility.objects.count() == 0
    assert result.problems and result.problems[0].row == 3
    assert fragment.lower() in result.problems[0].reason_en.lower()


def test_teachers_cannot_import_facilities(world):
    from qiangshi.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        import_file(
            actor=world["users"]["teacher"], kind="facilities", data=_xlsx([]), filename="f.xlsx"
        )
