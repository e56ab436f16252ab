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


def _recreate_database(url: str, owner: str = "") -> None:
    name = urlparse(url).path.lstrip("/")
    parsed = urlparse(url)
    base = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    base += ["-U", parsed.username or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *base, name], check=True)
    subprocess.run(["createdb", *base, *(["-O", owner] if owner else []), name], check=True)


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
    """django-import-export's ModelResource on the same Teacher model and the same xlsx file.

    Inside its timing it reads the same xlsx (tablib), turns the labels into codes and computes
    the national ID's lookup hash and the ciphertexts in `before_import` (the library's hook
    for derived columns, so that its instance loader sees the key column), then imports.
    It writes the teacher rows only (8 columns): no employment, education, title, history or
    current-state rows, no audit entry, and it checks nothing our import checks (ID checksum,
    school codes, dates, duplicates). Configurations (`--config`):

    - `default`: the library's defaults (a savepoint, an instance lookup and a diff per row);
    - `tuned`: as its documentation advises for speed ("Bulk imports"; `ResourceOptions`):
      `use_bulk` with `batch_size` 1000, `skip_diff`, `skip_html_diff` and the
      `CachedInstanceLoader` (one query for all existing keys);
    - `tuned-reimport`: the same for a re-import, with `skip_unchanged` (which needs the diff,
      so `skip_diff` is off) so that unchanged rows are skipped, and `skip_row` comparing the
      encrypted columns by their decrypted values (each import encrypts afresh).
    """
    _django()
    import tablib
    from import_export import fields, instance_loaders, resources

    from qiangshi.core import crypto
    from qiangshi.teachers.models import Teacher

    if args.config != "tuned-reimport":
        from django.db import connection

        with connection.cursor() as cursor:  # an empty registry (outside the timing)
            cursor.execute(f"TRUNCATE {Teacher._meta.db_table} CASCADE")
    code = {v: k for k, v in ZH.items()}

    class TeacherResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        gender = fields.Field(attribute="gender", column_name="gender")
        birth_date = fields.Field(attribute="birth_date", column_name="birth")
        ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
        political_status = fields.Field(attribute="political_status", column_name="political")
        national_id_hash = fields.Field(attribute="national_id_hash", column_name="id_hash")
        national_id_encrypted = fields.Field(
            attribute="national_id_encrypted", column_name="id_enc"
        )
        phone_encrypted = fields.Field(attribute="phone_encrypted", column_name="phone_enc")

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

        def skip_row(self, instance, original, row, import_validation_errors=None):
            """Unchanged when every plain field is equal and the encrypted ones decrypt to the
            row's values (a new ciphertext of the same value is not a change; the library's
            own comparison would see one): the documented way to customise the skip."""
            if not self._meta.skip_unchanged or original is None or original.pk is None:
                return False
            plain = ("name", "gender", "birth_date", "ethnicity", "political_status")
            if any(getattr(instance, f) != getattr(original, f) for f in plain):
                return False
            return crypto.decrypt(original.national_id_encrypted) == str(
                row["身份证号码"]
            ) and crypto.decrypt(original.phone_encrypted) == str(row["手机号码"])

        def before_import(self, dataset, **kwargs):
            ids = [str(v) for v in dataset["身份证号码"]]
            # xlsx dates arrive as datetimes; the model's field holds dates
            births = [v.date() if hasattr(v, "date") else v for v in dataset["出生日期"]]
            dataset.append_col(births, header="birth")
            dataset.append_col([code[v] for v in dataset["性别"]], header="gender")
            dataset.append_col([code[v] for v in dataset["政治面貌"]], header="political")
            dataset.append_col([crypto.lookup_hash(v) for v in ids], header="id_hash")
            dataset.append_col([crypto.encrypt(v) for v in ids], header="id_enc")
            dataset.append_col(
                [crypto.encrypt(str(v)) for v in dataset["手机号码"]], header="phone_enc"
            )

    if args.config != "default":
        TeacherResource._meta.use_bulk = True
        TeacherResource._meta.batch_size = 1000
        TeacherResource._meta.skip_html_diff = True
        TeacherResource._meta.instance_loader_class = instance_loaders.CachedInstanceLoader
        if args.config == "tuned":
            TeacherResource._meta.skip_diff = True
        else:
            TeacherResource._meta.skip_unchanged = True
    data = Path(args.file).read_bytes()
    before = _peak_mb()
    started = time.perf_counter()
    dataset = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
    result = TeacherResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    totals = result.totals
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "new": totals.get("new", 0),
                "updated": totals.get("update", 0),
                "skipped": totals.get("skip", 0),
                "peak_mb": _peak_mb(),
                "start_mb": before,
            }
        )
    )


def phase_written(args) -> None:
    """Rows in the registry's tables after an import: what the import wrote."""
    _django()
    from django.db import connection

    tables = [
        "teachers_teacher",
        "teachers_teachercurrent",
        "teachers_employment",
        "teachers_educationrecord",
        "teachers_titlerecord",
        "core_auditlog",
    ]
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            try:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
                counts[table] = cursor.fetchone()[0]
            except Exception:  # a table of another name in this version: left out
                connection.rollback() if not connection.in_atomic_block else None
    print(json.dumps(counts))


# --- Driver --------------------------------------------------------------------------------


def _child(phase: str, args, *extra: str, url: str) -> dict | None:
    cmd = [sys.executable, __file__, "--phase", phase, "--rows", str(args.rows)]
    cmd += ["--file", args.file, *extra]
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
    lines = out.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    try:
        return json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        print(lines[-1])
        return None


def _per_row_kb(m: dict, rows: int) -> float:
    return (m["peak_mb"] - m["start_mb"]) * 1024 / rows


def _report(label: str, rows: int, m: dict) -> None:
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in m["stages"].items())
    print(
        f"{label}: {m['seconds']:.1f} s, {rows / m['seconds']:,.0f} rows/s ({stages}; "
        f"new {m['new']:,}, changed {m['changed']:,}, unchanged {m['unchanged']:,}); "
        f"peak memory {m['peak_mb']:,.0f} MB (process before the import: {m['start_mb']:,.0f} MB"
        f", {_per_row_kb(m, rows):.2f} KB a row over it; target ≤ 1 KB)"
    )
    # CPU time does not depend on what else the machine runs: the wall time does.
    print(f"  CPU: import process {m['cpu']:.1f} s, PostgreSQL backend {m['db_cpu']:.1f} s")


APP_ROLE = "qiangshi_bench_app"


def _role_url(url: str, role: str) -> str:
    """The database URL as `role`: the superuser of DATABASE_URL, or an ordinary role (LOGIN,
    no superuser, no `SET session_replication_role`) that owns the database, as an application
    role in production does (it ran the migrations)."""
    if role == "superuser":
        return url
    parsed = urlparse(url)
    admin = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    admin += ["-U", parsed.username or "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(
        [
            "psql",
            *admin,
            "-qc",
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
            f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$",
        ],
        check=True,
    )
    netloc = f"{APP_ROLE}@{parsed.hostname or '127.0.0.1'}:{parsed.port or 5432}"
    return parsed._replace(netloc=netloc).geturl()


def _fresh(args, url: str, owner: str) -> None:
    _recreate_database(os.environ["DATABASE_URL"], owner=owner)
    _child("setup", args, url=url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--as",
        dest="roles",
        choices=["ordinary", "superuser", "both"],
        default="both",
        help="the PostgreSQL role the import runs as (default: both, ordinary first)",
    )
    parser.add_argument("--phase", choices=["setup", "import", "baseline", "written"])
    parser.add_argument("--config", choices=["default", "tuned", "tuned-reimport"])
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.phase:
        phases = {
            "setup": phase_setup,
            "import": phase_import,
            "baseline": phase_baseline,
            "written": phase_written,
        }
        phases[args.phase](args)
        return
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    superuser_url = os.environ["DATABASE_URL"]
    print(f"database: postgresql {urlparse(superuser_url).path.lstrip('/')}")
    args.file = str(CACHE / f"roster-{args.rows}.xlsx")
    roles = ["ordinary", "superuser"] if args.roles == "both" else [args.roles]
    ours = {}
    for role in roles:
        url = _role_url(superuser_url, role)
        owner = APP_ROLE if role == "ordinary" else ""
        _fresh(args, url, owner)
        size = os.path.getsize(args.file)
        print(
            f"\n== as the {role} role ({urlparse(url).username}) ==\n"
            f"roster: {args.rows:,} rows × {len(HEADER)} columns, {size / 1e6:.1f} MB xlsx"
        )
        try:
            print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        except OSError:
            pass
        first = _child("import", args, *(["--profile"] if args.profile else []), url=url)
        _report("qiangshi import, empty database", args.rows, first)
        written = _child("written", args, url=url)
        print("  written: " + ", ".join(f"{table} {n:,}" for table, n in (written or {}).items()))
        second = _child("import", args, url=url)
        _report("qiangshi re-import, unchanged file", args.rows, second)
        print(f"  re-import / new import: {second['seconds'] / first['seconds']:.2f} (target ≤ 1)")
        if args.rows == 100_000 and role == "ordinary":
            print(
                f"  100,000 new teachers as the ordinary role: {first['seconds']:.1f} s (target ≤ 10 s)"
            )
        ours[role] = (first, second)
    if args.skip_baseline:
        return
    role = roles[0]
    url = _role_url(superuser_url, role)
    _fresh(args, url, APP_ROLE if role == "ordinary" else "")
    print(f"\n== peer: django-import-export, the same xlsx, as the {role} role ==")
    peer = {}
    for config in ("default", "tuned", "tuned-reimport"):
        peer[config] = _child("baseline", args, "--config", config, url=url)
        m = peer[config]
        print(
            f"django-import-export ({config}): {m['seconds']:.1f} s, "
            f"{args.rows / m['seconds']:,.0f} rows/s (new {m['new']:,}, updated "
            f"{m['updated']:,}, skipped {m['skipped']:,}); {_per_row_kb(m, args.rows):.2f} KB a row"
        )
    first, second = ours[role]
    print(
        f"ratio, new roster: django-import-export default / qiangshi "
        f"{peer['default']['seconds'] / first['seconds']:.1f}×, tuned / qiangshi "
        f"{peer['tuned']['seconds'] / first['seconds']:.1f}×\n"
        f"ratio, unchanged re-import: django-import-export tuned (skip_unchanged) / qiangshi "
        f"{peer['tuned-reimport']['seconds'] / second['seconds']:.1f}×\n"
        "(qiangshi reads, checks and writes the teacher with employment, education, title, "
        "current-state and audit rows; the peer writes the 8 teacher columns only)"
    )
    if args.rows == 100_000:
        # Machines of the same kind differ in speed by a factor of three; the baseline is the
        # yardstick: issue 3 measured it at 145 s for 100,000 new rows on its reference machine.
        scale = REFERENCE_BASELINE_S / peer["default"]["seconds"]
        print(
            f"scaled to the issue's reference machine (django-import-export {REFERENCE_BASELINE_S}"
            f" s): new roster {first['seconds'] * scale:.1f} s, re-import"
            f" {second['seconds'] * scale:.1f} s (this machine is {1 / scale:.1f}× slower)"
        )


if __name__ == "__main__":
    main()
