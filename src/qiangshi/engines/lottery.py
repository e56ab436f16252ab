"""The placement lottery (小升初电脑派位, POLICY.md §10), version 1 of the draw: a public contract
that anyone may re-implement, so every step below follows the text of POLICY §10 literally.

Inputs are the bytes of `schools.csv` (`school_code`, `zone`, `places`) and `pupils.csv`
(`pupil_code`, `zone`, `choice1`, `choice2`, `choice3`, `assigned_school`), UTF-8 with a header
row, and the witnesses' seed parts (strings).

1. seed = SHA-256(b"qiangshi-lottery-v1" + b"\\n" + SHA-256(part 1) + SHA-256(part 2) + …), each
   part hashed as its UTF-8 bytes, the 32-byte raw digests joined in the order given.
2. Block i = SHA-256(seed + i as 8 bytes big-endian), i = 0, 1, 2, …; each block gives four
   64-bit unsigned big-endian integers in order; the stream is their sequence (one stream for
   the whole draw).
3. uniform(n): limit = 2^64 − (2^64 mod n); take the next stream integer r until r < limit;
   return r mod n.
4. The pupils without `assigned_school`, sorted by `pupil_code` in code point order, are shuffled
   by Fisher–Yates from the top (i = n−1 down to 1, j = uniform(i+1), swap i and j); a pupil's
   lottery number is its 1-based position after the shuffle.
5. Policy admissions take their places; rounds k = 1, 2, 3 place, school by school in code order,
   the unplaced pupils of the school's zone whose k-th choice it is, in lottery-number order,
   while places remain; then each pupil still unplaced, in lottery-number order, goes to the
   school of their zone with the most places left (ties: the lowest code), or stays unplaced.
6. `result.csv` (`pupil_code`, `lottery_number`, `school_code`, `round`) in pupil-code order and
   `manifest.json`; this implementation also writes every intermediate list (the lottery numbers
   and each round's placements), each file's SHA-256 chained in the manifest (see `chain`).

Readings of the text where it leaves room are listed in docs/lottery.md ("Readings").

>>> schools = b"school_code,zone,places\\nJ1,Z,1\\nJ2,Z,1\\n"
>>> pupils = b"pupil_code,zone,choice1,choice2,choice3,assigned_school\\nP1,Z,J1,,,\\nP2,Z,J1,,,\\n"
>>> out = run_draw(schools, pupils, ["a", "b"])
>>> out.files["result.csv"].decode().splitlines()
['pupil_code,lottery_number,school_code,round', 'P1,1,J1,1', 'P2,2,J2,zone']
>>> seed_from_parts(["a", "b"]).hex()[:16]
'ac91e9697712ed85'
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
import json
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

VERSION = 1
ALGORITHM = "qiangshi-lottery-v1"
SEED_PREFIX = b"qiangshi-lottery-v1\n"

SCHOOLS_FILE = "schools.csv"
PUPILS_FILE = "pupils.csv"
RESULT_FILE = "result.csv"
MANIFEST_FILE = "manifest.json"
NUMBERS_FILE = "lottery_numbers.csv"
INPUT_FILES = (SCHOOLS_FILE, PUPILS_FILE)
SCHOOL_COLUMNS = ("school_code", "zone", "places")
PUPIL_COLUMNS = ("pupil_code", "zone", "choice1", "choice2", "choice3", "assigned_school")
RESULT_COLUMNS = ("pupil_code", "lottery_number", "school_code", "round")
ROUNDS = ("policy", "1", "2", "3", "zone")
ROUND_FILES = {r: f"round_{r}.csv" for r in ROUNDS}
PLACEMENT_COLUMNS = ("pupil_code", "lottery_number", "school_code")
# The files a draw writes besides the manifest, in the order their digests are chained.
OUTPUT_FILES = (NUMBERS_FILE, *ROUND_FILES.values(), RESULT_FILE)

_TWO64 = 1 << 64
_INTEGER = re.compile(r"-?[0-9]+")


# --------------------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs: where (file, CSV line, column) and why, in both languages."""

    message_en: str
    message_zh: str
    file: str = ""
    line: int | None = None
    column: str = ""

    def where(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(self.column)
        return ":".join(parts)

    def text(self, language: str = "en") -> str:
        message = self.message_zh if language.startswith("zh") else self.message_en
        where = self.where()
        return f"{where}: {message}" if where else message


class LotteryInputError(ValueError):
    """The inputs cannot be drawn: every problem found, each in Chinese and English."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(self.text("en"))

    def text(self, language: str = "en") -> str:
        return "\n".join(p.text(language) for p in self.problems)

    @property
    def message_en(self) -> str:
        return self.text("en")

    @property
    def message_zh(self) -> str:
        return self.text("zh")


# --------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class School:
    """A junior school taking part in the draw: its code, catchment zone and places."""

    code: str
    zone: str
    places: int


@dataclass(frozen=True)
class Pupil:
    """An anonymised pupil: code, zone, three ranked choices ("" = none) and a policy or early
    admission school ("" = placed by the lottery)."""

    code: str
    zone: str
    choices: tuple[str, str, str] = ("", "", "")
    assigned_school: str = ""


def _read_csv(data: bytes, name: str, columns: Sequence[str]) -> list[tuple[int, dict]]:
    """Rows of a UTF-8 CSV as (line number, {column: value}); a UTF-8 byte-order mark is skipped,
    values are taken exactly as written (no trimming), columns beyond `columns` are ignored."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LotteryInputError(
            [
                Problem(
                    f"not UTF-8 (byte {exc.start})",
                    f"不是 UTF-8 编码（第 {exc.start} 字节）",
                    name,
                )
            ]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise LotteryInputError([Problem("the file is empty", "文件为空", name)])
    missing = [c for c in columns if c not in header]
    twice = [c for c in columns if header.count(c) > 1]
    if missing or twice:
        raise LotteryInputError(
            [Problem(f"missing column {c!r}", f"缺少列“{c}”", name, 1, c) for c in missing]
            + [Problem(f"column {c!r} appears twice", f"列“{c}”重复", name, 1, c) for c in twice]
        )
    index = {c: header.index(c) for c in columns}
    rows = []
    for row in reader:
        if not row:  # a blank line
            continue
        line = reader.line_num
        rows.append((line, {c: row[i] if i < len(row) else "" for c, i in index.items()}))
    return rows


def parse_schools(data: bytes) -> list[School]:
    """`schools.csv` as schools, in file order; raises LotteryInputError listing every problem."""
    problems: list[Problem] = []
    schools: list[School] = []
    seen: dict[str, int] = {}
    for line, row in _read_csv(data, SCHOOLS_FILE, SCHOOL_COLUMNS):
        code, zone, places = row["school_code"], row["zone"], row["places"]
        bad = False
        if code == "":
            problems.append(
                Problem("empty school code", "学校代码为空", SCHOOLS_FILE, line, "school_code")
            )
            bad = True
        elif code in seen:
            problems.append(
                Problem(
                    f"duplicate school code {code!r} (also on line {seen[code]})",
                    f"学校代码“{code}”重复（第 {seen[code]} 行已有）",
                    SCHOOLS_FILE,
                    line,
                    "school_code",
                )
            )
            bad = True
        else:
            seen[code] = line
        if zone == "":
            problems.append(Problem("empty zone", "片区为空", SCHOOLS_FILE, line, "zone"))
            bad = True
        if not _INTEGER.fullmatch(places):
            problems.append(
                Problem(
                    f"places {places!r} is not a whole number",
                    f"学位数“{places}”不是整数",
                    SCHOOLS_FILE,
                    line,
                    "places",
                )
            )
            bad = True
        elif int(places) < 0:
            problems.append(
                Problem(
                    f"negative places ({places})",
                    f"学位数为负数（{places}）",
                    SCHOOLS_FILE,
                    line,
                    "places",
                )
            )
            bad = True
        if not bad:
            schools.append(School(code, zone, int(places)))
    if problems:
        raise LotteryInputError(problems)
    return schools


def parse_pupils(data: bytes) -> list[tuple[int, Pupil]]:
    """`pupils.csv` as (line, pupil) in file order; raises LotteryInputError for empty or
    duplicate pupil codes (checks against the schools are in `check_inputs`)."""
    pupils, problems = _parse_pupils(data)
    if problems:
        raise LotteryInputError(problems)
    return pupils


def _parse_pupils(data: bytes) -> tuple[list[tuple[int, Pupil]], list[Problem]]:
    """The pupils with a usable code and the problems of the others."""
    problems: list[Problem] = []
    pupils: list[tuple[int, Pupil]] = []
    seen: dict[str, int] = {}
    for line, row in _read_csv(data, PUPILS_FILE, PUPIL_COLUMNS):
        code = row["pupil_code"]
        if code == "":
            problems.append(
                Problem("empty pupil code", "学生编码为空", PUPILS_FILE, line, "pupil_code")
            )
            continue
        if code in seen:
            problems.append(
                Problem(
                    f"duplicate pupil code {code!r} (also on line {seen[code]})",
                    f"学生编码“{code}”重复（第 {seen[code]} 行已有）",
                    PUPILS_FILE,
                    line,
                    "pupil_code",
                )
            )
            continue
        seen[code] = line
        choices = (row["choice1"], row["choice2"], row["choice3"])
        pupils.append((line, Pupil(code, row["zone"], choices, row["assigned_school"])))
    return pupils, problems


def check_inputs(schools: Sequence[School], pupils: Sequence[tuple[int, Pupil]]) -> None:
    """Raise LotteryInputError for a pupil zone no school has, a choice or assigned school that
    names no school, and a school with more policy admissions than places."""
    by_code = {s.code: s for s in schools}
    zones = {s.zone for s in schools}
    problems: list[Problem] = []
    policy: dict[str, int] = {}
    for line, p in pupils:
        if p.zone not in zones:
            problems.append(
                Problem(
                    f"unknown zone {p.zone!r} (no school in schools.csv has it)",
                    f"片区“{p.zone}”不存在（schools.csv 中没有该片区的学校）",
                    PUPILS_FILE,
                    line,
                    "zone",
                )
            )
        for k, choice in enumerate(p.choices, start=1):
            if choice and choice not in by_code:
                problems.append(
                    Problem(
                        f"choice {k} {choice!r} names no school in schools.csv",
                        f"第 {k} 志愿“{choice}”不是 schools.csv 中的学校",
                        PUPILS_FILE,
                        line,
                        f"choice{k}",
                    )
                )
        if p.assigned_school:
            if p.assigned_school not in by_code:
                problems.append(
                    Problem(
                        f"assigned school {p.assigned_school!r} names no school in schools.csv",
                        f"政策安置学校“{p.assigned_school}”不是 schools.csv 中的学校",
                        PUPILS_FILE,
                        line,
                        "assigned_school",
                    )
                )
            else:
                policy[p.assigned_school] = policy.get(p.assigned_school, 0) + 1
    for code in sorted(policy):
        if policy[code] > by_code[code].places:
            problems.append(
                Problem(
                    f"school {code!r} has {policy[code]} policy admissions but only "
                    f"{by_code[code].places} places",
                    f"学校“{code}”的政策安置人数（{policy[code]}）超过学位数（{by_code[code].places}）",
                    PUPILS_FILE,
                    None,
                    "assigned_school",
                )
            )
    if problems:
        raise LotteryInputError(problems)


def check_seed_parts(parts: Sequence[str]) -> None:
    """At least one seed part, none empty (an empty part is most likely a witness not asked)."""
    if not parts:
        raise LotteryInputError([Problem("no seed parts given", "未提供种子分段")])
    empty = [i for i, p in enumerate(parts, start=1) if p == ""]
    if empty:
        raise LotteryInputError(
            [Problem(f"seed part {i} is empty", f"第 {i} 个种子分段为空") for i in empty]
        )


# ------------------------------------------------------------------------------- seed and stream


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def seed_from_parts(parts: Sequence[str]) -> bytes:
    """Step 1: the 32-byte seed from the witnesses' parts, in the order given."""
    return sha256(SEED_PREFIX + b"".join(sha256(p.encode("utf-8")) for p in parts))


def stream(seed: bytes) -> Iterator[int]:
    """Step 2: the unending sequence of 64-bit integers from the counter blocks.

    >>> s = stream(bytes(32)); [next(s) for _ in range(5)] == list(
    ...     struct.unpack(">4Q", sha256(bytes(32) + bytes(8)))) + [
    ...     struct.unpack(">4Q", sha256(bytes(32) + (1).to_bytes(8, "big")))[0]]
    True
    """
    unpack = struct.Struct(">4Q").unpack
    i = 0
    while True:
        yield from unpack(hashlib.sha256(seed + i.to_bytes(8, "big")).digest())
        i += 1


class Stream:
    """The stream with step 3 (uniform integers by rejection) on top; counts what it used."""

    def __init__(self, seed: bytes):
        self._it = stream(seed)
        self.used = 0  # integers taken, rejected ones included

    def next(self) -> int:
        self.used += 1
        return next(self._it)

    def uniform(self, n: int) -> int:
        """Step 3: an integer in [0, n), n ≥ 1."""
        limit = _TWO64 - (_TWO64 % n)
        while True:
            r = self.next()
            if r < limit:
                return r % n


def shuffle(codes: Sequence[str], seed: bytes) -> list[str]:
    """Step 4: the codes sorted in code point order, then Fisher–Yates from the top with the
    stream of `seed`; position + 1 is the lottery number."""
    items = sorted(codes)  # Python compares str by code point
    rng = Stream(seed)
    for i in range(len(items) - 1, 0, -1):
        j = rng.uniform(i + 1)
        items[i], items[j] = items[j], items[i]
    return items


@dataclass(frozen=True)
class ShuffleStep:
    """One Fisher–Yates step: for position i, the stream integers drawn (the last accepted, any
    before it rejected), j = accepted mod (i + 1), and the order after swapping i and j."""

    i: int
    drawn: tuple[int, ...]
    j: int
    after: tuple[str, ...]


def shuffle_trace(codes: Sequence[str], seed: bytes) -> list[ShuffleStep]:
    """`shuffle` step by step, for the worked example and for checking another implementation."""
    items = sorted(codes)
    rng = Stream(seed)
    steps = []
    for i in range(len(items) - 1, 0, -1):
        before = rng.used
        j = rng.uniform(i + 1)
        it = stream(seed)
        drawn = [next(it) for _ in range(rng.used)][before:]
        items[i], items[j] = items[j], items[i]
        steps.append(ShuffleStep(i, tuple(drawn), j, tuple(items)))
    return steps


# ------------------------------------------------------------------------------------ placement


@dataclass
class Placement:
    """Where one pupil ended: school "" when unplaced; lottery number None for policy admissions."""

    pupil_code: str
    lottery_number: int | None
    school_code: str
    round: str


@dataclass
class Draw:
    """The outcome of a draw before it is written: the order, each round's placements in the
    order they were made, and the final placement of every pupil."""

    seed: bytes
    order: list[str]  # pupil codes by lottery number (index + 1)
    rounds: dict[str, list[Placement]] = field(default_factory=dict)
    placements: dict[str, Placement] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = {r: len(self.rounds.get(r, [])) for r in ROUNDS}
        counts["unplaced"] = sum(1 for p in self.placements.values() if p.round == "unplaced")
        return counts


def place(schools: Sequence[School], pupils: Sequence[Pupil], seed: bytes) -> Draw:
    """Steps 4 and 5 on checked inputs (see `check_inputs`)."""
    left = {s.code: s.places for s in schools}
    zone_of = {s.code: s.zone for s in schools}
    school_order = sorted(left)
    lottery = [p for p in pupils if not p.assigned_school]
    order = shuffle([p.code for p in lottery], seed)
    number = {code: i for i, code in enumerate(order, start=1)}
    by_code = {p.code: p for p in pupils}
    draw = Draw(seed=seed, order=order, rounds={r: [] for r in ROUNDS})

    def put(pupil: Pupil, school: str, rnd: str) -> None:
        pl = Placement(pupil.code, number.get(pupil.code), school, rnd)
        draw.placements[pupil.code] = pl
        if school:
            draw.rounds[rnd].append(pl)

    # Policy admissions, in pupil-code order (the order does not change who is placed).
    for p in sorted((p for p in pupils if p.assigned_school), key=lambda p: p.code):
        left[p.assigned_school] -= 1
        put(p, p.assigned_school, "policy")

    ranked = [by_code[c] for c in order]
    for k in (1, 2, 3):
        # The applicants of each school this round, in lottery-number order; a pupil names one
        # school as k-th choice, so the lists are disjoint.
        applicants: dict[str, list[Pupil]] = {}
        for p in ranked:
            choice = p.choices[k - 1]
            if choice and p.code not in draw.placements and zone_of.get(choice) == p.zone:
                applicants.setdefault(choice, []).append(p)
        for code in school_order:
            for p in applicants.get(code, ()):
                if left[code] == 0:
                    break
                left[code] -= 1
                put(p, code, str(k))

    # Zone fill: a heap per zone of (-places left, code) gives "most left, then lowest code".
    heaps: dict[str, list[tuple[int, str]]] = {}
    for code in school_order:
        heaps.setdefault(zone_of[code], []).append((-left[code], code))
    for h in heaps.values():
        heapq.heapify(h)
    for p in ranked:
        if p.code in draw.placements:
            continue
        h = heaps.get(p.zone)
        if not h or h[0][0] == 0:
            put(p, "", "unplaced")
            continue
        neg, code = h[0]
        heapq.heapreplace(h, (neg + 1, code))
        left[code] -= 1
        put(p, code, "zone")
    return draw


# ------------------------------------------------------------------------------------ the files


def _field(value) -> str:
    text = str(value)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(header: Sequence[str], rows) -> bytes:
    """UTF-8 without a byte-order mark, "\\n" line ends, a value quoted (its quotes doubled)
    only where it holds a comma, a quote or a line break ("\\n" or "\\r")."""
    lines = [",".join(_field(v) for v in row) + "\n" for row in (header, *rows)]
    return "".join(lines).encode("utf-8")


def _number(n: int | None) -> str:
    return "" if n is None else str(n)


def draw_files(draw: Draw) -> dict[str, bytes]:
    """The output files of a draw except the manifest, by name."""
    files = {NUMBERS_FILE: csv_bytes(("lottery_number", "pupil_code"), enumerate(draw.order, 1))}
    for rnd, name in ROUND_FILES.items():
        files[name] = csv_bytes(
            PLACEMENT_COLUMNS,
            ((p.pupil_code, _number(p.lottery_number), p.school_code) for p in draw.rounds[rnd]),
        )
    files[RESULT_FILE] = csv_bytes(
        RESULT_COLUMNS,
        (
            (p.pupil_code, _number(p.lottery_number), p.school_code, p.round)
            for _, p in sorted(draw.placements.items())
        ),
    )
    return files


def chain(seed: bytes, digests: Sequence[bytes]) -> list[bytes]:
    """The hash chain of the manifest: c0 = seed, c_i = SHA-256(c_{i-1} + digest_i), over the
    inputs then the outputs in manifest order; the last link is the one hash a notary signs."""
    links, c = [], seed
    for d in digests:
        c = sha256(c + d)
        links.append(c)
    return links


def manifest(
    parts: Sequence[str], seed: bytes, inputs: dict[str, bytes], outputs: dict[str, bytes], draw
) -> dict:
    """The manifest of a draw (a plain dict; `manifest_bytes` serialises it)."""
    names = [*INPUT_FILES, *OUTPUT_FILES]
    data = {**inputs, **outputs}
    digests = [sha256(data[n]) for n in names]
    links = chain(seed, digests)
    return {
        "algorithm": ALGORITHM,
        "version": VERSION,
        "seed_parts": list(parts),
        "seed_part_sha256": [sha256(p.encode("utf-8")).hex() for p in parts],
        "seed": seed.hex(),
        "counts": {"pupils": len(draw.placements), "lottery": len(draw.order), **draw.counts()},
        "files": [
            {"name": n, "sha256": d.hex(), "chain": c.hex()}
            for n, d, c in zip(names, digests, links, strict=True)
        ],
        "chain_sha256": links[-1].hex(),
    }


def manifest_bytes(data: dict) -> bytes:
    """JSON, keys in the order written, two-space indent, non-ASCII as is, UTF-8, final newline."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass
class DrawOutput:
    """Everything a run writes: `files` by name (manifest included), the manifest as a dict,
    and the draw itself."""

    files: dict[str, bytes]
    manifest: dict
    draw: Draw
    schools: list[School]
    pupils: list[Pupil]


def load_inputs(schools_csv: bytes, pupils_csv: bytes) -> tuple[list[School], list[Pupil]]:
    """Parse and check both input files; raises LotteryInputError with every problem found."""
    problems: list[Problem] = []
    schools: list[School] = []
    pupils: list[tuple[int, Pupil]] = []
    try:
        schools = parse_schools(schools_csv)
    except LotteryInputError as exc:
        problems += exc.problems
    try:
        pupils, pupil_problems = _parse_pupils(pupils_csv)
    except LotteryInputError as exc:  # unreadable: no rows to check further
        pupil_problems = exc.problems
    problems += pupil_problems
    if not problems or (schools and not any(p.file == SCHOOLS_FILE for p in problems)):
        # The schools are sound: check the readable pupils against them too, so that one run
        # names every problem.
        try:
            check_inputs(schools, pupils)
        except LotteryInputError as exc:
            problems += exc.problems
    if problems:
        raise LotteryInputError(problems)
    return schools, [p for _, p in pupils]


def run_draw(schools_csv: bytes, pupils_csv: bytes, seed_parts: Sequence[str]) -> DrawOutput:
    """The whole draw, version 1: inputs as file bytes, seed parts as typed. Raises
    LotteryInputError (writing nothing) when the inputs or seed parts are bad."""
    check_seed_parts(seed_parts)
    schools, pupils = load_inputs(schools_csv, pupils_csv)
    seed = seed_from_parts(seed_parts)
    draw = place(schools, pupils, seed)
    outputs = draw_files(draw)
    inputs = {SCHOOLS_FILE: schools_csv, PUPILS_FILE: pupils_csv}
    data = manifest(seed_parts, seed, inputs, outputs, draw)
    files = {**outputs, MANIFEST_FILE: manifest_bytes(data)}
    return DrawOutput(files=files, manifest=data, draw=draw, schools=schools, pupils=pupils)


# ---------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Difference:
    """The first thing that does not match, in both languages."""

    file: str
    message_en: str
    message_zh: str

    def text(self, language: str = "en") -> str:
        return f"{self.file}: {self.message_zh if language.startswith('zh') else self.message_en}"


def _first_line_difference(name: str, expected: bytes, found: bytes) -> Difference:
    exp = expected.decode("utf-8", "replace").split("\n")
    got = found.decode("utf-8", "replace").split("\n")
    for i, (a, b) in enumerate(zip(exp, got, strict=False), start=1):
        if a != b:
            return Difference(
                name,
                f"line {i} differs: expected {a!r}, found {b!r}",
                f"第 {i} 行不同：应为“{a}”，实际为“{b}”",
            )
    if len(exp) != len(got):
        n = min(len(exp), len(got)) + 1
        return Difference(
            name,
            f"line {n}: expected {len(exp) - 1} lines, found {len(got) - 1}",
            f"第 {n} 行：应有 {len(exp) - 1} 行，实际 {len(got) - 1} 行",
        )
    return Difference(name, "the bytes differ", "文件字节不同")


def _manifest_difference(expected: dict, found: dict) -> Difference:
    for key in expected:
        if key not in found:
            return Difference(MANIFEST_FILE, f"key {key!r} is missing", f"缺少键“{key}”")
        if expected[key] != found[key]:
            return Difference(
                MANIFEST_FILE,
                f"{key!r} differs: expected {json.dumps(expected[key], ensure_ascii=False)}, "
                f"found {json.dumps(found[key], ensure_ascii=False)}",
                f"“{key}”不同：应为 {json.dumps(expected[key], ensure_ascii=False)}，"
                f"实际为 {json.dumps(found[key], ensure_ascii=False)}",
            )
    for key in found:
        if key not in expected:
            return Difference(MANIFEST_FILE, f"unexpected key {key!r}", f"多出键“{key}”")
    return Difference(MANIFEST_FILE, "the bytes differ (formatting)", "文件字节不同（格式）")


def verify(inputs: dict[str, bytes | None], results: dict[str, bytes | None]) -> Difference | None:
    """Re-run a draw from its manifest's seed parts and compare: None when every file is
    identical, else the first difference: the manifest unreadable or of an unknown version, an
    input file whose SHA-256 is not the manifest's, then the first differing file (result.csv
    first, then the intermediate lists, then the manifest itself) and its first differing line."""
    raw = results.get(MANIFEST_FILE)
    if raw is None:
        return Difference(MANIFEST_FILE, "the file is missing", "文件缺失")
    try:
        found_manifest = json.loads(raw.decode("utf-8"))
        version = found_manifest["version"]
        parts = found_manifest["seed_parts"]
        recorded = {f["name"]: f["sha256"] for f in found_manifest["files"]}
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return Difference(MANIFEST_FILE, "not a lottery manifest", "不是派位清单文件")
    if version not in RUNNERS:
        return Difference(
            MANIFEST_FILE, f"unknown draw version {version!r}", f"未知的派位算法版本 {version!r}"
        )
    for name in INPUT_FILES:
        data = inputs.get(name)
        if data is None:
            return Difference(name, "the input file is missing", "输入文件缺失")
        if sha256(data).hex() != recorded.get(name):
            return Difference(
                name,
                "the input file changed: its SHA-256 is not the manifest's",
                "输入文件已被改动：其 SHA-256 与清单不符",
            )
    try:
        expected = RUNNERS[version](inputs[SCHOOLS_FILE], inputs[PUPILS_FILE], parts)
    except LotteryInputError as exc:
        return Difference(
            PUPILS_FILE,
            f"the inputs cannot be drawn: {exc.message_en}",
            f"输入无法派位：{exc.message_zh}",
        )
    for name in (RESULT_FILE, *(n for n in OUTPUT_FILES if n != RESULT_FILE)):
        got = results.get(name)
        if got is None:
            return Difference(name, "the file is missing", "文件缺失")
        if got != expected.files[name]:
            return _first_line_difference(name, expected.files[name], got)
    if raw != expected.files[MANIFEST_FILE]:
        return _manifest_difference(expected.manifest, found_manifest)
    return None


# The draw of each version, so that verifying an old draw keeps using its own rules.
RUNNERS = {VERSION: run_draw}
