"""`qiangshi balance evaluate FILE.csv --stage primary|junior [--format json|table]` and
`qiangshi balance report --district CODE --year Y [--stage …] [--on DATE] [--format json|table]
[--pdf FILE.pdf]`.

Runs as a system operator (no user scope): it reads a file or the whole registry.
"""

import csv
import io
import json
import math
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.balance.outputs import result_as_dict, result_as_table
from qiangshi.balance.rules import rule_set_on
from qiangshi.balance.selectors import default_on, district_report
from qiangshi.core.errors import ApplicationError
from qiangshi.engines.balance import RESOURCES, STAGES, SchoolInput, evaluate_district

REQUIRED = ("school_code", "enrollment", *RESOURCES)
# Optional columns: flags for the exclusions and the small-school rule.
OPTIONAL_NUMBERS = ("pe_arts_part_time", "school_enrollment")
OPTIONAL_FLAGS = ("rural", "special_education", "vocational", "private")
TRUE = {"1", "true", "yes", "y", "是"}
FALSE = {"", "0", "false", "no", "n", "否"}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


def _number(cell, line, column, *, integer=False, positive=False, default=None):
    raw = cell.get(column, "")
    if raw == "" and default is not None:
        return default
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        what = "empty" if raw == "" else f"not a number: {raw!r}"
        raise CommandError(f"Row {line}, column {column}: {what}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "a positive number" if positive else "a number ≥ 0"
        raise CommandError(f"Row {line}, column {column}: {raw!r} is not {need}")
    if integer and value != int(value):
        raise CommandError(f"Row {line}, column {column}: {raw!r} is not a whole number")
    return int(value) if integer else value


def _flag(cell, line, column) -> bool:
    raw = cell.get(column, "").lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise CommandError(f"Row {line}, column {column}: {raw!r} is not yes/no (1/0)")


def read_csv(data: bytes, stage: str) -> list[SchoolInput]:
    """Schools from CSV bytes (UTF-8, with or without BOM), one row each, resource totals."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"The file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8."
        ) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise CommandError("The file is empty: expected a header row with " + ", ".join(REQUIRED))
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise CommandError("Missing column(s): " + ", ".join(missing))
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise CommandError("Repeated column(s): " + ", ".join(repeated))
    index = {n: i for i, n in enumerate(names)}
    schools, seen = [], {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            raise CommandError(f"Row {line}: {len(row)} cells but {len(names)} columns")
        cell = {n: (row[i].strip() if i < len(row) else "") for n, i in index.items()}

        code = cell["school_code"]
        if not code:
            raise CommandError(f"Row {line}, column school_code: empty")
        if code in seen:
            raise CommandError(
                f"Row {line}, column school_code: {code} already appears in row {seen[code]}"
            )
        seen[code] = line
        enrollment = _number(cell, line, "enrollment", integer=True, positive=True)
        whole = _number(cell, line, "school_enrollment", integer=True, default=0) or None
        schools.append(
            SchoolInput(
                code=code,
                stage=stage,
                enrollment=enrollment,
                **{r: _number(cell, line, r) for r in RESOURCES},
                pe_arts_part_time=_number(cell, line, "pe_arts_part_time", default=0.0),
                rural=_flag(cell, line, "rural"),
                special_education=_flag(cell, line, "special_education"),
                vocational=_flag(cell, line, "vocational"),
                private=_flag(cell, line, "private"),
                school_enrollment=whole,
            )
        )
    if not schools:
        raise CommandError("The file has a header but no school rows")
    return schools


class Command(BaseCommand):
    help = "Quality-balance indicators (POLICY §1) of a district: from a CSV file or the registry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser(
            "evaluate",
            help="evaluate a district given as CSV (one row per school, resource totals)",
            description=(
                "Columns: "
                + ", ".join(REQUIRED)
                + "; optional: "
                + ", ".join((*OPTIONAL_NUMBERS, *OPTIONAL_FLAGS))
                + ". UTF-8, with or without BOM."
            ),
        )
        evaluate.add_argument("file")
        evaluate.add_argument("--stage", choices=STAGES, required=True)
        evaluate.add_argument("--format", choices=["json", "table"], default="table")
        evaluate.add_argument(
            "--on", type=_date, default=None, help="use the rule set in effect then (default today)"
        )
        report = sub.add_parser(
            "report",
            help="evaluate a district from the registry",
            description=(
                "Without --stage, every stage with schools; --format json then prints a list "
                "with one object per stage."
            ),
        )
        report.add_argument("--district", required=True, help="district code")
        report.add_argument("--year", type=int, required=True, help="school year (its start)")
        report.add_argument("--stage", choices=STAGES, default=None)
        report.add_argument(
            "--on",
            type=_date,
            default=None,
            help="registry date for teacher counts (default: today within the school year, "
            "else its 1 September)",
        )
        report.add_argument("--format", choices=["json", "table"], default="table")
        report.add_argument(
            "--pdf",
            default=None,
            metavar="FILE.pdf",
            help="also write the PDF report with the charts (every stage evaluated) to FILE.pdf",
        )

    def handle(self, *args, **opts):
        try:
            if opts["action"] == "evaluate":
                self.evaluate(opts)
            else:
                self.report(opts)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def evaluate(self, opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        schools = read_csv(path.read_bytes(), opts["stage"])
        rules = rule_set_on(opts["on"])
        try:
            result = evaluate_district(schools, opts["stage"], rules)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if opts["format"] == "json":
            self.stdout.write(json.dumps(result_as_dict(result, rules), ensure_ascii=False))
        else:
            self.stdout.write(result_as_table(result, rules, title=f"{path.name}"))

    def report(self, opts):
        on = opts["on"] or default_on(opts["year"])
        stages = (opts["stage"],) if opts["stage"] else STAGES
        rules = rule_set_on(on)
        results = district_report(
            district=opts["district"], year=opts["year"], on=on, stages=stages
        )
        if not results:
            raise CommandError(
                f"District {opts['district']} has no {' or '.join(stages)} school to evaluate"
            )
        if opts["pdf"]:
            self.write_pdf(opts, results, on)
        extra = {"district": opts["district"], "year": opts["year"], "on": on.isoformat()}
        if opts["format"] == "json":
            out = [{**result_as_dict(r, rules), **extra} for r in results]
            self.stdout.write(json.dumps(out[0] if opts["stage"] else out, ensure_ascii=False))
            return
        for n, r in enumerate(results):
            if n:
                self.stdout.write("")
            title = (
                f"District {opts['district']}, school year {opts['year']}, {r.stage}; "
                f"registry on {on.isoformat()}"
            )
            self.stdout.write(result_as_table(r, rules, title=title))

    def write_pdf(self, opts, results, on):
        from qiangshi.balance.selectors import district_by_code
        from qiangshi.web.balance_pdf import district_pdf

        path = Path(opts["pdf"])
        if not path.parent.is_dir():
            raise CommandError(f"No such folder: {path.parent}")
        content = district_pdf(district_by_code(opts["district"]), opts["year"], results, on=on)
        path.write_bytes(content)
        self.stderr.write(f"PDF report written to {path} ({len(content):,} bytes)")
