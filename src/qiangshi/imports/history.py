"""Importing the history tables — education, titles, recognitions, employments — one row per
record.

Each row names its teacher by national ID (matched by keyed hash) and name; the name must be
the registry's, and the teacher must be one the actor may change. A row whose key matches a
record of that teacher — education: level, institution and graduation date; title: rank;
recognition: kind, level and start date; employment: school and start date — is that record:
"unchanged" when the cells it fills agree, "changed" (corrected in place, audited) when they
differ. Employment is the exception: its dates decide where a teacher works, so a matching
employment that differs is rejected (correct it in the teacher's record). Other rows are new.

Checks beyond the cells': end on or after start; a title appointed on or after it was obtained;
a title rank once per teacher; a new employment must not overlap the teacher's others, may be
open (no end date) only when the teacher has no open employment, and must not start or end in
the future; an open employment, or one that would become a former teacher's latest, must be at a
school in the actor's area.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F
from django.utils import timezone

from qiangshi.access.scoping import scope
from qiangshi.core import crypto
from qiangshi.core.bulk import bulk_insert_rows, filter_in
from qiangshi.core.models import AuditLog
from qiangshi.engines import cells, idcard
from qiangshi.org.models import School
from qiangshi.teachers import projection
from qiangshi.teachers.models import (
    EducationRecord,
    Employment,
    Recognition,
    StudyMode,
    Teacher,
    TitleRecord,
)

from .specs import HISTORY_COLUMNS

KINDS = tuple(HISTORY_COLUMNS)
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True)
class _Spec:
    model: type
    record: str  # the record group's name in the audit log ("teacher.title_import")
    key: tuple[str, ...]  # the fields that identify a record of a teacher
    other: tuple[str, ...]  # the fields a row may correct on a matching record
    lengths: dict[str, int] = field(default_factory=dict)


SPECS: dict[str, _Spec] = {
    "education": _Spec(
        EducationRecord,
        "education",
        ("level", "institution", "end_date"),
        ("major", "study_mode", "is_normal_major", "start_date"),
        {"institution": 120, "major": 120},
    ),
    "titles": _Spec(TitleRecord, "title", ("rank",), ("obtained_on", "appointed_on")),
    "recognitions": _Spec(
        Recognition, "recognition", ("kind", "level", "start_date"), ("subject", "end_date")
    ),
    "employments": _Spec(
        Employment,
        "employment",
        ("school_id", "start_date"),
        (
            "employment_type",
            "post_category",
            "is_full_time_teacher",
            "main_subject",
            "post_grade",
            "end_date",
            "end_reason",
        ),
        {"end_reason": 100},
    ),
}
_ID_ZH = {
    "length": "身份证号应为18位",
    "characters": "身份证号前17位须为数字，末位为数字或X",
    "birth_date": "身份证号中的出生日期无效",
    "checksum": "身份证号校验位错误（GB 11643）",
}


@dataclass
class HistoryRow:
    row: int
    kind: str
    values: dict[str, Any]
    number: str
    hash: str
    teacher_id: int | None = None
    teacher_name: str = ""
    status: str = NEW
    record_id: int | None = None  # the matching record (changed, unchanged)
    before: dict[str, Any] = field(default_factory=dict)  # its values (for the audit)
    updates: dict[str, Any] = field(default_factory=dict)

    def key(self) -> tuple:
        return tuple(self.values.get(k) for k in SPECS[self.kind].key)


def _local(kind: str, v: dict[str, Any], today: date) -> list[tuple[str, Any, str, str]]:
    """Checks within one row: (column key, value, reason zh, reason en) tuples."""
    out = []
    for key, limit in SPECS[kind].lengths.items():
        if len(v.get(key, "")) > limit:
            out.append((key, v[key], f"不能超过 {limit} 个字符", f"At most {limit} characters"))
    start, end = v.get("start_date"), v.get("end_date")
    if start and end and end < start:
        out.append(
            ("end_date", end, "结束日期早于开始日期", "The end date is before the start date")
        )
    if kind == "titles" and v.get("appointed_on") and v["appointed_on"] < v["obtained_on"]:
        out.append(
            (
                "appointed_on",
                v["appointed_on"],
                "聘任日期早于取得日期",
                "A title is appointed on or after the date it is obtained",
            )
        )
    if kind == "employments":
        for key in ("start_date", "end_date"):
            if v.get(key) and v[key] > today:
                out.append(
                    (
                        key,
                        v[key],
                        "日期晚于今天",
                        "Record a change on or after the day it takes effect",
                    )
                )
        grade = v.get("post_grade")
        if grade is not None and not 1 <= grade <= 13:
            out.append(
                ("post_grade", grade, "岗位等级应在 1–13 之间", "The post grade must be 1–13")
            )
        if v.get("end_reason") and not end:
            out.append(
                (
                    "end_reason",
                    v["end_reason"],
                    "填写结束原因时须填写结束日期",
                    "An end reason needs an end date",
                )
            )
    return out


def parse_national_id(row_no: int, values: dict[str, Any], reject):
    """The row's national ID parsed, or None after rejecting the row with the reason."""
    try:
        return idcard.parse(values["national_id"])
    except idcard.InvalidNationalId as exc:
        reject(
            row_no,
            "national_id",
            values["national_id"],
            _ID_ZH[exc.code],
            f"Invalid national ID number: {exc}",
        )
        return None


def identify_teachers(actor, rows: list, reject) -> list:
    """The rows (each with `row`, `hash`, `number`, `values["name"]`) whose teacher is
    registered under that national ID with that name and changeable by the actor, their
    `teacher_id` and `teacher_name` set; the others rejected. Shared by the imports that name a
    teacher per row."""
    hashes = sorted({r.hash for r in rows})
    registered: dict[str, tuple[int, str]] = {}
    changeable: set[int] = set()
    for qs in filter_in(Teacher.objects.all(), "national_id_hash", hashes):
        registered.update(
            {h: (pk, name) for pk, name, h in qs.values_list("pk", "name", "national_id_hash")}
        )
    for qs in filter_in(scope(Teacher.objects.all(), actor, "change"), "national_id_hash", hashes):
        changeable |= set(qs.values_list("pk", flat=True))
    kept = []
    for r in rows:
        masked = idcard.mask(r.number)
        # A teacher outside the actor's area is answered as one not registered: nothing about
        # a person the actor may not see (their name, where they work) comes back.
        if r.hash not in registered or registered[r.hash][0] not in changeable:
            reject(
                r.row,
                "national_id",
                masked,
                "您的管理范围内未找到该身份证号的教师",
                "No teacher with this national ID is registered in your area",
            )
            continue
        r.teacher_id, r.teacher_name = registered[r.hash]
        if not cells.same(r.teacher_name, r.values["name"]):
            reject(
                r.row,
                "name",
                r.values["name"],
                "姓名与该身份证号登记的教师姓名不一致",
                "The name differs from the registered name of the teacher with this national ID",
            )
        else:
            kept.append(r)
    return kept


def validate(kind, actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    columns = HISTORY_COLUMNS[kind]
    titles = {c.key: c.title_zh for c in columns}
    titles.update({k: table.header[i] for k, i in match.mapping.items()})
    title = titles.__getitem__
    today = timezone.localdate()
    problems: list = []
    rejected: set[int] = set()
    rows: list[HistoryRow] = []
    total = len(table.rows)

    def reject(r_no: int, key: str, value: Any, zh: str, en: str) -> None:
        problems.append(problem(r_no, title(key), value, zh, en))
        rejected.add(r_no)

    for row_no, values, row_problems in parse_rows(table, match, columns):
        if progress is not None and row_no % 5000 == 0:
            progress("validate", row_no - table.first_data_row, total)
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        parsed = parse_national_id(row_no, values, reject)
        if parsed is None:
            continue
        local = _local(kind, values, today)
        for item in local:
            reject(row_no, *item)
        if not local:
            rows.append(
                HistoryRow(row_no, kind, values, parsed.number, crypto.lookup_hash(parsed.number))
            )

    rows = identify_teachers(actor, rows, reject)
    if kind == "employments":
        rows = _employment_schools(actor, rows, reject)
    existing = _existing(kind, sorted({r.teacher_id for r in rows}))
    seen: dict[tuple, int] = {}
    kept = []
    for r in rows:
        key = (r.teacher_id, *r.key())
        if key in seen:
            column = "school_code" if kind == "employments" else SPECS[kind].key[0]
            reject(
                r.row,
                column,
                r.values.get(column),
                f"与第 {seen[key]} 行是同一条记录",
                f"The same record as row {seen[key]}",
            )
            continue
        seen[key] = r.row
        found = _classify(r, existing[r.teacher_id])
        if found:
            reject(r.row, *found)
        else:
            kept.append(r)
    if kind == "employments":
        kept = _employment_periods(kept, existing, reject)
    problems.sort(key=lambda p: (p.row, p.column))
    return kept, problems, len(rejected)


def _existing(kind: str, teacher_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The records of these teachers, by teacher, as dicts of their key and other fields."""
    spec = SPECS[kind]
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    names = ("pk", "teacher_id", *spec.key, *spec.other)
    for qs in filter_in(spec.model.objects.order_by(), "teacher_id", teacher_ids):
        for rec in qs.values(*names):
            out[rec["teacher_id"]].append(rec)
    return out


def _classify(r: HistoryRow, records: list[dict[str, Any]]) -> tuple | None:
    """Set the row's status against the teacher's records; a problem tuple if it cannot be."""
    spec = SPECS[r.kind]
    key = r.key()
    match = next(
        (
            rec
            for rec in records
            if all(cells.same(rec[k], v) for k, v in zip(spec.key, key, strict=True))
        ),
        None,
    )
    if match is None:
        r.status = NEW
        return None
    r.record_id = match["pk"]
    r.before = match
    r.updates = {
        k: r.values[k]
        for k in spec.other
        if k in r.values and not cells.same(match[k], r.values[k])
    }
    if not r.updates:
        r.status = UNCHANGED
        return None
    if r.kind == "employments":
        return (
            "school_code",
            r.values["school_code"],
            "已有该校同一开始日期的任职记录，但内容不同；请在教师档案中更正",
            "An employment at this school from this date already exists with different values; "
            "correct it in the teacher's record",
        )
    if r.kind == "titles":
        obtained = r.updates.get("obtained_on", match["obtained_on"])
        appointed = r.values.get("appointed_on", match["appointed_on"])
        if appointed and obtained and appointed < obtained:
            return (
                "obtained_on",
                obtained,
                "取得日期晚于已登记的聘任日期",
                "A title is appointed on or after the date it is obtained",
            )
    if r.kind in ("education", "recognitions"):
        start = r.values.get("start_date", match.get("start_date"))
        end = r.values.get("end_date", match.get("end_date"))
        if start and end and end < start:
            return (
                "start_date",
                start,
                "开始日期晚于结束日期",
                "The end date is before the start date",
            )
    r.status = CHANGED
    return None


def _employment_schools(actor, rows: list[HistoryRow], reject) -> list[HistoryRow]:
    """Known school codes; an open employment's school must be in the actor's area."""
    codes = sorted({r.values["school_code"] for r in rows})
    known = {s.code: s.pk for s in School.objects.filter(code__in=codes).only("pk", "code")}
    in_area = set(
        scope(School.objects.all(), actor, "view")
        .filter(code__in=codes)
        .values_list("pk", flat=True)
    )
    teacher_ids = sorted({r.teacher_id for r in rows})
    latest: dict[int, date] = {}
    has_open: set[int] = set()
    for qs in filter_in(Employment.objects.order_by(), "teacher_id", teacher_ids):
        for tid, start, end in qs.values_list("teacher_id", "start_date", "end_date"):
            if start is not None:  # a start date never given: no bound
                latest[tid] = max(latest.get(tid, start), start)
            if end is None:
                has_open.add(tid)
    kept = []
    for r in rows:
        code = r.values["school_code"]
        if code not in known:
            reject(r.row, "school_code", code, "未知的学校代码", "Unknown school code")
            continue
        r.values["school_id"] = school_id = known[code]
        becomes_current = r.values.get("end_date") is None or (
            r.teacher_id not in has_open
            and r.values["start_date"] > latest.get(r.teacher_id, date.min)
        )
        if becomes_current and school_id not in in_area:
            reject(
                r.row,
                "school_code",
                code,
                "学校代码不在您的管理范围内",
                "This school is outside your area",
            )
            continue
        kept.append(r)
    return kept


def _overlaps(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    """Whether two periods overlap; a start never given may lie anywhere before the end."""
    return (a[0] or date.min) <= (b[1] or date.max) and (b[0] or date.min) <= (a[1] or date.max)


def _employment_periods(rows: list[HistoryRow], existing, reject) -> list[HistoryRow]:
    """New employments: at most one open per teacher, no overlap with any other."""
    periods: dict[int, list[tuple[date, date | None, int | None]]] = defaultdict(list)
    for tid, records in existing.items():
        periods[tid] = [(rec["start_date"], rec["end_date"], None) for rec in records]
    kept = []
    for r in rows:
        if r.status != NEW:
            kept.append(r)
            continue
        mine = (r.values["start_date"], r.values.get("end_date"))
        others = periods[r.teacher_id]
        if mine[1] is None and any(end is None for _, end, _row in others):
            reject(
                r.row,
                "end_date",
                "",
                "该教师已有当前任职记录（无结束日期），历史任职须填写结束日期",
                "The teacher already has an open employment: a past one needs an end date",
            )
            continue
        clash = next((p for p in others if _overlaps(mine, p[:2])), None)
        if clash is not None:
            where = f"第 {clash[2]} 行" if clash[2] else "已登记的任职记录"
            where_en = f"row {clash[2]}" if clash[2] else "a registered employment"
            since_zh = f"{clash[0]:%Y-%m-%d} 起" if clash[0] else "开始日期缺失"
            since_en = f"from {clash[0]:%Y-%m-%d}" if clash[0] else "start date missing"
            reject(
                r.row,
                "start_date",
                r.values["start_date"],
                f"任职时间与{where}（{since_zh}）重叠",
                f"The period overlaps {where_en} ({since_en})",
            )
            continue
        others.append((*mine, r.row))
        kept.append(r)
    return kept


def count(rows: list[HistoryRow], result) -> None:
    for r in rows:
        setattr(result, r.status, getattr(result, r.status) + 1)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _new_record(r: HistoryRow) -> dict[str, Any]:
    v, spec = r.values, SPECS[r.kind]
    rec = {"teacher_id": r.teacher_id, **{k: v.get(k) for k in (*spec.key, *spec.other)}}
    if r.kind == "education":
        rec.update(
            major=v.get("major", ""),
            study_mode=v.get("study_mode", StudyMode.FULL_TIME),
            is_normal_major=v.get("is_normal_major", False),
        )
    elif r.kind == "recognitions":
        rec["subject"] = v.get("subject", "")
    elif r.kind == "employments":
        category = v.get("post_category", "teaching")
        rec.update(
            post_category=category,
            is_full_time_teacher=v.get("is_full_time_teacher", category == "teaching"),
            main_subject=v.get("main_subject", ""),
            end_reason=v.get("end_reason", ""),
        )
    return rec


def commit(actor, rows: list[HistoryRow], result) -> list[str]:
    """Insert new records, correct changed ones; one audit row per record written."""
    if not rows:
        return []
    spec = SPECS[rows[0].kind]
    new: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    keys: list[str] = []
    now = timezone.now()
    for r in rows:
        count([r], result)
        if r.status == UNCHANGED:
            continue
        if r.status == NEW:
            rec = _new_record(r)
            new.append(rec)
            changes = {k: [None, _plain(val)] for k, val in rec.items() if k != "teacher_id"}
            action = f"teacher.{spec.record}_import"
        else:
            spec.model.objects.filter(pk=r.record_id).update(
                updated_at=now, version=F("version") + 1, **r.updates
            )
            changes = {k: [_plain(r.before[k]), _plain(val)] for k, val in r.updates.items()}
            action = f"teacher.{spec.record}_import_update"
        shown = [r.values.get("school_code" if k == "school_id" else k) for k in spec.key]
        keys.append(
            f"{idcard.mask(r.number)} {spec.record} " + "/".join(map(str, map(_plain, shown)))
        )
        audits.append(
            {
                "actor_id": actor.pk,
                "actor_username": actor.username,
                "action": action,
                "object_type": "teachers.teacher",
                "object_id": str(r.teacher_id),
                "object_repr": r.teacher_name,
                "changes": {f"{spec.record}.{k}": v for k, v in changes.items()},
                "note": "bulk import",
            }
        )
    bulk_insert_rows(spec.model, new)
    bulk_insert_rows(AuditLog, audits)
    if spec.model in (TitleRecord, EducationRecord, Employment):
        projection.touched(r.teacher_id for r in rows if r.status != UNCHANGED)
    return keys
