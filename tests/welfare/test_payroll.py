"""Per-teacher payroll rows (POLICY §7): imported through the import engine, encrypted at rest,
averaged over public compulsory schools as the alternative teachers' side of salary parity,
shown one by one only to the bureau's personnel office, and every such view logged."""

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from qiangshi.core.errors import Forbidden
from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.imports.services import import_file
from qiangshi.welfare import selectors, services
from qiangshi.welfare.models import PayrollRow
from tests import factories
from tests.api.conftest import api_as  # noqa: F401  (a fixture)

from .conftest import SIMING, wages_xlsx

HEADER = ["姓名", "身份证号", "学校代码", "年度", "基本工资", "津贴补贴", "绩效工资", "年终奖励"]


def _row(teacher, school_code, *amounts, year=2024):
    return (teacher.name, teacher.national_id, school_code, year, *amounts)


@pytest.fixture
def payroll(world):
    """Siming: teachers A and B at public primary schools, E at a public senior school, F at a
    private primary school. Only A and B count towards the teachers' average."""
    admin, siming = world["users"]["admin"], world["tree"]["siming"]
    senior = factories.school(siming, "思明高级中学", stage="senior")
    private = factories.school(siming, "思明民办小学", ownership="private")
    e = factories.teacher(admin, senior, "周敏")
    f = factories.teacher(admin, private, "吴磊", gender="male")
    t = world["teachers"]
    rows = [
        _row(t["a"], "", 40000, 30000, 25000, 15000),  # the current school
        _row(t["b"], world["schools"]["b"].code, 44000, 32000, 27000, 17000),
        _row(e, senior.code, 60000, 50000, 40000, 30000),
        _row(f, private.code, 20000, 10000, 10000, 5000),
    ]
    return {"data": wages_xlsx(rows, header=HEADER), "e": e, "f": f}


def _import(actor, data, **kw):
    return import_file(actor=actor, kind="payroll", data=data, filename="p.xlsx", **kw)


def test_import_writes_encrypted_rows_and_no_amount_elsewhere(world, payroll):
    result = _import(world["users"]["bureau"], payroll["data"])

    assert result.committed and (result.new, result.rejected) == (4, 0)
    row = PayrollRow.objects.get(teacher=world["teachers"]["a"], component="basic_pay")
    assert row.school == world["schools"]["a"] and row.year == 2024
    assert "40000" not in row.amount_encrypted
    assert row.amount == Decimal("40000.00")
    trail = json.dumps(
        list(AuditLog.objects.values_list("changes", "note", "object_repr")), ensure_ascii=False
    )
    assert "40000" not in trail and "44000" not in trail


def test_the_same_file_again_changes_nothing(world, payroll):
    _import(world["users"]["bureau"], payroll["data"])

    again = _import(world["users"]["bureau"], payroll["data"])

    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)
    assert PayrollRow.objects.count() == 16


def test_a_teacher_outside_the_area_or_a_missing_component_imports_nothing(world, payroll):
    t = world["teachers"]
    huli_office = factories.user("district", region=world["tree"]["huli"])
    missing = wages_xlsx([_row(t["a"], "", 40000, 30000, 25000, None)], header=HEADER)

    outside = _import(huli_office, payroll["data"])
    incomplete = _import(world["users"]["bureau"], missing)

    assert not outside.committed and not incomplete.committed
    assert {p.column for p in incomplete.problems} == {"年终奖励"}
    assert PayrollRow.objects.count() == 0


def test_average_counts_public_compulsory_schools_only(world, payroll):
    _import(world["users"]["bureau"], payroll["data"])
    siming = world["tree"]["siming"]

    average = selectors.payroll_averages([siming], [2024])[(siming.pk, 2024)]

    # A and B only: the senior school and the private school are left out.
    assert average.teachers == 2
    assert average.by_component == {
        "basic_pay": Decimal("42000.00"),
        "allowances": Decimal("31000.00"),
        "performance_pay": Decimal("26000.00"),
        "year_end_incentive": Decimal("16000.00"),
    }


def test_parity_takes_the_teachers_side_from_payroll_through_the_same_selector(world, payroll):
    bureau = world["users"]["bureau"]
    import_file(actor=bureau, kind="wages", data=wages_xlsx([SIMING]), filename="w.xlsx")
    _import(bureau, payroll["data"])

    finance = selectors.parity_table(actor=bureau, year=2024, region=world["tree"]["siming"])
    from_payroll = selectors.parity_table(
        actor=bureau, year=2024, region=world["tree"]["siming"], source="payroll"
    )

    # Finance office: teachers 112,000; payroll rows: 115,000; civil servants 110,000 in both.
    assert finance[0].result.teacher_wage == Decimal("112000")
    assert from_payroll[0].result.teacher_wage == Decimal("115000.00")
    assert from_payroll[0].result.civil_servant_wage == Decimal("110000")
    assert from_payroll[0].result.gap == Decimal("5000.00") and from_payroll[0].result.passed
    assert from_payroll[0].teacher_source == "payroll"


def test_parity_command_takes_the_payroll_source(world, payroll):
    bureau = world["users"]["bureau"]
    import_file(actor=bureau, kind="wages", data=wages_xlsx([SIMING]), filename="w.xlsx")
    _import(bureau, payroll["data"])
    out = StringIO()

    call_command("parity", "report", "--region", "350203", "--year", "2024", "--format", "json",
                 "--source", "payroll", stdout=out)  # fmt: skip

    answer = json.loads(out.getvalue())
    assert answer["teacher_source"] == "payroll"
    assert answer["districts"]["350203"]["teacher_wage"] == 115000.0


def test_only_the_bureau_sees_a_teachers_pay_and_each_view_is_logged(world, payroll):
    _import(world["users"]["bureau"], payroll["data"])
    siming = world["tree"]["siming"]
    a, b = world["teachers"]["a"], world["teachers"]["b"]

    lines = services.payroll_reveal(
        actor=world["users"]["bureau"], district_pk=siming.pk, year=2024, teacher_ids=[a.pk, b.pk]
    )

    assert [(line.teacher, line.total) for line in lines] == [(a, 110000), (b, 120000)]
    logged = AccessLog.objects.filter(field="payroll")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted([str(a.pk), str(b.pk)])
    assert set(logged.values_list("actor", flat=True)) == {world["users"]["bureau"].pk}
    for role in ("district", "admin", "pilot"):
        with pytest.raises(Forbidden):
            services.payroll_reveal(
                actor=world["users"][role], district_pk=siming.pk, year=2024, teacher_ids=[a.pk]
            )
        assert not selectors.payroll_rows(actor=world["users"]["district"], district=siming,
                                          year=2024).exists()  # fmt: skip
    assert logged.count() == 2


def test_payroll_page_shows_the_average_to_offices_and_names_only_to_the_bureau(
    world, payroll, client
):
    _import(world["users"]["bureau"], payroll["data"])
    url = reverse("web:welfare_payroll", args=[world["tree"]["siming"].pk]) + "?year=2024"

    client.force_login(world["users"]["district"])
    district_page = client.get(url).content.decode()
    client.force_login(world["users"]["bureau"])
    bureau_page = client.get(url).content.decode()
    client.force_login(world["users"]["teacher"])
    teacher_answer = client.get(url).status_code

    assert "payroll-average" in district_page and re.search(r"42,?000", district_page)
    assert (
        world["teachers"]["a"].name not in district_page and "payroll-teachers" not in district_page
    )
    assert world["teachers"]["a"].name in bureau_page and re.search(r"110,?000", bureau_page)
    # The bureau sees each of the four teachers with rows (all schools of the district).
    assert AccessLog.objects.filter(field="payroll", actor=world["users"]["bureau"]).count() == 4
    assert not AccessLog.objects.filter(actor=world["users"]["district"]).exists()
    assert teacher_answer == 403


def test_api_parity_list_takes_the_payroll_source(world, payroll, api_as):  # noqa: F811
    bureau = world["users"]["bureau"]
    import_file(actor=bureau, kind="wages", data=wages_xlsx([SIMING]), filename="w.xlsx")
    _import(bureau, payroll["data"])

    items = (
        api_as("bureau")
        .get("/api/welfare/parity", {"year": 2024, "region": "350203", "source": "payroll"})
        .json()["items"]
    )

    assert items[0]["teacher_wage"] == 115000.0
