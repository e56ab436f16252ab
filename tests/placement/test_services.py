"""The placement services: importing an intake (all or nothing, every bad input named in both
languages), draws from the database giving the engine's files byte for byte on every database,
the ceremony freezing the intake, publication, and who may do what."""

import json

import pytest

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.engines import lottery as engine
from qiangshi.placement import selectors, services
from qiangshi.placement.models import (
    Admission,
    Draw,
    DrawKind,
    DrawResult,
    Pupil,
    PupilIdentity,
    ReservedPlace,
    SchoolPlaces,
    Zone,
)
from tests.engines.test_lottery import DOC, doc_blocks

from .conftest import PARTS


def counts(intake):
    return (
        Zone.objects.filter(intake=intake).count(),
        SchoolPlaces.objects.filter(intake=intake).count(),
        Pupil.objects.filter(intake=intake).count(),
    )


def test_the_imported_intake_gives_the_engines_input_files_byte_for_byte(place):
    schools_csv, pupils_csv = services.intake_inputs(place["intake"])
    assert schools_csv == place["schools_csv"]
    assert pupils_csv == place["pupils_csv"]
    assert counts(place["intake"]) == (2, 4, 12)
    assert Pupil.objects.get(code="P05").admission == Admission.POLICY


def test_names_and_id_numbers_are_kept_apart_and_encrypted(place):
    identity = PupilIdentity.objects.get(pupil__code="P03")
    assert identity.name == "学生P03"
    assert place["ids"]["P03"] not in identity.national_id_encrypted
    assert identity.national_id == place["ids"]["P03"]
    assert identity.national_id_masked.startswith(place["ids"]["P03"][:4])
    audit = AuditLog.objects.filter(action="placement.import").get()
    assert place["ids"]["P03"] not in json.dumps(audit.changes)


def test_a_draw_from_the_database_is_the_docs_example_on_every_database(place):
    """The same inputs and seed give the same result on SQLite and on PostgreSQL: both must
    give the chain hash printed in docs/lottery.md."""
    draw = services.draw_run(
        actor=place["users"]["district"], intake=place["intake"], kind="rehearsal", seed_parts=PARTS
    )
    manifest = json.loads(doc_blocks(DOC.read_text(encoding="utf-8"))["manifest.json"])
    assert draw.chain_sha256 == manifest["chain_sha256"]
    assert draw.manifest == manifest
    stored = {f.name: bytes(f.content) for f in draw.files.all()}
    assert engine.verify(stored, stored) is None
    rows = {r.pupil_code: r for r in DrawResult.objects.filter(draw=draw)}
    assert (rows["P07"].school_code, rows["P07"].round, rows["P07"].lottery_number) == (
        "J02",
        "zone",
        9,
    )
    assert rows["P05"].lottery_number is None


def test_the_ceremony_runs_once_and_freezes_the_intake(place):
    actor, intake = place["users"]["district"], place["intake"]
    services.draw_run(actor=actor, intake=intake, kind="rehearsal", seed_parts=["test"])
    services.draw_run(actor=actor, intake=intake, kind="rehearsal", seed_parts=["test 2"])
    ceremony = services.draw_run(actor=actor, intake=intake, kind="ceremony", seed_parts=PARTS)
    with pytest.raises(ApplicationError) as exc:
        services.draw_run(actor=actor, intake=intake, kind="ceremony", seed_parts=["again"])
    assert "正式派位" in exc.value.message_zh and "ceremony" in exc.value.message_en
    with pytest.raises(ApplicationError):
        services.intake_import(
            actor=actor,
            intake=intake,
            schools_data=place["schools_csv"],
            pupils_data=place["pupils_csv"],
        )
    assert Draw.objects.filter(intake=intake, kind=DrawKind.CEREMONY).count() == 1
    assert selectors.published_result(intake_id=intake.pk, pupil_code="P01") is None
    services.draw_publish(actor=actor, draw=ceremony)
    draw, row = selectors.published_result(intake_id=intake.pk, pupil_code="P01")
    assert draw == ceremony and row.school_code == "J01"
    with pytest.raises(ApplicationError) as exc:
        services.draw_publish(actor=actor, draw=ceremony)
    assert "already published" in exc.value.message_en


def test_a_rehearsal_is_not_published(place):
    draw = services.draw_run(
        actor=place["users"]["district"], intake=place["intake"], kind="rehearsal", seed_parts=["t"]
    )
    with pytest.raises(ApplicationError) as exc:
        services.draw_publish(actor=place["users"]["district"], draw=draw)
    assert "演练" in exc.value.message_zh


def test_the_system_administrator_runs_no_draw(place):
    """Separation of duties: the admissions office draws, not the system administrator."""
    with pytest.raises(ApplicationError):
        services.draw_run(
            actor=place["users"]["admin"], intake=place["intake"], kind="ceremony", seed_parts=["t"]
        )
    assert not Draw.objects.exists()


def test_bad_seed_parts_make_no_draw(place):
    with pytest.raises(ApplicationError) as exc:
        services.draw_run(
            actor=place["users"]["district"], intake=place["intake"], kind="ceremony",
            seed_parts=["a", ""],
        )  # fmt: skip
    assert "seed part 2 is empty" in exc.value.message_en and "种子分段为空" in exc.value.message_zh
    assert not Draw.objects.exists()


@pytest.mark.parametrize("who", ["huli", "school", "teacher", "reviewer", "pilot", "auditor"])
def test_others_may_not_draw_or_import(place, who):
    actor = place["users"][who]
    with pytest.raises(NotFound):
        services.draw_run(actor=actor, intake=place["intake"], kind="rehearsal", seed_parts=["t"])
    with pytest.raises(NotFound):
        services.intake_import(
            actor=actor,
            intake=place["intake"],
            schools_data=place["schools_csv"],
            pupils_data=place["pupils_csv"],
        )


def test_the_bureau_acts_on_its_districts_a_district_not_on_the_city(place):
    services.draw_run(
        actor=place["users"]["bureau"], intake=place["intake"], kind="rehearsal", seed_parts=["t"]
    )
    with pytest.raises(NotFound):
        services.intake_create(
            actor=place["users"]["district"], region=place["tree"]["xiamen"], year=2026
        )
    city = services.intake_create(
        actor=place["users"]["bureau"], region=place["tree"]["xiamen"], year=2026
    )
    assert city.name == "厦门市 2026 小升初"
    with pytest.raises(ApplicationError) as exc:
        services.intake_create(
            actor=place["users"]["bureau"], region=place["tree"]["xiamen"], year=2026
        )
    assert "already has an intake" in exc.value.message_en


def _replace(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data
    return data.replace(old.encode(), new.encode())


@pytest.mark.parametrize(
    ("file", "old", "new", "en", "zh"),
    [
        ("pupils", "P02,Z1", "P01,Z1", "duplicate pupil code 'P01'", "学生编码“P01”重复"),
        ("pupils", "P09,Z2", "P09,Z7", "unknown zone 'Z7'", "片区“Z7”不存在"),
        ("pupils", "P10,Z2,J04", "P10,Z2,J77", "choice 1 'J77' names no school", "第 1 志愿“J77”"),
        (
            "pupils",
            "P12,Z2,J03,,,",
            "P12,Z2,J03,,,J04\nP13,Z2,,,,J04\nP14,Z2,,,,J04",
            "3 policy admissions but only 2 places",
            "超过学位数",
        ),
        ("schools", "J03,Z2,2", "J03,Z2,-2", "negative places (-2)", "学位数为负数"),
        ("schools", "zone,places", "zone,seats", "missing column(s) places", "缺少列 places"),
        ("schools", "J04,Z2,2", "H01,Z2,2", "'H01' is not a junior school of 思明区", "不是思明区"),
        ("schools", "J04,Z2,2", "S01,Z2,2", "'S01' is not a junior school", "初中学校"),
        (
            "pupils",
            "P05,Z1,,,,J01",
            "P05,Z1,,,,J01,x,12345",
            "ID number is not valid",
            "身份证号无效",
        ),
    ],
)
def test_bad_input_imports_nothing_and_says_where_in_both_languages(place, file, old, new, en, zh):
    schools, pupils = place["schools_csv"], place["pupils_csv"]
    if file == "pupils":
        if "12345" in new:
            pupils = _replace(pupils, "assigned_school", "assigned_school,name,national_id")
        pupils = _replace(pupils, old, new)
    else:
        schools = _replace(schools, old, new)
    before = counts(place["intake"])
    with pytest.raises(ApplicationError) as exc:
        services.intake_import(
            actor=place["users"]["district"],
            intake=place["intake"],
            schools_data=schools,
            pupils_data=pupils,
        )
    assert en in exc.value.message_en, exc.value.message_en
    assert zh in exc.value.message_zh, exc.value.message_zh
    assert "Nothing was imported" in exc.value.message_en or "missing" in exc.value.message_en
    assert counts(place["intake"]) == before
    assert Pupil.objects.filter(intake=place["intake"], code="P13").count() == 0


@pytest.mark.parametrize(
    ("row", "en"),
    [
        ("P05,Z1,,,,J01,early", None),
        ("P05,Z1,,,,,policy", "needs the school admitted to"),
        ("P05,Z1,,,,J01,lottery", "placed by the lottery has no assigned school"),
        ("P05,Z1,,,,J01,maybe", "is not lottery, policy or early"),
    ],
)
def test_the_admission_column_must_agree_with_the_assigned_school(place, row, en):
    pupils = _replace(place["pupils_csv"], "assigned_school", "assigned_school,admission")
    pupils = _replace(pupils, "P05,Z1,,,,J01", row)
    run = dict(
        actor=place["users"]["district"],
        intake=place["intake"],
        schools_data=place["schools_csv"],
        pupils_data=pupils,
    )
    if en is None:
        services.intake_import(**run)
        assert Pupil.objects.get(code="P05").admission == Admission.EARLY
        return
    with pytest.raises(ApplicationError) as exc:
        services.intake_import(**run)
    assert en in exc.value.message_en and "学生文件第 6 行" in exc.value.message_zh


def test_row_numbers_are_the_files_own(place):
    pupils = _replace(place["pupils_csv"], "P09,Z2", "P09,Z7")
    with pytest.raises(ApplicationError) as exc:
        services.intake_import(
            actor=place["users"]["district"],
            intake=place["intake"],
            schools_data=place["schools_csv"],
            pupils_data=pupils,
        )
    assert "pupils file row 10: unknown zone 'Z7'" in exc.value.message_en
    assert "学生文件第 10 行" in exc.value.message_zh


def test_reserved_places_are_held_back_from_the_draw(place):
    schools = _replace(
        place["schools_csv"], "school_code,zone,places", "学校代码,片区,学位数,预留学位"
    )
    schools = _replace(schools, "J02,Z1,4", "J02,Z1,4,1")
    services.intake_import(
        actor=place["users"]["district"],
        intake=place["intake"],
        schools_data=schools,
        pupils_data=place["pupils_csv"],
    )
    assert ReservedPlace.objects.get().count == 1
    schools_csv, _ = services.intake_inputs(place["intake"])
    assert b"J02,Z1,3\n" in schools_csv
    draw = services.draw_run(
        actor=place["users"]["district"], intake=place["intake"], kind="rehearsal", seed_parts=PARTS
    )
    assert draw.manifest["counts"]["zone"] == 0 and draw.manifest["counts"]["unplaced"] == 2


def test_an_xlsx_upload_imports_like_csv(place):
    from qiangshi.core.xlsx import write_xlsx

    def to_xlsx(data: bytes) -> bytes:
        lines = [line.split(",") for line in data.decode().splitlines()]
        return write_xlsx([("Sheet1", lines[0], lines[1:])])

    services.intake_import(
        actor=place["users"]["district"],
        intake=place["intake"],
        schools_data=to_xlsx(place["schools_csv"]),
        schools_filename="schools.xlsx",
        pupils_data=to_xlsx(place["pupils_csv"]),
        pupils_filename="pupils.xlsx",
    )
    schools_csv, pupils_csv = services.intake_inputs(place["intake"])
    assert schools_csv == place["schools_csv"] and pupils_csv == place["pupils_csv"]
