"""The national teacher-information template (全国教师管理信息系统, POLICY.md §12).

The mapping lives in one data file, `data/national_template.json`: for each group its sheet, its
columns with the national system's Chinese names and where Qiangshi takes each value ("source",
null where Qiangshi holds nothing yet), and code lists from Qiangshi's codes to that system's
labels and codes as far as they are known. It is compiled from public copies of the template
and is incomplete by design: complete it there, not here.

- `national_export(actor=…, filters=…)` writes one sheet per group: 基本信息 and 联系方式 one
  row per teacher, the others one row per record, every row starting with 姓名 and 身份证件号.
  Scoped like any teacher export; the full national ID and phone only for roles that may see
  them (each full view recorded in the access log), masked otherwise.
- `national_to_import_rows(data)` reads a workbook in that layout (its 基本信息 sheet, plus the
  latest or highest records of 学习经历, 专业技术职务聘任, 岗位聘任, 教师资格 and the phone from
  联系方式) and returns ``(header, rows)`` in the import template's layout
  (`specs.TEACHER_COLUMNS`), one row per 基本信息 row in the same order, so that a bureau can
  start from what it has already reported. `national_to_import_file` gives the same as CSV
  bytes that `services.import_file` reads as they are.
"""

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone

from qiangshi.core import crypto
from qiangshi.core.errors import ApplicationError, bilingual
from qiangshi.core.xlsx import write_xlsx
from qiangshi.engines import cells, idcard, tabular
from qiangshi.teachers.models import (
    EDUCATION_RANK,
    TITLE_RANK,
    Appraisal,
    Certificate,
    CertificateStage,
    EducationLevel,
    EducationRecord,
    Employment,
    EmploymentType,
    Gender,
    PoliticalStatus,
    PostCategory,
    Recognition,
    RecognitionKind,
    RecognitionLevel,
    Subject,
    TeachingLoad,
    TitleRank,
    TitleRecord,
    WorkExperience,
)
from qiangshi.teachers.selectors import teacher_list

from .exports import CHUNK, export_access, may_see_sensitive, zh_labels
from .limits import max_rows, read_limits
from .specs import TEACHER_COLUMNS

TEMPLATE_PATH = Path(__file__).parent / "data" / "national_template.json"

_PERSON_FIELDS = (
    "pk",
    "name",
    "former_name",
    "gender",
    "nationality",
    "birth_date",
    "native_place",
    "birthplace",
    "ethnicity",
    "political_status",
    "marital_status",
    "work_start_date",
    "personnel_status",
    "is_free_normal_graduate",
    "is_special_grade",
    "is_mental_health_teacher",
    "national_id_encrypted",
    "phone_encrypted",
    "email",
    "address",
)
COUNTY_OR_ABOVE = ("district", "city", "province", "national")


@lru_cache(maxsize=1)
def load_template() -> dict[str, Any]:
    """The mapping data file (cached): version, source, groups, code_lists."""
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def template_group(key: str) -> dict[str, Any]:
    return next(g for g in load_template()["groups"] if g["key"] == key)


# --- Export ----------------------------------------------------------------------------------


def _label(code_list: dict[str, Any], value: Any) -> Any:
    if value is None or value == "":
        return value
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    entry = code_list["values"].get(key)
    return entry["label"] if entry else value


def _cell(column: dict[str, Any], ctx: dict[str, dict[str, Any]], code_lists: dict) -> Any:
    source = column.get("source")
    if not source:
        return None
    if source == "constant":
        return column.get("value")
    namespace, _, field = source.partition(".")
    value = ctx.get(namespace, {}).get(field)
    if codes := column.get("codes"):
        value = _label(code_lists[codes], value)
    return value


def _ordered(records: dict[int, list[dict]], key) -> dict[int, list[dict]]:
    for items in records.values():
        items.sort(key=key)
    return records


def _by_teacher(rows) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["teacher_id"]].append(r)
    return out


def _when(value: date | None) -> tuple[bool, date]:
    return (value is None, value or date.min)


def _education(ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        EducationRecord.objects.filter(teacher_id__in=ids)
        .order_by()
        .values(
            "id",
            "teacher_id",
            "level",
            "institution",
            "major",
            "is_normal_major",
            "study_mode",
            "start_date",
            "end_date",
        )
    )
    return _ordered(_by_teacher(rows), lambda r: (*_when(r["end_date"]), r["id"]))


def _work(ids: list[int]) -> dict[int, list[dict]]:
    post = zh_labels(PostCategory)
    out = _by_teacher(
        WorkExperience.objects.filter(teacher_id__in=ids)
        .order_by()
        .values("teacher_id", "employer", "position", "start_date", "end_date")
    )
    for job in (
        Employment.objects.filter(teacher_id__in=ids)
        .order_by()
        .values("teacher_id", "school__name", "post_category", "start_date", "end_date")
    ):
        out[job["teacher_id"]].append(
            {
                "teacher_id": job["teacher_id"],
                "employer": job["school__name"],
                "position": post.get(job["post_category"], job["post_category"]),
                "start_date": job["start_date"],
                "end_date": job["end_date"],
            }
        )
    return _ordered(out, lambda r: r["start_date"] or date.min)


def _employment(ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        Employment.objects.filter(teacher_id__in=ids)
        .order_by()
        .values(
            "teacher_id",
            "school__code",
            "school__name",
            "employment_type",
            "post_category",
            "is_full_time_teacher",
            "main_subject",
            "post_grade",
            "start_date",
            "end_date",
        )
    )
    out = _by_teacher(rows)
    for items in out.values():
        for r in items:
            r["school_code"], r["school_name"] = r["school__code"], r["school__name"]
    return _ordered(out, lambda r: r["start_date"] or date.min)


def _title(ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        TitleRecord.objects.filter(teacher_id__in=ids)
        .order_by()
        .values("teacher_id", "rank", "obtained_on", "appointed_on")
    )
    return _ordered(
        _by_teacher(rows), lambda r: (r["obtained_on"] or date.min, TITLE_RANK[r["rank"]])
    )


def _appraisal(ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        Appraisal.objects.filter(teacher_id__in=ids)
        .order_by()
        .values("teacher_id", "year", "grade")
    )
    return _ordered(_by_teacher(rows), lambda r: r["year"])


def _certificate(ids: list[int]) -> dict[int, list[dict]]:
    rows = (
        Certificate.objects.filter(teacher_id__in=ids)
        .order_by()
        .values("id", "teacher_id", "stage", "subject", "number", "issued_on", "issuing_authority")
    )
    return _ordered(_by_teacher(rows), lambda r: (r["issued_on"] or date.min, r["id"]))


def _teaching_load(ids: list[int]) -> dict[int, list[dict]]:
    subjects = zh_labels(Subject)
    out = _by_teacher(
        TeachingLoad.objects.filter(teacher_id__in=ids)
        .order_by()
        .values(
            "teacher_id",
            "school_year",
            "term",
            "stage",
            "subjects",
            "weekly_periods",
            "other_periods",
            "concurrent_duties",
        )
    )
    for items in out.values():
        for r in items:
            r["school_year_label"] = f"{r['school_year']}-{r['school_year'] + 1}"
            r["subjects_label"] = "、".join(subjects.get(s, s) for s in r["subjects"] or [])
    return _ordered(out, lambda r: (r["school_year"], r["term"]))


def _recognition(ids: list[int]) -> dict[int, list[dict]]:
    kinds, levels = zh_labels(RecognitionKind), zh_labels(RecognitionLevel)
    out = _by_teacher(
        Recognition.objects.filter(teacher_id__in=ids)
        .order_by()
        .values("teacher_id", "kind", "level", "subject", "start_date", "end_date")
    )
    for items in out.values():
        for r in items:
            r["title"] = f"{levels.get(r['level'], r['level'])}{kinds.get(r['kind'], r['kind'])}"
            r["start_year"] = r["start_date"].year
    return _ordered(out, lambda r: r["start_date"] or date.min)


LOADERS = {
    "education": _education,
    "work": _work,
    "employment": _employment,
    "title": _title,
    "appraisal": _appraisal,
    "certificate": _certificate,
    "teaching_load": _teaching_load,
    "recognition": _recognition,
}


def _current_state(ids: list[int], namespaces: set[str], today: date) -> dict[str, dict]:
    """For per-teacher groups: the current employment and derived flags, by teacher id."""
    state: dict[str, dict] = {"employment": {}, "derived": {}}
    if "employment" in namespaces:
        for job in (
            Employment.objects.filter(teacher_id__in=ids, end_date__isnull=True)
            .order_by()
            .values(
                "teacher_id",
                "school__code",
                "school__name",
                "employment_type",
                "post_category",
                "is_full_time_teacher",
                "main_subject",
                "post_grade",
                "start_date",
            )
        ):
            job["school_code"], job["school_name"] = job["school__code"], job["school__name"]
            state["employment"][job["teacher_id"]] = job
    if "derived" in namespaces:
        backbone = set(
            Recognition.objects.filter(
                teacher_id__in=ids,
                kind=RecognitionKind.BACKBONE,
                level__in=COUNTY_OR_ABOVE,
                start_date__lte=today,
            )
            .exclude(end_date__lt=today)
            .values_list("teacher_id", flat=True)
        )
        state["derived"] = {tid: {"county_backbone": tid in backbone} for tid in ids}
    return state


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _group_rows(
    group: dict[str, Any], people: list[dict[str, Any]], step=None
) -> Iterator[list[Any]]:
    """The rows of one sheet; `step(n)` is called after each chunk of n teachers written."""
    kind = group.get("records")
    if not kind:
        return
    columns = group["columns"]
    code_lists = load_template()["code_lists"]
    namespaces = {(c.get("source") or "").partition(".")[0] for c in columns if c.get("source")}
    today = timezone.localdate()
    for chunk in _chunks(people):
        ids = [p["pk"] for p in chunk]
        if kind == "teacher":
            state = _current_state(ids, namespaces, today)
            for p in chunk:
                ctx = {
                    "teacher": p,
                    "employment": state["employment"].get(p["pk"], {}),
                    "derived": state["derived"].get(p["pk"], {}),
                }
                yield [_cell(c, ctx, code_lists) for c in columns]
        else:
            records = LOADERS[kind](ids)
            for p in chunk:
                for record in records.get(p["pk"], []):
                    ctx = {"teacher": p, kind: record}
                    yield [_cell(c, ctx, code_lists) for c in columns]
        if step is not None:
            step(len(chunk))


def _people(actor, filters: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The teachers to export, their sensitive values decrypted (full or masked); full views
    are recorded in the access log."""
    qs = teacher_list(actor=actor, filters=filters or {}, action="export").values(*_PERSON_FIELDS)
    full = may_see_sensitive(actor)
    access = export_access(actor, "national", ("national_id", "phone"), filters or {})
    people = []
    for chunk in _chunks(list(qs.iterator(chunk_size=CHUNK))):
        for p in chunk:
            national_id = crypto.decrypt(p.pop("national_id_encrypted"))
            phone = crypto.decrypt(p.pop("phone_encrypted"))
            p["national_id"] = national_id if full else idcard.mask(national_id)
            p["phone"] = phone if full else idcard.mask_phone(phone)
        if full:
            access.add(chunk)
        people += chunk
    return people


def national_export_counted(
    *, actor, filters: dict[str, Any] | None = None, progress=None
) -> tuple[bytes, int]:
    """`national_export`, and the number of teachers in it. `progress(done, total)` is told
    how far the sheets are written, in teachers × sheets with records."""
    people = _people(actor, filters)
    groups = load_template()["groups"]
    step = None
    if progress is not None:
        total = len(people) * sum(1 for g in groups if g.get("records"))
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            progress(done, total)

        progress(0, total)
    sheets = [
        (g["sheet"], [c["name"] for c in g["columns"]], _group_rows(g, people, step))
        for g in groups
    ]
    return write_xlsx(sheets), len(people)


def national_export(*, actor, filters: dict[str, Any] | None = None) -> bytes:
    """The teachers in the actor's export scope as an xlsx in the national template's layout."""
    return national_export_counted(actor=actor, filters=filters)[0]


# --- Import: from the national layout to the import template -------------------------------


class _Reverse:
    """A code list read backwards: national label or code (or Qiangshi code) → Qiangshi codes."""

    def __init__(self, code_list: dict[str, Any]):
        self.lookup: dict[str, list[str]] = defaultdict(list)
        for code, entry in code_list["values"].items():
            for name in (code, entry.get("label"), entry.get("code")):
                key = cells.fold(name) if name else ""
                if key and code not in self.lookup[key]:
                    self.lookup[key].append(code)

    def __call__(self, value: Any) -> tuple[str | None, bool]:
        """(Qiangshi code or None, whether the value names exactly one code)."""
        codes = self.lookup.get(cells.fold(value), []) if not _blank(value) else []
        return (codes[0] if codes else None), len(codes) == 1


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Sheet:
    """One sheet of a national-layout workbook, its columns found by the template's names."""

    def __init__(self, table: tabular.Table | None, group: dict[str, Any]):
        self.table = table
        self.group = group
        self.index: dict[str, int] = {}
        if table is not None:
            for i, name in enumerate(table.header):
                self.index.setdefault(cells.fold(name), i)
        code_lists = load_template()["code_lists"]
        self.by_source: dict[str, list[tuple[int, _Reverse | None]]] = defaultdict(list)
        for c in group["columns"]:
            i = self.index.get(cells.fold(c["name"]))
            if c.get("source") and i is not None:
                reverse = _Reverse(code_lists[c["codes"]]) if c.get("codes") else None
                self.by_source[c["source"]].append((i, reverse))

    @property
    def rows(self) -> list[list[Any]]:
        return self.table.rows if self.table is not None else []

    def get(self, row: list[Any], source: str) -> Any:
        """The value for `source`: a Qiangshi code where the column has a code list (a value
        naming one code preferred over an ambiguous one), else the cell as it is."""
        fallback: Any = None
        for i, reverse in self.by_source.get(source, []):
            value = row[i] if i < len(row) else None
            if _blank(value):
                continue
            if reverse is None:
                return value
            code, unique = reverse(value)
            if code is not None and unique:
                return code
            if fallback is None:
                fallback = code if code is not None else value
        return fallback

    def key(self, row: list[Any]) -> str:
        return idcard.normalise(cells.text(self.get(row, "teacher.national_id")))


def _error(message_en: str, message_zh: str, code: str) -> ApplicationError:
    return bilingual(message_en, message_zh, fields={"file": code})


def _read(data: bytes, filename: str, group: dict[str, Any], required: bool) -> _Sheet:
    """One group's sheet; a csv file is the 基本信息 sheet alone."""
    try:
        if not required and tabular.detect_format(data) == "text":
            return _Sheet(None, group)
        table = tabular.read_table(
            data, filename, sheet=group["sheet"], max_rows=max_rows(), limits=read_limits()
        )
    except tabular.TableError as exc:
        if exc.code == "no_such_sheet" and not required:
            return _Sheet(None, group)
        raise _error(exc.message_en, exc.message_zh, exc.code) from None
    sheet = _Sheet(table, group)
    if required:
        missing = [
            c["name"]
            for c in group["columns"]
            if c["name"] in load_template()["identity_columns"]
            and cells.fold(c["name"]) not in sheet.index
        ]
        if missing:
            raise _error(
                f"The sheet '{group['sheet']}' has no column {', '.join(missing)}: this is not "
                "a file in the national teacher-information template's layout",
                f"工作表“{group['sheet']}”缺少“{'、'.join(missing)}”列，"
                "不是全国教师管理信息系统模板格式的文件",
                "not_national",
            )
    return sheet


def _converted_groups() -> list[dict[str, Any]]:
    return [
        template_group(key)
        for key in ("basic", "post", "education", "title", "certificate", "contact")
    ]


def _refuse_formulas_without_values(data: bytes, sheets: list[str]) -> None:
    """A formula cell saved without its computed value reads as empty: the conversion would
    pass an empty cell on, and the import fill in its default. Refuse the workbook instead,
    naming the cells (sheet!cell)."""
    found = [
        f"{sheet}!{tabular.column_letter(column)}{row}"
        for sheet in sheets
        for row, column in sorted(
            tabular.formula_cells(data, sheet, uncached_only=True, limits=read_limits())
        )
    ]
    if found:
        listed = "、".join(found[:10]) + (" …" if len(found) > 10 else "")
        raise _error(
            f"Formula cells without a computed value (they would read as empty): {listed}. "
            "Paste values instead",
            f"以下公式单元格没有计算结果（读取时为空）：{listed}。请粘贴为数值",
            "formula",
        )


def _date(value: Any) -> date | None:
    try:
        return cells.date_value(value)
    except cells.CellError:
        return None


def _records(sheet: _Sheet) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = defaultdict(list)
    for row in sheet.rows:
        if any(not _blank(v) for v in row):
            out[sheet.key(row)].append(row)
    return out


def _best(rows: list[list[Any]], key) -> list[Any] | None:
    return max(rows, key=key) if rows else None


_LABELS: dict[str, type[TextChoices]] = {
    "gender": Gender,
    "political_status": PoliticalStatus,
    "employment_type": EmploymentType,
    "post_category": PostCategory,
    "main_subject": Subject,
    "education_level": EducationLevel,
    "title_rank": TitleRank,
    "certificate_stage": CertificateStage,
    "certificate_subject": Subject,
}


def national_to_import_rows(
    data: bytes, *, school_code: str = "", filename: str = "national.xlsx"
) -> tuple[list[str], list[list[Any]]]:
    """Convert a workbook in the national layout into the import template's layout.

    Returns the Chinese header of `specs.TEACHER_COLUMNS` and one row per row of the 基本信息
    sheet, in the same order (blank rows kept blank, so row N here is row N there when the
    header is on row 1). Enumerations become the Chinese labels the import accepts; values the
    code lists do not know are passed on as they are, for the import to report. `school_code`
    fills 学校代码 where the file has no 学校标识码 column (a school importing its own file).
    Raises ApplicationError when the file cannot be read or has no 基本信息 sheet.
    """
    basic = _read(data, filename, template_group("basic"), required=True)
    posts_sheet = _read(data, filename, template_group("post"), required=False)
    education_sheet = _read(data, filename, template_group("education"), required=False)
    title_sheet = _read(data, filename, template_group("title"), required=False)
    cert_sheet = _read(data, filename, template_group("certificate"), required=False)
    contact_sheet = _read(data, filename, template_group("contact"), required=False)
    _refuse_formulas_without_values(data, [g["sheet"] for g in _converted_groups()])
    contact, posts = _records(contact_sheet), _records(posts_sheet)
    educations = _records(education_sheet)
    titles, certs = _records(title_sheet), _records(cert_sheet)
    labels = {key: zh_labels(choices) for key, choices in _LABELS.items()}
    columns = list(TEACHER_COLUMNS)
    header = [c.title_zh for c in columns]

    def education_key(row):
        level = education_sheet.get(row, "education.level")
        return (
            EDUCATION_RANK.get(level, -1),
            _date(education_sheet.get(row, "education.end_date")) or date.min,
        )

    def title_key(row):
        rank = title_sheet.get(row, "title.rank")
        return (
            TITLE_RANK.get(rank, -1),
            _date(title_sheet.get(row, "title.obtained_on")) or date.min,
        )

    def post_key(row):
        end = _date(posts_sheet.get(row, "employment.end_date"))
        start = _date(posts_sheet.get(row, "employment.start_date")) or date.min
        return (end is None, start)

    def cert_key(row):
        return _date(cert_sheet.get(row, "certificate.issued_on")) or date.min

    rows: list[list[Any]] = []
    for raw in basic.rows:
        if all(_blank(v) for v in raw):
            rows.append([None] * len(columns))
            continue
        key = basic.key(raw)
        values: dict[str, Any] = {
            "name": basic.get(raw, "teacher.name"),
            "national_id": basic.get(raw, "teacher.national_id"),
            "gender": basic.get(raw, "teacher.gender"),
            "birth_date": basic.get(raw, "teacher.birth_date"),
            "ethnicity": basic.get(raw, "teacher.ethnicity"),
            "political_status": basic.get(raw, "teacher.political_status"),
            "school_code": basic.get(raw, "employment.school_code") or school_code or None,
            "employment_type": basic.get(raw, "employment.employment_type"),
            "post_category": basic.get(raw, "employment.post_category"),
            "main_subject": basic.get(raw, "employment.main_subject"),
            "employment_start": basic.get(raw, "employment.start_date"),
        }
        if phone_rows := contact.get(key):
            values["phone"] = contact_sheet.get(phone_rows[0], "teacher.phone")
        if post := _best(posts.get(key, []), post_key):
            values["post_grade"] = posts_sheet.get(post, "employment.post_grade")
            values["post_category"] = values["post_category"] or posts_sheet.get(
                post, "employment.post_category"
            )
        if edu := _best(educations.get(key, []), education_key):
            values.update(
                education_level=education_sheet.get(edu, "education.level"),
                institution=education_sheet.get(edu, "education.institution"),
                major=education_sheet.get(edu, "education.major"),
                graduation_date=education_sheet.get(edu, "education.end_date"),
            )
        if title := _best(titles.get(key, []), title_key):
            values.update(
                title_rank=title_sheet.get(title, "title.rank"),
                title_obtained_on=title_sheet.get(title, "title.obtained_on"),
            )
        if cert := _best(certs.get(key, []), cert_key):
            values.update(
                certificate_stage=cert_sheet.get(cert, "certificate.stage"),
                certificate_subject=cert_sheet.get(cert, "certificate.subject"),
                certificate_number=cert_sheet.get(cert, "certificate.number"),
            )
        for field, names in labels.items():
            value = values.get(field)
            if isinstance(value, str) and value in names:
                values[field] = names[value]
        rows.append([values.get(c.key) for c in columns])
    return header, rows


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return cells.text(value)
    return str(value)


def national_to_import_file(
    data: bytes, *, school_code: str = "", filename: str = "national.xlsx"
) -> bytes:
    """`national_to_import_rows` as UTF-8 CSV bytes (with BOM), ready for `import_file`."""
    header, rows = national_to_import_rows(data, school_code=school_code, filename=filename)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
