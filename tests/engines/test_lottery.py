"""The placement lottery, draw version 1 (engines/lottery.py, POLICY §10): the steps against
hand-computed values, the engine against a slow line-by-line reading of POLICY's text on random
inputs, fairness (chi-square over a fixed seed list), determinism, every kind of bad input,
verification catching every kind of change, and the worked example in docs/lottery.md."""

import hashlib
import json
import random
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from qiangshi.engines import lottery as L

DOC = Path(__file__).resolve().parents[2] / "docs" / "lottery.md"
SCHOOLS_HEADER = "school_code,zone,places\n"
PUPILS_HEADER = "pupil_code,zone,choice1,choice2,choice3,assigned_school\n"


def csv_bytes(header: str, rows: list[tuple]) -> bytes:
    return (header + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def result_rows(output) -> list[list[str]]:
    return [line.split(",") for line in output.files["result.csv"].decode().splitlines()[1:]]


# ----------------------------------------------------------------- a reference reading of §10


def reference_draw(schools: list[tuple], pupils: list[tuple], parts: list[str]) -> dict:
    """POLICY §10 read sentence by sentence, as slowly and plainly as possible: the engine must
    agree with it pupil by pupil. Returns {pupil_code: (lottery_number, school, round)}."""
    seed = hashlib.sha256(
        b"qiangshi-lottery-v1"
        + b"\n"
        + b"".join(hashlib.sha256(p.encode()).digest() for p in parts)
    ).digest()
    ints: list[int] = []
    block = 0

    def next_int():
        nonlocal block
        if not ints:
            digest = hashlib.sha256(seed + block.to_bytes(8, "big")).digest()
            ints.extend(int.from_bytes(digest[8 * k : 8 * k + 8], "big") for k in range(4))
            block += 1
        return ints.pop(0)

    def uniform(n):
        limit = 2**64 - (2**64 % n)
        while True:
            r = next_int()
            if r < limit:
                return r % n

    lottery = sorted(p[0] for p in pupils if not p[5])
    for i in range(len(lottery) - 1, 0, -1):
        j = uniform(i + 1)
        lottery[i], lottery[j] = lottery[j], lottery[i]
    number = {code: k + 1 for k, code in enumerate(lottery)}
    left = {s[0]: s[2] for s in schools}
    zone = {s[0]: s[1] for s in schools}
    result = {}
    for p in pupils:
        if p[5]:
            left[p[5]] -= 1
            result[p[0]] = (None, p[5], "policy")
    by_number = sorted((p for p in pupils if not p[5]), key=lambda p: number[p[0]])
    for k in (1, 2, 3):
        for school in sorted(left):
            for p in by_number:
                wants = p[0] not in result and p[1 + k] == school and p[1] == zone[school]
                if wants and left[school] > 0:
                    left[school] -= 1
                    result[p[0]] = (number[p[0]], school, str(k))
    for p in by_number:
        if p[0] in result:
            continue
        mine = [s for s in sorted(left) if zone[s] == p[1]]
        best = max(mine, key=lambda s: (left[s], [-ord(c) for c in s]), default=None)
        if best is None or left[best] == 0:
            result[p[0]] = (number[p[0]], "", "unplaced")
        else:
            left[best] -= 1
            result[p[0]] = (number[p[0]], best, "zone")
    return result


def random_instance(rng: random.Random, n_pupils: int, n_zones: int):
    schools, pupils = [], []
    for z in range(n_zones):
        for s in range(rng.randint(1, 4)):
            schools.append((f"J{z}{s}{rng.choice('ab')}", f"Z{z}", rng.randint(0, 6)))
    codes = rng.sample(range(10 * n_pupils + 10), n_pupils)
    policy_left = {s[0]: s[2] for s in schools}
    for c in codes:
        z = f"Z{rng.randrange(n_zones)}"
        # mostly own-zone choices, some from another zone, some empty
        choices = [rng.choice([*(s[0] for s in schools), "", ""]) for _ in range(3)]
        assigned = ""
        if rng.random() < 0.08:
            open_ = [s for s, n in policy_left.items() if n > 0]
            if open_:
                assigned = rng.choice(open_)
                policy_left[assigned] -= 1
        pupils.append((f"P{c:05d}", z, *choices, assigned))
    return schools, pupils


def as_output_map(output) -> dict:
    return {r[0]: (int(r[1]) if r[1] else None, r[2], r[3]) for r in result_rows(output)}


# ------------------------------------------------------------------------------------- the steps


def test_seed_is_sha256_of_the_prefix_newline_and_the_parts_digests_in_order():
    parts = ["123", "学校", "x"]
    expected = hashlib.sha256(
        b"qiangshi-lottery-v1\n"
        + b"".join(hashlib.sha256(p.encode("utf-8")).digest() for p in parts)
    ).digest()
    assert L.seed_from_parts(parts) == expected
    assert L.seed_from_parts(list(reversed(parts))) != expected


def test_stream_is_four_big_endian_integers_per_counter_block():
    seed = bytes(range(32))
    s = L.stream(seed)
    got = [next(s) for _ in range(12)]
    blocks = [hashlib.sha256(seed + struct.pack(">Q", i)).digest() for i in range(3)]
    assert got == [int.from_bytes(b[k : k + 8], "big") for b in blocks for k in (0, 8, 16, 24)]


def test_uniform_rejects_integers_at_or_above_the_limit():
    class Fixed(L.Stream):
        def __init__(self, values):
            self.values = list(values)
            self.used = 0

        def next(self):
            self.used += 1
            return self.values.pop(0)

    n = 3
    limit = 2**64 - (2**64 % n)  # 2^64 mod 3 = 1, so the limit is 2^64 - 1
    rng = Fixed([limit, 2**64 - 1, limit - 1])
    assert rng.uniform(n) == (limit - 1) % n
    assert rng.used == 3
    assert Fixed([7]).uniform(1) == 0
    # n a power of two: nothing is ever rejected
    assert Fixed([2**64 - 1]).uniform(4) == 3


def test_shuffle_is_fisher_yates_from_the_top_on_code_point_order():
    seed = L.seed_from_parts(["a"])
    codes = ["b", "B", "a", "中", "A1"]
    items = sorted(codes)
    assert items == ["A1", "B", "a", "b", "中"]
    ints = L.stream(seed)
    for i in range(len(items) - 1, 0, -1):
        r = next(ints)  # with five items a rejection has probability < 2^-61
        j = r % (i + 1)
        items[i], items[j] = items[j], items[i]
    assert L.shuffle(codes, seed) == items
    trace = L.shuffle_trace(codes, seed)
    assert [s.i for s in trace] == [4, 3, 2, 1]
    assert list(trace[-1].after) == items


@pytest.mark.parametrize("case", range(40))
def test_engine_agrees_with_a_plain_reading_of_the_policy(case):
    rng = random.Random(case)
    schools, pupils = random_instance(rng, rng.randint(0, 60), rng.randint(1, 4))
    parts = [f"part-{case}", str(rng.random())]
    output = L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), parts)
    assert as_output_map(output) == reference_draw(schools, pupils, parts)


def test_uniform_uses_up_rejected_integers_like_the_text_says():
    # Shuffles of real size almost never reject (the limit is within n of 2^64), so check the
    # rejection path on n just above 2^63, where about half the integers are rejected.
    seed = L.seed_from_parts(["r"])
    rng = L.Stream(seed)
    ref = L.stream(seed)
    for n in (2, 3, 5, 7, 2**63 + 1, 2**63 + 1, 2**63 + 1, 3 * 2**62):
        limit = 2**64 - (2**64 % n)
        while True:
            r = next(ref)
            if r < limit:
                break
        assert rng.uniform(n) == r % n
    assert rng.used > 8  # with n = 2^63 + 1 about half the integers are rejected


# ----------------------------------------------------------------------------------- placement


def test_policy_admissions_take_places_first_and_have_no_lottery_number():
    schools = [("J1", "Z", 1), ("J2", "Z", 5)]
    pupils = [("P1", "Z", "J1", "", "", ""), ("P2", "Z", "", "", "", "J1")]
    output = L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), ["s"])
    assert result_rows(output) == [["P1", "1", "J2", "zone"], ["P2", "", "J1", "policy"]]


def test_a_choice_outside_the_pupils_zone_is_passed_over():
    schools = [("J1", "Z1", 5), ("J2", "Z2", 5)]
    pupils = [("P1", "Z1", "J2", "", "", "")]
    output = L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), ["s"])
    assert result_rows(output) == [["P1", "1", "J1", "zone"]]


def test_zone_fill_goes_to_most_places_left_then_lowest_code_else_unplaced():
    schools = [("J2", "Z", 1), ("J1", "Z", 1), ("J3", "Y", 0)]
    pupils = [(f"P{i}", "Z", "", "", "", "") for i in range(3)] + [("Q", "Y", "", "", "", "")]
    output = L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), ["s"])
    rows = {r[0]: r for r in result_rows(output)}
    by_number = sorted((rows[f"P{i}"] for i in range(3)), key=lambda r: int(r[1]))
    assert [r[2:] for r in by_number] == [["J1", "zone"], ["J2", "zone"], ["", "unplaced"]]
    assert rows["Q"][2:] == ["", "unplaced"]


@pytest.mark.parametrize("case", range(15))
def test_no_school_gets_more_pupils_than_places_and_every_pupil_appears_once(case):
    rng = random.Random(1000 + case)
    schools, pupils = random_instance(rng, 200, 3)
    output = L.run_draw(
        csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), [str(case)]
    )
    rows = result_rows(output)
    assert [r[0] for r in rows] == sorted(p[0] for p in pupils)
    taken: dict[str, int] = {}
    for r in rows:
        if r[2]:
            taken[r[2]] = taken.get(r[2], 0) + 1
    places = {s[0]: s[2] for s in schools}
    assert all(taken[s] <= places[s] for s in taken)
    # nobody is unplaced while their zone still has a place
    zone_left = {}
    for s in schools:
        zone_left[s[1]] = zone_left.get(s[1], 0) + places[s[0]] - taken.get(s[0], 0)
    zone_of = {p[0]: p[1] for p in pupils}
    assert all(zone_left[zone_of[r[0]]] == 0 for r in rows if r[3] == "unplaced")
    numbers = sorted(int(r[1]) for r in rows if r[1])
    assert numbers == list(range(1, len(numbers) + 1))


# ------------------------------------------------------------------------------------- fairness


def chi2_upper(df: int, z: float = 3.0902) -> float:
    """The 0.999 quantile of chi-square with df degrees of freedom (Wilson–Hilferty; z is the
    normal 0.999 quantile); within 1% of the exact value for df ≥ 4."""
    a = 2 / (9 * df)
    return df * (1 - a + z * a**0.5) ** 3


def test_each_applicant_to_an_oversubscribed_school_has_the_same_chance():
    """Ten pupils name J1 (3 places) first; over 1,500 fixed seeds each should win about 450
    times. The counts are hypergeometric rather than multinomial (each draw picks 3 distinct
    winners), so Σ(O−E)²/E is about (1 − 3/10)·χ²(9), smaller than χ²(9): the 0.999 quantile of
    χ²(9) is a safe bound that a biased draw (e.g. always the lowest codes) exceeds by far."""
    schools = csv_bytes(SCHOOLS_HEADER, [("J1", "Z", 3), ("J2", "Z", 10)])
    pupils = csv_bytes(PUPILS_HEADER, [(f"P{i}", "Z", "J1", "", "", "") for i in range(10)])
    wins = dict.fromkeys((f"P{i}" for i in range(10)), 0)
    seeds = 1500
    for k in range(seeds):
        for r in result_rows(L.run_draw(schools, pupils, [f"fairness-{k}"])):
            if r[3] == "1":
                wins[r[0]] += 1
    expected = seeds * 3 / 10
    statistic = sum((o - expected) ** 2 / expected for o in wins.values())
    assert statistic < chi2_upper(9)
    assert sum(wins.values()) == seeds * 3
    biased = [seeds, seeds, seeds] + [0] * 7
    assert sum((o - expected) ** 2 / expected for o in biased) > chi2_upper(9)


def test_every_order_of_five_pupils_is_equally_likely():
    from itertools import permutations

    codes = ["a", "b", "c", "d", "e"]
    counts = {p: 0 for p in permutations(codes)}
    seeds = 120 * 25
    for k in range(seeds):
        counts[tuple(L.shuffle(codes, L.seed_from_parts([f"order-{k}"])))] += 1
    expected = seeds / 120
    statistic = sum((o - expected) ** 2 / expected for o in counts.values())
    assert statistic < chi2_upper(119)


# ---------------------------------------------------------------------------------- determinism


def example_inputs():
    text = DOC.read_text(encoding="utf-8")
    blocks = doc_blocks(text)
    return (
        blocks["schools.csv"].encode(),
        blocks["pupils.csv"].encode(),
        blocks["seed-parts"].splitlines(),
    )


def test_the_same_inputs_and_seed_give_the_same_files_in_a_fresh_process():
    schools, pupils, parts = example_inputs()
    here = L.run_draw(schools, pupils, parts).files
    code = (
        "import sys, json; from qiangshi.engines import lottery as L; "
        "s, p, parts = sys.stdin.buffer.read().split(b'\\0'); "
        "out = L.run_draw(s, p, json.loads(parts)).files; "
        "print(json.dumps({k: v.hex() for k, v in out.items()}))"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", code],
        input=schools + b"\0" + pupils + b"\0" + json.dumps(parts).encode(),
        capture_output=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert {k: bytes.fromhex(v) for k, v in json.loads(fresh.stdout).items()} == here


def test_changing_any_one_seed_part_changes_the_result():
    rng = random.Random(7)
    schools, pupils = random_instance(rng, 80, 1)
    schools = [(s[0], s[1], 3) for s in schools]  # over-subscribed: the draw decides
    s, p = csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils)
    parts = ["4711", "notary 0815", "家长 2026"]
    base = L.run_draw(s, p, parts)
    for k in range(len(parts)):
        for changed in (parts[k] + " ", parts[k][:-1], parts[k].upper() + "x"):
            other = parts[:k] + [changed] + parts[k + 1 :]
            out = L.run_draw(s, p, other)
            assert out.manifest["seed"] != base.manifest["seed"]
            assert out.files["result.csv"] != base.files["result.csv"]
    swapped = L.run_draw(s, p, [parts[1], parts[0], parts[2]])
    assert swapped.files["result.csv"] != base.files["result.csv"]


def test_row_order_of_the_inputs_does_not_change_the_placement():
    rng = random.Random(3)
    schools, pupils = random_instance(rng, 50, 2)
    a = L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), ["x"])
    rng.shuffle(schools)
    rng.shuffle(pupils)
    b = L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), ["x"])
    assert a.files["result.csv"] == b.files["result.csv"]


# ------------------------------------------------------------------------------------ bad input


GOOD_SCHOOLS = [("J1", "Z", 2), ("J2", "Z", 1)]
GOOD_PUPILS = [("P1", "Z", "J1", "J2", "", ""), ("P2", "Z", "", "", "", "J1")]


@pytest.mark.parametrize(
    ("schools", "pupils", "en", "zh"),
    [
        (GOOD_SCHOOLS, [*GOOD_PUPILS, ("P1", "Z", "", "", "", "")], "duplicate pupil code", "重复"),
        (GOOD_SCHOOLS, [*GOOD_PUPILS, ("P3", "Q", "", "", "", "")], "unknown zone 'Q'", "片区“Q”"),
        (
            GOOD_SCHOOLS,
            [*GOOD_PUPILS, ("P3", "Z", "J1", "", "J9", "")],
            "choice 3 'J9'",
            "第 3 志愿",
        ),
        (
            GOOD_SCHOOLS,
            [*GOOD_PUPILS, ("P3", "Z", "", "", "", "J7")],
            "assigned school 'J7'",
            "政策",
        ),
        (
            GOOD_SCHOOLS,
            [*GOOD_PUPILS, ("P3", "Z", "", "", "", "J2"), ("P4", "Z", "", "", "", "J2")],
            "2 policy admissions but only 1 places",
            "超过学位数",
        ),
        ([("J1", "Z", -1)], [("P1", "Z", "", "", "", "")], "negative places", "负数"),
        ([("J1", "Z", "two")], [("P1", "Z", "", "", "", "")], "not a whole number", "不是整数"),
        ([("J1", "Z", 1), ("J1", "Z", 2)], [], "duplicate school code", "学校代码“J1”重复"),
        (GOOD_SCHOOLS, [("", "Z", "", "", "", "")], "empty pupil code", "学生编码为空"),
    ],
)
def test_bad_input_is_refused_in_both_languages(schools, pupils, en, zh):
    with pytest.raises(L.LotteryInputError) as exc:
        L.run_draw(csv_bytes(SCHOOLS_HEADER, schools), csv_bytes(PUPILS_HEADER, pupils), ["s"])
    assert en in exc.value.message_en
    assert zh in exc.value.message_zh


def test_a_missing_column_is_named():
    pupils = b"pupil_code,zone,choice1,choice2,assigned_school\nP1,Z,,,\n"
    with pytest.raises(L.LotteryInputError) as exc:
        L.run_draw(csv_bytes(SCHOOLS_HEADER, GOOD_SCHOOLS), pupils, ["s"])
    assert "pupils.csv:line 1:choice3: missing column 'choice3'" in exc.value.message_en
    assert "缺少列“choice3”" in exc.value.message_zh
    with pytest.raises(L.LotteryInputError, match="missing column 'places'"):
        L.run_draw(b"school_code,zone\nJ1,Z\n", csv_bytes(PUPILS_HEADER, []), ["s"])
    with pytest.raises(L.LotteryInputError, match="column 'zone' appears twice"):
        L.run_draw(b"school_code,zone,places,zone\nJ1,Z,1,Y\n", csv_bytes(PUPILS_HEADER, []), ["s"])


def test_every_problem_is_reported_at_once_with_its_line():
    schools = csv_bytes(SCHOOLS_HEADER, [("J1", "Z", -2)])
    pupils = csv_bytes(PUPILS_HEADER, [("P1", "Z", "", "", "", ""), ("P1", "Z", "", "", "", "")])
    with pytest.raises(L.LotteryInputError) as exc:
        L.run_draw(schools, pupils, ["s"])
    lines = exc.value.message_en.splitlines()
    assert lines == [
        "schools.csv:line 2:places: negative places (-2)",
        "pupils.csv:line 3:pupil_code: duplicate pupil code 'P1' (also on line 2)",
    ]


def test_not_utf8_empty_file_and_empty_seed_parts_are_refused():
    with pytest.raises(L.LotteryInputError, match="not UTF-8"):
        L.run_draw(
            csv_bytes(SCHOOLS_HEADER, GOOD_SCHOOLS), "pupil_code,片区\n".encode("gbk"), ["s"]
        )
    with pytest.raises(L.LotteryInputError, match="empty"):
        L.run_draw(b"", csv_bytes(PUPILS_HEADER, GOOD_PUPILS), ["s"])
    with pytest.raises(L.LotteryInputError, match="seed part 2 is empty"):
        L.run_draw(csv_bytes(SCHOOLS_HEADER, GOOD_SCHOOLS), csv_bytes(PUPILS_HEADER, []), ["a", ""])
    with pytest.raises(L.LotteryInputError, match="no seed parts"):
        L.run_draw(csv_bytes(SCHOOLS_HEADER, GOOD_SCHOOLS), csv_bytes(PUPILS_HEADER, []), [])


def test_a_byte_order_mark_and_extra_columns_are_accepted():
    plain = L.run_draw(
        csv_bytes(SCHOOLS_HEADER, GOOD_SCHOOLS), csv_bytes(PUPILS_HEADER, GOOD_PUPILS), ["s"]
    )
    schools = b"\xef\xbb\xbfnote,places,zone,school_code\nx,2,Z,J1\ny,1,Z,J2\n"
    other = L.run_draw(schools, csv_bytes(PUPILS_HEADER, GOOD_PUPILS), ["s"])
    assert other.files["result.csv"] == plain.files["result.csv"]
    assert other.manifest["files"][0]["sha256"] != plain.manifest["files"][0]["sha256"]


# --------------------------------------------------------------------------------- verification


def example_files():
    schools, pupils, parts = example_inputs()
    output = L.run_draw(schools, pupils, parts)
    return {"schools.csv": schools, "pupils.csv": pupils}, dict(output.files)


def test_verify_accepts_an_untouched_draw():
    inputs, results = example_files()
    assert L.verify(inputs, results) is None


def _replace_line(data: bytes, n: int, new: str) -> bytes:
    lines = data.decode().split("\n")
    lines[n] = new
    return "\n".join(lines).encode()


def test_verify_names_a_changed_input_file():
    inputs, results = example_files()
    inputs["pupils.csv"] = inputs["pupils.csv"].replace(b"P07,Z1,J01", b"P07,Z1,J02")
    diff = L.verify(inputs, results)
    assert diff.file == "pupils.csv" and "input file changed" in diff.message_en
    assert "输入文件已被改动" in diff.message_zh


def test_verify_names_the_first_changed_result_row():
    inputs, results = example_files()
    lines = results["result.csv"].decode().split("\n")
    code, number, school, rnd = lines[3].split(",")
    results["result.csv"] = _replace_line(results["result.csv"], 3, f"{code},{number},J04,{rnd}")
    diff = L.verify(inputs, results)
    assert diff.file == "result.csv"
    assert diff.message_en.startswith(f"line 4 differs: expected '{lines[3]}'")


def test_verify_names_a_changed_intermediate_list_and_a_removed_row():
    inputs, results = example_files()
    lines = results["lottery_numbers.csv"].decode().split("\n")
    a, b = lines[1].split(","), lines[2].split(",")
    lines[1], lines[2] = f"{a[0]},{b[1]}", f"{b[0]},{a[1]}"
    results["lottery_numbers.csv"] = "\n".join(lines).encode()
    assert L.verify(inputs, results).file == "lottery_numbers.csv"
    inputs, results = example_files()
    results["result.csv"] = results["result.csv"].rsplit(b"\n", 2)[0] + b"\n"
    diff = L.verify(inputs, results)
    assert diff.file == "result.csv" and "expected" in diff.message_en


def test_verify_names_a_changed_manifest():
    inputs, results = example_files()
    manifest = json.loads(results["manifest.json"])
    manifest["chain_sha256"] = "0" * 64
    results["manifest.json"] = L.manifest_bytes(manifest)
    diff = L.verify(inputs, results)
    assert diff.file == "manifest.json" and "'chain_sha256' differs" in diff.message_en
    # changing a seed part in the manifest re-runs a different draw: the result differs
    inputs, results = example_files()
    manifest = json.loads(results["manifest.json"])
    manifest["seed_parts"][0] += "!"
    results["manifest.json"] = L.manifest_bytes(manifest)
    assert L.verify(inputs, results).file == "result.csv"
    # formatting alone
    inputs, results = example_files()
    results["manifest.json"] = results["manifest.json"].replace(b"\n", b"\r\n")
    assert "formatting" in L.verify(inputs, results).message_en


def test_verify_refuses_an_unknown_version_a_missing_file_and_a_non_manifest():
    inputs, results = example_files()
    manifest = json.loads(results["manifest.json"])
    manifest["version"] = 99
    results["manifest.json"] = L.manifest_bytes(manifest)
    assert "unknown draw version 99" in L.verify(inputs, results).message_en
    inputs, results = example_files()
    results["round_2.csv"] = None
    assert L.verify(inputs, results).file == "round_2.csv"
    results["manifest.json"] = b"{}"
    assert "not a lottery manifest" in L.verify(inputs, results).message_en


def test_the_manifest_chains_every_file_from_the_seed():
    inputs, results = example_files()
    manifest = json.loads(results["manifest.json"])
    link = bytes.fromhex(manifest["seed"])
    names = [f["name"] for f in manifest["files"]]
    assert names == ["schools.csv", "pupils.csv", *L.OUTPUT_FILES]
    for f in manifest["files"]:
        data = {**inputs, **results}[f["name"]]
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
        link = hashlib.sha256(link + hashlib.sha256(data).digest()).digest()
        assert f["chain"] == link.hex()
    assert manifest["chain_sha256"] == link.hex()
    assert manifest["version"] == 1


# ---------------------------------------------------------------------- the worked example (docs)


def doc_blocks(text: str) -> dict[str, str]:
    """The fenced blocks of docs/lottery.md marked `<!-- example: NAME -->`, by name."""
    found = re.findall(r"<!-- example: (\S+) -->\s*\n```[a-z]*\n(.*?)```", text, re.S)
    return dict(found)


def example_blocks(schools: bytes, pupils: bytes, parts: list[str]) -> dict[str, str]:
    """Every computed block of the worked example, as docs/lottery.md shows it."""
    output = L.run_draw(schools, pupils, parts)
    seed = L.seed_from_parts(parts)
    ints = L.stream(seed)
    lottery_codes = [p.code for p in output.pupils if not p.assigned_school]
    blocks = {
        "seed-part-sha256": "".join(hashlib.sha256(p.encode()).hexdigest() + "\n" for p in parts),
        "seed": seed.hex() + "\n",
        "stream": "".join(f"block {k // 4} integer {k % 4}: {next(ints)}\n" for k in range(8)),
        "sorted": " ".join(sorted(lottery_codes)) + "\n",
        "shuffle": "".join(
            f"i={s.i} r={' '.join(map(str, s.drawn))} j={s.j} -> {' '.join(s.after)}\n"
            for s in L.shuffle_trace(lottery_codes, seed)
        ),
    }
    for name in (*L.OUTPUT_FILES, L.MANIFEST_FILE):
        blocks[name] = output.files[name].decode()
    return blocks


def test_the_worked_example_in_the_docs_is_what_the_engine_computes():
    text = DOC.read_text(encoding="utf-8")
    blocks = doc_blocks(text)
    schools, pupils, parts = example_inputs()
    assert parts == ["监督室-7351", "notary-2026", "家长-0422"]
    expected = example_blocks(schools, pupils, parts)
    for name, value in expected.items():
        assert blocks.get(name) == value, name
    for name in blocks:
        assert name in expected or name in ("schools.csv", "pupils.csv", "seed-parts"), name


def test_pupil_problems_of_every_kind_are_named_in_one_run():
    pupils = csv_bytes(
        PUPILS_HEADER,
        [("P1", "Z", "", "", "", ""), ("P1", "Z", "", "", "", ""), ("P2", "Y", "J9", "", "", "")],
    )
    with pytest.raises(L.LotteryInputError) as exc:
        L.run_draw(csv_bytes(SCHOOLS_HEADER, GOOD_SCHOOLS), pupils, ["s"])
    assert [p.column for p in exc.value.problems] == ["pupil_code", "zone", "choice1"]


def test_a_value_with_a_carriage_return_is_quoted_and_reads_back():
    import csv
    import io

    from qiangshi.engines.lottery import csv_bytes

    data = csv_bytes(("pupil_code", "school_code"), [("P\r1", "J,1"), ('Q"2', "J2"), ("R3", "")])
    assert data == b'pupil_code,school_code\n"P\r1","J,1"\n"Q""2",J2\nR3,\n'
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[1:] == [["P\r1", "J,1"], ['Q"2', "J2"], ["R3", ""]]
