"""Writes of the placement area: intakes, the import of zones, places and pupils (all or
nothing), draws (rehearsal and ceremony) and publication. Each checks the actor's right on the
intake's region, runs in one transaction and writes an audit record.

The draw's inputs are made from the database as the engine's CSV files (rows in code order),
so the stored `schools.csv` and `pupils.csv` are exactly what was drawn and anyone can re-run
`qiangshi lottery verify` on the downloaded files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, scope
from qiangshi.core import crypto
from qiangshi.core.errors import NotFound, bilingual
from qiangshi.core.services import audit_record
from qiangshi.engines import idcard, tabular
from qiangshi.engines import lottery as engine
from qiangshi.engines.cells import text
from qiangshi.org.models import Region, School

from .models import (
    Admission,
    Draw,
    DrawFile,
    DrawKind,
    DrawResult,
    Intake,
    Pupil,
    PupilIdentity,
    ReservedPlace,
    SchoolPlaces,
    Zone,
)

# Junior schools: the stages that teach grade 7.
JUNIOR_STAGES = ("junior", "nine_year", "twelve_year")
MAX_PROBLEMS_SHOWN = 50

SCHOOL_SPECS = [
    tabular.ColumnSpec("school_code", ["学校代码", "学校编码"], True),
    tabular.ColumnSpec("zone", ["片区", "片区代码"], True),
    tabular.ColumnSpec("places", ["学位数", "学位"], True),
    tabular.ColumnSpec("zone_name", ["片区名称"]),
    tabular.ColumnSpec("reserved", ["预留学位", "预留学位数"]),
    tabular.ColumnSpec("reserved_reason", ["预留原因"]),
]
PUPIL_SPECS = [
    tabular.ColumnSpec("pupil_code", ["学生编码", "学生代码"], True),
    tabular.ColumnSpec("zone", ["片区", "片区代码"], True),
    tabular.ColumnSpec("choice1", ["第一志愿"], True),
    tabular.ColumnSpec("choice2", ["第二志愿"], True),
    tabular.ColumnSpec("choice3", ["第三志愿"], True),
    tabular.ColumnSpec("assigned_school", ["安置学校", "政策安置学校"], True),
    tabular.ColumnSpec("admission", ["录取方式"]),
    tabular.ColumnSpec("name", ["姓名"]),
    tabular.ColumnSpec("national_id", ["身份证号", "身份证号码", "公民身份号码"]),
    tabular.ColumnSpec("primary_school", ["小学", "毕业小学"]),
]
ADMISSION_WORDS = {
    "": "",
    "lottery": Admission.LOTTERY,
    "派位": Admission.LOTTERY,
    "policy": Admission.POLICY,
    "政策": Admission.POLICY,
    "政策安置": Admission.POLICY,
    "early": Admission.EARLY,
    "提前": Admission.EARLY,
    "提前招生": Admission.EARLY,
}


# ------------------------------------------------------------------------------------ access


def _office_area(actor, intake: Intake) -> bool:
    """Offices act on intakes of their own region and below, not on the regions above it
    (scope lets them see those, to place themselves in the tree)."""
    if actor.role in (Role.BUREAU, Role.DISTRICT):
        return bool(actor.region_id) and intake.region.path.startswith(actor.region.path)
    return True


def require(actor, intake: Intake, action: str = "change") -> Intake:
    """The intake if the actor may `action` it; NotFound otherwise (as for a missing one)."""
    found = scope(Intake.objects.filter(pk=intake.pk), actor, action).first()
    if found is None or not _office_area(actor, found):
        raise NotFound("Not found")
    return found


def _frozen(intake: Intake) -> None:
    if intake.draws.filter(kind=DrawKind.CEREMONY).exists():
        raise bilingual(
            "The ceremony draw of this intake has been made; its data can no longer change.",
            "该批次已正式派位，数据不能再修改。",
        )


# ------------------------------------------------------------------------------------ intakes


@transaction.atomic
def intake_create(*, actor, region: Region, year: int, name: str = "") -> Intake:
    """A new intake for a city or district the actor covers."""
    probe = Intake(region=region, year=year)
    visible = scope(Region.objects.filter(pk=region.pk), actor, "view").exists()
    if not (visible and can(actor, "placement", "change") and _office_area(actor, probe)):
        raise NotFound("Not found")
    if not 2000 <= year <= 2100:
        raise bilingual(f"Year {year} is out of range.", f"年份 {year} 超出范围。")
    if Intake.objects.filter(region=region, year=year).exists():
        raise bilingual(
            f"{region.name} already has an intake for {year}.",
            f"{region.name} 已有 {year} 年的招生批次。",
        )
    intake = Intake.objects.create(
        region=region, year=year, name=name or f"{region.name} {year} 小升初"
    )
    audit_record(actor=actor, action="placement.intake_create", target=intake)
    return intake


# ------------------------------------------------------------------------------------ import


@dataclass
class _Row:
    excel_row: int
    values: dict[str, str]


def _read(data: bytes, filename: str, specs, label_en: str, label_zh: str) -> list[_Row]:
    try:
        table = tabular.read_table(data, filename)
    except tabular.TableError as exc:
        raise bilingual(f"{label_en}: {exc.message_en}", f"{label_zh}：{exc.message_zh}") from None
    match = tabular.match_headers(table.header, specs)
    if match.missing_required or match.duplicates:
        missing = ", ".join(match.missing_required)
        dup = ", ".join(match.duplicates)
        raise bilingual(
            f"{label_en}: "
            + (f"missing column(s) {missing}" if missing else f"column(s) given twice: {dup}"),
            f"{label_zh}：" + (f"缺少列 {missing}" if missing else f"列重复：{dup}"),
        )
    rows = []
    for i, raw in enumerate(table.rows):
        values = {k: text(raw[j]) if j < len(raw) else "" for k, j in match.mapping.items()}
        if not any(values.values()):
            continue
        rows.append(_Row(table.row_number(i), values))
    return rows


class _Problems:
    def __init__(self):
        self.en: list[str] = []
        self.zh: list[str] = []

    def add(self, file_en: str, file_zh: str, row: int | None, en: str, zh: str) -> None:
        where_en = f"{file_en} row {row}" if row else file_en
        where_zh = f"{file_zh}第 {row} 行" if row else file_zh
        self.en.append(f"{where_en}: {en}")
        self.zh.append(f"{where_zh}：{zh}")

    def raise_if_any(self) -> None:
        if not self.en:
            return
        more = len(self.en) - MAX_PROBLEMS_SHOWN
        en, zh = self.en[:MAX_PROBLEMS_SHOWN], self.zh[:MAX_PROBLEMS_SHOWN]
        if more > 0:
            en.append(f"… and {more} more")
            zh.append(f"……另有 {more} 处")
        raise bilingual(
            "Nothing was imported:\n" + "\n".join(en), "未导入任何数据：\n" + "\n".join(zh)
        )


def _engine_problems(problems: _Problems, exc: engine.LotteryInputError, rows_by_file) -> None:
    labels = {
        "schools.csv": ("schools file", "学校文件"),
        "pupils.csv": ("pupils file", "学生文件"),
    }
    for p in exc.problems:
        rows = rows_by_file.get(p.file, [])
        excel = rows[p.line - 2].excel_row if p.line and 2 <= p.line < len(rows) + 2 else None
        en, zh = labels.get(p.file, ("", ""))
        problems.add(en, zh, excel, p.message_en, p.message_zh)


@transaction.atomic
def intake_import(
    *,
    actor,
    intake: Intake,
    schools_data: bytes,
    schools_filename: str = "schools.csv",
    pupils_data: bytes,
    pupils_filename: str = "pupils.csv",
) -> dict[str, int]:
    """Replace an intake's zones, places, reserved places and pupils (with their names and ID
    numbers) by the two files (.xlsx, .xls or .csv). Every row is checked first, with the draw's
    own checks (duplicate codes, unknown zones, choices naming no school, policy admissions over
    places, negative places) and the registry's (a school code must be a junior school of the
    intake's region, an ID number must be valid); any problem imports nothing."""
    intake = require(actor, intake, "change")
    _frozen(intake)
    schools = _read(schools_data, schools_filename, SCHOOL_SPECS, "Schools file", "学校文件")
    pupils = _read(pupils_data, pupils_filename, PUPIL_SPECS, "Pupils file", "学生文件")
    problems = _Problems()
    registry = {
        s.code: s
        for s in School.objects.filter(
            district__path__startswith=intake.region.path, stage__in=JUNIOR_STAGES
        )
    }
    school_rows = []
    for row in schools:
        v = row.values
        if v["school_code"] and v["school_code"] not in registry:
            problems.add(
                "schools file", "学校文件", row.excel_row,
                f"{v['school_code']!r} is not a junior school of {intake.region.name}",
                f"“{v['school_code']}”不是{intake.region.name}的初中学校",
            )  # fmt: skip
        reserved = v.get("reserved", "") or "0"
        if not reserved.isdigit():
            problems.add(
                "schools file", "学校文件", row.excel_row,
                f"reserved places {reserved!r} is not a whole number ≥ 0",
                f"预留学位“{reserved}”不是非负整数",
            )  # fmt: skip
            reserved = "0"
        offered = v["places"]
        if offered.lstrip("-").isdigit():
            offered = str(int(offered) - int(reserved))
            if int(v["places"]) >= 0 > int(offered):
                problems.add(
                    "schools file", "学校文件", row.excel_row,
                    f"more reserved places ({reserved}) than places ({v['places']})",
                    f"预留学位（{reserved}）多于学位数（{v['places']}）",
                )  # fmt: skip
        school_rows.append((v["school_code"], v["zone"], offered))
    pupil_rows, identities = [], []
    for row in pupils:
        v = row.values
        admission = ADMISSION_WORDS.get(v.get("admission", "").lower())
        if admission is None:
            problems.add(
                "pupils file", "学生文件", row.excel_row,
                f"admission {v['admission']!r} is not lottery, policy or early",
                f"录取方式“{v['admission']}”应为派位、政策或提前",
            )  # fmt: skip
        elif admission in (Admission.POLICY, Admission.EARLY) and not v["assigned_school"]:
            problems.add(
                "pupils file", "学生文件", row.excel_row,
                "a policy or early admission needs the school admitted to (assigned_school)",
                "政策安置或提前招生须填写安置学校",
            )  # fmt: skip
        elif admission == Admission.LOTTERY and v["assigned_school"]:
            problems.add(
                "pupils file", "学生文件", row.excel_row,
                "a pupil placed by the lottery has no assigned school",
                "参加派位的学生不应填写安置学校",
            )  # fmt: skip
        national_id = v.get("national_id", "")
        if national_id:
            try:
                national_id = idcard.parse(national_id).number
            except idcard.InvalidNationalId:
                problems.add(
                    "pupils file", "学生文件", row.excel_row,
                    "the ID number is not valid", "身份证号无效",
                )  # fmt: skip
        pupil_rows.append(tuple(v[c] for c in engine.PUPIL_COLUMNS))
        identities.append((admission, v.get("name", ""), national_id, v.get("primary_school", "")))
    schools_csv = engine.csv_bytes(engine.SCHOOL_COLUMNS, school_rows)
    pupils_csv = engine.csv_bytes(engine.PUPIL_COLUMNS, pupil_rows)
    try:
        engine.load_inputs(schools_csv, pupils_csv)
    except engine.LotteryInputError as exc:
        _engine_problems(problems, exc, {"schools.csv": schools, "pupils.csv": pupils})
    problems.raise_if_any()

    intake.pupils.all().delete()
    intake.school_places.all().delete()
    intake.zones.all().delete()
    zones: dict[str, Zone] = {}
    places: dict[str, SchoolPlaces] = {}
    for row in schools:
        v = row.values
        zone = zones.get(v["zone"])
        if zone is None:
            zone = zones[v["zone"]] = Zone.objects.create(
                intake=intake, code=v["zone"], name=v.get("zone_name", "")
            )
        sp = places[v["school_code"]] = SchoolPlaces.objects.create(
            intake=intake, zone=zone, school=registry[v["school_code"]], places=int(v["places"])
        )
        if int(v.get("reserved", "") or 0):
            ReservedPlace.objects.create(
                school_places=sp,
                count=int(v["reserved"]),
                reason=v.get("reserved_reason", ""),
            )
    created = Pupil.objects.bulk_create(
        [
            Pupil(
                intake=intake,
                code=r[0],
                zone=zones[r[1]],
                choice1=places.get(r[2]),
                choice2=places.get(r[3]),
                choice3=places.get(r[4]),
                assigned=places.get(r[5]),
                admission=(ident[0] or (Admission.POLICY if r[5] else Admission.LOTTERY)),
            )
            for r, ident in zip(pupil_rows, identities, strict=True)
        ],
        batch_size=2000,
    )
    if any(i[1] or i[2] for i in identities):
        by_code = dict(Pupil.objects.filter(intake=intake).values_list("code", "pk"))
        encrypted = crypto.encrypt_many([i[2] for i in identities])
        PupilIdentity.objects.bulk_create(
            [
                PupilIdentity(
                    pupil_id=by_code[r[0]],
                    name=ident[1],
                    national_id_encrypted=enc,
                    national_id_hash=crypto.lookup_hash(ident[2]),
                    primary_school=ident[3],
                )
                for r, ident, enc in zip(pupil_rows, identities, encrypted, strict=True)
            ],
            batch_size=2000,
        )
    counts = {"zones": len(zones), "schools": len(places), "pupils": len(created)}
    audit_record(actor=actor, action="placement.import", target=intake, changes=counts)
    return counts


# -------------------------------------------------------------------------------------- draws


def intake_inputs(intake: Intake) -> tuple[bytes, bytes]:
    """The intake as the draw's `schools.csv` and `pupils.csv` (rows in code order; a school
    offers its places minus its reserved places)."""
    reserved = dict(
        ReservedPlace.objects.filter(school_places__intake=intake)
        .values("school_places")
        .annotate(n=Sum("count"))
        .values_list("school_places", "n")
    )
    school_rows = [
        (code, zone, places - reserved.get(pk, 0))
        for pk, code, zone, places in SchoolPlaces.objects.filter(intake=intake)
        .order_by("school__code")
        .values_list("pk", "school__code", "zone__code", "places")
    ]
    code_of = dict(SchoolPlaces.objects.filter(intake=intake).values_list("pk", "school__code"))
    pupil_rows = [
        (code, zone, code_of.get(c1, ""), code_of.get(c2, ""), code_of.get(c3, ""),
         code_of.get(a, ""))
        for code, zone, c1, c2, c3, a in Pupil.objects.filter(intake=intake)
        .order_by("code")
        .values_list("code", "zone__code", "choice1", "choice2", "choice3", "assigned")
    ]  # fmt: skip
    school_rows.sort(key=lambda r: r[0])
    pupil_rows.sort(key=lambda r: r[0])  # code point order whatever the database's collation
    return (
        engine.csv_bytes(engine.SCHOOL_COLUMNS, school_rows),
        engine.csv_bytes(engine.PUPIL_COLUMNS, pupil_rows),
    )


@transaction.atomic
def draw_run(
    *,
    actor,
    intake: Intake,
    kind: str,
    seed_parts: list[str],
    witnesses: list[str] | None = None,
) -> Draw:
    """Run the lottery on the intake's data and store every file and result row. A rehearsal
    may be run any number of times; the ceremony draw once (it freezes the intake's data)."""
    intake = require(actor, intake, "change")
    if kind not in DrawKind.values:
        raise bilingual(f"Unknown draw kind {kind!r}.", f"未知的派位类型“{kind}”。")
    if kind == DrawKind.CEREMONY:
        # Lock the intake so that two ceremonies cannot start at once.
        Intake.objects.select_for_update().get(pk=intake.pk)
        _frozen(intake)
    schools_csv, pupils_csv = intake_inputs(intake)
    try:
        output = engine.run_draw(schools_csv, pupils_csv, seed_parts)
    except engine.LotteryInputError as exc:
        raise bilingual(
            "The draw was not made:\n" + exc.message_en, "未派位：\n" + exc.message_zh
        ) from None
    draw = Draw.objects.create(
        intake=intake,
        kind=kind,
        version=engine.VERSION,
        witnesses=list(witnesses or []),
        seed_parts=list(seed_parts),
        seed=output.manifest["seed"],
        chain_sha256=output.manifest["chain_sha256"],
        manifest=output.manifest,
        run_by=actor if getattr(actor, "pk", None) else None,
    )
    files = {engine.SCHOOLS_FILE: schools_csv, engine.PUPILS_FILE: pupils_csv, **output.files}
    DrawFile.objects.bulk_create(
        [
            DrawFile(draw=draw, name=n, content=data, sha256=hashlib.sha256(data).hexdigest())
            for n, data in files.items()
        ]
    )
    DrawResult.objects.bulk_create(
        [
            DrawResult(
                draw=draw,
                pupil_code=p.pupil_code,
                lottery_number=p.lottery_number,
                school_code=p.school_code,
                round=p.round,
            )
            for p in output.draw.placements.values()
        ],
        batch_size=5000,
    )
    audit_record(
        actor=actor,
        action=f"placement.draw_{kind}",
        target=draw,
        changes={"seed": draw.seed, "chain_sha256": draw.chain_sha256, **output.manifest["counts"]},
    )
    return draw


@transaction.atomic
def draw_publish(*, actor, draw: Draw) -> Draw:
    """Publish a ceremony draw's results for the lookup by pupil code."""
    require(actor, draw.intake, "change")
    if draw.kind != DrawKind.CEREMONY:
        raise bilingual(
            "Only the ceremony draw is published; a rehearsal is not.",
            "只有正式派位的结果可以公布，演练结果不公布。",
        )
    if draw.published_at is not None:
        raise bilingual("This draw is already published.", "该派位结果已公布。")
    draw.published_at = timezone.now()
    draw.save(update_fields=["published_at", "updated_at"])
    audit_record(actor=actor, action="placement.draw_publish", target=draw)
    return draw
