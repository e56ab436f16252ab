"""`qiangshi lottery run` and `qiangshi lottery verify`: the round trip on files, bad input
writing nothing, and verify naming the first difference."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from qiangshi.engines import lottery as engine
from tests.engines.test_lottery import example_inputs

PARTS = "监督室-7351,notary-2026,家长-0422"


@pytest.fixture
def inputs(tmp_path):
    schools, pupils, _ = example_inputs()
    d = tmp_path / "in"
    d.mkdir()
    (d / "schools.csv").write_bytes(schools)
    (d / "pupils.csv").write_bytes(pupils)
    return d


def run(inputs, out, parts=PARTS):
    call_command(
        "lottery", "run", "--inputs", str(inputs), "--seed-parts", parts, "--out", str(out)
    )


def verify(inputs, result):
    call_command("lottery", "verify", "--inputs", str(inputs), "--result", str(result))


def test_run_writes_the_result_the_manifest_and_every_list_and_verify_accepts_them(
    inputs, tmp_path, capsys
):
    out = tmp_path / "out"
    run(inputs, out)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*engine.OUTPUT_FILES, "manifest.json"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed_parts"] == PARTS.split(",")
    assert manifest["version"] == 1
    expected = engine.run_draw(*example_inputs()[:2], PARTS.split(","))
    for name, data in expected.files.items():
        assert (out / name).read_bytes() == data
    capsys.readouterr()
    verify(inputs, out)
    printed = capsys.readouterr().out
    assert "Verified" in printed and "核验通过" in printed
    assert manifest["chain_sha256"] in printed


def test_run_in_a_fresh_process_writes_the_same_bytes(inputs, tmp_path):
    run(inputs, tmp_path / "here")
    env = {**os.environ, "PYTHONHASHSEED": "99"}
    env.pop("DATABASE_URL", None)
    code = "import sys; from qiangshi.cli import main; sys.argv = sys.argv[1:]; main()"
    args = ["--inputs", str(inputs), "--seed-parts", PARTS, "--out", str(tmp_path / "there")]
    subprocess.run(
        [sys.executable, "-c", code, "qiangshi", "lottery", "run", *args],
        env=env,
        check=True,
        capture_output=True,
    )
    for p in (tmp_path / "here").iterdir():
        assert (tmp_path / "there" / p.name).read_bytes() == p.read_bytes()


@pytest.mark.parametrize(
    ("file", "old", "new", "zh", "en"),
    [
        ("pupils.csv", b"P02,Z1", b"P01,Z1", "学生编码“P01”重复", "duplicate pupil code 'P01'"),
        ("pupils.csv", b"P09,Z2", b"P09,Z9", "片区“Z9”不存在", "unknown zone 'Z9'"),
        ("pupils.csv", b"P10,Z2,J04", b"P10,Z2,J99", "第 1 志愿“J99”", "choice 1 'J99' names no"),
        (
            "pupils.csv",
            b"P12,Z2,J03,,,",
            b"P12,Z2,J03,,,J04\nP13,Z2,,,,J04\nP14,Z2,,,,J04",
            "超过",
            "policy admissions but only 2",
        ),
        ("schools.csv", b"J03,Z2,2", b"J03,Z2,-2", "学位数为负数", "negative places (-2)"),
        (
            "schools.csv",
            b"school_code,zone,places",
            b"school_code,zone,seats",
            "缺少列“places”",
            "missing column 'places'",
        ),
    ],
)
def test_bad_input_writes_nothing_and_says_why_in_both_languages(
    inputs, tmp_path, file, old, new, zh, en
):
    path = inputs / file
    assert old in path.read_bytes()
    path.write_bytes(path.read_bytes().replace(old, new))
    out = tmp_path / "out"
    with pytest.raises(CommandError) as exc:
        run(inputs, out)
    assert zh in str(exc.value) and en in str(exc.value)
    assert "未写任何文件" in str(exc.value) and "nothing was written" in str(exc.value)
    assert not out.exists()


def test_run_refuses_to_overwrite_a_draw_and_a_missing_input(inputs, tmp_path):
    out = tmp_path / "out"
    run(inputs, out)
    before = (out / "result.csv").read_bytes()
    with pytest.raises(CommandError, match="already holds a draw"):
        run(inputs, out, parts="other")
    assert (out / "result.csv").read_bytes() == before
    (inputs / "pupils.csv").unlink()
    with pytest.raises(CommandError, match="Missing input file"):
        run(inputs, tmp_path / "out2")


def test_verify_names_the_first_difference(inputs, tmp_path):
    out = tmp_path / "out"
    run(inputs, out)
    result = out / "result.csv"
    good = result.read_bytes()
    result.write_bytes(good.replace(b"P07,9,J02,zone", b"P07,9,J01,zone"))
    with pytest.raises(CommandError) as exc:
        verify(inputs, out)
    assert "result.csv: line 8 differs: expected 'P07,9,J02,zone', found 'P07,9,J01,zone'" in str(
        exc.value
    )
    assert "核验不通过" in str(exc.value)
    result.write_bytes(good)
    pupils = inputs / "pupils.csv"
    pupils.write_bytes(pupils.read_bytes().replace(b"P07,Z1,J01", b"P07,Z1,J02"))
    with pytest.raises(CommandError, match="pupils.csv: the input file changed"):
        verify(inputs, out)


def test_verify_names_a_changed_manifest(inputs, tmp_path):
    out = tmp_path / "out"
    run(inputs, out)
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["counts"]["zone"] = 0
    path.write_bytes(engine.manifest_bytes(manifest))
    with pytest.raises(CommandError, match="manifest.json: 'counts' differs"):
        verify(inputs, out)


def test_an_example_result_matches_the_docs(inputs, tmp_path):
    out = tmp_path / "out"
    run(inputs, out)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "lottery.md").read_text(encoding="utf-8")
    assert (out / "result.csv").read_text(encoding="utf-8") in doc
