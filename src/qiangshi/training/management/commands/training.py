"""`qiangshi training evaluate FILE.csv --cycle-start YYYY-MM-DD [--format json]` and
`qiangshi training cycle-report --district CODE --out FILE.xlsx [--on YYYY-MM-DD]`.

`evaluate` reads a file of hours (columns `teacher`, `date`, `hours`, `category`, as an import
reads them: Chinese or English headings, csv or xlsx) and prints, per teacher, the hours in the
cycle that starts on --cycle-start (5 years, the end day excluded) after the category caps,
`by_category`, `complete` and `shortfall` under the rule file in force on the cycle's start, and
the `completion_rate`. Hours dated outside the cycle do not count. A file with bad rows is
refused whole: each row's problem goes to standard error, nothing is printed as a result, and
the exit status is 1. It reads the file only; nothing is saved.

`cycle-report` writes the district's completion of the current cycle per school and its
teachers at risk, read as a system operator.
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.errors import ApplicationError
from qiangshi.engines import training as engine
from qiangshi.imports.services import Problem, read_rows
from qiangshi.imports.specs import EVALUATE_TRAINING_COLUMNS
from qiangshi.org.models import Region, RegionLevel
from qiangshi.training.importing import hours_problem
from qiangshi.training.outputs import cycle_report_xlsx
from qiangshi.training.rules import cycle_rules
from qiangshi.training.selectors import cycle_report


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} / {en}"


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{flag} 应为日期（YYYY-MM-DD） / {flag} must be a date (YYYY-MM-DD): {value!r}"
        ) from None


class Command(BaseCommand):
    help = "Training: evaluate a file of hours against the 5-year cycle; write a cycle report."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        e = sub.add_parser("evaluate", help="evaluate a file of hours against a cycle")
        e.add_argument("file")
        e.add_argument("--cycle-start", required=True, help="the cycle's first day (YYYY-MM-DD)")
        e.add_argument("--format", choices=("text", "json"), default="text")
        r = sub.add_parser("cycle-report", help="a district's cycle completion as xlsx")
        r.add_argument("--district", required=True, help="district code")
        r.add_argument("--out", required=True, help="the xlsx file to write")
        r.add_argument("--on", default=None, help="the day to report on (default today)")

    def handle(self, *args, **opts):
        if opts["action"] == "evaluate":
            return self._evaluate(opts)
        return self._report(opts)

    def _evaluate(self, opts):
        start = _day(opts["cycle_start"], "--cycle-start")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在 / No such file: {path}")
        try:
            rows, problems = read_rows(path.read_bytes(), path.name, EVALUATE_TRAINING_COLUMNS)
        except ApplicationError as exc:
            raise CommandError(_both(exc.message_zh, exc.message_en)) from None
        header = {c.key: c.title_zh for c in EVALUATE_TRAINING_COLUMNS}
        hours = []
        for row_no, values in rows:
            bad = hours_problem(values["hours"], start)
            if bad:
                problems.append(Problem(row_no, header["hours"], values["hours"], *bad))
                continue
            hours.append(
                engine.Hours(values["teacher"], values["date"], values["hours"], values["category"])
            )
        if problems:
            problems.sort(key=lambda p: (p.row, str(p.column)))
            for p in problems:
                reason = _both(p.reason_zh, p.reason_en)
                self.stderr.write(f"row {p.row}, {p.column}: {reason} [{p.value}]")
            self.stderr.write(
                f"{len(problems)} 个问题，未作评估 / {len(problems)} problems: nothing evaluated"
            )
            raise SystemExit(1)
        rules = cycle_rules(start)
        result = engine.evaluate(hours, start, rules)
        number = engine.number
        teachers = [
            {
                "teacher": s.teacher,
                "hours": number(s.hours),
                "by_category": {c: number(h) for c, h in s.by_category.items()},
                "complete": s.complete,
                "shortfall": number(s.shortfall),
            }
            for s in result.teachers
        ]
        rate = result.completion_rate
        end = engine.cycle_end(start, rules)
        if opts["format"] == "json":
            out = {
                "cycle_start": start.isoformat(),
                "cycle_end": end.isoformat(),
                "rule_version": rules.version,
                "teachers": teachers,
                "completion_rate": None if rate is None else round(rate, 4),
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"cycle {start} – {end} (end excluded), rules {rules.version}, "
            f"{number(rules.required_hours)} hours required"
        )
        for t in teachers:
            parts = " ".join(f"{c}={h}" for c, h in t["by_category"].items() if h)
            self.stdout.write(
                f"{t['teacher']}: hours {t['hours']}  complete {str(t['complete']).lower()}  "
                f"shortfall {t['shortfall']}  by_category {parts or '-'}"
            )
        shown = "-" if rate is None else f"{rate:.1%}"
        self.stdout.write(f"completion_rate {shown}")

    def _report(self, opts):
        on = _day(opts["on"], "--on") if opts["on"] else date.today()
        district = Region.objects.filter(code=opts["district"], level=RegionLevel.DISTRICT).first()
        if district is None:
            raise CommandError(
                f"没有代码为 {opts['district']!r} 的区县 / No district with code {opts['district']!r}"
            )
        report = cycle_report(actor=None, on=on, region=district)
        Path(opts["out"]).write_bytes(cycle_report_xlsx(report, district.display_name))
        shown = "-" if report.completion_rate is None else f"{report.completion_rate:.1%}"
        self.stdout.write(
            f"{district.code} {district.name}: {report.teachers} teachers, completion {shown}, "
            f"{report.at_risk_count} at risk; wrote {opts['out']}"
        )
