"""Import an N-teacher xlsx roster, then re-import it, then the same with django-import-export.

    uv run python benchmarks/import_teachers.py [--rows 100000] [--skip-baseline] [--profile]

Uses PostgreSQL: DATABASE_URL if set (its database is dropped and created again: it must be one
this script may empty), otherwise `qiangshi_bench` on 127.0.0.1:5432.
Schools come from the demo generator (province scale plan, schools only), the roster from the
demo teacher generator: 15 columns as a bureau's roster has them. Beyond the ~400,000 teachers
the province plan has, more are generated over the same schools (another seed, IDs kept
unique), so that `--rows 500000` works.

Each step runs in a subprocess of its own, so that the peak memory printed (ru_maxrss) is the
import's alone, not the roster generator's: generating the roster (cached under var/bench/),
the import into an empty registry, the re-import of the unchanged file, and the
django-import-export baseline in its default configuration (the usual Django tool, which the
issue names as the baseline). Prints seconds per stage (read / validate / write), rows per
second, peak memory, the CPU seconds of the import process and of its PostgreSQL backend (a
measure that, unlike the wall time, does not depend on what else the machine is running), and
the ratio against the baseline, and (for 100,000 rows) the times scaled by the baseline to the
machine on which issue 3 measured it at 145 s, as machines of one kind differ. A teacher roster
is checked and written a chunk at a time, so "validate" is the first chunk's check and "write"
everything after it. `--profile` writes a cProfile of the first import to
var/bench/import.prof.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/qiangshi_bench"
REFERENCE_BASELINE_S = 145  # django-import-export, 100,000 new rows, as issue 3 measured it

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


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu_seconds(pid: int) -> float:
    """CPU seconds of the PostgreSQL backend serving us (when it runs on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _recreate_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    parsed = urlparse(url)
    base = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    base += ["-U", parsed.username or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *base, name], check=True)
    subprocess.run(["createdb", *base, name], check=True)


# --- The roster ----------------------------------------------------------------------------


def _cities():
    from qiangshi.engines import demo_data

    plan = demo_data.region_plan("province")
    cities = [
        demo_data.generate_city(c, seed=7, year=2026, size_factor=plan.size_factor)
        for c in plan.cities
    ]
    return plan, cities


def _roster(rows: int, cities):
    """Plain rows for `rows` teachers of the demo generator (more seeds when one is not enough)."""
    from qiangshi.engines import demo_data

    ids = demo_data.IdAllocator(None)
    out = []
    for seed in range(7, 100):
        for city in cities:
            for t in demo_data.iter_teachers(city, seed=seed, ids=ids):
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
                    return out
    return out


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


def phase_setup(args) -> None:
    """Migrate, insert the schools and an admin, and write the roster file (once per size)."""
    _django()
    from django.core.management import call_command
    from django.db import DatabaseError, connection

    from qiangshi.access.models import Role, User
    from qiangshi.demo.builder import BuildResult, _insert_regions, _insert_schools

    call_command("migrate", verbosity=0)
    plan, cities = _cities()
    regions = _insert_regions(plan.regions, BuildResult("province", 7, 2026).counts)
    for city in cities:
        _insert_schools(city, regions, BuildResult("province", 7, 2026))
    User.objects.create(username="bench-admin", role=Role.ADMIN, is_superuser=True)
    # A database in use is analysed and checkpointed now and then; a freshly created one is
    # not: do both so that the import is not measured against planner guesses for empty tables
    # or a checkpoint the CREATE DATABASE left pending.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:  # needs superuser or pg_checkpoint
            pass
    path = Path(args.file)
    if not path.exists():
        started = time.perf_counter()
        data = _xlsx(_roster(args.rows, cities))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".tmp").write_bytes(data)
        path.with_suffix(".tmp").rename(path)
        print(f"roster generated in {time.perf_counter() - started:.1f} s")


# --- One import, measured -----------------------------------------------------------------


def phase_import(args) -> None:
    _django()
    from django.db import connection

    from qiangshi.access.models import User
    from qiangshi.imports import services as import_services

    admin = User.objects.get(username="bench-admin")
    data = Path(args.file).read_bytes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    before = _peak_mb()
    cpu_before = (_cpu_seconds(), _backend_cpu_seconds(backend))
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(stage, time.perf_counter())

    def run():
        return import_services.import_file(
            actor=admin, kind="teachers", data=data, filename="roster.xlsx", progress=progress
        )

    started = time.perf_counter()
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(run)
        profiler.dump_stats(str(CACHE / "import.prof"))
    else:
        result = run()
    ended = time.perf_counter()
    cpu = (_cpu_seconds() - cpu_before[0], _backend_cpu_seconds(backend) - cpu_before[1])
    assert not result.problems, [p.as_dict() for p in result.problems[:3]]
    stages = {}
    points = [(s, marks[s]) for s in ("read", "validate", "write") if s in marks]
    for (stage, at), nxt in zip(points, [*points[1:], ("end", ended)], strict=True):
        stages[stage] = round(nxt[1] - at, 2)
    print(
        json.dumps(
            {
                "seconds": ended - started,
                "stages": stages,
                "new": result.new,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "peak_mb": _peak_mb(),
                "start_mb": before,
                "cpu": cpu[0],
                "db_cpu": cpu[1],
            }
        )
    )


def phase_baseline(args) -> None:
    """django-import-export's ModelResource on the same Teacher model and the same rows.

    It gets the values ready-made (hash and ciphertext computed beforehand, labels as codes), so
    it does less than our import; it runs in its default configuration (a savepoint, a lookup
    and a diff per row).
    """
    _django()
    import tablib
    from import_export import resources

    from qiangshi.core import crypto
    from qiangshi.engines import tabular
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

    table = tabular.read_table(Path(args.file).read_bytes(), "roster.xlsx")
    code = {v: k for k, v in ZH.items()}
    dataset = tablib.Dataset(headers=list(TeacherResource.Meta.fields))
    for r in table.rows:
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
                crypto.encrypt(str(r[6])),
            ]
        )
    started = time.perf_counter()
    result = TeacherResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    print(json.dumps({"seconds": elapsed}))


# --- Driver --------------------------------------------------------------------------------


def _child(phase: str, args, *extra: str) -> dict | None:
    cmd = [sys.executable, __file__, "--phase", phase, "--rows", str(args.rows)]
    cmd += ["--file", args.file, *extra]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=os.environ).stdout
    lines = out.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    try:
        return json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        print(lines[-1])
        return None


def _report(label: str, rows: int, m: dict) -> None:
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in m["stages"].items())
    print(
        f"{label}: {m['seconds']:.1f} s, {rows / m['seconds']:,.0f} rows/s ({stages}; "
        f"new {m['new']:,}, changed {m['changed']:,}, unchanged {m['unchanged']:,}); "
        f"peak memory {m['peak_mb']:,.0f} MB (process before the import: {m['start_mb']:,.0f} MB)"
    )
    # CPU time does not depend on what else the machine runs: the wall time does.
    print(f"  CPU: import process {m['cpu']:.1f} s, PostgreSQL backend {m['db_cpu']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--phase", choices=["setup", "import", "baseline"])
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.phase:
        {"setup": phase_setup, "import": phase_import, "baseline": phase_baseline}[args.phase](args)
        return
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    _recreate_database(os.environ["DATABASE_URL"])
    print(f"database: postgresql {urlparse(os.environ['DATABASE_URL']).path.lstrip('/')}")
    args.file = str(CACHE / f"roster-{args.rows}.xlsx")
    _child("setup", args)
    size = os.path.getsize(args.file)
    print(f"roster: {args.rows:,} rows × {len(HEADER)} columns, {size / 1e6:.1f} MB xlsx")
    try:
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except OSError:
        pass
    first = _child("import", args, *(["--profile"] if args.profile else []))
    _report("qiangshi import, empty database", args.rows, first)
    second = _child("import", args)
    _report("qiangshi re-import, unchanged file", args.rows, second)
    if args.skip_baseline:
        return
    baseline = _child("baseline", args)["seconds"]
    print(
        f"django-import-export (default configuration): {baseline:.1f} s, "
        f"{args.rows / baseline:,.0f} rows/s"
    )
    print(
        f"ratio: qiangshi is {baseline / first['seconds']:.1f}× faster on a new roster "
        f"({baseline / second['seconds']:.1f}× against the unchanged re-import)"
    )
    if args.rows == 100_000:
        # Machines of the same kind differ in speed by a factor of three; the baseline is the
        # yardstick: issue 3 measured it at 145 s for 100,000 new rows on its reference machine.
        scale = REFERENCE_BASELINE_S / baseline
        print(
            f"scaled to the issue's reference machine (django-import-export {REFERENCE_BASELINE_S}"
            f" s): new roster {first['seconds'] * scale:.1f} s, re-import"
            f" {second['seconds'] * scale:.1f} s (this machine is {1 / scale:.1f}× slower)"
        )


if __name__ == "__main__":
    main()
