"""Cells as people type them: normalise one raw spreadsheet value, or say why it is wrong.

Every parser takes the raw value a reader produced (``str``, ``int``, ``float``, ``bool``,
``date``, ``datetime`` or ``None``) and returns the normalised value, or raises `CellError` with a
reason code and a message in English and Chinese (this engine has no Django, hence no i18n).
An empty cell gives ``""`` from the text-like parsers (`text`, `national_id`, `phone`) and
``None`` from the typed ones (`integer`, `decimal`, `date_value`, `choice`, `boolean`); whether
an empty cell is allowed is the caller's business.

>>> text("　张　三 ")
'张 三'
>>> integer("１,２３４")
1234
>>> date_value("1985年3月1日")
datetime.date(1985, 3, 1)
>>> choice("大学本科", {"bachelor": ["本科", "大学本科"], "master": ["硕士"]})
'bachelor'
>>> national_id(" 11010519491231002x ")
'11010519491231002X'
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from qiangshi.engines import idcard

__all__ = [
    "CellError",
    "Choices",
    "boolean",
    "choice",
    "date_value",
    "decimal",
    "fold",
    "integer",
    "national_id",
    "phone",
    "text",
]

MIN_YEAR = 1900
MAX_YEAR = 2100


class CellError(ValueError):
    """A cell that cannot be read; `code` says why, in a stable machine-readable word."""

    def __init__(self, code: str, message_en: str, message_zh: str):
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh

    def __repr__(self) -> str:
        return f"CellError({self.code!r}, {self.message_en!r}, {self.message_zh!r})"


# --- Text ----------------------------------------------------------------------------------

# Full-width ASCII (U+FF01–FF5E) to ASCII, the ideographic space and the usual invisible or
# exotic spaces pasted from web pages and Word to a plain space; zero-width characters removed.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF_WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x202F: 0x20, 0x205F: 0x20})
_HALF_WIDTH.update({cp: 0x20 for cp in range(0x2000, 0x200B)})
_HALF_WIDTH.update({0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None})
_SPACES = re.compile(r"\s+")


def _half_width(value: str) -> str:
    return value.translate(_HALF_WIDTH)


def _number_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return repr(value)


_FORMULA_START = ("=", "+", "-", "@")


def text(v: Any) -> str:
    """Text as typed: full-width folded, trimmed, inner runs of white space made one space.

    Numbers Excel stored for digits typed into a General cell lose the ``.0``.

    >>> text(None), text("")
    ('', '')
    >>> text("  ＡＢＣ１２３（一）　 x ")
    'ABC123(一) x'
    >>> text(13800001234.0)
    '13800001234'
    >>> text(2.5)
    '2.5'
    >>> text("第一行\\n第二行")
    '第一行 第二行'

    Our exports write text that starts like a formula with a leading apostrophe (so that a
    spreadsheet shows it as text); reading it back drops that apostrophe:

    >>> text("'=1+1"), text("'tis")
    ('=1+1', "'tis")
    """
    if v is None:
        return ""
    if isinstance(v, str):
        if v[:1] == "'" and v[1:2] in _FORMULA_START:
            v = v[1:]
        if v.isascii():
            return _SPACES.sub(" ", v).strip()
        return _SPACES.sub(" ", _half_width(v)).strip()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return _number_text(v)
    if isinstance(v, datetime):
        if v.time() == time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, date | time):
        return v.isoformat()
    return _SPACES.sub(" ", _half_width(str(v))).strip()


def same(stored: Any, given: Any) -> bool:
    """Whether a stored value is what a parsed cell gives: text is compared as `text` reads
    it (a name stored with full-width brackets or doubled spaces is the same name typed
    again), anything else as it is.

    >>> same("学科教学（语文）", text("学科教学（语文）")), same("A  B", "A B"), same(1, 1.0)
    (True, True, True)
    >>> same("A", "B"), same(None, "")
    (False, False)
    """
    if stored == given:
        return True
    return isinstance(stored, str) and isinstance(given, str) and text(stored) == given


_FOLD_DROP = re.compile(r"[\s_\-*※★☆:.'’`·]+")
_FOLD_BRACKETS = re.compile(r"[()\[\]【】〔〕<>{}《》]")
_FOLD_HINT = re.compile(r"[(\[【〔<{《][^)\]】〕>}》]*[)\]】〕>}》]")


def fold(value: Any) -> str:
    """The comparison key of a header or an enumeration label.

    NFKC (full-width to half-width), parenthesised hints removed, spaces, underscores, hyphens,
    asterisks and similar marks removed, case folded.

    >>> fold("出生日期（yyyy-mm-dd）")
    '出生日期'
    >>> fold(" *姓 名")
    '姓名'
    >>> fold("National_ID"), fold("national id"), fold("Ｎａｔｉｏｎａｌ－ＩＤ")
    ('nationalid', 'nationalid', 'nationalid')
    >>> fold("Bachelor's")
    'bachelors'
    """
    raw = unicodedata.normalize("NFKC", text(value))
    stripped = _FOLD_HINT.sub("", raw)
    if not _FOLD_DROP.sub("", stripped):  # the whole thing was a hint: keep its words
        stripped = _FOLD_BRACKETS.sub("", raw)
    return _FOLD_DROP.sub("", stripped).casefold()


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# --- Numbers -------------------------------------------------------------------------------

_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def _not_a_number(v: Any) -> CellError:
    shown = text(v)
    return CellError("not_a_number", f"'{shown}' is not a number", f"“{shown}”不是数字")


def _parse_decimal(v: Any) -> Decimal:
    if isinstance(v, bool):
        raise _not_a_number(v)
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise _not_a_number(v)
        return Decimal(repr(v))
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise _not_a_number(v)
        return v
    if not isinstance(v, str):
        raise _not_a_number(v)
    s = text(v).replace(" ", "").replace("，", ",")
    if "," in s:
        if not _GROUPED.fullmatch(s):
            raise _not_a_number(v)
        s = s.replace(",", "")
    try:
        number = Decimal(s)
    except InvalidOperation:
        raise _not_a_number(v) from None
    if not number.is_finite():
        raise _not_a_number(v)
    return number


def integer(v: Any) -> int | None:
    """A whole number; accepts thousands separators, full-width digits and Excel's ``12.0``.

    >>> integer(12.0), integer("1,234"), integer("１２"), integer(" 7 "), integer("")
    (12, 1234, 12, 7, None)
    >>> integer("十二")
    Traceback (most recent call last):
    ...
    qiangshi.engines.cells.CellError: '十二' is not a number
    >>> integer("2.5")
    Traceback (most recent call last):
    ...
    qiangshi.engines.cells.CellError: '2.5' is not a whole number
    """
    if _empty(v):
        return None
    number = _parse_decimal(v)
    if number != number.to_integral_value():
        shown = text(v)
        raise CellError("not_an_integer", f"'{shown}' is not a whole number", f"“{shown}”不是整数")
    return int(number)


def decimal(v: Any) -> Decimal | None:
    """A decimal number (`decimal.Decimal`); floats are read by their shortest repr.

    >>> decimal("1,234.5"), decimal(0.1), decimal("１２.５０"), decimal(3)
    (Decimal('1234.5'), Decimal('0.1'), Decimal('12.50'), Decimal('3'))
    >>> decimal(None) is None
    True
    """
    if _empty(v):
        return None
    return _parse_decimal(v)


# --- Dates ---------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 and later: epoch + serial
_MAX_SERIAL = (date(MAX_YEAR, 12, 31) - _EXCEL_EPOCH).days
_YMD = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_YM = re.compile(r"(\d{4})[-/.](\d{1,2})")
_CHINESE = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})[日号]?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")


def _bad_date(v: Any, why_en: str = "", why_zh: str = "") -> CellError:
    shown = text(v)
    return CellError(
        "bad_date",
        f"'{shown}' is not a valid date{why_en}; write it like 1985-03-01",
        f"“{shown}”不是有效日期{why_zh}，请写成 1985-03-01 这样的格式",
    )


class MonthDate(date):
    """A date written without its day (``1985.03``, ``1985年3月``): the first of the month
    stands in for it, and it equals that date, but a check against a full date (the birth
    date in a national ID) compares the year and month only. See `same_day`."""

    __slots__ = ()

    def __reduce__(self):  # pickles (a job's cached rows) as what it is
        return (MonthDate, (self.year, self.month, self.day))

    def __add__(self, other):  # a date counted from it is a day, not a month
        return _plain(date.__add__(self, other))

    __radd__ = __add__

    def __sub__(self, other):
        return _plain(date.__sub__(self, other))


def _plain(value):
    """`value` as a plain date if it is a `MonthDate`; anything else as it is.

    >>> from datetime import timedelta
    >>> MonthDate(1985, 3, 1) + timedelta(days=40), MonthDate(1985, 3, 1) - timedelta(days=1)
    (datetime.date(1985, 4, 10), datetime.date(1985, 2, 28))
    """
    if isinstance(value, MonthDate):
        return date(value.year, value.month, value.day)
    return value


def same_day(given: date, full: date) -> bool:
    """Whether `given` (as parsed from a cell) agrees with the full date `full`: the same day,
    or for a `MonthDate` the same month."""
    if isinstance(given, MonthDate):
        return (given.year, given.month) == (full.year, full.month)
    return given == full


def _make_date(v: Any, year: int, month: int, day: int, month_only: bool = False) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _bad_date(
            v,
            f" (the year must be between {MIN_YEAR} and {MAX_YEAR})",
            f"（年份应在 {MIN_YEAR}–{MAX_YEAR} 之间）",
        )
    try:
        return MonthDate(year, month, 1) if month_only else date(year, month, day)
    except ValueError:
        raise _bad_date(v) from None


def _from_number(v: Any, number: float) -> date:
    if number.is_integer():
        whole = int(number)
        if 19000101 <= whole <= 21001231:  # 19850301 typed into a General cell
            return _make_date(v, whole // 10000, whole // 100 % 100, whole % 100)
        if 190001 <= whole <= 210012:  # 198503
            return _make_date(v, whole // 100, whole % 100, 1, month_only=True)
        if MIN_YEAR <= whole <= MAX_YEAR:
            raise _bad_date(v, " (a year alone is not enough)", "（只有年份，缺少月份）")
    elif MIN_YEAR <= number < MAX_YEAR + 1:
        # "1985.03" typed into a General cell becomes the number 1985.03; "1985.10" becomes
        # 1985.1, which cannot be told from "1985.1" (January), so that one is refused.
        year = int(number)
        hundredths = round((number - year) * 100)
        if abs((number - year) * 100 - hundredths) > 1e-6:
            raise _bad_date(v)
        if hundredths == 10:
            raise CellError(
                "ambiguous_date",
                f"'{text(v)}' could be January or October; format the cell as text or write "
                f"{year}-01 or {year}-10",
                f"“{text(v)}”可能是1月也可能是10月，请将单元格设为文本格式，或写成 {year}-01 或 "
                f"{year}-10",
            )
        month = hundredths // 10 if hundredths % 10 == 0 else hundredths
        return _make_date(v, year, month, 1, month_only=True)
    # An Excel serial in the 1900 date system (with Excel's phantom 1900-02-29 as serial 60).
    serial = int(number)
    if serial < 1 or serial > _MAX_SERIAL:
        raise _bad_date(v)
    if serial == 60:
        raise _bad_date(v, " (Excel's 1900-02-29 does not exist)", "（1900-02-29 并不存在）")
    day = (
        _EXCEL_EPOCH + timedelta(days=serial)
        if serial >= 61
        else date(1899, 12, 31) + (timedelta(days=serial))
    )
    return _make_date(v, day.year, day.month, day.day)


def date_value(v: Any) -> date | None:
    """A calendar date from anything people put in a date column.

    Accepts `date`/`datetime`, Excel serial numbers (1900 date system), ``1985-03-01``,
    ``1985/3/1``, ``1985.03.01``, ``1985.03`` and ``1985-3`` (day 1), ``19850301``, ``198503``,
    ``1985年3月1日``, ``1985年3月``, with full-width digits; and the numbers Excel makes of
    ``19850301`` or ``1985.03`` typed into a General cell. Years must be in 1900–2100. A date
    written without its day is a `MonthDate` (the first of the month).

    >>> date_value(31107.0), date_value(1), date_value(61)
    (datetime.date(1985, 3, 1), datetime.date(1900, 1, 1), datetime.date(1900, 3, 1))
    >>> date_value("1985/3/1"), date_value("１９８５年３月１日"), date_value("19850301")
    (datetime.date(1985, 3, 1), datetime.date(1985, 3, 1), datetime.date(1985, 3, 1))
    >>> [date_value(v) == date(1985, 3, 1) for v in ("1985.03", "198503", 1985.03, "1985年3月")]
    [True, True, True, True]
    >>> isinstance(date_value("1985.03"), MonthDate), isinstance(date_value("1985.3.1"), MonthDate)
    (True, False)
    >>> date_value("1985-02-30")
    Traceback (most recent call last):
    ...
    qiangshi.engines.cells.CellError: '1985-02-30' is not a valid date; write it like 1985-03-01
    """
    if _empty(v):
        return None
    if isinstance(v, datetime):
        return _make_date(v, v.year, v.month, v.day)
    if isinstance(v, date):
        return _make_date(v, v.year, v.month, v.day)
    if isinstance(v, bool):
        raise _bad_date(v)
    if isinstance(v, int | float | Decimal):
        number = float(v)
        if number != number or number in (float("inf"), float("-inf")):
            raise _bad_date(v)
        return _from_number(v, number)
    if not isinstance(v, str):
        raise _bad_date(v)
    s = text(v).replace(" ", "")
    for pattern, has_day in ((_YMD, True), (_CHINESE, None), (_YM, False), (_COMPACT, None)):
        m = pattern.fullmatch(s)
        if m:
            if has_day is not False and m.group(3):
                return _make_date(v, int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return _make_date(v, int(m.group(1)), int(m.group(2)), 1, month_only=True)
    raise _bad_date(v)


# --- Enumerations and yes/no ---------------------------------------------------------------


class Choices:
    """A prepared enumeration: ``{code: [label, variant, …]}`` matched by code, label or variant.

    Matching folds case, width, spaces and punctuation like headers (see `fold`). Build one
    per column and call it per cell; `choice` does this for you and caches it.

    >>> education = Choices({"bachelor": ["本科", "大学本科", "bachelor's"], "master": ["硕士"]})
    >>> education("Bachelor's"), education("BACHELOR"), education("硕士")
    ('bachelor', 'bachelor', 'master')
    """

    def __init__(self, options: dict[str, list[str]]):
        self.options = {code: list(labels) for code, labels in options.items()}
        self.lookup: dict[str, str] = {}
        for code, labels in self.options.items():
            for name in (code, *labels):
                key = fold(name)
                if not key:
                    continue
                other = self.lookup.setdefault(key, code)
                if other != code:
                    raise ValueError(f"{name!r} names both {other!r} and {code!r}")
        # Messages list the first label (Chinese) and, in English, the second one if given.
        self.labels = [labels[0] if labels else code for code, labels in self.options.items()]
        self.labels_en = [
            labels[1] if len(labels) > 1 else (labels[0] if labels else code)
            for code, labels in self.options.items()
        ]

    def __call__(self, v: Any) -> str | None:
        if _empty(v):
            return None
        code = self.lookup.get(fold(v))
        if code is None:
            shown = text(v)
            allowed = "、".join(self.labels)
            raise CellError(
                "unknown_choice",
                f"'{shown}' is not one of the allowed values: {', '.join(self.labels_en)}",
                f"“{shown}”不在可选值之内：{allowed}",
            )
        return code


_CHOICE_CACHE: dict[int, tuple[dict[str, list[str]], dict[str, list[str]], Choices]] = {}


def choice(v: Any, options: dict[str, list[str]] | Choices) -> str | None:
    """The code of the option `v` names (by code, label or variant), case-insensitive.

    >>> options = {"bachelor": ["本科", "Bachelor", "大学本科", "学士", "bachelor's"],
    ...            "master": ["硕士", "Master", "硕士研究生"]}
    >>> choice(" 本 科 ", options), choice("ＭＡＳＴＥＲ", options), choice("", options)
    ('bachelor', 'master', None)
    >>> choice("小学", options)
    Traceback (most recent call last):
    ...
    qiangshi.engines.cells.CellError: '小学' is not one of the allowed values: Bachelor, Master
    """
    if isinstance(options, Choices):
        return options(v)
    cached = _CHOICE_CACHE.get(id(options))
    if cached is None or cached[0] is not options or cached[1] != options:
        if len(_CHOICE_CACHE) > 256:
            _CHOICE_CACHE.clear()
        prepared = Choices(options)
        cached = (options, prepared.options, prepared)
        _CHOICE_CACHE[id(options)] = cached
    return cached[2](v)


_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "有", "对"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "无", "没有", "不是", "错"}


def boolean(v: Any) -> bool | None:
    """Yes or no: 是/否, Y/N, yes/no, true/false, 1/0, √/×, 有/无.

    >>> boolean("是"), boolean("N"), boolean("TRUE"), boolean(1.0), boolean("√"), boolean("")
    (True, False, True, True, True, None)
    """
    if _empty(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    key = text(v).replace(" ", "").casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    shown = text(v)
    raise CellError(
        "not_a_boolean",
        f"'{shown}' is neither yes nor no; write 是 or 否",
        f"“{shown}”不是“是”或“否”，请填写 是 或 否",
    )


# --- Identifiers ---------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+")
_ID_ZH = {
    "length": "身份证号应为18位",
    "characters": "身份证号前17位须为数字，末位为数字或X",
    "birth_date": "身份证号中的出生日期无效",
    "checksum": "身份证号校验位错误（GB 11643）",
}


def national_id(v: Any, *, validate: bool = False) -> str:
    """A national ID number, normalised: full-width folded, spaces removed, ``x`` made ``X``.

    A number Excel stored in floating point (``3.5020319850301E17``) has lost its last digits
    and cannot be recovered: that is the "id_as_number" error. With ``validate=True`` the number
    is also checked (length, characters, birth date, GB 11643 check character) by
    `qiangshi.engines.idcard.parse`, failures raising `CellError` with code ``id_<reason>``.

    >>> national_id("１１０１０５ １９４９１２３１ ００２ｘ")
    '11010519491231002X'
    >>> national_id(3.5020319850301e17)
    Traceback (most recent call last):
    ...
    qiangshi.engines.cells.CellError: The ID number was stored as a number and its last digits are lost; format the column as text and type the numbers again
    """
    if _empty(v):
        return ""
    if isinstance(v, float | Decimal) or (
        isinstance(v, str) and _SCIENTIFIC.fullmatch(text(v).replace(" ", ""))
    ):
        raise CellError(
            "id_as_number",
            "The ID number was stored as a number and its last digits are lost; format the "
            "column as text and type the numbers again",
            "身份证号被 Excel 存成了数字，末几位已经丢失；请把该列设置为文本格式后重新录入",
        )
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise CellError("id_characters", "This is not an ID number", "这不是身份证号")
    number = text(v).replace(" ", "").lstrip("'").upper()
    if validate:
        try:
            idcard.parse(number)
        except idcard.InvalidNationalId as exc:
            raise CellError(
                f"id_{exc.code}", f"Invalid national ID number: {exc}", _ID_ZH[exc.code]
            ) from None
    return number


_PHONE_SEPARATORS = re.compile(r"[\s\-()./]+")


def phone(v: Any) -> str:
    """A telephone number as digits only: spaces, dashes, brackets and a +86 prefix removed.

    >>> phone("+86 138-0000-1234"), phone(13800001234.0), phone("(010) 6512 3456"), phone(None)
    ('13800001234', '13800001234', '01065123456', '')
    """
    if _empty(v):
        return ""
    if isinstance(v, bool):
        raise _bad_phone(v)
    s = _PHONE_SEPARATORS.sub("", text(v))
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13 and s[2] == "1":
        s = s[2:]
    if not s.isascii() or not s.isdigit() or not 7 <= len(s) <= 15:
        raise _bad_phone(v)
    return s


def _bad_phone(v: Any) -> CellError:
    shown = text(v)
    return CellError(
        "bad_phone",
        f"'{shown}' is not a telephone number (7 to 15 digits)",
        f"“{shown}”不是有效的电话号码（应为7至15位数字）",
    )
