"""Time `qiangshi demo_region` into a fresh database.

    uv run python benchmarks/demo_region.py --scale city [--seed 2024]

SQLite goes to a temporary directory; with DATABASE_URL set, that database is used (it must be
empty). Prints elapsed seconds, rows per table and the ratio to the 120-second target.
"""

import argparse
import os
import sys
import tempfile
import time

TARGET_SECONDS = {"district": 120.0, "city": 120.0, "province": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="city", choices=["district", "city", "province"])
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["QIANGSHI_VAR_DIR"] = tempfile.mkdtemp(prefix="qiangshi-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    from qiangshi.org.models import School
    from qiangshi.teachers.models import EducationRecord, Employment, Teacher, TitleRecord

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo_region", scale=args.scale, seed=args.seed, verbosity=0)
    elapsed = time.perf_counter() - started
    counts = {
        "schools": School.objects.count(),
        "teachers": Teacher.objects.count(),
        "employments": Employment.objects.count(),
        "education records": EducationRecord.objects.count(),
        "title records": TitleRecord.objects.count(),
    }
    engine = django.db.connection.vendor
    print(f"demo_region --scale {args.scale} on {engine}: {elapsed:.1f} s")
    for name, n in counts.items():
        print(f"  {name:>18}: {n:,}")
    print(f"  teachers per second: {counts['teachers'] / elapsed:,.0f}")
    target = TARGET_SECONDS[args.scale]
    if target:
        print(f"  ratio to the {target:.0f} s target: {elapsed / target:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
