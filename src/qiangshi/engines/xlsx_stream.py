"""Reading one sheet of an .xlsx workbook a block of rows at a time, with calamine's values.

python-calamine (which reads .xls, .xlsb and .ods here, and any .xlsx this module leaves to it)
holds a whole sheet in memory before the first row can be read: about 1.5 KB a row for a
15-column roster. This module reads the sheet's XML as it is decompressed, a block of complete
rows at a time, and holds only the shared strings and that block. Every cell reads as
python-calamine reads it, so that a file imports the same whichever reader reads it:

* numbers are floats, or dates, datetimes, times and timedeltas where the cell's number format
  is a date or a duration format (calamine's detection of date formats, its 1900 leap-year
  convention, the workbook's 1904 date system, milliseconds rounded half away from zero, a date
  beyond the year 9999 stays a float);
* shared strings, inline strings and formula strings are text, rich-text runs joined, phonetic
  runs left out, Excel's ``_x00HH_`` escapes decoded; booleans are bools; errors (``#N/A`` …)
  and empty cells are ``""``, but an error counts as a value for the used range;
* a formula reads as its cached value; a row spans the sheet's used range, the columns from the
  first to the last holding a value (calamine's range), and rows that hold no value are left
  out (the caller counts them as empty rows, see `tabular`).

Content calamine refuses (an unknown cell type or error code, a shared string that does not
exist, a malformed boolean, broken XML) raises `SheetError`, at the row where it is found.

The sheet is measured first by `SheetScan`, fed the sheet's XML by
`workbook_limits.check_workbook` as it checks the workbook: the used range's first and last
column, and whether the sheet keeps to the forms this reader handles. A workbook or sheet
beyond them (a chart sheet, a cell without a reference, comments, CDATA or ISO 8601 dates in
the XML, a namespace prefix on the cells, rows out of order, …) raises `Unsupported`, and the
caller reads it with calamine, as before.

Most rows are read by one regular expression over a block of rows (`_FAST_CELL`, Excel's and
the usual writers' forms of a cell), checked to account for every cell of the block; a block
that holds anything else (rich text, entities, other attributes, …) is read by a small XML
tokenizer that follows calamine's reading of each element (`_cells_slow`).

>>> import io
>>> from qiangshi.engines.workbook_limits import ReadLimits, check_workbook
>>> data = _example([["姓名", "出生日期"], ["张三", 32874.0]])
>>> scan = SheetScan()
>>> stats = check_workbook(data, ReadLimits(), sheet=0, observe=scan)
>>> book = open_workbook(data, ReadLimits())
>>> shape = scan.shape(book.parts[0], stats.sheets[0])
>>> shape.first_column, shape.last_column
(1, 2)
>>> list(book.rows(0, shape))
[(1, ['姓名', '出生日期']), (2, ['张三', datetime.date(1990, 1, 1)])]
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from qiangshi.engines import workbook_limits
from qiangshi.engines.workbook_limits import LimitError, ReadLimits

__all__ = [
    "SheetError",
    "SheetScan",
    "SheetShape",
    "Unsupported",
    "Workbook",
    "format_kind",
    "open_workbook",
]


class Unsupported(Exception):
    """A workbook or sheet this module leaves to calamine (a form it does not read)."""


class SheetError(ValueError):
    """Content calamine refuses too: the file cannot be read."""


# --- Number formats ------------------------------------------------------------------------

OTHER, DATETIME, TIMEDELTA = 0, 1, 2
_BUILTIN_KINDS = {str(i): DATETIME for i in (*range(14, 23), 45, 47)} | {"46": TIMEDELTA}


def format_kind(code: str) -> int:
    """Whether a number format shows dates (DATETIME), durations (TIMEDELTA) or neither
    (OTHER), as calamine decides it: the first date or time letter outside quotes, brackets
    and escapes makes a date; an elapsed-time bracket (``[h]``, ``[mm]``, ``[ss]``) a
    duration; only the first of a format's sections counts.

    >>> [format_kind(c) for c in ("yyyy-mm-dd", "[h]:mm:ss", "0.00", '"d"0', "#,##0*y")]
    [1, 2, 0, 0, 0]
    """
    escaped = quoted = ampm = elapsed = False
    brackets = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":  # the next character is shown as it is (or fills the cell)
            escaped = True
        elif quoted:
            if ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return OTHER
        elif ch == "[":
            brackets += 1
        elif ch == "]":
            if brackets == 1 and elapsed:
                return TIMEDELTA
            brackets = max(0, brackets - 1)
        elif brackets == 0 and not ampm and ch in "aA":
            ampm = True
        elif (
            brackets == 0
            and ampm
            and ch in "pmPM/"
            or brackets == 0
            and not ampm
            and ch in "dmhysDMHYS"
        ):
            return DATETIME
        elif not (elapsed and ch.lower() == prev.lower()):
            elapsed = prev == "[" and ch in "mhsMHS"
        prev = ch
    return OTHER


# --- Dates ---------------------------------------------------------------------------------

_MS_PER_DAY = 86_400_000.0
_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
_EPOCH = datetime(1899, 12, 30)
_MAX_ORDINAL = date.max.toordinal()
_I64_MAX = 2**63 - 1


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date of any year (H. Hinnant's method)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


# The dates chrono (calamine's date library) can hold, in days from Excel's epoch.
_CHRONO_MIN_DAYS = _days_from_civil(-262_143, 1, 1) - _days_from_civil(1899, 12, 30)
_CHRONO_MAX_DAYS = _days_from_civil(262_142, 12, 31) - _days_from_civil(1899, 12, 30)


def _round_half_away(x: float) -> int:
    """`x` rounded half away from zero, as Rust's f64::round (exact, unlike floor(x + 0.5))."""
    a = abs(x)
    r = math.floor(a)
    if a - r >= 0.5:
        r += 1
    return -int(r) if x < 0 else int(r)


def _milliseconds(x: float) -> int:
    """Rust's `x.round() as i64`: NaN is 0, out of range saturates."""
    if x != x:
        return 0
    if x >= 9.223372036854775807e18:
        return _I64_MAX
    if x <= -9.223372036854775808e18:
        # calamine panics here (chrono refuses i64::MIN milliseconds): refuse the file instead
        raise SheetError("a date or duration out of range")
    return _round_half_away(x)


def excel_date(value: float, is_1904: bool) -> Any:
    """A number in a date-formatted cell as python-calamine gives it: a time below 1, a date
    for a whole number, a datetime otherwise; the number itself beyond the year 9999.

    >>> excel_date(44927.0, False), excel_date(44927.5, False), excel_date(0.25, False)
    (datetime.date(2023, 1, 1), datetime.datetime(2023, 1, 1, 12, 0), datetime.time(6, 0))
    >>> excel_date(60.0, False), excel_date(0.0, True), excel_date(3_000_000.0, False)
    (datetime.date(1900, 2, 28), datetime.time(0, 0), 3000000.0)
    """
    f = value + 1462.0 if is_1904 else value
    if f < 60.0:
        f += 1.0  # before Excel's 1900-02-29 (a day that never was)
    ms = _milliseconds(f * _MS_PER_DAY)
    days, rest = divmod(ms, 86_400_000)
    if not _CHRONO_MIN_DAYS <= days <= _CHRONO_MAX_DAYS:
        return value
    if value < 1.0:
        seconds, millis = divmod(rest, 1000)
        return time(seconds // 3600, seconds // 60 % 60, seconds % 60, millis * 1000)
    ordinal = _EPOCH_ORDINAL + days
    if not 1 <= ordinal <= _MAX_ORDINAL:
        return value
    if math.isfinite(value) and value == math.floor(value):
        return date.fromordinal(ordinal)
    return _EPOCH + timedelta(milliseconds=ms)


def excel_duration(value: float) -> timedelta:
    """A number in a duration-formatted cell ([h]:mm:ss), to the millisecond."""
    ms = _milliseconds(value * _MS_PER_DAY)
    try:
        return timedelta(milliseconds=ms)
    except OverflowError:
        raise SheetError("a duration out of range") from None


# --- Text ----------------------------------------------------------------------------------

_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);|&")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_EXCEL_ESCAPE = re.compile(r"_x00([0-9A-Fa-f]{2})_")


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name is None:
        raise SheetError("a bare '&' in the XML")
    return _reference(name)


def _reference(name: str) -> str:
    """The character of a reference's name (``amp``, ``#20013``, ``#x4e2d``)."""
    if name[0] != "#":
        return _NAMED[name]
    code = int(name[2:], 16) if name[1] == "x" else int(name[1:])
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        raise SheetError("an invalid character reference")
    return chr(code)


def _unescape(text: str) -> str:
    """XML text with its references replaced (a reference calamine refuses raises)."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _excel_text(text: str) -> str:
    """Excel's escapes of control characters in text (``_x000D_``), as calamine decodes them:
    only ``_x00HH_``."""
    if "_x00" not in text:
        return text
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


# --- A small XML tokenizer (calamine's event model) ----------------------------------------

_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|"  # skipped (calamine reads no text from them)
    r"<(/?)(" + _NAME + r")((?:\s+" + _NAME + r"\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*(/?)>"
    r"|([^<&]+)"
    r"|&(#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);"
    r"|([<&])",
    re.DOTALL,
)
_ATTR = re.compile(r"(" + _NAME + r")\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
START, END, TEXT, REF = 0, 1, 2, 3


def _events(text: str) -> Iterator[tuple[int, str, str]]:
    """(kind, local name or text, raw attributes) for each tag, text run and reference; an
    empty element gives a start and an end (as calamine reads it). Malformed XML raises."""
    for m in _TOKEN.finditer(text):
        closing, name, attrs, empty, chars, ref, bad = m.groups()
        if bad is None and chars is None and ref is None and name is None:
            continue  # a comment, CDATA section or processing instruction
        if name is not None:
            local = name.rpartition(":")[2]
            if closing:
                yield END, local, ""
            else:
                yield START, local, attrs
                if empty:
                    yield END, local, ""
        elif chars is not None:
            yield TEXT, chars, ""
        elif ref is not None:
            yield REF, _reference(ref), ""
        else:
            raise SheetError(f"malformed XML at {text[m.start() : m.start() + 20]!r}")


def _attrs(raw: str) -> dict[str, str]:
    """Attributes by name, raw (later ones win, as calamine reads them)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in
            _ATTR.finditer(raw)}  # fmt: skip


_XML_SPACE = re.compile(r"""\sxml:space\s*=\s*["']preserve["']""")
_XML_WHITESPACE = " \t\r\n"


def _read_string(events: Iterator[tuple[int, str, str]], closing: str) -> str:
    """The text of a shared string or an inline string (<si>, <is>) up to its end tag: the
    <t> elements' text joined, phonetic runs (<rPh>) left out, each <t>'s text without the
    XML whitespace around it unless it says xml:space="preserve" (as calamine reads it)."""
    parts: list[str] = []
    phonetic = False
    for kind, name, raw in events:
        if kind == START:
            if name == "rPh":
                phonetic = True
            elif name == "t" and not phonetic:
                runs = []
                for kind2, text, _ in events:
                    if kind2 == TEXT:
                        runs.append(_newlines(text))
                    elif kind2 == REF:
                        runs.append(text)
                    elif kind2 == END and text == "t":
                        break
                else:
                    raise SheetError("unexpected end of a string")
                text = "".join(runs)
                parts.append(text if _XML_SPACE.search(raw) else text.strip(_XML_WHITESPACE))
        elif kind == END:
            if name == closing:
                return _excel_text("".join(parts))
            if name == "rPh":
                phonetic = False
    raise SheetError("unexpected end of a string")


def _skip_to_end(events: Iterator[tuple[int, str, str]], name: str) -> None:
    depth = 0
    for kind, local, _ in events:
        if kind == START and local == name:
            depth += 1
        elif kind == END and local == name:
            if depth == 0:
                return
            depth -= 1
    raise SheetError(f"unexpected end of <{name}>")


# --- Cells ---------------------------------------------------------------------------------

EMPTY = None  # a cell without a value (left out of the used range)
_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})
_RUST_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE
)
_SIMPLE_TYPES = frozenset({None, "n", "s", "b", "e"})
_U64_MAX = 2**64 - 1


def _atoi(text: str) -> int:
    """calamine's reading of a style or shared-string index: digits only, else 0."""
    if text.isascii() and text.isdigit():
        value = int(text)
        return value if value <= _U64_MAX else 0
    return 0


@dataclass
class _Child:
    """The element of a cell that gives its value (the last one: a later one replaces it)."""

    name: str  # "v", "is" or "f"
    first: str | None = None  # <v>: its first text run, before any reference
    text: str = ""  # <v>: all its text; <is>: the string


class _Values:
    """Cell values in a workbook's context: shared strings, number formats, date system."""

    def __init__(self, strings: list[str], kinds: list[int], is_1904: bool):
        self.strings = strings
        self.kinds = kinds
        self.is_1904 = is_1904
        self.style_kinds: dict[Any, int] = {"": OTHER, b"": OTHER}
        self.dates: dict[tuple[int, str], Any] = {}

    def style_kind(self, s: str | None) -> int:
        if s is None:
            return OTHER
        kind = self.style_kinds.get(s)
        if kind is None:
            index = _atoi(s)
            kind = self.kinds[index] if index < len(self.kinds) else OTHER
            if len(self.style_kinds) < 10_000:
                self.style_kinds[s] = kind
        return kind

    def number(self, text: str, kind: int) -> Any:
        """A number cell's text (already known to parse) as python-calamine gives it."""
        if kind == OTHER:
            return float(text)
        key = (kind, text)
        value = self.dates.get(key, EMPTY)
        if value is EMPTY:
            x = float(text)
            value = excel_date(x, self.is_1904) if kind == DATETIME else excel_duration(x)
            if len(self.dates) > 50_000:
                self.dates.clear()
            self.dates[key] = value
        return value

    def shared(self, text: str) -> str:
        try:
            return self.strings[_atoi(text)]
        except IndexError:
            raise SheetError("Cell string index not found in shared strings table") from None

    def simple(self, t: str | None, s: str | None, text: str) -> Any:
        """The value of a <v> whose type is read from its first text run (numbers, shared
        strings, booleans, errors); `text` is that run, not empty."""
        if t is None or t == "n":
            if _RUST_FLOAT.fullmatch(text):
                return self.number(text, self.style_kind(s))
            if t is None:
                return text  # no type and not a number: calamine keeps the text
            raise SheetError(f"Parse float error: {text!r}")
        if t == "s":
            return self.shared(text)
        if t == "b":
            flag = text.strip().lower()
            if flag in ("1", "true"):
                return True
            if flag in ("0", "false"):
                return False
            raise SheetError(f"Unrecognized boolean cell value: {text}")
        if text in _ERRORS:  # t == "e": an error reads as "" but holds the cell
            return ""
        raise SheetError(f"Unsupported cell error value {text!r}")

    def value(self, t: str | None, s: str | None, child: _Child | None) -> Any:
        """A cell's value from its type, style and the child element that gives it."""
        if child is None or child.name == "f":
            return EMPTY
        if child.name == "is":
            return child.text
        if t in ("inlineStr", "is"):
            return EMPTY  # an inline string's <v> is ignored
        if t in _SIMPLE_TYPES:
            return EMPTY if child.first is None else self.simple(t, s, child.first)
        if t == "str":
            return _excel_text(child.text)
        raise SheetError(f"Unknown cell 't' attribute: {t!r}")


def _holds_value(t: str | None, child: _Child | None) -> bool:
    """Whether a cell counts in the used range (a value, or content calamine refuses), without
    the workbook's context."""
    if child is None or child.name == "f":
        return False
    if child.name == "is":
        return True
    if t in ("inlineStr", "is"):
        return False
    if t in _SIMPLE_TYPES:
        return child.first is not None
    return True


def _parse_cells(text: str) -> Iterator[tuple[str, str, str | None, str | None, _Child | None]]:
    """(column letters, row digits, s, t, child) of each cell in a piece of <sheetData>, read
    element by element as calamine reads them."""
    events = _events(text)
    for kind, name, raw in events:
        if kind != START or name != "c":
            continue
        attrs = _attrs(raw)
        ref = attrs.get("r", "")
        m = _REF.fullmatch(ref)
        if m is None:
            raise Unsupported("a cell without a plain reference")
        child: _Child | None = None
        for kind2, name2, _ in events:
            if kind2 == START:
                if name2 == "v":
                    child = _Child("v")
                    runs: list[str] = []
                    started = False
                    for kind3, chars, _ in events:
                        if kind3 == END and chars == "v":
                            break
                        if kind3 == TEXT:
                            if not started:
                                child.first = chars
                            runs.append(_newlines(chars))
                        elif kind3 == REF:
                            runs.append(chars)
                        started = True  # (an element inside <v> is skipped, as calamine does)
                    else:
                        raise SheetError("unexpected end of <v>")
                    child.text = "".join(runs)
                elif name2 == "is":
                    child = _Child("is", text=_read_string(events, "is"))
                elif name2 == "f":
                    child = _Child("f")
                    _skip_to_end(events, "f")
                else:
                    raise SheetError("Expecting 'v, f, or is' node")
            elif kind2 == END and name2 == "c":
                break
        else:
            raise SheetError("unexpected end of <c>")
        yield m.group(1).upper(), m.group(2), attrs.get("s"), attrs.get("t"), child


_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


def column_number(letters: str) -> int:
    """1-based column number of Excel column letters.

    >>> column_number("A"), column_number("AA"), column_number("XFD")
    (1, 27, 16384)
    """
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


class _Columns(dict):
    """Column letters → number, computed once per letters."""

    def __missing__(self, letters: str) -> int:
        number = self[letters] = column_number(letters)
        return number


_COLUMNS = _Columns()


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- The sheet's XML, a block of rows at a time ----------------------------------------------

_SHEET_DATA = re.compile(rb"<sheetData\b[^>]*>")
_SHEET_DATA_END = b"</sheetData>"
_ROW_END = b"</row>"
_MAX_CARRY = 16 * workbook_limits.BLOCK  # a row longer than this is no roster


class _SheetData:
    """Cuts a worksheet's XML, fed as it is decompressed, into pieces of <sheetData> that end
    with a complete row. `prolog` is what comes before <sheetData> (the root element, the
    dimension, the columns); `empty` tells a <sheetData/>."""

    def __init__(self) -> None:
        self.state = 0  # 0: before <sheetData>, 1: inside it, 2: after it
        self.carry = b""
        self.prolog = b""
        self.empty = False

    def feed(self, block: bytes | None) -> list[bytes]:
        """Complete-row pieces of <sheetData> from `block` (None: the end of the part)."""
        if block is None:
            if self.state != 2:
                raise SheetError("the sheet's XML ends before </sheetData>")
            return []
        if self.state == 2:
            return []
        self.carry += block
        out = []
        if self.state == 0:
            m = _SHEET_DATA.search(self.carry)
            if m is None:
                if len(self.carry) > _MAX_CARRY:
                    raise Unsupported("no <sheetData> near the start of the sheet")
                return out
            self.prolog = self.carry[: m.start()]
            if m.group(0).endswith(b"/>"):
                self.state, self.empty, self.carry = 2, True, b""
                return out
            self.state, self.carry = 1, self.carry[m.end() :]
        end = self.carry.find(_SHEET_DATA_END)
        if end >= 0:
            out.append(self.carry[:end])
            self.state, self.carry = 2, b""
            return out
        cut = self.carry.rfind(_ROW_END)
        if cut >= 0:
            cut += len(_ROW_END)
            out.append(self.carry[:cut])
            self.carry = self.carry[cut:]
        elif len(self.carry) > _MAX_CARRY:
            raise Unsupported("a row longer than the reader's block")
        return out


# --- Measuring the sheet first ---------------------------------------------------------------

_XML_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\b([^?]*)\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT = re.compile(rb"<([A-Za-z_][\w.\-]*)(?::[\w.\-]+)?[\s>/]")
_DIMENSION = re.compile(rb"<dimension\b[^>]*\sref=\"([^\"]*)\"")
_DIMENSION_PART = re.compile(rb"[A-Za-z]+0*[1-9][0-9]*")
_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.\-]*:(?:c|row|v|is|f|t|r|rPh|sheetData)[\s>/]")
_PREFIXED_MAIN = re.compile(
    rb"xmlns:[\w.\-]+\s*=\s*[\"'](?:http://schemas\.openxmlformats\.org/spreadsheetml/2006/main"
    rb"|http://purl\.oclc\.org/ooxml/spreadsheetml/main)[\"']"
)
_ROW_NUMBER = re.compile(rb'<row r="([0-9]+)"')
_CONTENT = rb'[0-9]+"[^>]*(?<!/)>(?!</c>)'  # a cell with content (not <c …/> or <c …></c>)


def _either_case(pattern: str) -> str:
    """A pattern of upper-case letters and [X-Y] ranges made to match lower case too (calamine
    reads references in either case)."""
    out = re.sub(
        r"\[([A-Z])-([A-Z])\]", lambda m: f"[{m[1]}-{m[2]}{m[1].lower()}-{m[2].lower()}]", pattern
    )
    return re.sub(r"(?<![\[\-A-Za-z])([A-Z])(?![\-\]])", lambda m: f"[{m[1]}{m[1].lower()}]", out)


@lru_cache(maxsize=256)
def _outside(lo: int, hi: int) -> re.Pattern[bytes]:
    """Cells with content in a column before `lo` or after `hi` (0, 0: any column)."""
    if not lo:
        return re.compile(rb'<c r="[A-Za-z]{1,3}' + _CONTENT)
    options = []
    for letters, wider in ((_column_letters(lo), False), (_column_letters(hi), True)):
        k = len(letters)
        if wider:
            if k < 3:
                options.append(f"[A-Z]{{{k + 1},3}}")
        elif k > 1:
            options.append(f"[A-Z]{{1,{k - 1}}}")
        for i, ch in enumerate(letters):
            rng = (f"[{chr(ord(ch) + 1)}-Z]" if ch < "Z" else "") if wider else (
                f"[A-{chr(ord(ch) - 1)}]" if ch > "A" else ""
            )  # fmt: skip
            if rng:
                rest = f"[A-Z]{{{k - i - 1}}}" if k - i - 1 else ""
                options.append(letters[:i] + rng + rest)
    if not options:
        return re.compile(rb"(?!)")
    alternatives = "|".join(_either_case(o) for o in options)
    return re.compile(rb'<c r="(?:' + alternatives.encode() + rb")" + _CONTENT)


@dataclass
class SheetShape:
    """What `SheetScan` found in a sheet: whether this module reads it, and the columns its
    used range spans (1-based; 0 when no cell holds a value)."""

    part: str
    regular: bool = True
    why: str = ""
    first_column: int = 0
    last_column: int = 0


class _PartScan:
    def __init__(self, part: str):
        self.shape = SheetShape(part)
        self.data = _SheetData()
        self.last_row = 0
        self.done = False
        self.prolog_checked = False

    def irregular(self, why: str) -> None:
        self.shape.regular, self.shape.why = False, why

    def feed(self, block: bytes | None) -> None:
        if block is None:
            self.done = True
        if not self.shape.regular:
            return
        try:
            pieces = self.data.feed(block)
        except (Unsupported, SheetError) as exc:
            self.irregular(str(exc))
            return
        if self.data.state > 0 and not self.prolog_checked:
            self.prolog_checked = True
            self._prolog(self.data.prolog)
        for piece in pieces:
            if not self.shape.regular:
                return
            self._piece(piece)
        if block is None and self.data.empty:
            self.irregular("an empty <sheetData/>")

    def _prolog(self, prolog: bytes) -> None:
        m = _XML_DECLARATION.match(prolog)
        rest = prolog[m.end() :] if m else prolog.removeprefix(b"\xef\xbb\xbf")
        if m:
            encoding = _ENCODING.search(m.group(1))
            if encoding and encoding.group(1).lower().replace(b"-", b"") != b"utf8":
                return self.irregular("an encoding other than UTF-8")
        if b"<!" in rest or b"<?" in rest:
            return self.irregular("a comment, declaration or instruction in the XML")
        root = _ROOT.search(rest)
        if root is None or rest[root.start() : root.end()].find(b":") >= 0:
            return self.irregular("a namespace prefix on the worksheet")
        if _PREFIXED_MAIN.search(rest):
            return self.irregular("a namespace prefix for the worksheet's elements")
        dimension = _DIMENSION.search(rest)
        if dimension is not None:
            parts = dimension.group(1).split(b":")
            if len(parts) > 2 or not all(_DIMENSION_PART.fullmatch(p) for p in parts):
                return self.irregular("a <dimension> calamine refuses")
        if _PREFIXED.search(rest) or b"<c " in rest:
            return self.irregular("cells outside <sheetData>")

    def _piece(self, piece: bytes) -> None:
        # Cells without a plain reference are found by workbook_limits' own pass (see
        # `SheetScan.shape`); comments and ISO dates here.
        if b"<!" in piece:
            return self.irregular("a comment or CDATA in <sheetData>")
        if b't="d"' in piece:
            return self.irregular("an ISO 8601 date cell")
        numbers = _ROW_NUMBER.findall(piece)
        if numbers:
            rows = list(map(int, numbers))
            if rows[0] <= self.last_row or rows != sorted(set(rows)):
                return self.irregular("rows out of order")
            self.last_row = rows[-1]
        self._bounds(piece)

    def _bounds(self, piece: bytes) -> None:
        shape = self.shape
        pos = 0
        while True:
            m = _outside(shape.first_column, shape.last_column).search(piece, pos)
            if m is None:
                return
            end = piece.find(b"</c>", m.end())
            if end < 0:
                return self.irregular("a cell that does not end")
            pos = end + 4
            try:
                cells = list(_parse_cells(piece[m.start() : pos].decode("utf-8")))
            except (SheetError, UnicodeDecodeError):
                continue  # the reading fails at this cell
            except Unsupported as exc:
                return self.irregular(str(exc))
            for letters, _, _, t, child in cells:
                if _holds_value(t, child):
                    column = column_number(letters)
                    if not shape.first_column:
                        shape.first_column = shape.last_column = column
                    else:
                        shape.first_column = min(shape.first_column, column)
                        shape.last_column = max(shape.last_column, column)


class SheetScan:
    """Measures sheets as `workbook_limits.check_workbook` reads them: pass it as its
    `observe` argument, then ask `shape(part)`."""

    def __init__(self) -> None:
        self._parts: dict[str, _PartScan] = {}

    def __call__(self, part: str, block: bytes | None) -> None:
        scan = self._parts.get(part)
        if scan is None:
            scan = self._parts[part] = _PartScan(part)
        scan.feed(block)

    def shape(self, part: str, stats: workbook_limits.SheetStats | None = None) -> SheetShape:
        """The measured shape of `part`; `Unsupported` if it was not measured to its end or
        is beyond this reader. `stats` are workbook_limits' measures of the part, which tell
        whether every cell has a plain reference (required)."""
        scan = self._parts.get(part)
        if scan is None or not scan.done:
            raise Unsupported(f"{part} was not measured")
        if not scan.shape.regular:
            raise Unsupported(scan.shape.why)
        if stats is None or stats.part != part or not stats.plain_cells:
            raise Unsupported("a cell without a plain reference")
        return scan.shape


# --- The workbook --------------------------------------------------------------------------

_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
_MAX_STRUCTURE = 64 * 1024 * 1024


def _find(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    """A part by name, case-insensitively (as calamine looks parts up)."""
    try:
        return archive.getinfo(name)
    except KeyError:
        wanted = name.lower()
        for info in archive.infolist():
            if info.filename.lower() == wanted:
                return info
    return None


def _small_part(archive: zipfile.ZipFile, name: str, limits: ReadLimits) -> str | None:
    info = _find(archive, name)
    if info is None:
        return None
    try:
        data = workbook_limits.read_part(archive, info.filename, limits)
    except (LimitError, KeyError):
        raise Unsupported(f"{name} cannot be read") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unsupported(f"{name} is not UTF-8") from None


def _elements(text: str) -> Iterator[tuple[int, str, dict[str, str]]]:
    try:
        for kind, name, raw in _events(text):
            if kind != TEXT and kind != REF:
                yield kind, name, _attrs(raw) if kind == START else {}
    except SheetError as exc:
        raise Unsupported(str(exc)) from None


def _structure_text(text: str) -> str:
    """A structural part without its XML declaration (regular parts have one at most)."""
    m = re.match(r"\s*<\?xml\b[^?]*\?>", text)
    rest = text[m.end() :] if m else text
    if "<!" in rest or "<?" in rest:
        raise Unsupported("a comment or declaration in a structural part")
    if re.search(r"</?[A-Za-z_][\w.\-]*:", rest):
        raise Unsupported("a namespace prefix in a structural part")
    return rest


class Workbook:
    """An .xlsx workbook's structure: its sheets (names, parts), number formats, date system
    and shared strings (read when a sheet is first read)."""

    def __init__(self, archive: zipfile.ZipFile, limits: ReadLimits):
        self.archive = archive
        self.limits = limits
        self.sheet_names: list[str] = []
        self.parts: list[str] = []
        self.is_1904 = False
        self.kinds: list[int] = []
        self._strings: list[str] | None = None

    def close(self) -> None:
        self.archive.close()

    # The structure, read as calamine reads it; anything unusual is left to calamine.

    def _load(self) -> None:
        package = _small_part(self.archive, "_rels/.rels", self.limits)
        if package is None:
            raise Unsupported("no _rels/.rels")
        targets = [
            a.get("Target", "")
            for kind, name, a in _elements(_structure_text(package))
            if kind == START and name == "Relationship" and a.get("Type") == _OFFICE_DOCUMENT
        ]
        if targets not in (["xl/workbook.xml"], ["/xl/workbook.xml"]):
            raise Unsupported("the workbook is not at xl/workbook.xml")
        rels = _small_part(self.archive, "xl/_rels/workbook.xml.rels", self.limits)
        book = _small_part(self.archive, "xl/workbook.xml", self.limits)
        if rels is None or book is None:
            raise Unsupported("no workbook or relationships")
        relationships = {}
        for kind, name, a in _elements(_structure_text(rels)):
            if kind == START and name == "Relationship":
                relationships[a.get("Id", "")] = a.get("Target", "")
        for kind, name, a in _elements(_structure_text(book)):
            if kind != START:
                continue
            if name == "sheet":
                self._sheet(a, relationships)
            elif name == "workbookPr" and "date1904" in a:
                self.is_1904 = _unescape_attr(a["date1904"]) in ("1", "true")
        self._styles()

    def _sheet(self, a: dict[str, str], relationships: dict[str, str]) -> None:
        if "r:id" not in a or "relationships:id" in a:
            raise Unsupported("a sheet without r:id")
        target = relationships.get(a["r:id"])
        if target is None:
            raise Unsupported("a sheet's relationship is missing")
        if target.startswith("/xl/"):
            path = target[1:]
        elif target.startswith("xl/"):
            path = target
        else:
            path = "xl/" + target
        if path.split("/")[1:2] != ["worksheets"] or "/." in path or "&" in path:
            raise Unsupported("a sheet that is not a plain worksheet")
        state = _unescape_attr(a.get("state", "visible"))
        if state not in ("visible", "hidden", "veryHidden"):
            raise Unsupported("an unknown sheet state")
        info = _find(self.archive, path)
        if info is None:
            raise Unsupported("a sheet's part is missing")
        self.sheet_names.append(_unescape_attr(a.get("name", "")))
        self.parts.append(path)

    def _styles(self) -> None:
        text = _small_part(self.archive, "xl/styles.xml", self.limits)
        if text is None:
            return
        formats: dict[str, str] = {}
        section = ""
        for kind, name, a in _elements(_structure_text(text)):
            if kind == START and name in ("numFmts", "cellXfs") and not section:
                section = name
            elif kind == END and name == section:
                section = ""
            elif kind == START and section == "numFmts" and name == "numFmt":
                code = _unescape_attr(a.get("formatCode", ""))
                if code:
                    formats[a.get("numFmtId", "")] = code
            elif kind == START and section == "cellXfs" and name == "xf":
                number = a.get("numFmtId")
                if number is None:
                    self.kinds.append(OTHER)
                elif number in formats:
                    self.kinds.append(format_kind(formats[number]))
                else:
                    self.kinds.append(_BUILTIN_KINDS.get(number, OTHER))

    # Shared strings: read whole when a sheet is first read (the largest thing held).

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = self._read_strings()
        return self._strings

    def _read_strings(self) -> list[str]:
        info = _find(self.archive, "xl/sharedStrings.xml")
        if info is None:
            return []
        strings: list[str] = []
        carry = b""
        first = True
        for block in workbook_limits.part_blocks(self.archive, info.filename, self.limits):
            text = carry + block
            if first:
                first = False
                text = _strip_declaration(text)
            cut = text.rfind(b"</si>")
            if cut < 0:
                carry = text
                continue
            cut += len(b"</si>")
            _strings_in(text[:cut], strings)
            carry = text[cut:]
        _strings_in(carry, strings, last=True)
        return strings

    # Rows.

    def rows(self, index: int, shape: SheetShape) -> Iterator[tuple[int, list[Any]]]:
        """(Excel row number, values) of each row of sheet `index` holding a value, the values
        of the columns `shape.first_column`…`shape.last_column`."""
        strings = self.strings()  # read (and checked) even for a sheet without values
        if not shape.first_column:
            return iter(())
        values = _Values(strings, self.kinds, self.is_1904)
        return _sheet_rows(self, self.parts[index], shape, values)


def _unescape_attr(value: str) -> str:
    try:
        return _unescape(value)
    except SheetError:
        raise Unsupported("a malformed attribute") from None


def _strip_declaration(text: bytes) -> bytes:
    m = _XML_DECLARATION.match(text)
    if m is None:
        return text.removeprefix(b"\xef\xbb\xbf")
    encoding = _ENCODING.search(m.group(1))
    if encoding and encoding.group(1).lower().replace(b"-", b"") != b"utf8":
        raise SheetError("the shared strings are not UTF-8")
    return text[m.end() :]


_FAST_STRING = re.compile(
    r'<si><t>([^<\r]*)</t></si>|<si><t xml:space="preserve">([^<\r]*)</t></si>'
)


def _strings_in(block: bytes, strings: list[str], last: bool = False) -> None:
    """Append the shared strings of a piece of sharedStrings.xml ending with a complete <si>
    (or the end of the part, `last`)."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        raise SheetError("the shared strings are not UTF-8") from None
    found = _FAST_STRING.findall(text)
    if len(found) == text.count("<si") and not last:
        for trimmed, kept in found:
            s = kept or trimmed
            if "&" in s:
                s = _unescape(s)
            if not kept:
                s = s.strip(_XML_WHITESPACE)
            if "_x00" in s:
                s = _excel_text(s)
            strings.append(s)
        return
    events = _events(text)
    ended = False
    for kind, name, _ in events:
        if kind == START and name == "si":
            strings.append(_read_string(events, "si"))
        elif kind == END and name == "sst":
            ended = True
    if last and not ended:
        raise SheetError("the shared strings end before </sst>")


def open_workbook(data: bytes, limits: ReadLimits) -> Workbook:
    """The structure of an .xlsx workbook (`Unsupported` for one this module leaves to
    calamine). Close it when done."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise Unsupported("not a readable zip") from None
    book = Workbook(archive, limits)
    try:
        book._load()
    except BaseException:
        archive.close()
        raise
    return book


# --- Rows ----------------------------------------------------------------------------------

# The forms of a cell that Excel, WPS, LibreOffice, openpyxl and xlsxwriter write, in one
# expression over the XML's bytes: the reference, style and type; perhaps a formula; then an
# inline string or a value (digits alone, or other text). Empty values, text holding '<' or a
# carriage return, rich text and any other form leave the block to the tokenizer.
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,12})")? ?'
    rb"(?:/>|>(?:<f(?: [^>]*+)?/>|<f(?: [^>]*+)?>[^<]*+</f>)?"
    rb'(?:<is><t>([^<\r]++)</t></is>|<is><t xml:space="preserve">([^<\r]++)</t></is>'
    rb"|<v>(?:([0-9]{1,15})</v>|([^<\r]++)</v>))?</c>)"
)


def _sheet_rows(
    book: Workbook, part: str, shape: SheetShape, values: _Values
) -> Iterator[tuple[int, list[Any]]]:
    splitter = _SheetData()
    state = _RowState(shape.first_column, shape.last_column)
    for block in workbook_limits.part_blocks(book.archive, part, book.limits):
        for piece in splitter.feed(block):
            for rows in _slices(piece):
                found = _FAST_CELL.findall(rows)
                if len(found) == rows.count(b"<c"):
                    yield from _fast_rows(found, rows, values, state)
                else:
                    yield from _slow_rows(rows, values, state)
    splitter.feed(None)
    if state.has:
        yield state.number, state.row


_SLICE = 64 * 1024  # bytes of rows matched at a time: the matches of a block take 8 times more


def _slices(piece: bytes) -> Iterator[bytes]:
    """`piece` (complete rows) in slices of complete rows of about `_SLICE` bytes."""
    start, size = 0, len(piece)
    while size - start > _SLICE:
        cut = piece.rfind(_ROW_END, start, start + _SLICE)
        if cut < 0:
            cut = piece.find(_ROW_END, start + _SLICE)
            if cut < 0:
                break
        cut += len(_ROW_END)
        yield piece[start:cut]
        start = cut
    yield piece[start:] if start else piece


class _Index(dict):
    """Column letters → position in a row of the used range (negative before it)."""

    def __init__(self, lo: int):
        super().__init__()
        self.lo = lo

    def __missing__(self, letters: str | bytes) -> int:
        text = letters.decode() if isinstance(letters, bytes) else letters
        index = self[letters] = column_number(text) - self.lo
        return index


class _RowState:
    """The row being filled, carried from one block to the next."""

    def __init__(self, lo: int, hi: int):
        self.width = hi - lo + 1
        self.index = _Index(lo)
        self.key: bytes | str = b""  # the row's digits as the cells give them
        self.number = 0
        self.row: list[Any] = []
        self.has = False


def _outside_range() -> SheetError:
    return SheetError("a value outside the sheet's measured range")


def _fast_rows(
    found: list[tuple[bytes, ...]], piece: bytes, values: _Values, state: _RowState
) -> list[tuple[int, list[Any]]]:
    """The rows completed by the cells `_FAST_CELL` found (all the cells of `piece`)."""
    out: list[tuple[int, list[Any]]] = []
    escaped = b"&" in piece or b"_x00" in piece
    width, index = state.width, state.index
    key, number, row, has = state.key, state.number, state.row, state.has
    strings, number_of, style_kinds = values.strings, values.number, values.style_kinds
    try:
        for letters, digits, s, t, inline, kept, n, v in found:
            if digits != key:
                row_number = int(digits)
                if row_number != number:
                    if row_number < number:
                        raise SheetError("the sheet's cells are out of order")
                    if has:
                        out.append((number, row))
                    number, row, has = row_number, [""] * width, False
                key = digits
            if inline:
                value = inline.decode()
                if escaped:
                    value = _excel_text(_unescape(value).strip(_XML_WHITESPACE))
                else:
                    value = value.strip(_XML_WHITESPACE)
            elif kept:
                value = kept.decode()
                if escaped:
                    value = _excel_text(_unescape(value))
            elif n:
                if not t or t == b"n":
                    kind = style_kinds.get(s)
                    if kind is None:
                        kind = values.style_kind(s.decode())
                        style_kinds[s] = kind
                    value = float(n) if kind == OTHER else number_of(n.decode(), kind)
                elif t == b"s":
                    value = strings[int(n)]
                else:
                    value = _fast_value(values, s, t, n.decode())
            elif v:
                value = _fast_value(values, s, t, v.decode())
                if value is EMPTY:
                    continue
            else:
                continue
            column = index[letters]
            if column < 0:
                raise _outside_range()
            row[column] = value
            has = True
    except IndexError:  # a shared string that does not exist, or a column past the range
        if t == b"s" and n and int(n) >= len(strings):
            raise SheetError("Cell string index not found in shared strings table") from None
        raise _outside_range() from None
    state.key, state.number, state.row, state.has = key, number, row, has
    return out


def _slow_rows(piece: bytes, values: _Values, state: _RowState) -> list[tuple[int, list[Any]]]:
    """The rows completed by the cells of `piece`, read element by element."""
    try:
        text = piece.decode("utf-8")
        cells = list(_parse_cells(text))
    except UnicodeDecodeError:
        raise SheetError("the sheet is not UTF-8") from None
    except Unsupported as exc:  # the measuring pass lets no such cell through
        raise SheetError(str(exc)) from None
    out: list[tuple[int, list[Any]]] = []
    width, index = state.width, state.index
    number, row, has = state.number, state.row, state.has
    for letters, digits, s, t, child in cells:
        row_number = int(digits)
        if row_number != number:
            if row_number < number:
                raise SheetError("the sheet's cells are out of order")
            if has:
                out.append((number, row))
            number, row, has = row_number, [""] * width, False
        value = values.value(t, s, child)
        if value is EMPTY:
            continue
        column = index[letters]
        if not 0 <= column < width:
            raise _outside_range()
        row[column] = value
        has = True
    state.key, state.number, state.row, state.has = "", number, row, has
    return out


def _fast_value(values: _Values, s: bytes, t: bytes, v: str) -> Any:
    """A <v> the expression matched, other than digits in a number or shared-string cell."""
    style = s.decode() if s else None
    kind = t.decode() if t else None
    if kind in _SIMPLE_TYPES:
        first = v.split("&", 1)[0]  # calamine reads these from the text before a reference
        return EMPTY if not first else values.simple(kind, style, first)
    return values.value(kind, style, _Child("v", first=v, text=_unescape(v)))


def _example(rows: list[list[Any]]) -> bytes:
    """A small workbook for the examples above (openpyxl, as the tests make them)."""
    from openpyxl import Workbook as OpenpyxlWorkbook

    wb = OpenpyxlWorkbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    ws["B2"].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
