"""Refusing a spreadsheet that would inflate when read, before anything reads it.

An .xlsx file is a zip of XML parts, and a reader (calamine) holds a sheet's whole used range
in memory: rows × columns × 32 bytes, plus a copy of each shared string at every cell that
uses it. A few kilobytes can therefore claim gigabytes: one 1 MB shared string used by 2,000
cells (2 GB), a sheet with one cell at A2 and one at XFD1048576 (17 billion cells: the reader
aborts the process), a part that deflates a thousandfold, millions of rows. `check_workbook`
measures what a workbook will cost from its zip directory and one streaming pass over the
parts the reader will parse, in blocks, never holding a part whole, and raises `LimitError`
(a code and a message in English and Chinese) when a cap of `ReadLimits` is exceeded:

* the number of parts and, for every part, its size once decompressed (declared sizes are
  checked against the data for the parts read) and its compression ratio (`max_ratio`, as
  Apache POI's ZipSecureFile: a part larger than 1 MB that deflates more than 100×);
* the shared-string table (`max_shared_strings` bytes of XML);
* the text a sheet's cells hold once shared strings are expanded (`max_text` bytes);
* the sheet's used range, rows × columns of the cells holding a value (`max_cells`), and its
  rows holding data (`max_rows`, counted as the sheet streams past: a file of 2.5 million
  rows is refused at row 1,000,003 without being read further).

The sheet's declared ``<dimension>`` is read but not trusted either way: the reader ignores it
(a sheet declaring A1:XFD1048576 over one cell reads in a few MB), Excel counts formatted empty
cells in it, and a hostile file can understate it; the used range is measured instead.

>>> limits = ReadLimits(max_cells=1_000)
>>> sheet = check_workbook(_example(rows=10, columns=5), limits).sheets[0]
>>> sheet.rows, sheet.height, sheet.width  # one-letter columns: at most 26 wide
(10, 10, 26)
>>> try:
...     check_workbook(_example(rows=100, columns=30), limits)
... except LimitError as exc:
...     print(exc.code, exc.message_en)
too_many_cells The sheet 'Sheet1' spans 100 rows × 30 columns (3,000 cells, at most 1,000): delete the cells outside the table or split the file, and upload it again
"""

from __future__ import annotations

import copy
import functools
import html
import io
import re
import struct
import zipfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from operator import contains, or_

from qiangshi.engines.cells import fold

__all__ = [
    "LimitError",
    "ReadLimits",
    "SheetStats",
    "WorkbookStats",
    "check_parts",
    "check_workbook",
    "check_zip",
    "part_blocks",
    "read_part",
]

MB = 1024 * 1024
BLOCK = 1 << 20  # bytes of XML scanned at a time
RATIO_FLOOR = 1 * MB  # smaller parts may compress as much as they like
MAX_SMALL_PART = 64 * MB  # the workbook's structure, relationships, styles
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# Bytes a shared-string cell takes in the sheet's XML at the least (<c t="s"><v>0</v></c>).
_MIN_SHARED_CELL = 20


@dataclass(frozen=True)
class ReadLimits:
    """Caps on what reading one workbook may cost (see the module's docstring)."""

    max_rows: int = 1_000_000  # rows holding data, in one sheet
    max_cells: int = 32_000_000  # rows × columns of a sheet's used range
    max_uncompressed: int = 2048 * MB  # all parts of a workbook, decompressed
    max_ratio: float = 100.0  # decompressed ÷ compressed size of a part above RATIO_FLOOR
    max_shared_strings: int = 256 * MB  # the shared-string table's XML
    max_text: int = 512 * MB  # a sheet's cell text with shared strings expanded
    max_parts: int = 10_000  # files in the zip


class LimitError(ValueError):
    """A workbook refused before it is read; `code` says which cap, messages in both languages.

    Codes: ``too_large`` (decompressed size, ratio, parts, shared strings, text),
    ``too_many_cells``, ``too_many_rows``, ``corrupt``.
    """

    def __init__(self, code: str, message_en: str, message_zh: str):
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh


@dataclass
class SheetStats:
    """What one sheet holds, as measured: rows holding data, the used range (height × width,
    an upper bound), cells naming a shared string, and the text they expand to (bytes)."""

    part: str
    name: str
    rows: int = 0
    first_row: int = 0
    last_row: int = 0
    width: int = 0
    shared_cells: int = 0
    shared_text: int = 0
    declared: tuple[int, int] | None = None  # (rows, columns) of <dimension>, unused
    # Every cell starts `<c r="` (no cell without a reference or with a namespace prefix):
    # what `xlsx_stream` needs to place cells without reading each one.
    plain_cells: bool = True

    @property
    def height(self) -> int:
        return self.last_row - self.first_row + 1 if self.last_row else 0

    @property
    def cells(self) -> int:
        return self.height * self.width


@dataclass
class WorkbookStats:
    uncompressed: int = 0
    shared_strings: int = 0
    sheets: list[SheetStats] = field(default_factory=list)


# --- Messages ----------------------------------------------------------------------------


def _mb(size: int) -> str:
    return f"{size / MB:,.0f}"


def _too_large_part(name: str, size: int, limit: int) -> LimitError:
    return LimitError(
        "too_large",
        f"The workbook is {_mb(size)} MB once decompressed (part {name}; at most "
        f"{_mb(limit)} MB): split it into smaller files",
        f"工作簿解压后有 {_mb(size)} MB（部件 {name}；上限 {_mb(limit)} MB），请拆分成多个文件",
    )


def _ratio(name: str, ratio: float, limit: float) -> LimitError:
    return LimitError(
        "too_large",
        f"The part {name} of the workbook expands {ratio:,.0f} times when decompressed (at most "
        f"{limit:,.0f} times): this is not an ordinary spreadsheet; open it in Excel, save it "
        "again and upload that copy",
        f"工作簿中的部件 {name} 解压后膨胀 {ratio:,.0f} 倍（上限 {limit:,.0f} 倍），不是正常的"
        "电子表格；请在 Excel 中打开并重新保存后上传",
    )


def _corrupt(detail: str) -> LimitError:
    return LimitError(
        "corrupt",
        f"The file is damaged and cannot be read ({detail}); open it in Excel and save it again",
        f"文件已损坏，无法读取（{detail}）；请在 Excel 中打开后重新保存",
    )


def _too_many_rows(limit: int) -> LimitError:
    return LimitError(
        "too_many_rows",
        f"The file has more than {limit:,} data rows; split it into smaller files",
        f"文件的数据行超过 {limit:,} 行，请拆分成多个文件",
    )


def _too_many_cells(sheet: SheetStats, limit: int) -> LimitError:
    return LimitError(
        "too_many_cells",
        f"The sheet '{sheet.name}' spans {sheet.height:,} rows × {sheet.width:,} columns "
        f"({sheet.cells:,} cells, at most {limit:,}): delete the cells outside the table or "
        "split the file, and upload it again",
        f"工作表“{sheet.name}”的数据区域为 {sheet.height:,} 行 × {sheet.width:,} 列（"
        f"{sheet.cells:,} 个单元格，上限 {limit:,} 个）：请删除表格以外的单元格或拆分文件后"
        "重新上传",
    )


def _too_much_text(sheet: SheetStats, limit: int) -> LimitError:
    return LimitError(
        "too_large",
        f"The cells of the sheet '{sheet.name}' repeat more than {_mb(limit)} MB of text (at "
        "most that much): this is not an ordinary roster; check the file",
        f"工作表“{sheet.name}”的单元格重复引用的文本超过 {_mb(limit)} MB（上限），不是正常的"
        "名册，请检查文件",
    )


def _shared_strings(size: int, limit: int) -> LimitError:
    return LimitError(
        "too_large",
        f"The workbook's table of text values is {_mb(size)} MB (at most {_mb(limit)} MB): "
        "split it into smaller files",
        f"工作簿的共享文本表有 {_mb(size)} MB（上限 {_mb(limit)} MB），请拆分成多个文件",
    )


def _too_many_parts(count: int, limit: int) -> LimitError:
    return LimitError(
        "too_large",
        f"The workbook is made of {count:,} files (at most {limit:,}): this is not an ordinary "
        "spreadsheet; open it in Excel and save it again",
        f"工作簿由 {count:,} 个文件组成（上限 {limit:,} 个），不是正常的电子表格；请在 Excel "
        "中打开后重新保存",
    )


# --- The zip directory ---------------------------------------------------------------------


def _entry_count(data: bytes) -> int:
    """The number of entries the zip's end record announces, read before zipfile builds one
    object per entry (a 200 MB directory of empty entries would take gigabytes)."""
    tail_start = max(0, len(data) - (1 << 16) - 22)
    at = data.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or at + 22 > len(data):
        raise _corrupt("zip")
    (count,) = struct.unpack_from("<H", data, at + 10)
    if count == 0xFFFF:  # zip64: the locator just before points at the zip64 end record
        locator = at - 20
        if locator >= 0 and data[locator : locator + 4] == b"PK\x06\x07":
            (offset,) = struct.unpack_from("<Q", data, locator + 8)
            if data[offset : offset + 4] == b"PK\x06\x06":
                (count,) = struct.unpack_from("<Q", data, offset + 32)
    return count


def check_parts(data: bytes, max_parts: int = ReadLimits.max_parts) -> None:
    """Refuse a zip announcing more than `max_parts` entries, before anything opens it."""
    count = _entry_count(data)
    if count > max_parts:
        raise _too_many_parts(count, max_parts)


def check_zip(data: bytes, limits: ReadLimits) -> zipfile.ZipFile:
    """Open a zip-based workbook after checking its directory alone: the number of parts, their
    declared sizes and compression ratios. Returns the open archive."""
    check_parts(data, limits.max_parts)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _corrupt("zip") from None
    infos = archive.infolist()
    if len(infos) > limits.max_parts:
        raise _too_many_parts(len(infos), limits.max_parts)
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_uncompressed:
            raise _too_large_part(info.filename, total, limits.max_uncompressed)
        if info.file_size > RATIO_FLOOR:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise _ratio(info.filename, ratio, limits.max_ratio)
    return archive


class _Budget:
    """Decompressed bytes still allowed for the workbook."""

    def __init__(self, limits: ReadLimits):
        self.limits = limits
        self.used = 0


def _blocks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget):
    """The part's decompressed bytes, a block at a time, to the end of its compressed data,
    whatever size the directory declares: a part that inflates beyond its declared size or the
    budget is refused (the reader would not stop at the declared size)."""
    probe = copy.copy(info)
    probe.file_size = budget.limits.max_uncompressed + 1  # read to the deflate stream's end
    size = 0
    try:
        with archive.open(probe) as stream:
            while block := stream.read(BLOCK):
                size += len(block)
                budget.used += len(block)
                if budget.used > budget.limits.max_uncompressed:
                    raise _too_large_part(
                        info.filename, budget.used, budget.limits.max_uncompressed
                    )
                compressed = max(info.compress_size, 1)
                if size > RATIO_FLOOR and size / compressed > budget.limits.max_ratio:
                    raise _ratio(info.filename, size / compressed, budget.limits.max_ratio)
                yield block
    except LimitError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise _corrupt("zip") from None
    if size != info.file_size:
        raise _corrupt(f"{info.filename}: {size:,} bytes, {info.file_size:,} declared")


def part_blocks(archive: zipfile.ZipFile, part: str, limits: ReadLimits):
    """A part's decompressed bytes a block at a time, refused (LimitError) past `limits`."""
    info = _find(archive, part)
    if info is None:
        raise KeyError(part)
    return _blocks(archive, info, _Budget(limits))


def _read_small(
    archive: zipfile.ZipFile, name: str, budget: _Budget, *, keep: bool = True
) -> bytes | None:
    """A structural part (workbook, relationships, styles): checked to its end, and returned
    when `keep`; more than `MAX_SMALL_PART` is refused."""
    info = _find(archive, name)
    if info is None:
        return None
    kept: list[bytes] = []
    size = 0
    for block in _blocks(archive, info, budget):
        size += len(block)
        if size > MAX_SMALL_PART:
            raise _too_large_part(name, size, MAX_SMALL_PART)
        if keep:
            kept.append(block)
    return b"".join(kept)


def read_part(archive: zipfile.ZipFile, name: str, limits: ReadLimits) -> bytes:
    """A structural part whole (`MAX_SMALL_PART` at most); KeyError when there is none."""
    data = _read_small(archive, name, _Budget(limits))
    if data is None:
        raise KeyError(name)
    return data


def _find(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(name)
    except KeyError:
        wanted = name.lower()
        for info in archive.infolist():
            if info.filename.lower() == wanted:
                return info
    return None


# --- Workbook structure --------------------------------------------------------------------

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def _attrs(tag: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: html.unescape(v.decode()) for k, v in _ATTR.findall(tag)}


def _target(target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in ("xl/" + target).split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _structure(
    archive: zipfile.ZipFile, budget: _Budget
) -> tuple[list[tuple[str, str]], list[str]]:
    """[(sheet name, part)] in the workbook's order ("" for a sheet without a part: indexes
    stay the reader's), and the shared-string parts (the one the relationships name, and the
    usual path, which a reader may open whatever they say)."""
    workbook = _read_small(archive, "xl/workbook.xml", budget) or b""
    rels = _read_small(archive, "xl/_rels/workbook.xml.rels", budget) or b""
    targets: dict[str, str] = {}
    shared = None
    for rel in _RELATIONSHIP.findall(rels):
        attrs = _attrs(rel)
        target = _target(attrs.get("Target", ""))
        targets[attrs.get("Id", "")] = target
        if attrs.get("Type", "").endswith("/sharedStrings"):
            shared = target
    sheets = []
    for tag in _SHEET.findall(workbook):
        attrs = _attrs(tag)
        sheets.append((attrs.get("name", ""), targets.get(attrs.get("id", ""), "")))
    shared_parts = [p for p in dict.fromkeys([shared, "xl/sharedStrings.xml"]) if p]
    return sheets, [p for p in shared_parts if _find(archive, p) is not None]


# --- Shared strings ------------------------------------------------------------------------


def _shared_string_sizes(
    archive: zipfile.ZipFile, part: str | None, budget: _Budget
) -> tuple[array, int]:
    """Each shared string's size in bytes of XML (an upper bound of its text), and the table's
    size. A string's XML is split at its end tag, in C: no Python work per string."""
    sizes = array("Q")
    info = _find(archive, part) if part else None
    if info is None:
        return sizes, 0
    limit = budget.limits.max_shared_strings
    if info.file_size > limit:
        raise _shared_strings(info.file_size, limit)
    total = 0
    carry = b""
    for block in _blocks(archive, info, budget):
        total += len(block)
        if total > limit:
            raise _shared_strings(total, limit)
        pieces = (carry + block).split(b"</si>")
        carry = pieces.pop()
        sizes.extend(map(len, pieces))
    return sizes, total


# --- Sheets --------------------------------------------------------------------------------

_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
# What follows a cell's reference when the cell holds a value: an inline string or <v>,
# perhaps after a formula (a formula alone reads as empty).
_VALUE_AFTER_REF = (
    rb'\d+"[^>]*>(?:<(?:\w+:)?f\b[^>]*/>|<(?:\w+:)?f\b[^>]*>[^<]*</(?:\w+:)?f>)?'
    rb"<(?:\w+:)?(?:v|is)>"
)


@functools.lru_cache(maxsize=64)
def _wider_than(width: int) -> re.Pattern[bytes]:
    """The column letters of cells holding a value beyond column `width` (26 or more).

    Only the cells wider than the widest seen so far match: after the first rows, a sheet's
    cells fail this at their first letter, which keeps the scan of a wide sheet fast.
    """
    letters = column_letters(width)

    def after(ch: str) -> str:
        return f"[{chr(ord(ch) + 1)}-Z]" if ch < "Z" else ""

    options = []
    if len(letters) == 2:
        a, b = letters
        options = ["[A-Z]{3}", after(a) and after(a) + "[A-Z]", after(b) and a + after(b)]
    elif len(letters) == 3:
        a, b, c = letters
        options = [
            after(a) and after(a) + "[A-Z]{2}",
            after(b) and a + after(b) + "[A-Z]",
            after(c) and a + b + after(c),
        ]
    else:
        options = ["[A-Z]{2,3}"]
    choices = "|".join(o for o in options if o) or "(?!)"
    return re.compile(rb' r="(' + choices.encode() + rb")" + _VALUE_AFTER_REF)


def column_letters(number: int) -> str:
    """Excel's letters for a column number.

    >>> column_letters(26), column_letters(100), column_letters(16384)
    ('Z', 'CV', 'XFD')
    """
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_UNREFERENCED_CELL = re.compile(rb'<c(?:[>/\t\r\n]| (?!r="))')
_SHARED_INDEX = re.compile(rb't="s"[^>]*>\s*<(?:\w+:)?v>(\d+)<')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


class _SheetScan:
    """Counts a sheet's rows and measures its used range, a block of complete rows at a time."""

    def __init__(self, stats: SheetStats, limits: ReadLimits, sizes: array, exact_text: bool):
        self.stats = stats
        self.limits = limits
        self.sizes = sizes
        self.longest = max(sizes) if sizes else 0
        self.exact_text = exact_text
        self.row_tags = 0
        self.carry = b""
        self.first = True

    def feed(self, block: bytes, final: bool = False) -> None:
        text = self.carry + block
        if self.first:
            self.first = False
            m = _DIMENSION.search(text, 0, 4096)
            if m and m.group(3):
                rows = int(m.group(4)) - int(m.group(2)) + 1
                columns = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
                self.stats.declared = (rows, columns)
        cut = len(text) if final else text.rfind(b"</row>")
        if cut < 0:
            if len(text) <= 16 * BLOCK:
                self.carry = text
                return
            cut = len(text)  # one enormous row: measure what has come so far
        else:
            cut = cut if final else cut + len(b"</row>")
        body, self.carry = text[:cut], text[cut:]
        self._measure(body)

    def _measure(self, body: bytes) -> None:
        stats, limits = self.stats, self.limits
        rows = body.split(b"</row>")
        if rows and not rows[-1].strip(b" \r\n\t"):
            rows.pop()
        # Which rows hold a value (<v> or an inline string), without a Python step per row.
        flags = list(
            map(or_, map(contains, rows, repeat(b"v>")), map(contains, rows, repeat(b"is>")))
        )
        data_rows = sum(flags)
        before = self.row_tags
        self.row_tags += len(rows)
        if data_rows:
            last_index = len(flags) - 1 - flags[::-1].index(True)
            m = _ROW_NUMBER.search(rows[last_index])
            number = int(m.group(1)) if m else before + last_index + 1
            if not stats.first_row:
                first_index = flags.index(True)
                m = _ROW_NUMBER.search(rows[first_index])
                stats.first_row = int(m.group(1)) if m else before + first_index + 1
            stats.last_row = max(stats.last_row, number)
            stats.rows += data_rows
            if stats.rows > limits.max_rows + 2:  # the header, perhaps a title above it
                raise _too_many_rows(limits.max_rows)
        width = 26 if data_rows else 0  # one-letter columns: at most 26
        wide = _wider_than(max(stats.width, 26)).findall(body)
        if wide:
            width = max(width, max(map(_column_number, set(wide))))
        # Cells without a leading reference (or with a namespace prefix): count them per row.
        if _UNREFERENCED_CELL.search(body) or b":c " in body or b":c>" in body:
            width = max(width, max((r.count(b"<c") for r in rows), default=0))
            stats.plain_cells = False
        stats.width = max(stats.width, min(width, EXCEL_MAX_COLUMNS))
        if stats.cells > limits.max_cells:
            raise _too_many_cells(stats, limits.max_cells)
        shared = body.count(b't="s"')
        stats.shared_cells += shared
        if shared:
            if self.exact_text:
                sizes, top = self.sizes, len(self.sizes)
                indexes = [int(i) for i in _SHARED_INDEX.findall(body)]
                stats.shared_text += sum(sizes[i] for i in indexes if i < top)
            else:
                stats.shared_text += shared * self.longest
            if stats.shared_text > limits.max_text:
                raise _too_much_text(stats, limits.max_text)


def _scan_sheet(
    archive: zipfile.ZipFile,
    name: str,
    part: str,
    sizes: array,
    budget: _Budget,
    observe: Callable[[str, bytes | None], None] | None = None,
) -> SheetStats:
    stats = SheetStats(part=part, name=name)
    info = _find(archive, part)
    if info is None:
        return stats
    limits = budget.limits
    longest = max(sizes) if sizes else 0
    # Summing each shared cell's own string costs a regular expression per cell: only when
    # the longest string at every possible cell could exceed the cap.
    exact = longest * (info.file_size // _MIN_SHARED_CELL + 1) > limits.max_text
    scan = _SheetScan(stats, limits, sizes, exact)
    for block in _blocks(archive, info, budget):
        scan.feed(block)
        if observe is not None:
            observe(part, block)
    scan.feed(b"", final=True)
    if observe is not None:
        observe(part, None)
    return stats


# The parts the reader parses on opening a workbook, besides the sheets and shared strings.
_OPENED = ("[Content_Types].xml", "_rels/.rels", "xl/styles.xml")


def _chosen(sheets: list[tuple[str, str]], sheet: str | int | None) -> list[tuple[str, str]]:
    """The sheets the reader may read for `sheet`: by index, by name (exact, else as the reader
    matches names, folded), or all of them (None: the first with data)."""
    if isinstance(sheet, int):
        return [sheets[sheet]] if -len(sheets) <= sheet < len(sheets) else []
    if isinstance(sheet, str):
        exact = [s for s in sheets if s[0] == sheet]
        return exact or [s for s in sheets if fold(s[0]) == fold(sheet)]
    return sheets


def check_workbook(
    data: bytes,
    limits: ReadLimits,
    *,
    sheet: str | int | None = None,
    observe: Callable[[str, bytes | None], None] | None = None,
) -> WorkbookStats:
    """Check an .xlsx workbook against `limits` (see the module's docstring); raises LimitError.

    `sheet` (an index or a name) is the sheet that will be read; None checks every sheet.
    `observe(part, block)`, if given, sees each checked sheet's XML as it is decompressed, a
    block at a time, then `None` at the part's end (so that a reader can measure the sheet in
    the same pass: `xlsx_stream.SheetScan`).
    """
    archive = check_zip(data, limits)
    with archive:
        budget = _Budget(limits)
        for name in _OPENED:
            _read_small(archive, name, budget, keep=False)
        sheets, shared_parts = _structure(archive, budget)
        sizes, shared_size = array("Q"), 0
        for part in shared_parts:  # each string counted at its larger size
            more, size = _shared_string_sizes(archive, part, budget)
            shared_size = max(shared_size, size)
            longer, shorter = (more, sizes) if len(more) >= len(sizes) else (sizes, more)
            sizes = array("Q", map(max, longer[: len(shorter)], shorter))
            sizes.extend(longer[len(shorter) :])
        stats = WorkbookStats(shared_strings=shared_size)
        for name, part in _chosen(sheets, sheet):
            if part:
                stats.sheets.append(_scan_sheet(archive, name, part, sizes, budget, observe))
        stats.uncompressed = budget.used
    return stats


def _example(rows: int, columns: int) -> bytes:
    """A small workbook for the examples above: `rows` rows of `columns` numbers."""
    letters = [chr(65 + c % 26) if c < 26 else "A" + chr(65 + c - 26) for c in range(columns)]
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{x}{r}"><v>{r}</v></c>' for x in letters) + "</row>"
        for r in range(1, rows + 1)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
            "/></Relationships>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{body}</sheetData></worksheet>"
        )
    return buffer.getvalue()
