"""Import an N-teacher xlsx roster, then re-import it, then the same with django-import-export.

    uv run python benchmarks/import_teachers.py [--rows 100000] [--skip-baseline]

Uses PostgreSQL: DATABASE_URL if set (it must point at a database this script may empty),
otherwise it creates `qiangshi_bench` on 127.0.0.1:5432 (dropping its own earlier copy).
Schools come from the demo generator (province scale plan, schools only), the roster from the
demo teacher generator: 15 columns as a bureau's roster has them. Prints rows per second, peak
memory and the ratio against django-import-export in its default configuration (the usual
Django tool), which the issue names as the baseline.
"""

import argparse
import io
import os
import resource
import subprocess
import sys
import time
from datetime import date

HEADER = [
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "民族",
    "政治面貌",
    "手机号码",
    "学校代码",
    "用人类型",
    "任教学科",
    "岗位等级",
    "最高学历",
    "毕业院校",
    "职称",
    "取得职称日期",
]
ZH = {
    "male": "男",
    "female": "女",
    "established": "在编",
    "non_established": "非在编",
    "contract": "合同制",
    "substitute": "代课",
    "cpc_member": "中共党员",
    "cpc_probationary": "中共预备党员",
    "cyl_member": "共青团员",
    "democratic_party": "民主党派",
    "masses": "群众",
    "senior_secondary": "高中",
    "secondary_normal": "中师",
    "associate": "专科",
    "bachelor": "本科",
    "master": "硕士研究生",
    "doctorate": "博士研究生",
    "third": "三级教师",
    "second": "二级教师",
    "first": "一级教师",
    "senior": "高级教师",
    "professor": "正高级教师",
}


def _database() -> None:
    if os.environ.get("DATABASE_URL"):
        return
    for cmd in (
        ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", "qiangshi_bench"],
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", "qiangshi_bench"],
    ):
        subprocess.run(cmd, check=True)
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/qiangshi_bench"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _roster(rows: int):
    """Plain rows for `rows` teachers of the demo generator, and the schools they need."""
    from qiangshi.engines import demo_data

    plan = demo_data.region_plan("province")
    ids = demo_data.IdAllocator(None)
    out, cities = [], []
    for city_plan in plan.cities:
        city = demo_data.generate_city(city_plan, seed=7, year=2026, size_factor=plan.size_factor)
        cities.append(city)
        for t in demo_data.iter_teachers(city, seed=7, ids=ids):
            job = t.current
            top = max(
                (e for e in t.education if e.end_date), key=lambda e: e.end_date, default=None
            )
            title = max(t.titles, key=lambda x: x.obtained_on, default=None)
            out.append(
                [
                    t.name,
                    t.national_id,
                    ZH[t.gender],
                    t.birth_date,
                    t.ethnicity,
                    ZH[t.political_status],
                    t.phone,
                    job.school_code,
                    ZH[job.employment_type],
                    job.main_subject,
                    job.post_grade,
                    ZH[top.level] if top else "",
                    top.institution if top else "",
                    ZH[title.rank] if title else "无",
                    title.obtained_on if title else None,
                ]
            )
            if len(out) >= rows:
                return out, plan, cities
    return out, plan, cities


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("教师")
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    _database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from qiangshi.access.models import Role, User
    from qiangshi.demo.builder import BuildResult, _insert_regions, _insert_schools
    from qiangshi.imports import services as import_services
    from qiangshi.teachers.models import Teacher

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    t0 = time.perf_counter()
    rows, plan, cities = _roster(args.rows)
    regions = _insert_regions(plan.regions, BuildResult("province", 7, 2026).counts)
    for city in cities:
        _insert_schools(city, regions, BuildResult("province", 7, 2026))
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN, is_superuser=True)
    data = _xlsx(rows)
    print(
        f"roster: {len(rows):,} rows × {len(HEADER)} columns, {len(data) / 1e6:.1f} MB xlsx "
        f"(generated in {time.perf_counter() - t0:.1f} s)"
    )

    def run(label: str) -> float:
        started = time.perf_counter()
        result = import_services.import_file(
            actor=admin, kind="teachers", data=data, filename="roster.xlsx"
        )
        elapsed = time.perf_counter() - started
        assert not result.problems, result.problems[:3]
        print(
            f"{label}: {elapsed:.1f} s, {len(rows) / elapsed:,.0f} rows/s "
            f"(new {result.new:,}, changed {result.changed:,}, unchanged {result.unchanged:,})"
            f"; peak memory {_peak_mb():,.0f} MB"
        )
        return elapsed

    first = run("qiangshi import, empty database")
    second = run("qiangshi re-import, unchanged file")
    assert Teacher.objects.count() == len(rows)
    if args.skip_baseline:
        return
    baseline = _baseline(rows)
    print(
        f"django-import-export (default configuration): {baseline:.1f} s, "
        f"{len(rows) / baseline:,.0f} rows/s"
    )
    print(
        f"ratio: qiangshi is {baseline / first:.1f}× faster on a new roster "
        f"({baseline / second:.1f}× against the unchanged re-import)"
    )


def _baseline(rows) -> float:
    """django-import-export's ModelResource on the same Teacher model and the same rows.

    It gets the values ready-made (hash and ciphertext computed beforehand, labels as codes), so
    it does less than our import; it runs in its default configuration (a savepoint, a lookup
    and a diff per row).
    """
    import tablib
    from import_export import resources

    from qiangshi.core import crypto
    from qiangshi.teachers.models import Teacher

    Teacher.objects.all().delete()

    class TeacherResource(resources.ModelResource):
        class Meta:
            model = Teacher
            fields = (
                "name",
                "gender",
                "birth_date",
                "ethnicity",
                "political_status",
                "national_id_hash",
                "national_id_encrypted",
                "phone_encrypted",
            )
            import_id_fields = ("national_id_hash",)

    code = {v: k for k, v in ZH.items()}
    dataset = tablib.Dataset(headers=list(TeacherResource.Meta.fields))
    for r in rows:
        birth = r[3].isoformat() if isinstance(r[3], date) else r[3]
        dataset.append(
            [
                r[0],
                code[r[2]],
                birth,
                r[4],
                code[r[5]],
                crypto.lookup_hash(r[1]),
                crypto.encrypt(r[1]),
                crypto.encrypt(r[6]),
            ]
        )
    started = time.perf_counter()
    result = TeacherResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    return elapsed


if __name__ == "__main__":
    main()
