"""`qiangshi demo_region --scale {district,city,province} --seed N [--year YYYY]`.

Builds a deterministic demo region — Fujian → Xiamen (pilot) and its districts, schools with six
years of enrollment, facilities, teachers with their histories — and one demo login per role.
Skips (exit 0) when the demo city already exists.
"""

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qiangshi.demo.builder import (
    DEMO_PASSWORD,
    DemoBuildError,
    current_school_year,
    demo_region_build,
    demo_region_exists,
    demo_rotation_plan,
)
from qiangshi.engines.demo_data import SCALES


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = (
        "Build a deterministic demo region (Fujian → Xiamen, its schools and teachers) and one "
        "demo login per role. Does nothing if the demo city (code 3502) already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="city", help="default: city")
        parser.add_argument("--seed", type=int, default=2024, help="default: 2024")
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="current school year (the year it started); default: from today's date",
        )
        # For tests: fewer / smaller schools.
        parser.add_argument("--max-schools", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--size-factor", type=float, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, scale, seed, year, max_schools, size_factor, **options):
        if demo_region_exists():
            self.stdout.write("The demo region (厦门市, code 3502) already exists: nothing to do.")
            return
        if year is None:
            year = current_school_year(timezone.localdate())
        self.stdout.write(f"Building the demo region: scale={scale} seed={seed} school year={year}")
        try:
            result = demo_region_build(
                scale=scale,
                seed=seed,
                year=year,
                max_schools=max_schools,
                size_factor=size_factor,
                progress=lambda msg: self.stdout.write(f"  {msg}"),
            )
        except DemoBuildError as exc:
            raise CommandError(str(exc)) from None

        counts = result.counts
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo region built in {result.elapsed:.1f} s"))
        if scale != "province":  # a published rotation plan with the demo teacher's move
            demo_rotation_plan(year, progress=lambda msg: self.stdout.write(f"  {msg}"))
        rows = [
            ("regions", counts["regions"]),
            ("schools", counts["schools"]),
            ("enrollment rows", counts["enrollment rows"]),
            ("facility rows", counts["facility rows"]),
            ("students (current year)", result.students),
            ("teachers", counts["teachers"]),
            ("employment records", counts["employments"]),
            ("education records", counts["education records"]),
            ("title records", counts["title records"]),
            ("certificates", counts["certificates"]),
            ("recognitions", counts["recognitions"]),
            ("appraisals", counts["appraisals"]),
            ("teaching loads", counts["teaching loads"]),
            ("training records", counts["training records"]),
            ("training programmes", counts["training programmes"]),
            ("users", counts["users"]),
        ]
        for label, n in rows:
            self.stdout.write(f"  {label:<26}{n:>10,}")
        if counts["teachers"]:
            ratio = result.students / counts["teachers"]
            self.stdout.write(f"  {'students per staff':<26}{ratio:>10.1f}")

        self.stdout.write("")
        self.stdout.write("Demo logins:")
        header = [("username", "role", "password", "name / area")]
        table = header + [
            (
                login.username,
                login.role,
                DEMO_PASSWORD if login.created else "(existing, unchanged)",
                f"{login.display_name} — {login.area}" if login.area != "—" else login.display_name,
            )
            for login in result.logins
        ]
        widths = [max(_width(row[i]) for row in table) + 2 for i in range(3)]
        for row in table:
            self.stdout.write(
                "  " + "".join(_pad(c, w) for c, w in zip(row, widths, strict=False)) + row[3]
            )
