"""Bulk import: validate everything, then commit all-or-nothing.

`import_file(actor=…, kind=…, data=…, filename=…, dry_run=…)` reads the file, matches the
headers, parses every cell, checks every row against the registry and the actor's scope, and
either rejects the whole file (listing every problem with its Excel row, column, value and
reason) or, unless it is a dry run, writes it in one transaction with bulk inserts. Importing
the same file again changes nothing: teachers are matched by the keyed hash of their national
ID, and a changed value becomes a new history record where the field has history.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qiangshi.access.scoping import can, scope
from qiangshi.core import crypto
from qiangshi.core.bulk import bulk_insert_rows, filter_in
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.core.services import audit_record
from qiangshi.engines import cells, idcard, tabular
from qiangshi.org.models import School
from qiangshi.teachers.models import (
    Certificate,
    EducationRecord,
    Employment,
    Recognition,
    RecognitionKind,
    Teacher,
    TitleRecord,
)

from . import facilities, history, schools
from .models import ImportJob, ImportKind, ImportStatus
from .specs import (
    FACILITY_COLUMNS,
    HISTORY_COLUMNS,
    NONE,
    SCHOOL_COLUMNS,
    TEACHER_COLUMNS,
    Column,
)

MAX_ROWS = 1_000_000
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [p.as_dict() for p in self.problems],
        }


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- Reading and cell parsing (shared by every kind) ---------------------------------------


def _read(data: bytes, filename: str, columns: list[Column], mapping: dict[str, str] | None):
    """Read the table and match headers; raises ApplicationError for file-level problems."""
    specs = [tabular.ColumnSpec(c.key, list(c.names), c.required) for c in columns]
    try:
        table = tabular.read_table(data, filename, max_rows=MAX_ROWS)
        match = tabular.match_headers(table.header, specs, overrides=mapping or {})
    except tabular.TableError as exc:
        lang = translation.get_language() or "zh-hans"
        raise ApplicationError(
            exc.message_en if lang.startswith("en") else exc.message_zh, fields={"file": exc.code}
        ) from None
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


def _parse_cell(col: Column, cell: Any, cache: dict[Any, Any] | None) -> Any:
    """The parsed value of a cell, or the CellError it raised; memoised in `cache` if given."""
    if cache is not None:
        try:
            outcome = cache.get(cell, _MISSING)
        except TypeError:  # an unhashable cell value
            cache = None
            outcome = _MISSING
        if outcome is not _MISSING:
            return outcome
    try:
        outcome = col.parse(cell)
    except cells.CellError as exc:
        outcome = exc
    if cache is not None:
        cache[cell] = outcome
    return outcome


def _parse_rows(table, match, columns: list[Column]):
    """Yield (excel_row, values, problems) for every non-empty data row."""
    header = table.header
    # Enumerations and dates repeat a lot (a roster has a handful of distinct titles): parse each
    # distinct cell once per column. Outcomes are cached, errors included.
    used = [
        (
            c,
            match.mapping[c.key],
            {} if c.choices is not None or c.parse is cells.date_value else None,
        )
        for c in columns
        if c.key in match.mapping
    ]
    for offset, raw in enumerate(table.rows):
        table.rows[offset] = None  # parsed values replace the raw cells: free them as we go
        row_no = table.first_data_row + offset
        if not any(v.strip() if isinstance(v, str) else v is not None for v in raw):
            continue
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for col, index, cache in used:
            cell = raw[index] if index < len(raw) else None
            outcome = cache.get(cell, _MISSING) if cache is not None else _MISSING
            if outcome is _MISSING:
                outcome = _parse_cell(col, cell, cache)
            if isinstance(outcome, cells.CellError):
                problems.append(
                    Problem(row_no, header[index], cell, outcome.message_zh, outcome.message_en)
                )
                continue
            value = outcome
            if value in (None, ""):
                if col.required:
                    problems.append(
                        Problem(
                            row_no, header[index], cell, "必填项为空", "A required cell is empty"
                        )
                    )
                continue
            values[col.key] = value
        yield row_no, values, problems


# --- Teachers ----------------------------------------------------------------------------


class _Existing(SimpleNamespace):
    """The few fields of a registered teacher an import compares (no model instance: fast)."""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def phone_masked(self) -> str:
        return idcard.mask_phone(self.phone)


@dataclass
class _TeacherRow:
    row: int
    values: dict[str, Any]
    number: str
    hash: str
    school: School | None = None
    teacher: _Existing | None = None


def _col_title(key: str, match, table) -> str:
    index = match.mapping.get(key)
    if index is not None:
        return table.header[index]
    return next(c.title_zh for c in TEACHER_COLUMNS if c.key == key)


def _validate_teachers(
    actor, table, match, progress: "Progress | None" = None
) -> tuple[list[_TeacherRow], list[Problem], int]:
    problems: list[Problem] = []
    rows: list[_TeacherRow] = []
    rejected_rows: set[int] = set()
    seen: dict[str, int] = {}
    title = lambda key: _col_title(key, match, table)  # noqa: E731

    total = len(table.rows)
    for row_no, values, row_problems in _parse_rows(table, match, TEACHER_COLUMNS):
        if progress is not None and row_no % 5000 == 0:
            progress("validate", row_no - table.first_data_row, total)
        problems += row_problems
        if row_problems:
            rejected_rows.add(row_no)
        raw_id = values.get("national_id")
        if not raw_id:
            continue
        try:
            parsed = idcard.parse(raw_id)
        except idcard.InvalidNationalId as exc:
            zh = {
                "length": "身份证号应为18位",
                "characters": "身份证号前17位须为数字，末位为数字或X",
                "birth_date": "身份证号中的出生日期无效",
                "checksum": "身份证号校验位错误（GB 11643）",
            }[exc.code]
            problems.append(
                Problem(
                    row_no, title("national_id"), raw_id, zh, f"Invalid national ID number: {exc}"
                )
            )
            rejected_rows.add(row_no)
            continue
        if "birth_date" in values and values["birth_date"] != parsed.birth_date:
            problems.append(
                Problem(
                    row_no,
                    title("birth_date"),
                    values["birth_date"],
                    f"出生日期与身份证号不一致（身份证为 {parsed.birth_date:%Y-%m-%d}）",
                    f"The birth date contradicts the national ID ({parsed.birth_date:%Y-%m-%d})",
                )
            )
            rejected_rows.add(row_no)
        if "gender" in values and values["gender"] != parsed.gender:
            problems.append(
                Problem(
                    row_no,
                    title("gender"),
                    values["gender"],
                    "性别与身份证号不一致",
                    "The gender contradicts the national ID",
                )
            )
            rejected_rows.add(row_no)
        values["birth_date"], values["gender"] = parsed.birth_date, parsed.gender
        if parsed.number in seen:
            problems.append(
                Problem(
                    row_no,
                    title("national_id"),
                    idcard.mask(parsed.number),
                    f"身份证号与第 {seen[parsed.number]} 行重复",
                    f"Duplicate national ID: same as row {seen[parsed.number]}",
                )
            )
            rejected_rows.add(row_no)
            continue
        seen[parsed.number] = row_no
        post_grade = values.get("post_grade")
        if post_grade is not None and not 1 <= post_grade <= 13:
            problems.append(
                Problem(
                    row_no,
                    title("post_grade"),
                    post_grade,
                    "岗位等级应在 1–13 之间",
                    "The post grade must be 1–13",
                )
            )
            rejected_rows.add(row_no)
        rows.append(_TeacherRow(row_no, values, parsed.number, crypto.lookup_hash(parsed.number)))

    # Schools: known, and inside the actor's area.
    codes = sorted({r.values["school_code"] for r in rows if r.values.get("school_code")})
    in_scope: dict[str, School] = {}
    exists: set[str] = set()
    for chunk in _chunks(codes):
        exists |= set(School.objects.filter(code__in=chunk).values_list("code", flat=True))
        in_scope.update(
            {s.code: s for s in scope(School.objects.all(), actor, "view").filter(code__in=chunk)}
        )
    # Teachers already in the registry, and which of them the actor may change.
    hashes = [r.hash for r in rows]
    existing: dict[str, _Existing] = {}
    changeable: set[int] = set()
    for qs in filter_in(Teacher.objects.all(), "national_id_hash", hashes):
        for row in qs.values(
            "pk", "name", "ethnicity", "political_status", "phone_encrypted", "national_id_hash"
        ):
            existing[row["national_id_hash"]] = _Existing(**row)
    for qs in filter_in(scope(Teacher.objects.all(), actor, "change"), "national_id_hash", hashes):
        changeable |= set(qs.values_list("pk", flat=True))
    for r in rows:
        code = r.values.get("school_code")
        if code:
            r.school = in_scope.get(code)
            if r.school is None:
                zh, en = (
                    ("学校代码不在您的管理范围内", "This school is outside your area")
                    if code in exists
                    else ("未知的学校代码", "Unknown school code")
                )
                problems.append(Problem(r.row, title("school_code"), code, zh, en))
                rejected_rows.add(r.row)
        r.teacher = existing.get(r.hash)
        if r.teacher is not None:
            if r.teacher.name != r.values.get("name"):
                problems.append(
                    Problem(
                        r.row,
                        title("national_id"),
                        idcard.mask(r.number),
                        "该身份证号已属于另一位姓名不同的教师",
                        "This national ID already belongs to another person with a different name",
                    )
                )
                rejected_rows.add(r.row)
            elif r.teacher.pk not in changeable:
                problems.append(
                    Problem(
                        r.row,
                        title("national_id"),
                        idcard.mask(r.number),
                        "该教师当前在您管理范围以外的学校任职",
                        "This teacher currently works at a school outside your area",
                    )
                )
                rejected_rows.add(r.row)
    problems.sort(key=lambda p: (p.row, p.column))
    return rows, problems, len(rejected_rows)


@dataclass
class _TeacherState:
    """What the registry holds for the teachers an import touches, loaded in bulk."""

    jobs: dict[int, SimpleNamespace] = field(default_factory=dict)
    titles: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    levels: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    certs: dict[int, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    backbone: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))


def _load_state(teacher_ids: list[int], today: date) -> _TeacherState:
    state = _TeacherState()
    jobs = Employment.objects.filter(end_date__isnull=True)
    for qs in filter_in(jobs, "teacher_id", teacher_ids):
        for job in qs.values("pk", "teacher_id", "start_date", *EMPLOYMENT_KEYS):
            state.jobs[job["teacher_id"]] = SimpleNamespace(**job)
    for qs in filter_in(TitleRecord.objects.all(), "teacher_id", teacher_ids):
        for tid, rank in qs.values_list("teacher_id", "rank"):
            state.titles[tid].add(rank)
    for qs in filter_in(EducationRecord.objects.all(), "teacher_id", teacher_ids):
        for tid, level in qs.values_list("teacher_id", "level"):
            state.levels[tid].add(level)
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


def _records_for(r: _TeacherRow, teacher_id: int, state: _TeacherState, today: date):
    """New history records the row asks for that the registry does not have yet, as
    (model, row) pairs."""
    v = r.values
    out: list[tuple[type, dict[str, Any]]] = []
    level = v.get("education_level")
    if level and level not in state.levels.get(teacher_id, set()):
        out.append(
            (
                EducationRecord,
                {
                    "teacher_id": teacher_id,
                    "level": level,
                    "institution": v.get("institution", ""),
                    "major": v.get("major", ""),
                    "end_date": v.get("graduation_date") or today,
                },
            )
        )
    rank = v.get("title_rank")
    if rank and rank != NONE and rank not in state.titles.get(teacher_id, set()):
        out.append(
            (
                TitleRecord,
                {
                    "teacher_id": teacher_id,
                    "rank": rank,
                    "obtained_on": v.get("title_obtained_on") or today,
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


COMMIT_CHUNK = 20_000


def _commit_teachers(actor, rows: list[_TeacherRow], result: ImportResult) -> list[str]:
    """Write the validated rows, a chunk at a time (all inside the caller's transaction), so
    that memory holds one chunk's inserts rather than the whole file's. Returns the masked IDs
    of rows created or changed."""
    keys: list[str] = []
    for chunk in _chunks(rows, COMMIT_CHUNK):
        keys += _commit_teacher_chunk(actor, chunk, result)
    return keys


def _commit_teacher_chunk(actor, rows: list[_TeacherRow], result: ImportResult) -> list[str]:
    today = timezone.localdate()
    existing_ids = [r.teacher.pk for r in rows if r.teacher is not None]
    state = _load_state(existing_ids, today)
    new_rows = [r for r in rows if r.teacher is None]
    encrypt = crypto.encrypt
    teachers = [
        {
            "name": r.values["name"],
            "gender": r.values["gender"],
            "birth_date": r.values["birth_date"],
            "ethnicity": r.values.get("ethnicity") or "汉族",
            "political_status": r.values.get("political_status") or "masses",
            "national_id_encrypted": encrypt(r.number),
            "national_id_hash": r.hash,
            "phone_encrypted": encrypt(r.values.get("phone", "")),
        }
        for r in new_rows
    ]
    bulk_insert_rows(Teacher, teachers)
    employments: list[dict[str, Any]] = []
    records: dict[type, list[dict[str, Any]]] = defaultdict(list)
    audits: list[dict[str, Any]] = []
    changed_keys: list[str] = []
    actor_id, username = getattr(actor, "pk", None), getattr(actor, "username", "system")
    note = _("bulk import")

    def audit(teacher_id: int, name: str, action: str, changes: dict) -> None:
        audits.append(
            {
                "actor_id": actor_id,
                "actor_username": username,
                "action": action,
                "object_type": "teachers.teacher",
                "object_id": str(teacher_id),
                "object_repr": name,
                "changes": changes,
                "note": note,
            }
        )

    for r, t in zip(new_rows, teachers, strict=True):
        employments.append(
            {
                "teacher_id": t["id"],
                "start_date": r.values.get("employment_start") or today,
                **_employment_values(r),
            }
        )
        for model, rec in _records_for(r, t["id"], state, today):
            records[model].append(rec)
        masked = idcard.mask(r.number)
        audit(
            t["id"],
            t["name"],
            "teacher.import_create",
            {
                "name": [None, t["name"]],
                "national_id": [None, masked],
                "employment.school": [None, r.school.name],
            },
        )
        changed_keys.append(masked)
    result.new += len(new_rows)

    closes: dict[date, list[int]] = defaultdict(list)
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
            basic["phone_encrypted"] = encrypt(r.values["phone"])
        if basic:
            Teacher.objects.filter(pk=t.pk).update(updated_at=timezone.now(), **basic)
        job = _employment_values(r)
        current = state.jobs.get(t.pk)
        differs = current is None or any(getattr(current, k) != job[k] for k in EMPLOYMENT_KEYS)
        if differs:
            start = r.values.get("employment_start")
            if current is not None and (start is None or start <= current.start_date):
                start = today
            start = start or today
            if current is not None and start <= current.start_date:
                # Changed on the day it started: correct the open record in place.
                Employment.objects.filter(pk=current.pk).update(**job)
            else:
                if current is not None:
                    closes[start - timedelta(days=1)].append(current.pk)
                employments.append({"teacher_id": t.pk, "start_date": start, **job})
            before = {k: getattr(current, k) for k in EMPLOYMENT_KEYS} if current else {}
            changes.update(
                {
                    f"employment.{k}": [before.get(k), v]
                    for k, v in job.items()
                    if before.get(k) != v
                }
            )
        for model, rec in _records_for(r, t.pk, state, today):
            records[model].append(rec)
            changes[model._meta.model_name] = [None, _describe(rec)]
        if changes:
            result.changed += 1
            audit(t.pk, t.name, "teacher.import_update", changes)
            changed_keys.append(idcard.mask(r.number))
        else:
            result.unchanged += 1
    for end, ids in closes.items():
        for chunk in _chunks(ids):
            Employment.objects.filter(pk__in=chunk).update(end_date=end, end_reason="import")
    bulk_insert_rows(Employment, employments)
    for model, items in records.items():
        bulk_insert_rows(model, items)
    bulk_insert_rows(AuditLog, audits)
    return changed_keys


def _describe(rec: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in rec.items() if k != "teacher_id")


def _count_teachers(rows: list[_TeacherRow], result: ImportResult) -> None:
    """For a dry run: classify rows as new / changed / unchanged without writing."""
    today = timezone.localdate()
    state = _load_state([r.teacher.pk for r in rows if r.teacher], today)
    for r in rows:
        if r.teacher is None:
            result.new += 1
            continue
        t = r.teacher
        current = state.jobs.get(t.pk)
        job = _employment_values(r)
        differs = (
            any(k in r.values and getattr(t, k) != r.values[k] for k in _BASIC_IMPORTED)
            or ("phone" in r.values and r.values["phone"] != t.phone)
            or current is None
            or any(getattr(current, k) != job[k] for k in EMPLOYMENT_KEYS)
            or bool(_records_for(r, t.pk, state, today))
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
) -> ImportResult:
    """Validate a file and, if it has no problem and this is not a dry run, import it whole.

    Raises ApplicationError for a file that cannot be read at all; row problems are returned in
    the result (and nothing is written). `progress(stage, done, total)` is called as the work
    advances (stages "read", "validate", "write") so that jobs can show a progress bar.
    When `job` is given (a background import), the outcome is recorded on it instead of on a
    new ImportJob row.
    """
    progress = progress or _no_progress
    if kind not in KINDS:
        raise ApplicationError(_("Importing %(kind)s is not available yet.") % {"kind": kind})
    spec = KINDS[kind]
    if not all(can(actor, subject, action) for subject, action in spec.permissions):
        raise ApplicationError(_("You may not import this kind of data."))
    result = ImportResult(kind=kind)
    progress("read", 0, 1)
    table, match = _read(data, filename, spec.columns, mapping)
    progress("validate", 0, len(table.rows))
    rows: list[Any] = []
    result.problems = _formula_problems(data, table)
    result.rejected = len({p.row for p in result.problems})
    result.problems += _header_problems(match, spec.columns)
    if not result.problems:
        rows, result.problems, result.rejected = spec.validate(actor, table, match, progress)
    progress("validate", len(table.rows), len(table.rows))
    if result.problems or dry_run:
        if not result.problems:
            spec.count(rows, result)
        else:
            result.job = (
                None
                if dry_run
                else _record_job(actor, kind, data, filename, mapping, result, [], job=job)
            )
        return result
    progress("write", 0, len(rows))
    with transaction.atomic():
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


@dataclass(frozen=True)
class _Kind:
    """How one import kind is checked, counted (dry run) and written."""

    columns: list[Column]
    permissions: tuple[tuple[str, str], ...]
    validate: Callable
    count: Callable
    commit: Callable


def _formula_problems(data: bytes, table) -> list[Problem]:
    """A problem per formula cell saved without a computed value (it would read as empty)."""
    problems = []
    for row, column in sorted(tabular.formula_cells(data, uncached_only=True)):
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


KINDS: dict[str, _Kind] = {
    # Looked up at call time (not bound here), so that tests can substitute one step.
    ImportKind.TEACHERS: _Kind(
        TEACHER_COLUMNS,
        (("teacher", "create"), ("teacher", "change")),
        lambda *args: _validate_teachers(*args),
        lambda *args: _count_teachers(*args),
        lambda *args: _commit_teachers(*args),
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
}


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
    values = {
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
        "changes": keys,
        "finished_at": timezone.now(),
    }
    if job is None:
        return ImportJob.objects.create(**values)
    for key, value in values.items():
        setattr(job, key, value)
    job.save()
    return job
