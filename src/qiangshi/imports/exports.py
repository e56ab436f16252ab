"""Exports in the import template's layout, so that export → edit → import round-trips.

`teachers_export_rows`, `schools_export_rows`, `facilities_export_rows` and
`history_export_rows` (education, titles, recognitions, employments: one row per record) each
return ``(header, rows)`` where ``rows`` is an iterator (pass both to `core.xlsx.write_xlsx`, which
writes formula-like text as text). Rows are scoped by the usual selectors with the "export"
action. Enumerations are written as their Chinese labels (which the import accepts), dates as
dates, yes/no as 是/否.

Related records are loaded in bulk per chunk of `CHUNK` teachers (a handful of queries per
chunk, never one per row). The national ID (and, for teachers, the phone) are written in full
only for roles with ``teacher.view_sensitive``, and the export is recorded in the access log as
one row (channel "export": who, when, the filter, how many people) with the teachers written in
full attached to it, searchable by teacher (see `core.services.ExportAccess`); otherwise they
are masked — a masked file cannot be imported again (the import reports masked IDs as invalid).

`export_file` builds the whole workbook for a kind and writes the audit record; the command
line, the web and the API call it.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qiangshi.access.scoping import can
from qiangshi.core import crypto
from qiangshi.core.bulk import filter_in
from qiangshi.core.dbrouter import report_reads
from qiangshi.core.errors import ApplicationError, Forbidden
from qiangshi.core.services import ExportAccess, audit_record
from qiangshi.core.xlsx import write_xlsx
from qiangshi.engines import idcard
from qiangshi.org.models import Location, Ownership, SchoolEnrollment, SchoolFacility, Stage
from qiangshi.org.selectors import district_choices, latest_enrollment_year, school_list
from qiangshi.teachers.models import (
    EDUCATION_RANK,
    TITLE_RANK,
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
    TitleRank,
    TitleRecord,
)
from qiangshi.teachers.selectors import teacher_list

from .history import SPECS as HISTORY_SPECS
from .specs import HISTORY_COLUMNS, TEACHER_COLUMNS, TEMPLATE_SHEETS

CHUNK = 2000  # teachers per batch of related-record queries
NONE_LABEL = "无"  # "no title", "not a backbone teacher": accepted by the import
RECOGNITION_ORDER = {level: i for i, level in enumerate(RecognitionLevel.values)}

GRADE_NAMES = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "七年级",
    8: "八年级",
    9: "九年级",
    10: "高一",
    11: "高二",
    12: "高三",
}

SCHOOL_HEADER = [
    "学校代码",
    "学校名称",
    "区县代码",
    "区县名称",
    "办学类型",
    "城乡类型",
    "办学性质",
    "是否寄宿制",
    "地址",
    "纬度",
    "经度",
    "学年",
    *[f"{GRADE_NAMES[g]}{what}" for g in range(1, 13) for what in ("学生数", "班数")],
]

FACILITY_HEADER = [
    "学校代码",
    "年度",
    "教学及辅助用房面积(平方米)",
    "体育运动场馆面积(平方米)",
    "教学仪器设备值(元)",
    "网络多媒体教室数(间)",
]


def zh_labels(choices: type[TextChoices]) -> dict[str, str]:
    """{code: Chinese label} of a TextChoices class (the labels the import accepts)."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices.choices}


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _batched(iterable: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def may_see_sensitive(actor) -> bool:
    return can(actor, "teacher", "view_sensitive")


def export_access(actor, what: str, fields: Iterable[str], filters: dict[str, Any]) -> ExportAccess:
    """The access record of one export of teachers (see `core.services.ExportAccess`): one
    access-log row (channel "export", the filter masked as in the audit note) with the teachers
    written in full attached; `what` names the export (teachers, national, a history kind)."""
    return ExportAccess(
        actor=actor,
        object_type="teachers.teacher",
        fields=fields,
        what=what,
        note=filters_note(filters or {}),
    )


# --- Teachers ----------------------------------------------------------------------------------

_TEACHER_FIELDS = (
    "pk",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "national_id_encrypted",
    "phone_encrypted",
)


@dataclass
class TeacherState:
    """The derived current state of a chunk of teachers, loaded in bulk."""

    jobs: dict[int, dict[str, Any]]
    education: dict[int, dict[str, Any]]
    title: dict[int, dict[str, Any]]
    certificate: dict[int, dict[str, Any]]
    backbone: dict[int, str]


def load_state(teacher_ids: list[int], today: date | None = None) -> TeacherState:
    """Current employment (with school code), highest completed education, highest title,
    latest certificate and highest backbone level valid today — five queries."""
    today = today or timezone.localdate()
    jobs = {
        j["teacher_id"]: j
        for j in Employment.objects.filter(teacher_id__in=teacher_ids, end_date__isnull=True)
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
    }
    education: dict[int, dict[str, Any]] = {}
    for e in (
        EducationRecord.objects.filter(
            Q(end_date__lte=today) | Q(end_date__isnull=True, end_date_missing=True),
            teacher_id__in=teacher_ids,
        )
        .order_by()
        .values("teacher_id", "level", "institution", "major", "end_date")
    ):
        best = education.get(e["teacher_id"])
        if best is None or (EDUCATION_RANK[e["level"]], e["end_date"] or date.min) > (
            EDUCATION_RANK[best["level"]],
            best["end_date"] or date.min,
        ):
            education[e["teacher_id"]] = e
    title: dict[int, dict[str, Any]] = {}
    for t in (
        TitleRecord.objects.filter(teacher_id__in=teacher_ids)
        .order_by()
        .values("teacher_id", "rank", "obtained_on")
    ):
        best = title.get(t["teacher_id"])
        if best is None or (TITLE_RANK[t["rank"]], t["obtained_on"] or date.min) > (
            TITLE_RANK[best["rank"]],
            best["obtained_on"] or date.min,
        ):
            title[t["teacher_id"]] = t
    certificate: dict[int, dict[str, Any]] = {}
    for c in (
        Certificate.objects.filter(teacher_id__in=teacher_ids)
        .order_by()
        .values("id", "teacher_id", "stage", "subject", "number", "issued_on")
    ):
        best = certificate.get(c["teacher_id"])
        key = (c["issued_on"] or date.min, c["id"])
        if best is None or key > (best["issued_on"] or date.min, best["id"]):
            certificate[c["teacher_id"]] = c
    backbone: dict[int, str] = {}
    for tid, level in (
        Recognition.objects.filter(
            teacher_id__in=teacher_ids, kind=RecognitionKind.BACKBONE, start_date__lte=today
        )
        .exclude(end_date__lt=today)
        .order_by()
        .values_list("teacher_id", "level")
    ):
        if tid not in backbone or RECOGNITION_ORDER[level] > RECOGNITION_ORDER[backbone[tid]]:
            backbone[tid] = level
    return TeacherState(jobs, education, title, certificate, backbone)


def teachers_export_rows(
    *, actor, filters: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The teachers in the actor's export scope, one row each, in the import template layout.

    The header is the Chinese name of every column of `specs.TEACHER_COLUMNS`.
    """
    columns = list(TEACHER_COLUMNS)
    header = [c.title_zh for c in columns]
    qs = teacher_list(actor=actor, filters=filters or {}, action="export").values(*_TEACHER_FIELDS)
    full = may_see_sensitive(actor)
    access = export_access(actor, "teachers", ("national_id", "phone"), filters or {})
    labels = {
        "gender": zh_labels(Gender),
        "political_status": zh_labels(PoliticalStatus),
        "employment_type": zh_labels(EmploymentType),
        "post_category": zh_labels(PostCategory),
        "main_subject": zh_labels(Subject),
        "education_level": zh_labels(EducationLevel),
        "title_rank": zh_labels(TitleRank),
        "certificate_stage": zh_labels(CertificateStage),
        "certificate_subject": zh_labels(Subject),
        "backbone_level": zh_labels(RecognitionLevel),
    }

    def rows() -> Iterator[list[Any]]:
        today = timezone.localdate()
        for batch in _batched(qs.iterator(chunk_size=CHUNK)):
            state = load_state([t["pk"] for t in batch], today)
            for t in batch:
                t["national_id"] = crypto.decrypt(t["national_id_encrypted"])
                t["phone"] = crypto.decrypt(t["phone_encrypted"])
            if full:
                access.add(batch)
            for t in batch:
                values = _teacher_values(t, state, full)
                yield [
                    labels[c.key].get(values.get(c.key), values.get(c.key))
                    if c.key in labels
                    else values.get(c.key)
                    for c in columns
                ]

    return header, rows()


def _teacher_values(t: dict[str, Any], state: TeacherState, full: bool) -> dict[str, Any]:
    pk = t["pk"]
    values: dict[str, Any] = {
        "name": t["name"],
        "national_id": t["national_id"] if full else idcard.mask(t["national_id"]),
        "gender": t["gender"],
        "birth_date": t["birth_date"],
        "ethnicity": t["ethnicity"],
        "political_status": t["political_status"],
        "phone": t["phone"] if full else idcard.mask_phone(t["phone"]),
    }
    if job := state.jobs.get(pk):
        values.update(
            school_code=job["school__code"],
            employment_type=job["employment_type"],
            post_category=job["post_category"],
            is_full_time_teacher=job["is_full_time_teacher"],
            main_subject=job["main_subject"],
            post_grade=job["post_grade"],
            employment_start=job["start_date"],
        )
    if edu := state.education.get(pk):
        values.update(
            education_level=edu["level"],
            institution=edu["institution"],
            major=edu["major"],
            graduation_date=edu["end_date"],
        )
    if title := state.title.get(pk):
        values.update(title_rank=title["rank"], title_obtained_on=title["obtained_on"])
    else:
        values["title_rank"] = NONE_LABEL
    if cert := state.certificate.get(pk):
        values.update(
            certificate_stage=cert["stage"],
            certificate_subject=cert["subject"],
            certificate_number=cert["number"],
        )
    values["backbone_level"] = state.backbone.get(pk, NONE_LABEL)
    return values


# --- The teacher list as shown ------------------------------------------------------------------


def _label(choices: dict, value) -> str:
    return str(choices.get(value, value)) if value else ""


def teacher_list_export_rows(
    *, actor, filters: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The teacher list as the list page shows it (headings in the active language, the
    national ID and phone masked), one row per teacher in the list's order."""
    qs = teacher_list(actor=actor, filters=filters or {}, action="export")
    districts = {d.name: d.display_name for d in district_choices(actor=actor)}
    gender, subject = dict(Gender.choices), dict(Subject.choices)
    employment, title = dict(EmploymentType.choices), dict(TitleRank.choices)
    education, stage = dict(EducationLevel.choices), dict(Stage.choices)
    header = [
        pgettext("person", "Name"),
        _("Gender"),
        _("Age"),
        _("National ID number (masked)"),
        _("Phone (masked)"),
        _("School"),
        _("District"),
        _("Stage"),
        _("Subject"),
        _("Employment type"),
        _("Title"),
        _("Highest education"),
    ]
    today = date.today()

    def rows() -> Iterator[list[Any]]:
        for t in qs.iterator(chunk_size=1000):
            yield [
                t.name,
                _label(gender, t.gender),
                t.age(today),
                t.national_id_masked,
                t.phone_masked,
                t.current_school_name or "",
                districts.get(t.current_district_name, t.current_district_name) or "",
                _label(stage, t.current_stage),
                _label(subject, t.current_subject),
                _label(employment, t.current_employment_type),
                _label(title, t.title_rank),
                _label(education, t.education_level),
            ]

    return header, rows()


# --- Schools and facilities -------------------------------------------------------------------


def _schools(actor, filters: dict[str, Any]):
    """`org.selectors.school_list` (export scope), narrowed to one school by "school" (a pk)."""
    qs = school_list(actor=actor, filters=filters, action="export")
    if school := filters.get("school"):
        qs = qs.filter(pk=school)
    return qs


def schools_export_rows(
    *, actor, filters: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """Schools in the actor's export scope, with students and classes per grade of the latest
    school year on record (one pair of columns per grade, 一年级 to 高三).

    filters: those of `org.selectors.school_list`, plus "school" (a pk).
    """
    stage, location, ownership = zh_labels(Stage), zh_labels(Location), zh_labels(Ownership)
    qs = _schools(actor, filters or {})
    year = latest_enrollment_year()

    def rows() -> Iterator[list[Any]]:
        for batch in _batched(qs.iterator(chunk_size=CHUNK)):
            enrollment: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
            if year is not None:
                for sid, grade, students, classes in (
                    SchoolEnrollment.objects.filter(school_id__in=[s.pk for s in batch], year=year)
                    .order_by()
                    .values_list("school_id", "grade", "students", "classes")
                ):
                    enrollment[sid][grade] = (students, classes)
            for s in batch:
                grades = enrollment.get(s.pk, {})
                per_grade: list[Any] = []
                for g in range(1, 13):
                    students, classes = grades.get(g, (None, None))
                    per_grade += [students, classes]
                yield [
                    s.code,
                    s.name,
                    s.district.code,
                    s.district.name,
                    stage.get(s.stage, s.stage),
                    location.get(s.location, s.location),
                    ownership.get(s.ownership, s.ownership),
                    s.is_boarding,
                    s.address,
                    s.latitude,
                    s.longitude,
                    year if grades else None,
                    *per_grade,
                ]

    return list(SCHOOL_HEADER), rows()


def _facilities(actor, filters: dict[str, Any]):
    schools = _schools(actor, filters).order_by().values("pk")
    qs = SchoolFacility.objects.filter(school__in=schools)
    if year := filters.get("year"):
        qs = qs.filter(year=year)
    return qs


def facilities_export_rows(
    *, actor, filters: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """Facility records (one per school and year) of the schools in the actor's export scope.

    filters: the school filters of `org.selectors.school_list`, plus "school" (a pk) and
    "year".
    """
    qs = (
        _facilities(actor, filters or {})
        .order_by("school__code", "year")
        .values_list(
            "school__code",
            "year",
            "teaching_area_m2",
            "sports_area_m2",
            "equipment_value_yuan",
            "multimedia_rooms",
        )
    )
    return list(FACILITY_HEADER), (list(r) for r in qs.iterator(chunk_size=CHUNK))


# --- History tables -----------------------------------------------------------------------------

HISTORY_KINDS = tuple(HISTORY_COLUMNS)  # education, titles, recognitions, employments
# A history column's model field when it is not the column key (the teacher's name and ID come
# from the teacher).
_HISTORY_FIELD = {"school_code": "school__code"}
_IDENTITY_KEYS = ("name", "national_id")
# Each teacher's records are written oldest first, by this date (records without one last).
_HISTORY_ORDER = {
    "education": "end_date",
    "titles": "obtained_on",
    "recognitions": "start_date",
    "employments": "start_date",
}


def history_export_rows(
    *, actor, kind: str, filters: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The records of one history table (see `HISTORY_KINDS`) of the teachers in the actor's
    export scope, one row per record, in the history import's layout (`specs.HISTORY_COLUMNS`).

    filters: those of `teachers.selectors.teacher_list` (district, school, q, stage, title,
    status, …); they choose the teachers, whose every record of the kind is written. Teachers
    come in the teacher list's order, each one's records oldest first. A row's key cells (see
    `history.SPECS`) match its record on import, so that an unedited file imports as unchanged.
    """
    columns = HISTORY_COLUMNS[kind]
    header = [c.title_zh for c in columns]
    model = HISTORY_SPECS[kind].model
    fields = {
        c.key: _HISTORY_FIELD.get(c.key, c.key) for c in columns if c.key not in _IDENTITY_KEYS
    }
    names = ("pk", "teacher_id", *dict.fromkeys(fields.values()))
    # The first name of each option is its Chinese label, which the import reads back.
    labels = {
        c.key: {code: opts[0] for code, opts in c.choices.items()} for c in columns if c.choices
    }
    order = _HISTORY_ORDER[kind]
    teachers = teacher_list(actor=actor, filters=filters or {}, action="export").values(
        "pk", "name", "national_id_encrypted"
    )
    full = may_see_sensitive(actor)
    access = export_access(actor, kind, ("national_id",), filters or {})

    def by_date(rec: dict[str, Any]) -> tuple:
        return (rec[order] is None, rec[order] or date.min, rec["pk"])

    def rows() -> Iterator[list[Any]]:
        for batch in _batched(teachers.iterator(chunk_size=CHUNK)):
            records: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for qs in filter_in(model.objects.order_by(), "teacher_id", [t["pk"] for t in batch]):
                for rec in qs.values(*names):
                    records[rec["teacher_id"]].append(rec)
            written = [t for t in batch if t["pk"] in records]
            for t in written:
                t["national_id"] = crypto.decrypt(t["national_id_encrypted"])
            if full:
                access.add(written)
            for t in written:
                identity = {
                    "name": t["name"],
                    "national_id": t["national_id"] if full else idcard.mask(t["national_id"]),
                }
                for rec in sorted(records[t["pk"]], key=by_date):
                    values = {**identity, **{key: rec[f] for key, f in fields.items()}}
                    yield [
                        labels[c.key].get(values[c.key], values[c.key])
                        if c.key in labels
                        else values[c.key]
                        for c in columns
                    ]

    return header, rows()


# --- Whole files --------------------------------------------------------------------------------

KINDS = ("teachers", "schools", "facilities", *HISTORY_KINDS)
_SUBJECT = {
    "teachers": "teacher",
    "schools": "school",
    "facilities": "school",
    **{kind: "teacher" for kind in HISTORY_KINDS},
}
# Sheets named as in the import templates (the facilities export keeps its own name).
_SHEET = {**TEMPLATE_SHEETS, "facilities": "办学条件"}
_AUDIT = {
    "teachers": ("teacher.export", "teachers.teacher"),
    "schools": ("school.export", "org.school"),
    "facilities": ("facility.export", "org.schoolfacility"),
    **{
        kind: (
            f"teacher.{HISTORY_SPECS[kind].record}_export",
            HISTORY_SPECS[kind].model._meta.label_lower,
        )
        for kind in HISTORY_KINDS
    },
}


@dataclass
class ExportResult:
    data: bytes
    rows: int
    filename: str


PROGRESS_EVERY = 500  # rows between two calls of an export's progress callback


class _Counter:
    """Counts the rows as they are written; tells `progress(done, total)` every so often."""

    def __init__(self, rows: Iterable[Any], progress=None, total: int = 0):
        self.rows, self.count = rows, 0
        self.progress, self.total = progress, total

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            if self.progress is not None and self.count % PROGRESS_EVERY == 0:
                self.progress(self.count, max(self.total, self.count))
            yield row
        if self.progress is not None:
            self.progress(self.count, self.count)


def filters_note(filters: dict[str, Any]) -> str:
    """The filters for an audit note or an export's access record, with a search for an ID
    number masked, and any other search holding seven digits or more (a phone number) too."""
    parts = []
    for key in sorted(filters):
        value = filters[key]
        if value in (None, ""):
            continue
        if key == "q":
            number = idcard.normalise(str(value))
            if len(number) >= 15 and number[:15].isdigit():
                value = idcard.mask(number)
            elif sum(c.isdigit() for c in number) >= 7:
                value = idcard.mask_phone(number)
        parts.append(f"{key}={value}")
    return "&".join(parts)


def export_row_count(
    *, actor, kind: str, filters: dict[str, Any] | None = None, fmt: str = "template"
) -> int:
    """How many rows the export's (first) sheet will have, counted on the same scoped querysets
    as the export: teachers (the list, the templates), records of the listed teachers (a
    history table), schools, or facility records."""
    filters = dict(filters or {})
    if kind in ("teachers", *HISTORY_KINDS):
        teachers = teacher_list(actor=actor, filters=filters, action="export")
        if kind == "teachers" or fmt == "national":
            return teachers.count()
        model = HISTORY_SPECS[kind].model
        return model.objects.filter(teacher_id__in=teachers.order_by().values("pk")).count()
    if kind == "schools":
        return _schools(actor, filters).count()
    if kind == "facilities":
        return _facilities(actor, filters).count()
    raise ApplicationError(_("Unknown export kind."))


def export_check(*, actor, kind: str, fmt: str) -> None:
    """Refuse an export the actor may not make, or of an unknown kind or layout."""
    if kind not in KINDS:
        raise ApplicationError(_("Unknown export kind."))
    if fmt not in ("template", "national", "list"):
        raise ApplicationError(_("Unknown export format."))
    if not can(actor, _SUBJECT[kind], "export"):
        raise Forbidden(_("You may not export this list."))
    if fmt == "national" and kind != "teachers":
        raise ApplicationError(_("The national template holds teachers only."))
    if fmt == "list" and kind != "teachers":
        raise ApplicationError(_("Only the teacher list can be exported as shown."))


@report_reads()
def export_file(
    *,
    actor,
    kind: str,
    filters: dict[str, Any] | None = None,
    fmt: str = "template",
    note: str | None = None,
    progress=None,
) -> ExportResult:
    """Build the xlsx for `kind` (teachers, schools, facilities, or a history table: education,
    titles, recognitions, employments) and record the export.

    ``fmt="national"`` (teachers only) writes the national teacher-information template's
    layout (see `imports.national`); ``fmt="list"`` (teachers only) the teacher list as the
    list page shows it, masked (`teacher_list_export_rows`). `note` is the audit note (default:
    the filters, masked); `progress(done, total)`, when given, is told how far the export is.
    """
    filters = dict(filters or {})
    export_check(actor=actor, kind=kind, fmt=fmt)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "national":
        from .national import national_export_counted

        data, count = national_export_counted(actor=actor, filters=filters, progress=progress)
        filename = f"national-teachers-{stamp}.xlsx"
    else:
        sheet = _SHEET[kind]
        if fmt == "list":
            header, rows = teacher_list_export_rows(actor=actor, filters=filters)
            sheet = _("Teachers")
        elif kind in HISTORY_KINDS:
            header, rows = history_export_rows(actor=actor, kind=kind, filters=filters)
        else:
            build = {
                "teachers": teachers_export_rows,
                "schools": schools_export_rows,
                "facilities": facilities_export_rows,
            }[kind]
            header, rows = build(actor=actor, filters=filters)
        total = 0
        if progress is not None:
            total = export_row_count(actor=actor, kind=kind, filters=filters, fmt=fmt)
            progress(0, total)
        counter = _Counter(rows, progress, total)
        data = write_xlsx([(sheet, header, counter)])
        count = counter.count
        filename = f"{kind}-{stamp}.xlsx"
    action, object_type = _AUDIT[kind]
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        changes={"rows": [None, count], "format": [None, fmt]},
        note=filters_note(filters) if note is None else note,
    )
    return ExportResult(data=data, rows=count, filename=filename)
