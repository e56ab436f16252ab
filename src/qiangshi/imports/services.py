"""Bulk import: validate everything, then commit all-or-nothing.

`import_file(actor=…, kind=…, data=…, filename=…, dry_run=…)` reads the file, matches the
headers, parses every cell, checks every row against the registry and the actor's scope, and
either rejects the whole file (listing every problem with its Excel row, column, value and
reason) or, unless it is a dry run, writes it in one transaction with bulk inserts. Importing
the same file again changes nothing: teachers are matched by the keyed hash of their national
ID, and a changed value becomes a new history record where the field has history.
"""

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import mul
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.access.scoping import can, scope
from qiangshi.core import crypto
from qiangshi.core.bulk import (
    CopyWriter,
    cyclic_gc_paused,
    filter_in,
    insert_tuples,
    statistics_refreshed,
)
from qiangshi.core.errors import ApplicationError, Forbidden, bilingual, translated
from qiangshi.core.models import AuditLog
from qiangshi.core.services import audit_record
from qiangshi.engines import cells, idcard, tabular
from qiangshi.org.models import School
from qiangshi.teachers import projection
from qiangshi.teachers.models import (
    Certificate,
    EducationRecord,
    Employment,
    Recognition,
    RecognitionKind,
    Teacher,
    TitleRecord,
)

from . import examples, facilities, history, schools
from .limits import max_rows, read_limits
from .models import ImportJob, ImportKind, ImportLayout, ImportStatus
from .specs import (
    FACILITY_COLUMNS,
    HISTORY_COLUMNS,
    NONE,
    SCHOOL_COLUMNS,
    TEACHER_COLUMNS,
    Column,
    ignore_problem_column,
)

CHUNK = 5000  # keys per IN (…) query: below SQLite's bound-parameter limit (32,766)
EMPLOYMENT_KEYS = (
    "school_id",
    "employment_type",
    "post_category",
    "is_full_time_teacher",
    "main_subject",
    "post_grade",
)


@dataclass
class Problem:
    row: int
    column: str
    value: Any
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        lang = translation.get_language() or "zh-hans"
        value = "" if self.value is None else str(self.value)
        return {
            "row": self.row,
            "column": self.column,
            "value": value,
            "reason": self.reason_en if lang.startswith("en") else self.reason_zh,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass
class ImportResult:
    kind: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    committed: bool = False
    job: ImportJob | None = None
    # column key → the rows whose file left that date out (kept empty, see `notes`)
    standins: "MissingDates" = field(default_factory=lambda: MissingDates())

    def notes(self) -> list[dict[str, Any]]:
        """The dates the file leaves out, kept empty, as notes in both languages:
        {"key", "count", "rows" (the first Excel rows), "reason_zh", "reason_en"} (not
        problems: such a row is imported, its record marked incomplete;
        `selectors.job_notes` adds the reason in the reader's language)."""
        return self.standins.notes()

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [p.as_dict() for p in self.problems],
        }


class MissingDates:
    """The rows of an import whose file leaves a date out, per column key: counted, and the
    first `ROWS_LISTED` of them kept by Excel row number to be named in the note."""

    ROWS_LISTED = 20

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.rows: dict[str, list[int]] = defaultdict(list)

    def add(self, key: str, row: int) -> None:
        self.counts[key] += 1
        listed = self.rows[key]
        if len(listed) < self.ROWS_LISTED:
            listed.append(row)

    def get(self, key: str, default: int = 0) -> int:
        return self.counts.get(key, default)

    def clear(self) -> None:
        self.counts.clear()
        self.rows.clear()

    def notes(self) -> list[dict[str, Any]]:
        out = []
        for key, (zh, en) in _MISSING_DATE_NOTES.items():
            count = self.counts.get(key, 0)
            if not count:
                continue
            rows = sorted(self.rows.get(key, []))
            more = count > len(rows)
            rows_zh = "第 " + "、".join(map(str, rows)) + " 行" + ("等" if more else "")
            rows_en = ("rows " if count > 1 else "row ") + ", ".join(map(str, rows))
            rows_en += ", …" if more else ""
            n_rows = f"{count} rows have" if count > 1 else "1 row has"
            out.append(
                {
                    "key": key,
                    "count": count,
                    "rows": rows,
                    "reason_zh": zh.format(n=count, rows=rows_zh),
                    "reason_en": en.format(n_rows=n_rows, rows=rows_en),
                }
            )
        return out


# What an import says of the dates a file leaves out: each is kept empty (never the import
# date), and the record shows the date as missing and counts as incomplete.
_MISSING_DATE_NOTES = {
    "employment_start": (
        "{n} 行没有填写进本校年月：已留空（{rows}）。交流轮岗将这些教师列为“进本校日期缺失”，"
        "不计为符合条件。",
        "{n_rows} no start date at the school: kept empty ({rows}). Rotation lists these "
        "teachers as 'start date missing', not as eligible.",
    ),
    "graduation_date": (
        "{n} 行没有毕业日期：已留空（{rows}）。学历记为已取得，毕业日期显示为缺失。",
        "{n_rows} no graduation date: kept empty ({rows}). The degree is recorded as held, its "
        "date as missing.",
    ),
    "title_obtained_on": (
        "{n} 行没有取得职称日期：已留空（{rows}）。职称记为已取得，取得日期显示为缺失。",
        "{n_rows} no title date: kept empty ({rows}). The title is recorded as held, its date "
        "as missing.",
    ),
}


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- Reading and cell parsing (shared by every kind) ---------------------------------------


def _table_error(exc: tabular.TableError) -> ApplicationError:
    return bilingual(exc.message_en, exc.message_zh, fields={"file": exc.code})


def _read(
    data: bytes,
    filename: str,
    columns: list[Column],
    mapping: dict[str, str] | None,
    *,
    lazy: bool = False,
):
    """Read the table and match headers; raises ApplicationError for file-level problems."""
    specs = [tabular.ColumnSpec(c.key, list(c.names), c.required) for c in columns]
    try:
        table = tabular.read_table(
            data, filename, max_rows=max_rows(), lazy=lazy, limits=read_limits()
        )
        overrides = ignore_problem_column(table.header, columns, mapping)
        match = tabular.match_headers(table.header, specs, overrides=overrides)
    except tabular.TableError as exc:
        raise _table_error(exc) from None
    return table, match


def _header_problems(match, columns: list[Column]) -> list[Problem]:
    by_key = {c.key: c for c in columns}
    problems = []
    for key in match.missing_required:
        col = by_key[key]
        problems.append(
            Problem(
                1,
                col.title_zh,
                "",
                f"缺少必填列“{col.title_zh}”",
                f"The required column '{col.title_en}' is missing",
            )
        )
    for key, indexes in match.duplicates.items():
        col = by_key[key]
        problems.append(
            Problem(
                1,
                col.title_zh,
                "",
                f"“{col.title_zh}”列出现了不止一次",
                f"The column '{col.title_en}' appears more than once "
                f"(columns {', '.join(str(i + 1) for i in indexes)})",
            )
        )
    return problems


_MISSING = object()

# Cells of these columns are (nearly) unique per row: caching their parsed values only costs.
_UNCACHED_KEYS = frozenset({"name", "national_id", "phone", "certificate_number", "number"})


def _parse_cell(col: Column, cell: Any, cache: dict[Any, Any] | None) -> Any:
    """The parsed value of a cell, or the CellError it raised; memoised in `cache` if given."""
    if cache is not None and cell.__class__ is not bool:  # True == 1: not a safe cache key
        try:
            outcome = cache.get(cell, _MISSING)
        except TypeError:  # an unhashable cell value
            cache = None
            outcome = _MISSING
        if outcome is not _MISSING:
            return outcome
    else:
        cache = None
    try:
        outcome = col.parse(cell)
    except cells.CellError as exc:
        outcome = exc
    if cache is not None:
        cache[cell] = outcome
    return outcome


def _is_blank_row(raw) -> bool:
    return not any(v.strip() if isinstance(v, str) else v is not None for v in raw)


def _parse_rows(table, match, columns: list[Column]):
    """Yield (excel_row, values, problems) for every non-empty data row.

    `table.rows` may be a list (its items are freed as they are parsed) or an iterator (a table
    read lazily, see `tabular.read_table`).
    """
    header = table.header
    # Values repeat a lot (a roster has a handful of distinct titles, schools, dates): parse
    # each distinct cell once per column. Outcomes are cached, errors included.
    used = [
        (c, match.mapping[c.key], None if c.key in _UNCACHED_KEYS else {}, c.required)
        for c in columns
        if c.key in match.mapping
    ]
    rows = table.rows
    as_list = isinstance(rows, list)
    first_row = table.first_data_row
    cell_error = cells.CellError
    parse_cell = _parse_cell
    # The template's example row, left in place above the user's rows, is skipped.
    is_example = examples.example_matcher(columns, match.mapping)
    for offset, raw in enumerate(rows):
        if as_list:
            rows[offset] = None  # parsed values replace the raw cells: free them as we go
        if offset == 0 and is_example(raw):
            continue
        row_no = first_row + offset
        first = raw[0] if raw else None
        if (first is None or (first.__class__ is str and not first.strip())) and _is_blank_row(raw):
            continue
        width = len(raw)
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for col, index, cache, required in used:
            cell = raw[index] if index < width else None
            if cache is not None:
                outcome = cache.get(cell, _MISSING) if cell.__class__ is not bool else _MISSING
                if outcome is _MISSING:
                    outcome = parse_cell(col, cell, cache)
            else:
                outcome = parse_cell(col, cell, None)
            if outcome.__class__ is cell_error or isinstance(outcome, cell_error):
                problems.append(
                    Problem(row_no, header[index], cell, outcome.message_zh, outcome.message_en)
                )
                continue
            if outcome is None or outcome == "":
                if required:
                    problems.append(
                        Problem(
                            row_no, header[index], cell, "必填项为空", "A required cell is empty"
                        )
                    )
                continue
            values[col.key] = outcome
        yield row_no, values, problems


def read_rows(
    data: bytes, filename: str, columns: list[Column]
) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """A file read and its cells parsed as an import reads them, for checks that write nothing
    (`qiangshi training evaluate`): ([(excel row, values)] of the rows without a problem,
    the problems of the header and the cells). File-level problems raise ApplicationError."""
    table, match = _read(data, filename, columns, None)
    problems = _header_problems(match, columns)
    if problems:
        return [], problems
    rows = []
    for row_no, values, row_problems in _parse_rows(table, match, columns):
        problems += row_problems
        if not row_problems:
            rows.append((row_no, values))
    return rows, problems


# --- Teachers ----------------------------------------------------------------------------
#
# A roster is checked and written a chunk of rows at a time, streaming from the file: each
# chunk is parsed, checked against the registry with a few bulk queries and, while the file has
# shown no problem and this is not a dry run, written at once inside the import's transaction.
# The first problem stops the writing; the rest of the file is still checked (so that every
# problem is listed) and the transaction is rolled back. Memory holds one chunk, not the file.

TEACHER_CHUNK = 10_000
# The first and the last chunk are smaller: the database has nothing to do until the first is
# checked, and Python nothing while the database writes the last.
FIRST_TEACHER_CHUNK = 2_000
# The background COPY writer of the import in progress (PostgreSQL, when writing); a context
# variable rather than an argument so that _commit_teachers keeps its signature.
_WRITER: ContextVar[CopyWriter | None] = ContextVar("teacher_import_writer", default=None)
# What the registry holds for a chunk's teachers, loaded before the writer was started.
_STATE: ContextVar[tuple[list[int], Any] | None] = ContextVar("teacher_import_state", default=None)


class _Existing(SimpleNamespace):
    """The few fields of a registered teacher an import compares (no model instance: fast)."""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def phone_masked(self) -> str:
        return idcard.mask_phone(self.phone)


@dataclass(slots=True)
class _TeacherRow:
    row: int
    values: dict[str, Any]
    number: str
    hash: str
    school: Any = None  # a _School
    teacher: _Existing | None = None


@dataclass(frozen=True, slots=True)
class _School:
    pk: int
    name: str
    district_id: int | None = None


def _col_title(key: str, match, table) -> str:
    index = match.mapping.get(key)
    if index is not None:
        return table.header[index]
    return next(c.title_zh for c in TEACHER_COLUMNS if c.key == key)


_ID_ZH = {
    "length": "身份证号应为18位",
    "characters": "身份证号前17位须为数字，末位为数字或X",
    "birth_date": "身份证号中的出生日期无效",
    "checksum": "身份证号校验位错误（GB 11643）",
}


_ID_WEIGHTS = idcard.WEIGHTS
_ID_ZERO = 48 * sum(idcard.WEIGHTS)  # the weighted sum of seventeen "0" characters
_ID_BIRTHS: dict[str, date | None] = {}


def _parse_id(number: str) -> tuple[str, date, str]:
    """(number, birth date, gender) of a normalised national ID; raises idcard.InvalidNationalId.

    The same checks as `idcard.parse`, on a fast path for well-formed numbers (the checksum
    over the bytes, birth dates cached); anything unusual goes through `idcard.parse` itself so
    that the reasons stay the same.
    """
    if len(number) == 18 and number[:17].isdigit() and number[:17].isascii():
        digits = number.encode()
        check = idcard.CHECK_CHARS[(sum(map(mul, digits, _ID_WEIGHTS)) - _ID_ZERO) % 11]
        if check == number[17]:
            key = number[6:14]
            birth = _ID_BIRTHS.get(key, _MISSING)
            if birth is _MISSING:
                try:
                    birth = date(int(key[:4]), int(key[4:6]), int(key[6:]))
                except ValueError:
                    birth = None
                if birth is not None and (birth.year < 1900 or birth > date.today()):
                    birth = None  # idcard.parse below says why (not cached as valid)
                if len(_ID_BIRTHS) > 100_000:
                    _ID_BIRTHS.clear()
                _ID_BIRTHS[key] = birth
            if birth is not None:
                return number, birth, ("male" if number[16] in "13579" else "female")
    parsed = idcard.parse(number)
    return parsed.number, parsed.birth_date, parsed.gender


class _TeacherCheck:
    """Checks a roster chunk by chunk; see the comment above."""

    def __init__(self, actor, table, match, result: ImportResult, *, write: bool, progress=None):
        self.actor, self.table, self.match, self.result = actor, table, match, result
        self.write = write
        self.writer: CopyWriter | None = None
        self.progress = progress
        self.problems: list[Problem] = []
        # Rows already rejected before the check (a formula cell): never counted.
        self.rejected_rows: set[int] = {p.row for p in result.problems}
        # National ID → its first row; a valid number keyed by its first 17 digits (an int:
        # half the memory of the text, 100,000 teachers held to the end of the file).
        self.seen: dict[int | str, int] = {}
        self.schools: dict[str, tuple[_School | None, bool]] = {}  # code → (in scope, exists)
        self.keys: list[str] = []  # each chunk's changed keys as one JSON array (compact)
        self.done = 0  # data rows checked (and, when writing, queued to be written)
        self.titles = {k: _col_title(k, match, table) for k in ("national_id", "birth_date")}
        for key in ("gender", "post_grade", "school_code"):
            self.titles[key] = _col_title(key, match, table)

    def problem(self, row: int, key: str, value, zh: str, en: str) -> None:
        self.problems.append(Problem(row, self.titles[key], value, zh, en))
        self.rejected_rows.add(row)

    def run(self) -> list[str]:
        # On PostgreSQL a chunk's rows are copied in the background while the next chunk is
        # read and checked, and foreign keys are checked as each COPY ends (not all at commit)
        # or, where the role allows it, as a set at the end (see core.bulk), so that the
        # database's work overlaps Python's.
        writer = CopyWriter() if self.write and connection.vendor == "postgresql" else None
        self.writer = writer
        token = _WRITER.set(writer)
        try:
            if writer is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            keys = self._run()
            if writer is not None and not self.problems:
                writer.finish()  # the last chunk, then the foreign keys written
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return keys
        finally:
            _WRITER.reset(token)
            if writer is not None:
                try:
                    writer.close()
                except Exception:  # already raised by wait(), or another error is on its way
                    pass

    def _run(self) -> list[str]:
        chunk: list[_TeacherRow] = []
        seen, problem = self.seen, self.problem
        parse_id, lookup_hash = _parse_id, crypto.lookup_hash
        same_day = cells.same_day
        limit = small = min(FIRST_TEACHER_CHUNK, TEACHER_CHUNK)
        last_row = self.table.first_data_row + self.table.size_hint - 1  # about: the sheet's end
        for row_no, values, row_problems in _parse_rows(self.table, self.match, TEACHER_COLUMNS):
            if row_problems:
                self.problems += row_problems
                self.rejected_rows.add(row_no)
            raw_id = values.get("national_id")
            if not raw_id:
                continue
            try:
                number, birth_date, id_gender = parse_id(raw_id)
            except idcard.InvalidNationalId as exc:
                problem(
                    row_no,
                    "national_id",
                    raw_id,
                    _ID_ZH[exc.code],
                    f"Invalid national ID number: {exc}",
                )
                continue
            birth, gender = values.get("birth_date"), values.get("gender")
            if birth is not None and not same_day(birth, birth_date):
                problem(
                    row_no,
                    "birth_date",
                    f"{birth:%Y-%m}" if isinstance(birth, cells.MonthDate) else birth,
                    f"出生日期与身份证号不一致（身份证为 {birth_date:%Y-%m-%d}）",
                    f"The birth date contradicts the national ID ({birth_date:%Y-%m-%d})",
                )
            if gender is not None and gender != id_gender:
                problem(
                    row_no,
                    "gender",
                    gender,
                    "性别与身份证号不一致",
                    "The gender contradicts the national ID",
                )
            values["birth_date"], values["gender"] = birth_date, id_gender
            key = int(number[:17]) if number[:17].isdigit() and len(number) == 18 else number
            first = seen.get(key)
            if first is not None:
                problem(
                    row_no,
                    "national_id",
                    idcard.mask(number),
                    f"身份证号与第 {first} 行重复",
                    f"Duplicate national ID: same as row {first}",
                )
                continue
            seen[key] = row_no
            post_grade = values.get("post_grade")
            if post_grade is not None and not 1 <= post_grade <= 13:
                problem(
                    row_no,
                    "post_grade",
                    post_grade,
                    "岗位等级应在 1–13 之间",
                    "The post grade must be 1–13",
                )
            chunk.append(_TeacherRow(row_no, values, number, lookup_hash(number)))
            if len(chunk) >= limit:
                self.flush(chunk)
                chunk = []
                # Full chunks, but a small last one: the database writes it while Python waits.
                left = last_row - row_no
                limit = TEACHER_CHUNK if left > TEACHER_CHUNK + small else max(small, left - small)
        self.flush(chunk)
        self.problems.sort(key=lambda p: (p.row, p.column))
        return [key for part in self.keys for key in json.loads(part)]

    def _lookup_schools(self, rows: list[_TeacherRow]) -> None:
        codes = sorted(
            {c for r in rows if (c := r.values.get("school_code")) and c not in self.schools}
        )
        for chunk in _chunks(codes):
            exists = set(School.objects.filter(code__in=chunk).values_list("code", flat=True))
            visible = scope(School.objects.all(), self.actor, "view").filter(code__in=chunk)
            in_scope = {
                code: _School(pk, name, district)
                for pk, code, name, district in visible.values_list(
                    "pk", "code", "name", "district_id"
                )
            }
            for code in chunk:
                self.schools[code] = (in_scope.get(code), code in exists)

    def flush(self, rows: list[_TeacherRow]) -> None:
        """Check one chunk against the registry; write it if the file is clean so far."""
        if not rows:
            return
        writer = self.writer
        if writer is not None:
            writer.wait()  # the COPY started at the previous flush: one statement at a time
            self._report()  # now: a job's progress may be saved on this connection
        self._lookup_schools(rows)
        hashes = [r.hash for r in rows]
        existing: dict[str, _Existing] = {}
        changeable: set[int] = set()
        fields = ("pk", "name", "ethnicity", "political_status", "phone_encrypted")
        for qs in filter_in(Teacher.objects.all(), "national_id_hash", hashes):
            for *values, key in qs.values_list(*fields, "national_id_hash"):
                existing[key] = _Existing(**dict(zip(fields, values, strict=True)))
        if existing:
            mine = scope(Teacher.objects.all(), self.actor, "change")
            ids = [t.pk for t in existing.values()]
            for qs in filter_in(mine, "pk", ids):
                changeable |= set(qs.values_list("pk", flat=True))
        schools = self.schools
        problem = self.problem
        for r in rows:
            code = r.values.get("school_code")
            if code:
                school, exists = schools[code]
                r.school = school
                if school is None:
                    zh, en = (
                        ("学校代码不在您的管理范围内", "This school is outside your area")
                        if exists
                        else ("未知的学校代码", "Unknown school code")
                    )
                    problem(r.row, "school_code", code, zh, en)
            t = r.teacher = existing.get(r.hash)
            if t is not None:
                if t.pk not in changeable:
                    # Neutral: nothing about the person held outside the actor's area (issue
                    # 14 §6), whatever the name; as the registration form says.
                    problem(
                        r.row,
                        "national_id",
                        idcard.mask(r.number),
                        "您所在单位不能登记该身份证号；如该教师在您管理范围以外的学校任职，"
                        "请与其档案所在单位联系",
                        "Your office cannot register this national ID number; if the person "
                        "works at a school outside your area, contact the office that holds "
                        "their record",
                    )
                elif not cells.same(t.name, r.values.get("name")):
                    problem(
                        r.row,
                        "national_id",
                        idcard.mask(r.number),
                        "该身份证号已属于另一位姓名不同的教师",
                        "This national ID already belongs to another person with a different name",
                    )
        if not self.write:  # a preview counts the rows that passed, whatever the others did
            rejected = self.rejected_rows
            _count_teachers([r for r in rows if r.row not in rejected], self.result)
            self.done = rows[-1].row - self.table.first_data_row + 1
            self._report()
            return
        if self.problems:
            return
        if self.write:
            token = None
            if writer is not None:
                # Load what _commit_teachers needs from the database now, then let the previous
                # chunk's COPY run while this chunk's rows are prepared (and the next is read).
                ids = [r.teacher.pk for r in rows if r.teacher is not None]
                token = _STATE.set((ids, _load_state(ids, timezone.localdate())))
                writer.top_up(len(rows))
                # The writer draws the next chunk's keys after the COPY, in the background too.
                after = rows[-1].row - self.table.first_data_row + 1
                writer.start(refill=min(TEACHER_CHUNK, max(0, self.table.size_hint - after)))
            try:
                changed = _commit_teachers(self.actor, rows, self.result)
                if changed:
                    self.keys.append(json.dumps(changed, ensure_ascii=False))
            finally:
                if token is not None:
                    _STATE.reset(token)
        self.done = rows[-1].row - self.table.first_data_row + 1
        if writer is None:
            self._report()

    def _report(self) -> None:
        if self.progress is not None and self.done:
            total = max(self.table.size_hint, self.done)
            self.progress("write" if self.write else "validate", self.done, total)


def _validate_teachers(
    actor, table, match, progress: "Progress | None" = None
) -> tuple[list[_TeacherRow], list[Problem], int]:
    """Check a whole roster without writing (rows are counted into a throwaway result)."""
    check = _TeacherCheck(actor, table, match, ImportResult(kind="teachers"), write=False)
    check.run()
    return [], check.problems, len(check.rejected_rows)


def _stream_teachers(actor, table, match, result: ImportResult, *, write: bool, progress=None):
    """Check (and, if `write`, write) a roster in one pass; returns the changed rows' keys.

    Sets result.problems and result.rejected. Run it inside a transaction when writing: rows
    are written before the end of the file is known to be clean.
    """
    check = _TeacherCheck(actor, table, match, result, write=write, progress=progress)
    keys = check.run()
    result.problems, result.rejected = check.problems, len(check.rejected_rows)
    return keys


@dataclass
class _TeacherState:
    """What the registry holds for the teachers an import touches, loaded in bulk."""

    jobs: dict[int, SimpleNamespace] = field(default_factory=dict)
    titles: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    levels: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    certs: dict[int, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    backbone: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # {teacher: {rank or level: record pk}} of the records whose date was never given, which a
    # row that now gives it fills in
    undated_titles: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    undated_levels: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


def _load_state(teacher_ids: list[int], today: date) -> _TeacherState:
    state = _TeacherState()
    jobs = Employment.objects.filter(end_date__isnull=True)
    for qs in filter_in(jobs, "teacher_id", teacher_ids):
        for job in qs.values_list("pk", "teacher_id", "start_date", *EMPLOYMENT_KEYS, named=True):
            state.jobs[job.teacher_id] = job
    for qs in filter_in(TitleRecord.objects.all(), "teacher_id", teacher_ids):
        for pk, tid, rank, obtained in qs.values_list("pk", "teacher_id", "rank", "obtained_on"):
            state.titles[tid].add(rank)
            if obtained is None:
                state.undated_titles[tid][rank] = pk
    for qs in filter_in(EducationRecord.objects.all(), "teacher_id", teacher_ids):
        fields = ("pk", "teacher_id", "level", "end_date", "end_date_missing")
        for pk, tid, level, end, missing in qs.values_list(*fields):
            state.levels[tid].add(level)
            if end is None and missing:
                state.undated_levels[tid][level] = pk
    for qs in filter_in(Certificate.objects.all(), "teacher_id", teacher_ids):
        for tid, stage, subject in qs.values_list("teacher_id", "stage", "subject"):
            state.certs[tid].add((stage, subject))
    backbone = Recognition.objects.filter(
        kind=RecognitionKind.BACKBONE, start_date__lte=today
    ).exclude(end_date__lt=today)
    for qs in filter_in(backbone, "teacher_id", teacher_ids):
        for tid, level in qs.values_list("teacher_id", "level"):
            state.backbone[tid].add(level)
    return state


def _employment_values(r: _TeacherRow) -> dict[str, Any]:
    v = r.values
    category = v.get("post_category", "teaching")
    return {
        "school_id": r.school.pk,
        "employment_type": v["employment_type"],
        "post_category": category,
        "is_full_time_teacher": v.get("is_full_time_teacher", category == "teaching"),
        "main_subject": v.get("main_subject", ""),
        "post_grade": v.get("post_grade"),
    }


def _fills_start(current, job: dict[str, Any], start: date | None) -> bool:
    """Whether the row gives the start date the open record at the same school never had."""
    return (
        current is not None
        and current.start_date is None
        and start is not None
        and current.school_id == job["school_id"]
    )


def _date_fills(r: _TeacherRow, teacher_id: int, state: _TeacherState) -> list[tuple]:
    """(model, pk, field, date) for each registered record whose date was never given and that
    the row now gives: a roster sent again with the dates filled in completes the records."""
    v = r.values
    out: list[tuple] = []
    level, graduated = v.get("education_level"), v.get("graduation_date")
    if level and graduated:
        pk = state.undated_levels.get(teacher_id, {}).get(level)
        if pk is not None:
            out.append((EducationRecord, pk, "end_date", graduated))
    rank, obtained = v.get("title_rank"), v.get("title_obtained_on")
    if rank and obtained:
        pk = state.undated_titles.get(teacher_id, {}).get(rank)
        if pk is not None:
            out.append((TitleRecord, pk, "obtained_on", obtained))
    return out


def _employment_step(current, job: dict[str, Any], start: date | None, today: date) -> str:
    """How a row that changes a registered teacher's current job is written:

    - "correct": the open record is corrected in place — the row changes the post at the same
      school without a start date (nobody said when it changed: the tenure stays unbroken),
      gives the start date that record never had (`_fills_start`), or gives a start no later
      than the open record's own;
    - "missing": a new record with its start date empty (a move to another school, or a first
      post, with no start date given); the previous record, if any, closes the day before the
      import, the last day the registry can vouch for it;
    - "new": a new record from the given start, the previous one closed the day before.
    """
    if current is None:
        return "new" if start is not None else "missing"
    if _fills_start(current, job, start):
        return "correct"
    if start is None:
        if current.school_id == job["school_id"]:
            return "correct"
        if current.start_date is not None and current.start_date >= today:
            return "correct"  # it opened today: closing it before it began is impossible
        return "missing"
    if current.start_date is not None and start <= current.start_date:
        return "correct"
    return "new"


def _records_for(
    r: _TeacherRow, teacher_id: int, state: _TeacherState, today: date, standins: MissingDates
):
    """New history records the row asks for that the registry does not have yet, as
    (model, row) pairs; a date the row leaves out stays empty, its row noted in `standins`."""
    v = r.values
    out: list[tuple[type, dict[str, Any]]] = []
    level = v.get("education_level")
    if level and level not in state.levels.get(teacher_id, set()):
        graduated = v.get("graduation_date")
        if not graduated:
            standins.add("graduation_date", r.row)
        out.append(
            (
                EducationRecord,
                {
                    "teacher_id": teacher_id,
                    "level": level,
                    "institution": v.get("institution", ""),
                    "major": v.get("major", ""),
                    "end_date": graduated or None,
                    # The row names the degree as held: completed, on a date not given.
                    "end_date_missing": not graduated,
                },
            )
        )
    rank = v.get("title_rank")
    if rank and rank != NONE and rank not in state.titles.get(teacher_id, set()):
        if not v.get("title_obtained_on"):
            standins.add("title_obtained_on", r.row)
        out.append(
            (
                TitleRecord,
                {
                    "teacher_id": teacher_id,
                    "rank": rank,
                    "obtained_on": v.get("title_obtained_on") or None,
                },
            )
        )
    stage, subject = v.get("certificate_stage"), v.get("certificate_subject")
    if stage and (stage, subject or "") not in state.certs.get(teacher_id, set()):
        out.append(
            (
                Certificate,
                {
                    "teacher_id": teacher_id,
                    "stage": stage,
                    "subject": subject or "other",
                    "number": v.get("certificate_number", ""),
                },
            )
        )
    backbone = v.get("backbone_level")
    if backbone and backbone != NONE and backbone not in state.backbone.get(teacher_id, set()):
        out.append(
            (
                Recognition,
                {
                    "teacher_id": teacher_id,
                    "kind": RecognitionKind.BACKBONE,
                    "level": backbone,
                    "subject": v.get("main_subject", ""),
                    "start_date": today,
                },
            )
        )
    return out


_BASIC_IMPORTED = ("ethnicity", "political_status")

_TEACHER_COLUMNS = (
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "national_id_encrypted",
    "national_id_hash",
    "phone_encrypted",
)
_EMPLOYMENT_COLUMNS = ("teacher_id", "start_date", *EMPLOYMENT_KEYS)
_AUDIT_COLUMNS = (
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "note",
)
_JSON_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f\u2028\u2029]*').fullmatch


def _json_text(value: str) -> str:
    """A JSON string literal (as json.dumps(…, ensure_ascii=False) writes it), quickly."""
    if _JSON_PLAIN(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def _commit_teachers(actor, rows: list[_TeacherRow], result: ImportResult) -> list[str]:
    """Write one chunk of validated rows (inside the caller's transaction), with bulk inserts
    and bulk updates only. Returns the masked IDs of rows created or changed."""
    writer = _WRITER.get()
    today = timezone.localdate()
    existing_ids = [r.teacher.pk for r in rows if r.teacher is not None]
    loaded = _STATE.get()
    if loaded is not None and loaded[0] == existing_ids:
        state = loaded[1]
    else:
        state = _load_state(existing_ids, today)
    new_rows = [r for r in rows if r.teacher is None]
    sealed = crypto.encrypt_many(
        [value for r in new_rows for value in (r.number, r.values.get("phone", ""))]
    )
    teacher_ids = insert_tuples(
        Teacher,
        _TEACHER_COLUMNS,
        [
            (
                v["name"],
                v["gender"],
                v["birth_date"],
                v.get("ethnicity") or "",  # not given: kept empty, never guessed
                v.get("political_status") or "",
                sealed[2 * i],
                r.hash,
                sealed[2 * i + 1],
            )
            for i, r in enumerate(new_rows)
            for v in (r.values,)
        ],
        writer=writer,
    )
    employments: list[tuple] = []
    records: dict[type, list[dict[str, Any]]] = defaultdict(list)
    audits: list[tuple] = []
    changed_keys: list[str] = []
    actor_id, username = getattr(actor, "pk", None), getattr(actor, "username", "system")
    note = _("bulk import")
    audit_head = (actor_id, username)
    school_json: dict[int, str] = {}
    mask = idcard.mask

    standins = result.standins
    # A new teacher's projection row is known from what this chunk writes: written with it,
    # not recomputed from the history at the end of the import.
    new_states: dict[int, projection.State] = {}
    new_state = projection.new_state
    for r, teacher_id in zip(new_rows, teacher_ids, strict=True):
        v = r.values
        job = _employment_values(r)
        start = v.get("employment_start")
        if start is None:
            standins.add("employment_start", r.row)
        employments.append((teacher_id, start, *[job[k] for k in EMPLOYMENT_KEYS]))
        titles, education = [], []
        for model, rec in _records_for(r, teacher_id, state, today, standins):
            records[model].append(rec)
            if model is TitleRecord:
                titles.append(rec["rank"])
            elif model is EducationRecord:
                education.append((rec["level"], rec["end_date"], rec["end_date_missing"]))
        school = r.school
        new_states[teacher_id] = new_state(
            tuple(titles), tuple(education), school.pk, school.district_id, today
        )
        masked = mask(r.number)
        school_text = school_json.get(school.pk)
        if school_text is None:
            school_text = school_json[school.pk] = _json_text(school.name)
        name = v["name"]
        changes = (
            f'{{"name": [null, {_json_text(name)}], "national_id": [null, "{masked}"], '
            f'"employment.school": [null, {school_text}]}}'
        )
        audits.append(
            (
                *audit_head,
                "teacher.import_create",
                "teachers.teacher",
                str(teacher_id),
                name,
                changes,
                note,
            )
        )
        changed_keys.append(masked)
    result.new += len(new_rows)

    closes: dict[date, list[int]] = defaultdict(list)
    teacher_updates: list[Teacher] = []
    job_updates: list[Employment] = []
    fills: dict[tuple, list[int]] = defaultdict(list)  # (model, field, date) → record pks
    dated: list[int] = []  # teachers some of whose records `fills` dates
    moved: list[int] = []  # teachers whose employment this chunk corrected, ended or started
    now = timezone.now()
    for r in rows:
        if r.teacher is None:
            continue
        t, changes = r.teacher, {}
        basic = {}
        for key in _BASIC_IMPORTED:
            if key in r.values and getattr(t, key) != r.values[key]:
                changes[key] = [getattr(t, key), r.values[key]]
                basic[key] = r.values[key]
        if "phone" in r.values and r.values["phone"] != t.phone:
            changes["phone"] = [t.phone_masked, idcard.mask_phone(r.values["phone"])]
            basic["phone_encrypted"] = crypto.encrypt(r.values["phone"])
        if basic:
            teacher_updates.append(
                Teacher(
                    pk=t.pk,
                    ethnicity=basic.get("ethnicity", t.ethnicity),
                    political_status=basic.get("political_status", t.political_status),
                    phone_encrypted=basic.get("phone_encrypted", t.phone_encrypted),
                    updated_at=now,
                )
            )
        job = _employment_values(r)
        current = state.jobs.get(t.pk)
        start = r.values.get("employment_start")
        differs = current is None or any(getattr(current, k) != job[k] for k in EMPLOYMENT_KEYS)
        fills_start = _fills_start(current, job, start)
        if differs or fills_start:
            moved.append(t.pk)
            step = _employment_step(current, job, start, today)
            if step == "missing":
                standins.add("employment_start", r.row)
            if step == "correct":
                kept = start if fills_start else current.start_date
                job_updates.append(
                    Employment(pk=current.pk, updated_at=now, start_date=kept, **job)
                )
                if fills_start:
                    changes["employment.start_date"] = [None, start.isoformat()]
            else:
                if current is not None:
                    closes[(start or today) - timedelta(days=1)].append(current.pk)
                employments.append((t.pk, start, *[job[k] for k in EMPLOYMENT_KEYS]))
            before = {k: getattr(current, k) for k in EMPLOYMENT_KEYS} if current else {}
            changes.update(
                {
                    f"employment.{k}": [before.get(k), v]
                    for k, v in job.items()
                    if before.get(k) != v
                }
            )
        for model, rec in _records_for(r, t.pk, state, today, standins):
            records[model].append(rec)
            changes[model._meta.model_name] = [None, _describe(rec)]
        for model, pk, name, value in _date_fills(r, t.pk, state):
            fills[(model, name, value)].append(pk)
            dated.append(t.pk)
            changes[f"{model._meta.model_name}.{name}"] = [None, value.isoformat()]
        if changes:
            result.changed += 1
            audits.append(
                (
                    *audit_head,
                    "teacher.import_update",
                    "teachers.teacher",
                    str(t.pk),
                    t.name,
                    changes,
                    note,
                )
            )
            changed_keys.append(mask(r.number))
        else:
            result.unchanged += 1
    if writer is not None and (teacher_updates or job_updates or closes or fills):
        writer.wait()  # these run on the connection now; the COPYs queued above run later
    # Each changed row gets a new version, so that an edit form opened before the import
    # cannot silently revert it (optimistic locking, teachers.services).
    if teacher_updates:
        for t in teacher_updates:
            t.version = F("version") + 1
        Teacher.objects.bulk_update(
            teacher_updates,
            ["ethnicity", "political_status", "phone_encrypted", "version", "updated_at"],
            batch_size=1000,
        )
    if job_updates:
        for job in job_updates:
            job.version = F("version") + 1
        Employment.objects.bulk_update(
            job_updates,
            [*EMPLOYMENT_KEYS, "start_date", "version", "updated_at"],
            batch_size=1000,
        )
    for (model, name, value), pks in fills.items():
        also = {"end_date_missing": False} if model is EducationRecord else {}
        for chunk in _chunks(pks):
            model.objects.filter(pk__in=chunk).update(
                **{name: value}, **also, version=F("version") + 1, updated_at=now
            )
    for end, ids in closes.items():
        for chunk in _chunks(ids):
            Employment.objects.filter(pk__in=chunk).update(
                end_date=end, end_reason="import", version=F("version") + 1
            )
    insert_tuples(Employment, _EMPLOYMENT_COLUMNS, employments, writer=writer)
    # The projection: the new teachers (each gets its row), those whose titles or education
    # this chunk added to or dated, and those whose employment it changed.
    projection.touched(
        [
            *(
                rec["teacher_id"]
                for m in (TitleRecord, EducationRecord)
                for rec in records.get(m, ())
                if rec["teacher_id"] not in new_states
            ),
            *dated,
            *moved,
        ]
    )
    projection.insert_new(new_states, today, writer=writer)
    for model, items in records.items():
        rows_of = [tuple(item.values()) for item in items]
        insert_tuples(model, list(items[0]), rows_of, writer=writer)
    insert_tuples(AuditLog, _AUDIT_COLUMNS, audits, writer=writer)
    return changed_keys  # with a writer, the COPYs start at the next chunk (or at the end)


def _describe(rec: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in rec.items() if k != "teacher_id")


def _count_teachers(rows: list[_TeacherRow], result: ImportResult) -> None:
    """For a dry run: classify rows as new / changed / unchanged without writing."""
    today = timezone.localdate()
    state = _load_state([r.teacher.pk for r in rows if r.teacher], today)
    standins = result.standins
    for r in rows:
        if r.teacher is None:
            result.new += 1
            if r.values.get("employment_start") is None:
                standins.add("employment_start", r.row)
            _records_for(r, -1, state, today, standins)  # a new teacher has no records yet
            continue
        t = r.teacher
        current = state.jobs.get(t.pk)
        job = _employment_values(r)
        start = r.values.get("employment_start")
        moved = current is None or any(getattr(current, k) != job[k] for k in EMPLOYMENT_KEYS)
        moved = moved or _fills_start(current, job, start)
        if moved and _employment_step(current, job, start, today) == "missing":
            standins.add("employment_start", r.row)
        records = _records_for(r, t.pk, state, today, standins)
        differs = (
            any(k in r.values and getattr(t, k) != r.values[k] for k in _BASIC_IMPORTED)
            or ("phone" in r.values and r.values["phone"] != t.phone)
            or moved
            or bool(records)
            or bool(_date_fills(r, t.pk, state))
        )
        if differs:
            result.changed += 1
        else:
            result.unchanged += 1


# --- Entry point ---------------------------------------------------------------------------


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def import_file(
    *,
    actor,
    kind: str,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
    job: ImportJob | None = None,
    original: tuple[str, bytes] | None = None,
    school_code: str = "",
) -> ImportResult:
    """Validate a file and, if it has no problem and this is not a dry run, import it whole.

    Raises ApplicationError for a file that cannot be read at all; row problems are returned in
    the result (and nothing is written). `progress(stage, done, total)` is called as the work
    advances (stages "read", "validate", "write") so that jobs can show a progress bar.
    When `job` is given (a background import), the outcome is recorded on it instead of on a
    new ImportJob row. `original` is the file as the user gave it, (name, bytes), when `data`
    was converted from it (a workbook in the national template's layout): the import's record
    keeps that file's name and hash, that layout, and the `school_code` the conversion gave
    the rows without one.
    """
    with cyclic_gc_paused(), statistics_refreshed():
        token = _ORIGINAL.set((*original, school_code) if original is not None else None)
        try:
            return _import_file(actor, kind, data, filename, dry_run, mapping, progress, job)
        finally:
            _ORIGINAL.reset(token)


def _import_file(actor, kind, data, filename, dry_run, mapping, progress, job) -> ImportResult:
    progress = progress or _no_progress
    if kind not in KINDS:
        raise translated(gettext_lazy("Importing %(kind)s is not available yet."), {"kind": kind})
    spec = KINDS[kind]
    if not all(can(actor, subject, action) for subject, action in spec.permissions):
        raise translated(gettext_lazy("You may not import this kind of data."), error=Forbidden)
    result = ImportResult(kind=kind)
    progress("read", 0, 1)
    # The formula check reads the file's XML while calamine parses the sheet: both release
    # the GIL, so on a large file they take one core each.
    with ThreadPoolExecutor(max_workers=1) as pool:
        formulas = pool.submit(
            tabular.formula_cells, data, uncached_only=True, limits=read_limits()
        )
        table, match = _read(data, filename, spec.columns, mapping, lazy=spec.stream is not None)
        formula_cells = formulas.result()
    progress("validate", 0, table.size_hint)
    rows: list[Any] = []
    formulas = _formula_problems(formula_cells, table)
    header = _header_problems(match, spec.columns)
    if header:  # the rows cannot be read without their columns
        result.problems = formulas + header
        result.rejected = len({p.row for p in formulas})
    elif spec.stream is not None:
        return _import_stream(
            spec, actor, kind, data, filename, mapping, dry_run, progress, job, table, match,
            formulas,
        )  # fmt: skip
    else:
        rows, problems, rejected = spec.validate(actor, table, match, progress)
        result.problems = _with_formulas(formulas, problems)
        result.rejected = len({p.row for p in result.problems}) if formulas else rejected
    progress("validate", table.size_hint, table.size_hint)
    if dry_run:  # the preview counts the rows that passed, whatever the others did
        rejected = {p.row for p in result.problems}
        spec.count([r for r in rows if r.row not in rejected], result)
        return result
    if result.problems:
        result.job = _record_job(actor, kind, data, filename, mapping, result, [], job=job)
        return result
    progress("write", 0, len(rows))
    with transaction.atomic(), projection.kept_current():
        keys = spec.commit(actor, rows, result)
        result.committed = True
        result.job = _record_job(actor, kind, data, filename, mapping, result, keys, job=job)
        audit_record(
            actor=actor,
            action="import.commit",
            target=result.job,
            changes={"new": [None, result.new], "changed": [None, result.changed]},
            note=filename,
        )
    progress("write", len(rows), len(rows))
    return result


def _import_stream(
    spec, actor, kind, data, filename, mapping, dry_run, progress, job, table, match, formulas
) -> ImportResult:
    """import_file for a kind checked and written in one streaming pass (`_Kind.stream`).

    Rows are written as soon as they are checked, inside one transaction that is rolled back
    if any row of the file has a problem: all or nothing, as ever. A dry run only checks, and
    so does a file with formula cells (`formulas`, their problems): it cannot be imported, but
    its other rows are checked all the same.
    """
    result = ImportResult(kind=kind, problems=list(formulas))
    write = not dry_run and not formulas
    try:
        # Only a run that writes needs a transaction of its own.
        with transaction.atomic() if write else nullcontext(), projection.kept_current():
            keys = spec.stream(actor, table, match, result, write=write, progress=progress)
            if formulas:
                result.problems = _with_formulas(formulas, result.problems)
                result.rejected = len({p.row for p in result.problems})
            if not result.problems and not (result.new + result.changed + result.unchanged):
                result.problems = [
                    Problem(
                        table.first_data_row,
                        "",
                        "",
                        "表头下面没有数据行",
                        "The file has no data rows below the header",
                    )
                ]
            if result.problems and write:
                transaction.set_rollback(True)
            elif write:
                result.committed = True
                result.job = _record_job(
                    actor, kind, data, filename, mapping, result, keys, job=job
                )
                audit_record(
                    actor=actor,
                    action="import.commit",
                    target=result.job,
                    changes={"new": [None, result.new], "changed": [None, result.changed]},
                    note=filename,
                )
    except tabular.TableError as exc:  # found while reading on (too many rows, a gap, …)
        raise _table_error(exc) from None
    done = result.new + result.changed + result.unchanged
    if result.problems and not dry_run:  # nothing was imported (a preview keeps its counts)
        result.new = result.changed = result.unchanged = 0
        result.standins.clear()
        result.job = _record_job(actor, kind, data, filename, mapping, result, [], job=job)
        progress("validate", done + result.rejected, done + result.rejected)
    elif dry_run:
        progress("validate", done + result.rejected, done + result.rejected)
    else:
        progress("write", done, done)
    return result


@dataclass(frozen=True)
class _Kind:
    """How one import kind is checked, counted (dry run) and written.

    A kind with `stream` is checked and written in one pass over the file (see
    `_import_stream`); `validate`, `count` and `commit` then serve callers that want the
    steps apart.
    """

    columns: list[Column]
    permissions: tuple[tuple[str, str], ...]
    validate: Callable
    count: Callable
    commit: Callable
    stream: Callable | None = None


def _with_formulas(formulas: list[Problem], problems: list[Problem]) -> list[Problem]:
    """The problems of the rows with the formula cells' added; a formula cell reads as empty,
    so what the check said of that cell itself (a required cell empty) is left out."""
    if not formulas:
        return problems
    at = {(p.row, p.column) for p in formulas}
    kept = [p for p in problems if (p.row, p.column) not in at]
    return sorted(formulas + kept, key=lambda p: (p.row, p.column))


def _formula_problems(found, table) -> list[Problem]:
    """A problem per formula cell saved without a computed value (it would read as empty);
    `found` are tabular.formula_cells(data, uncached_only=True)."""
    problems = []
    for row, column in sorted(found):
        index = column - table.first_column
        name = table.header[index] if 0 <= index < len(table.header) else ""
        problems.append(
            Problem(
                row,
                name or tabular.column_letter(column),
                "",
                "公式单元格没有计算结果，请粘贴为数值",
                "A formula cell has no computed value: paste values instead",
            )
        )
    return problems


def _validate_facilities(actor, table, match, progress=None):
    return facilities.validate(actor, table, match, _parse_rows, Problem, progress)


def _validate_schools(actor, table, match, progress=None):
    return schools.validate(actor, table, match, _parse_rows, Problem, progress)


def _history_kind(kind: str) -> _Kind:
    def validate(actor, table, match, progress=None):
        return history.validate(kind, actor, table, match, _parse_rows, Problem, progress)

    return _Kind(
        HISTORY_COLUMNS[kind], (("teacher", "change"),), validate, history.count, history.commit
    )


def _births_kind() -> _Kind:
    # Births per district feed the staffing forecast; that app checks and writes the rows.
    # Only offices (who may create schools in their area) load them: ("school", "create").
    from qiangshi.staffing import births_import

    def validate(actor, table, match, progress=None):
        return births_import.validate(actor, table, match, _parse_rows, Problem, progress)

    return _Kind(
        births_import.BIRTH_COLUMNS,
        (("school", "create"),),
        validate,
        births_import.count,
        births_import.commit,
    )


def _wages_kind() -> _Kind:
    # The finance office's salary parity return; the welfare app checks and writes the rows,
    # with the columns its rule sets' component lists give. Offices that keep the figures.
    from qiangshi.welfare import parity_import

    def validate(actor, table, match, progress=None):
        return parity_import.validate(actor, table, match, _parse_rows, Problem, progress)

    return _Kind(
        parity_import.wage_columns(),
        (("wage", "change"),),
        validate,
        parity_import.count,
        parity_import.commit,
    )


def _training_kind() -> _Kind:
    # Training hours from elsewhere (degree study, provincial platforms) reach each teacher's
    # training record; that app checks and writes the rows.
    from qiangshi.training import importing

    def validate(actor, table, match, progress=None):
        return importing.validate(actor, table, match, _parse_rows, Problem, progress)

    return _Kind(
        importing.IMPORT_COLUMNS,
        (("trainingrecord", "create"),),
        validate,
        importing.count,
        importing.commit,
    )


def _pilot_kind() -> _Kind:
    # The pilot office's figures of pilot regions that do not run Qiangshi; the pilot app checks
    # and writes the rows, with the columns of its indicator file.
    from qiangshi.pilot import importing

    def validate(actor, table, match, progress=None):
        return importing.validate(actor, table, match, _parse_rows, Problem, progress)

    return _Kind(
        importing.pilot_columns(),
        (("pilotfigure", "change"),),
        validate,
        importing.count,
        importing.commit,
    )


def _payroll_kind() -> _Kind:
    # Per-teacher pay by parity component: the welfare app checks the rows and writes them
    # encrypted. Offices that may import pay (`payroll.create`).
    from qiangshi.welfare import payroll

    def validate(actor, table, match, progress=None):
        return payroll.validate(actor, table, match, _parse_rows, Problem, progress)

    return _Kind(
        payroll.payroll_columns(),
        (("payroll", "create"),),
        validate,
        payroll.count,
        payroll.commit,
    )


KINDS: dict[str, _Kind] = {
    # Looked up at call time (not bound here), so that tests can substitute one step.
    ImportKind.TEACHERS: _Kind(
        TEACHER_COLUMNS,
        (("teacher", "create"), ("teacher", "change")),
        lambda *args: _validate_teachers(*args),
        lambda *args: _count_teachers(*args),
        lambda *args: _commit_teachers(*args),
        lambda *args, **kwargs: _stream_teachers(*args, **kwargs),
    ),
    ImportKind.FACILITIES: _Kind(
        FACILITY_COLUMNS,
        (("school", "change"),),
        _validate_facilities,
        facilities.count,
        facilities.commit,
    ),
    ImportKind.SCHOOLS: _Kind(
        SCHOOL_COLUMNS, (("school", "change"),), _validate_schools, schools.count, schools.commit
    ),
    **{kind: _history_kind(kind) for kind in history.KINDS},
    ImportKind.BIRTHS: _births_kind(),
    ImportKind.WAGES: _wages_kind(),
    ImportKind.TRAINING: _training_kind(),
    ImportKind.PILOT: _pilot_kind(),
    ImportKind.PAYROLL: _payroll_kind(),
}


_ORIGINAL: ContextVar[tuple[str, bytes, str] | None] = ContextVar("import_original", default=None)


def _record_job(
    actor,
    kind,
    data,
    filename,
    mapping,
    result: ImportResult,
    keys,
    *,
    job: ImportJob | None = None,
) -> ImportJob:
    """Record the outcome on `job` (a background import) or on a new ImportJob row."""
    original = _ORIGINAL.get()
    converted = {}
    if original is not None:  # converted: the record names the file the user gave
        filename, data, school_code = original
        converted = {"layout": ImportLayout.NATIONAL, "school_code": school_code}
    values = {
        **converted,
        "kind": kind,
        "user": actor,
        "file_name": filename[:255],
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "column_mapping": mapping or {},
        "status": ImportStatus.COMMITTED if result.committed else ImportStatus.REJECTED,
        "rows_total": result.new + result.changed + result.unchanged + result.rejected,
        "rows_done": result.new + result.changed + result.unchanged,
        "new": result.new,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "errors": [p.as_dict() for p in result.problems[:5000]],
        "notes": result.notes() if result.committed else [],
        "changes": keys,
        "finished_at": timezone.now(),
    }
    if job is None:
        return ImportJob.objects.create(**values)
    for key, value in values.items():
        setattr(job, key, value)
    job.save()
    return job
