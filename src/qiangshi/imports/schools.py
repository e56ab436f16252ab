"""Importing schools, keyed by school code, with students and classes per grade of a school year.

A new code creates a school (the actor needs ``school.create`` and the district must be in the
actor's area); a known code updates the school (it must be in the actor's ``change`` scope). An
empty cell leaves the stored value as it is. Enrollment is upserted per (school, year, grade)
for the grades the row fills in. The layout is the export's (`exports.SCHOOL_HEADER`), so that
export → edit → import round-trips; importing the same file twice changes nothing.

Rules, besides the cells' own: a code appears once per file; a new school needs a name, a
district, a stage and a location; the stage must teach every grade the row fills in and, when
it changes, every grade the school already has enrollment for (as `org.services.school_update`);
a grade's students and classes are given together, students ≥ 0, at least one class when there
are students, no more classes than students, at most 80 students per class on average.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, scope
from qiangshi.core.bulk import bulk_insert_rows, filter_in
from qiangshi.core.models import AuditLog
from qiangshi.engines import cells
from qiangshi.org.models import STAGE_GRADES, Region, RegionLevel, School, SchoolEnrollment

from .specs import GRADE_LABELS, GRADES, SCHOOL_COLUMNS, grade_key

FIELDS = (
    "name",
    "district_id",
    "stage",
    "location",
    "ownership",
    "is_boarding",
    "address",
    "latitude",
    "longitude",
)
MAX_CLASS_SIZE = 80  # students per class, on average over a grade
MAX_STUDENTS = 100_000  # in one grade of one school
_LENGTHS = {"school_code": 20, "name": 120, "address": 255}
_RANGES = {"latitude": Decimal(90), "longitude": Decimal(180)}
_MICRO = Decimal("0.000001")


@dataclass
class SchoolRow:
    row: int
    values: dict[str, Any]
    school: School | None = None  # the registered school, None for a new one
    fields: dict[str, Any] = field(default_factory=dict)  # what to write on the school
    changes: dict[str, list[Any]] = field(default_factory=dict)  # for the audit, before → after
    # (grade, students, classes, existing enrollment pk or None) for the grades that change.
    enrollment: list[tuple[int, int, int, int | None]] = field(default_factory=list)


def _area_prefix(actor) -> str | None:
    """The region path under which the actor may place schools (None: nowhere)."""
    if actor.role == Role.ADMIN:
        return ""
    if actor.region_id:
        return actor.region.path
    if actor.school_id:
        return actor.school.district.path
    return None


def _grades_given(values: dict[str, Any]) -> dict[int, tuple[Any, Any]]:
    out = {}
    for g in GRADES:
        students, classes = (
            values.get(grade_key(g, "students")),
            values.get(grade_key(g, "classes")),
        )
        if students is not None or classes is not None:
            out[g] = (students, classes)
    return out


def _local_problems(values, title, problem, row_no) -> list:
    """Checks that need no database: lengths, ranges, the year and each grade's numbers."""
    out = []

    def bad(key, value, zh, en):
        out.append(problem(row_no, title(key), value, zh, en))

    for key, limit in _LENGTHS.items():
        if len(values.get(key, "")) > limit:
            bad(key, values[key], f"不能超过 {limit} 个字符", f"At most {limit} characters")
    for key, limit in _RANGES.items():
        if key in values:
            if not -limit <= values[key] <= limit:
                bad(key, values[key], "数值超出合理范围", "The value is out of range")
            else:
                values[key] = values[key].quantize(_MICRO)
    grades = _grades_given(values)
    year = values.get("year")
    if year is not None and not 1990 <= year <= 2100:
        bad(
            "year", year, "学年应在 1990–2100 之间", "The school year must be between 1990 and 2100"
        )
    elif grades and year is None:
        bad(
            "year",
            "",
            "填写了各年级学生数或班数时，学年必填",
            "The school year is required when students or classes are given",
        )
    for g, (students, classes) in grades.items():
        name = GRADE_LABELS[g][0]
        s_key, c_key = grade_key(g, "students"), grade_key(g, "classes")
        if students is None or classes is None:
            missing = s_key if students is None else c_key
            bad(
                missing,
                "",
                f"{name}的学生数和班数须同时填写",
                f"Grade {g}: give both the students and the classes",
            )
        elif not 0 <= students <= MAX_STUDENTS:
            bad(s_key, students, "学生数超出合理范围", "The number of students is out of range")
        elif classes < 0:
            bad(c_key, classes, "班数不能为负数", "The number of classes must not be negative")
        elif students > 0 and classes == 0:
            bad(c_key, classes, "有学生时至少应有 1 个班", "Students need at least one class")
        elif classes > students:
            bad(c_key, classes, "班数多于学生数", "More classes than students")
        elif students > MAX_CLASS_SIZE * classes:
            bad(
                c_key,
                classes,
                f"平均班额超过 {MAX_CLASS_SIZE} 人，请核对学生数和班数",
                f"Class too large: more than {MAX_CLASS_SIZE} students per class on average; "
                "check the students and the classes",
            )
    return out


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    problems: list = []
    rows: list[SchoolRow] = []
    rejected: set[int] = set()
    seen: dict[str, int] = {}
    titles = {c.key: c.title_zh for c in SCHOOL_COLUMNS}
    titles.update({k: table.header[i] for k, i in match.mapping.items()})
    title = titles.__getitem__

    for row_no, values, row_problems in parse_rows(table, match, SCHOOL_COLUMNS):
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        local = _local_problems(values, title, problem, row_no)
        code = values["school_code"]
        if code in seen:
            local.append(
                problem(
                    row_no,
                    title("school_code"),
                    code,
                    f"学校代码与第 {seen[code]} 行重复",
                    f"Duplicate school code: same as row {seen[code]}",
                )
            )
        seen.setdefault(code, row_no)
        if local:
            problems += local
            rejected.add(row_no)
            continue
        rows.append(SchoolRow(row_no, values))

    # Registered schools (and which the actor may change), districts in the actor's area.
    codes = [r.values["school_code"] for r in rows]
    existing: dict[str, School] = {}
    changeable: set[int] = set()
    for qs in filter_in(School.objects.select_related("district"), "code", codes):
        existing.update({s.code: s for s in qs})
    for qs in filter_in(scope(School.objects.all(), actor, "change"), "code", codes):
        changeable |= set(qs.values_list("pk", flat=True))
    district_codes = sorted(
        {r.values["district_code"] for r in rows if "district_code" in r.values}
    )
    districts = {d.code: d for d in Region.objects.filter(code__in=district_codes)}
    prefix = _area_prefix(actor)
    in_area: set[str] = set()
    if prefix is not None:
        in_area = set(
            scope(Region.objects.filter(level=RegionLevel.DISTRICT), actor, "view")
            .filter(code__in=district_codes, path__startswith=prefix)
            .values_list("code", flat=True)
        )
    school_ids = [existing[c].pk for c in codes if c in existing]
    enrolled: dict[int, set[int]] = defaultdict(set)  # school → grades with any enrollment
    stored: dict[tuple[int, int, int], tuple[int, int, int]] = {}
    years = sorted({r.values["year"] for r in rows if "year" in r.values})
    for qs in filter_in(SchoolEnrollment.objects.all(), "school_id", school_ids):
        for pk, sid, year, grade, students, classes in qs.values_list(
            "pk", "school_id", "year", "grade", "students", "classes"
        ):
            enrolled[sid].add(grade)
            if year in years:
                stored[(sid, year, grade)] = (pk, students, classes)
    may_create = can(actor, "school", "create")

    kept: list[SchoolRow] = []
    for r in rows:
        row_problems = _check(r, existing, changeable, districts, in_area, may_create, enrolled)
        if not row_problems:
            _plan(r, stored)
            kept.append(r)
            continue
        problems += [problem(r.row, title(k), v, zh, en) for k, v, zh, en in row_problems]
        rejected.add(r.row)
    problems.sort(key=lambda p: (p.row, p.column))
    return kept, problems, len(rejected)


def _check(r, existing, changeable, districts, in_area, may_create, enrolled) -> list[tuple]:
    """Scope, the fields a new school needs, the district, and the grades its stage teaches;
    returns (column key, value, reason zh, reason en) tuples."""
    v, out = r.values, []
    code = v["school_code"]
    r.school = school = existing.get(code)
    if school is None:
        if not may_create:
            return [("school_code", code, "您无权新建学校", "You may not create schools")]
        for key, zh, en in (
            ("name", "学校名称", "the school name"),
            ("district_code", "区县代码", "the district code"),
            ("stage", "办学类型", "the stage"),
            ("location", "城乡类型", "the location"),
        ):
            if key not in v:
                out.append((key, "", f"新学校须填写{zh}", f"A new school needs {en}"))
    elif school.pk not in changeable:
        return [("school_code", code, "学校不在您的管理范围内", "This school is outside your area")]
    district_code = v.get("district_code")
    if district_code and (school is None or district_code != school.district.code):
        district = districts.get(district_code)
        if district is None or district.level != RegionLevel.DISTRICT:
            out.append(("district_code", district_code, "未知的区县代码", "Unknown district code"))
        elif district_code not in in_area:
            out.append(
                (
                    "district_code",
                    district_code,
                    "区县不在您的管理范围内",
                    "This district is outside your area",
                )
            )
        else:
            v["district_id"] = district.pk
    elif school is not None:
        v["district_id"] = school.district_id
    stage = v.get("stage") or (school.stage if school else None)
    if stage:
        taught = set(STAGE_GRADES[stage])
        for g in _grades_given(v):
            if g not in taught:
                key = grade_key(
                    g, "students" if v.get(grade_key(g, "students")) is not None else "classes"
                )
                out.append(
                    (
                        key,
                        v.get(key),
                        f"该办学类型不设{GRADE_LABELS[g][0]}",
                        f"A school of this stage does not teach grade {g}",
                    )
                )
        if school is not None and stage != school.stage and enrolled[school.pk] - taught:
            out.append(
                (
                    "stage",
                    v["stage"],
                    "学校已有新办学类型不设年级的在校生记录，请先更正在校生数据",
                    "The school has enrollment in grades the new stage does not teach; "
                    "correct the enrollment first",
                )
            )
    return out


def _plan(r: SchoolRow, stored) -> None:
    """Work out what the row writes: the school's fields and the grades whose numbers change."""
    v, school = r.values, r.school
    given = {k: v[k] for k in FIELDS if k in v}
    if school is None:
        r.fields = {"code": v["school_code"], **given}
        r.changes = {_label(k): [None, _shown(k, val, v)] for k, val in r.fields.items()}
    else:
        for key, value in given.items():
            before = getattr(school, key)
            if not cells.same(before, value):
                r.fields[key] = value
                r.changes[_label(key)] = [
                    school.district.code if key == "district_id" else _shown(key, before, v),
                    _shown(key, value, v),
                ]
    year = v.get("year")
    for g, (students, classes) in sorted(_grades_given(v).items()):
        pk, before_s, before_c = (
            stored.get((school.pk, year, g), (None, None, None)) if school else (None, None, None)
        )
        if (before_s, before_c) == (students, classes):
            continue
        r.enrollment.append((g, students, classes, pk))
        if before_s != students:
            r.changes[f"{year} G{g} students"] = [before_s, students]
        if before_c != classes:
            r.changes[f"{year} G{g} classes"] = [before_c, classes]


def _label(key: str) -> str:
    return "district" if key == "district_id" else key


def _shown(key: str, value: Any, values: dict[str, Any]) -> Any:
    """A value as the audit log shows it: the district by its code, decimals as text."""
    if key == "district_id":
        return values.get("district_code")
    return str(value) if isinstance(value, Decimal) else value


def count(rows: list[SchoolRow], result) -> None:
    for r in rows:
        if r.school is None:
            result.new += 1
        elif r.changes:
            result.changed += 1
        else:
            result.unchanged += 1


def commit(actor, rows: list[SchoolRow], result) -> list[str]:
    """Create new schools, update changed ones, upsert enrollment; one audit row per school."""
    new = [r for r in rows if r.school is None]
    created = [dict(r.fields) for r in new]
    bulk_insert_rows(School, created)
    ids = {r.values["school_code"]: row["id"] for r, row in zip(new, created, strict=True)}
    enrollment, audits, keys = [], [], []
    now = timezone.now()
    for r in rows:
        if not r.changes:
            result.unchanged += 1
            continue
        code = r.values["school_code"]
        if r.school is None:
            school_id, name, action = ids[code], r.fields["name"], "school.import_create"
            result.new += 1
        else:
            school_id, name, action = r.school.pk, r.school.name, "school.import_update"
            if r.fields:
                School.objects.filter(pk=school_id).update(updated_at=now, **r.fields)
            result.changed += 1
        year = r.values.get("year")
        for grade, students, classes, pk in r.enrollment:
            if pk is None:
                enrollment.append(
                    {
                        "school_id": school_id,
                        "year": year,
                        "grade": grade,
                        "students": students,
                        "classes": classes,
                    }
                )
            else:
                SchoolEnrollment.objects.filter(pk=pk).update(students=students, classes=classes)
        keys.append(code)
        audits.append(
            {
                "actor_id": actor.pk,
                "actor_username": actor.username,
                "action": action,
                "object_type": "org.school",
                "object_id": str(school_id),
                "object_repr": r.fields.get("name", name),
                "changes": r.changes,
                "note": "bulk import",
            }
        )
    bulk_insert_rows(SchoolEnrollment, enrollment)
    bulk_insert_rows(AuditLog, audits)
    return keys
