"""Reading a spreadsheet into a header and rows, and matching its headers to known columns.

`read_table` takes the uploaded bytes (.xlsx, .xls, .csv; the format is told by the content, not
the file name) and returns a `Table`: the header row, the data rows as raw cell values, and the
Excel row number of the first data row so that errors cite rows exactly as Excel shows them.
File-level problems raise `TableError` with a code and a message in English and Chinese.
`match_headers` maps the header to `ColumnSpec` keys by their Chinese or English names.

Empty cells are ``""`` (calamine's and csv's empty value). Rows keep their position: an empty row
in the middle is kept (as a row of ``""``) so that ``rows[i]`` is Excel row
``first_data_row + i``; trailing empty rows are dropped without being stored (a sheet formatted
down to row 1,048,576 reads as fast as a small one). More than `MAX_BLANK_RUN` empty rows followed
by more data is refused ("blank_gap") rather than read in part.

>>> table = read_table("姓名,身份证号\\n张三,11010519491231002X\\n".encode(), "t.csv")
>>> table.header, table.rows, table.first_data_row
(['姓名', '身份证号'], [['张三', '11010519491231002X']], 2)
>>> specs = [ColumnSpec("name", ["姓名", "name"], required=True),
...          ColumnSpec("national_id", ["身份证号", "公民身份号码"], required=True)]
>>> match_headers(["姓名*", "公民身份号码(18位)", "备注"], specs).mapping
{'name': 0, 'national_id': 1}
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from qiangshi.engines import workbook_limits, xlsx_stream
from qiangshi.engines.cells import fold, text
from qiangshi.engines.workbook_limits import LimitError, ReadLimits

__all__ = [
    "ColumnSpec",
    "HeaderMatch",
    "MAX_BLANK_RUN",
    "ReadLimits",
    "Table",
    "TableError",
    "column_letter",
    "detect_format",
    "formula_cells",
    "match_headers",
    "read_table",
]

MAX_BLANK_RUN = 10_000  # this many empty rows in a row end the table

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"%PDF",
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"PK\x05\x06",  # empty zip
    b"MZ",  # Windows executable
    b"\x7fELF",
)


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


class TableError(ValueError):
    """A file that cannot be read as a table; `code` says why.

    Codes: ``empty``, ``not_a_spreadsheet``, ``encrypted``, ``corrupt``, ``too_many_rows``,
    ``no_such_sheet``, ``blank_gap``, ``bad_mapping``, and those of a workbook refused before
    it is read (`workbook_limits.LimitError`): ``too_large``, ``too_many_cells``.
    """

    def __init__(self, code: str, message_en: str, message_zh: str):
        super().__init__(message_en)
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh

    def __repr__(self) -> str:
        return f"TableError({self.code!r}, {self.message_en!r}, {self.message_zh!r})"


def _limit_error(exc: LimitError) -> TableError:
    return TableError(exc.code, exc.message_en, exc.message_zh)


def _empty_file() -> TableError:
    return TableError("empty", "The file is empty: it has no header row", "文件是空的：没有表头行")


def _not_a_spreadsheet(detail_en: str = "", detail_zh: str = "") -> TableError:
    return TableError(
        "not_a_spreadsheet",
        "The file is not a spreadsheet; upload an .xlsx, .xls or .csv file" + detail_en,
        "该文件不是电子表格，请上传 .xlsx、.xls 或 .csv 文件" + detail_zh,
    )


def _encrypted() -> TableError:
    return TableError(
        "encrypted",
        "The workbook is protected by a password; open it in Excel, remove the password "
        "(File → Info → Protect Workbook → Encrypt with Password) and save it again",
        "该工作簿设置了打开密码；请在 Excel 中打开，取消密码（文件 → 信息 → 保护工作簿 → "
        "用密码进行加密）后重新保存",
    )


def _corrupt(detail: str = "") -> TableError:
    suffix = f" ({detail})" if detail else ""
    return TableError(
        "corrupt",
        f"The file is damaged and cannot be read{suffix}; open it in Excel and save it again",
        f"文件已损坏，无法读取{suffix}；请在 Excel 中打开后重新保存",
    )


def _too_many_rows(limit: int) -> TableError:
    return TableError(
        "too_many_rows",
        f"The file has more than {limit:,} data rows; split it into smaller files",
        f"文件的数据行超过 {limit:,} 行，请拆分成多个文件",
    )


@dataclass
class Table:
    """One sheet as a header and rows of raw cell values.

    ``rows[i]`` is Excel row ``first_data_row + i``; ``header[j]`` and ``rows[i][j]`` are in
    Excel column ``column_letter(first_column + j)``. Rows are at least as wide as the header.
    """

    header: list[str]
    rows: list[list[Any]]  # an iterator when read with lazy=True
    first_data_row: int
    sheet_names: list[str]
    sheet_name: str = ""
    header_row: int = 1
    first_column: int = 1
    format: str = ""  # "xlsx", "xls", "csv", …
    encoding: str | None = None  # for csv
    delimiter: str | None = None  # for csv
    size_hint: int = 0  # the number of data rows, or an upper bound when read lazily

    def row_number(self, index: int) -> int:
        """The Excel row number of ``rows[index]``."""
        return self.first_data_row + index

    def column_name(self, index: int) -> str:
        """The Excel column letters of ``header[index]``."""
        return column_letter(self.first_column + index)


def column_letter(number: int) -> str:
    """Excel column letters of a 1-based column number.

    >>> column_letter(1), column_letter(26), column_letter(27), column_letter(16384)
    ('A', 'Z', 'AA', 'XFD')
    """
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- Format detection ----------------------------------------------------------------------


def detect_format(data: bytes) -> str:
    """The kind of file by its content: "xlsx", "xlsb", "ods", "xls", or "text".

    Raises `TableError` for empty, encrypted and non-spreadsheet files.
    """
    if not data:
        raise _empty_file()
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(data)
    if head == OLE_MAGIC:
        return _ole_kind(data)
    if head[:4] == OLE_MAGIC[:4]:
        raise _corrupt("OLE header")
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        raise _not_a_spreadsheet()
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        workbook_limits.check_parts(data)  # before zipfile makes an object of each entry
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                return "xlsb"
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    mimetype = stream.read(100)
                if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                    return "ods"
    except zipfile.BadZipFile:
        raise _corrupt("zip") from None
    except LimitError as exc:
        raise _limit_error(exc) from None
    except TableError:
        raise
    except (OSError, RuntimeError, ValueError, EOFError, NotImplementedError):
        raise _corrupt("zip") from None
    if "word/document.xml" in names:
        raise _not_a_spreadsheet(" (this is a Word document)", "（这是 Word 文档）")
    if "ppt/presentation.xml" in names:
        raise _not_a_spreadsheet(" (this is a PowerPoint file)", "（这是 PowerPoint 文件）")
    raise _not_a_spreadsheet()


def _ole_kind(data: bytes) -> str:
    # Directory entry names are UTF-16LE; an encrypted OOXML file (xlsx with a password) is an
    # OLE container holding EncryptionInfo and EncryptedPackage streams.
    if _utf16("EncryptionInfo") in data or _utf16("EncryptedPackage") in data:
        raise _encrypted()
    if _utf16("Workbook") in data or _utf16("Book") in data:
        if _xls_has_filepass(data):
            raise _encrypted()
        return "xls"
    if _utf16("WordDocument") in data:
        raise _not_a_spreadsheet(" (this is a Word document)", "（这是 Word 文档）")
    raise _not_a_spreadsheet()


# The BOF record of a BIFF5/BIFF8 workbook's globals (type 0x0809, version 0x0500 or 0x0600,
# kind 0x0005); a FILEPASS record (0x002F) right after it means the workbook is encrypted.
_XLS_GLOBALS_BOF = re.compile(rb"\x09\x08(..)\x00[\x05\x06]\x05\x00", re.DOTALL)


def _xls_has_filepass(data: bytes) -> bool:
    m = _XLS_GLOBALS_BOF.search(data)
    if m is None:
        return False
    after = m.start() + 4 + int.from_bytes(m.group(1), "little")
    return data[after : after + 2] == b"\x2f\x00"


# --- Reading -------------------------------------------------------------------------------


def read_table(
    data: bytes,
    filename: str = "",
    *,
    sheet: str | int | None = 0,
    max_rows: int | None = None,
    header_row: int | None = None,
    lazy: bool = False,
    limits: ReadLimits | None = None,
) -> Table:
    """Read one sheet of an .xlsx/.xls/.csv file (told by content) into a `Table`.

    A workbook is first checked against `limits` (default: `ReadLimits()`), without being
    read: one that would inflate (sizes, compression, shared strings, its used range, its rows)
    is refused with a TableError before the reader holds any of it (see `workbook_limits`).

    ``sheet`` is an index or a name (ignored for csv); ``None`` takes the first sheet with
    data. ``max_rows`` limits the number of non-empty data rows (``too_many_rows``).

    The header is the first non-empty row, except that a title row above it (a row with a
    single filled cell followed by a row with several) is skipped; ``header_row`` (the Excel row
    number) overrides the guess.

    With ``lazy=True`` the header is read at once but ``rows`` is an iterator that reads the
    data rows as it is consumed (a whole sheet's rows as Python lists is the largest part of an
    import's memory); file-level problems found on the way (``too_many_rows``, ``blank_gap``,
    ``corrupt``) are raised by the iteration. ``size_hint`` then bounds the number of rows.
    """
    kind = detect_format(data)
    if kind == "text":
        return _read_csv(data, filename, max_rows=max_rows, header_row=header_row, lazy=lazy)
    limits = limits or ReadLimits()
    # An .xlsx sheet is read as it is decompressed (xlsx_stream), measured while its limits
    # are checked; a workbook that reader leaves aside, and the other formats, by calamine.
    scan = xlsx_stream.SheetScan() if kind == "xlsx" and sheet is not None else None
    stats = check_limits(data, kind, limits, sheet=sheet, observe=scan)
    if scan is not None:
        try:
            return _read_xlsx(
                data, scan, stats, limits, sheet=sheet, max_rows=max_rows,
                header_row=header_row, lazy=lazy,
            )  # fmt: skip
        except xlsx_stream.Unsupported:
            pass
    return _read_workbook(
        data, kind, sheet=sheet, max_rows=max_rows, header_row=header_row, lazy=lazy
    )


def check_limits(
    data: bytes,
    kind: str,
    limits: ReadLimits,
    *,
    sheet: str | int | None = None,
    observe: Any = None,
) -> workbook_limits.WorkbookStats | None:
    """Refuse a workbook that would inflate when read (TableError; see `workbook_limits`).

    An .xlsx workbook is measured part by part (and its measures returned; `observe` sees its
    sheets' XML, see `workbook_limits.check_workbook`); the other zip formats (.xlsb, .ods) by
    their zip directory alone; an .xls file (no zip) is bounded by its size only.
    """
    try:
        if kind == "xlsx":
            return workbook_limits.check_workbook(data, limits, sheet=sheet, observe=observe)
        if kind in ("xlsb", "ods"):
            workbook_limits.check_zip(data, limits).close()
    except LimitError as exc:
        raise _limit_error(exc) from None
    return None


def _read_xlsx(
    data: bytes,
    scan: xlsx_stream.SheetScan,
    stats: workbook_limits.WorkbookStats | None,
    limits: ReadLimits,
    *,
    sheet: str | int,
    max_rows: int | None,
    header_row: int | None,
    lazy: bool,
) -> Table:
    """Read an .xlsx sheet with `xlsx_stream` (which raises Unsupported for a workbook it
    leaves to calamine): the same Table as `_read_workbook` gives, rows read as consumed."""
    book = xlsx_stream.open_workbook(data, limits)
    try:
        names = book.sheet_names
        if not names:
            raise xlsx_stream.Unsupported("no sheets")
        index = _sheet_index(names, sheet)
        part = book.parts[index]
        measured = next((s for s in (stats.sheets if stats else []) if s.part == part), None)
        shape = scan.shape(part, measured)
        numbered = _without_leading_blanks(book.rows(index, shape))
        header_no, header, stream = _assemble_stream(numbered, header_row, max_rows)
        rows = _guarded(stream, book) if lazy else list(stream)
    except xlsx_stream.Unsupported:
        book.close()
        raise
    except TableError:
        book.close()
        raise
    except LimitError as exc:
        book.close()
        raise _limit_error(exc) from None
    except Exception as exc:  # SheetError, and what a damaged file raises on the way
        book.close()
        raise _corrupt(type(exc).__name__) from None
    if not lazy:
        book.close()
    last_row = measured.last_row if measured else 0
    return Table(
        header=header,
        rows=rows,
        size_hint=len(rows) if not lazy else max(0, last_row - header_no),
        first_data_row=header_no + 1,
        sheet_names=names,
        sheet_name=names[index],
        header_row=header_no,
        first_column=shape.first_column or 1,
        format="xlsx",
    )


def _sheet_index(names: list[str], sheet: str | int) -> int:
    """The index of `sheet` (an index or a name) among `names`, as `_pick_sheet` finds it."""
    if isinstance(sheet, int):
        if not -len(names) <= sheet < len(names):
            raise _no_such_sheet(str(sheet), names)
        return sheet % len(names)
    if sheet not in names:
        wanted = fold(sheet)
        found = [n for n in names if fold(n) == wanted]
        if not found:
            raise _no_such_sheet(sheet, names)
        sheet = found[0]
    return names.index(sheet)


def _without_leading_blanks(
    rows: Iterator[tuple[int, list[Any]]],
) -> Iterator[tuple[int, list[Any]]]:
    """The rows of a reader that leaves out rows without a value, from the first non-blank
    one on, as `_calamine_rows` gives calamine's: blank rows (whitespace) before it are
    skipped, and a sheet whose first non-blank row comes more than MAX_BLANK_RUN rows after
    its first row holding a value reads as empty."""
    first_number = None
    for number, row in rows:
        if first_number is None:
            first_number = number
        if number - first_number > MAX_BLANK_RUN:
            return
        if not _is_blank(row):
            yield number, row
            yield from rows
            return


def _read_workbook(
    data: bytes,
    kind: str,
    *,
    sheet: str | int | None,
    max_rows: int | None,
    header_row: int | None,
    lazy: bool = False,
) -> Table:
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise _encrypted() from None
    except Exception as exc:  # calamine raises several types; all mean unreadable
        raise _corrupt(type(exc).__name__) from None
    try:
        names = list(workbook.sheet_names)
        if not names:
            raise _empty_file()
        worksheet = _pick_sheet(workbook, names, sheet)
        if worksheet is None:
            raise _empty_file()
        numbered, first_column = _calamine_rows(worksheet)
        header_no, header, stream = _assemble_stream(numbered, header_row, max_rows)
        rows = _guarded(stream, workbook) if lazy else list(stream)
    except (TableError, PasswordError) as exc:
        _close(workbook)
        if isinstance(exc, PasswordError):
            raise _encrypted() from None
        raise
    except Exception as exc:
        _close(workbook)
        raise _corrupt(type(exc).__name__) from None
    if not lazy:
        _close(workbook)
    end = worksheet.end
    return Table(
        header=header,
        rows=rows,
        size_hint=len(rows) if not lazy else max(0, (end[0] + 1 if end else 0) - header_no),
        first_data_row=header_no + 1,
        sheet_names=names,
        sheet_name=worksheet.name,
        header_row=header_no,
        first_column=first_column,
        format=kind,
    )


def _close(workbook: Any) -> None:
    try:
        workbook.close()
    except Exception:
        pass


def _guarded(rows: Iterator[list[Any]], workbook: Any = None) -> Iterator[list[Any]]:
    """`rows`, with the reader's own errors turned into TableError, closing the workbook."""
    try:
        yield from rows
    except TableError:
        raise
    except LimitError as exc:
        raise _limit_error(exc) from None
    except csv.Error as exc:
        raise _corrupt(str(exc)) from None
    except Exception as exc:
        raise _corrupt(type(exc).__name__) from None
    finally:
        if workbook is not None:
            _close(workbook)


def _pick_sheet(workbook: Any, names: list[str], sheet: str | int | None) -> Any:
    if sheet is None:
        first = None
        for index in range(len(names)):
            try:
                candidate = workbook.get_sheet_by_index(index)
            except Exception:  # chart sheets and the like
                continue
            first = first or candidate
            if candidate.start is not None:
                return candidate
        return first
    if isinstance(sheet, int):
        if not -len(names) <= sheet < len(names):
            raise _no_such_sheet(str(sheet), names)
        return workbook.get_sheet_by_index(sheet % len(names))
    if sheet not in names:
        wanted = fold(sheet)
        found = [n for n in names if fold(n) == wanted]
        if not found:
            raise _no_such_sheet(sheet, names)
        sheet = found[0]
    return workbook.get_sheet_by_name(sheet)


def _no_such_sheet(sheet: str, names: list[str]) -> TableError:
    return TableError(
        "no_such_sheet",
        f"The workbook has no sheet '{sheet}'; its sheets are: {', '.join(names)}",
        f"工作簿中没有工作表“{sheet}”；现有工作表：{'、'.join(names)}",
    )


def _is_blank(row: Sequence[Any]) -> bool:
    for v in row:
        if v is None:
            continue
        if isinstance(v, str):
            if v and not v.isspace():
                return False
            continue
        return False
    return True


def _calamine_rows(worksheet: Any) -> tuple[Iterator[tuple[int, list[Any]]], int]:
    """(Excel row number, values) for the sheet's rows, and the Excel column of values[0].

    python-calamine's ``iter_rows`` starts at the sheet's first column with data but (in the
    versions we know) at row 1, not at the first row with data; tell which by counting the
    empty rows it yields before the first row with data.
    """
    start, end = worksheet.start, worksheet.end
    if start is None or end is None:
        return iter(()), 1
    start_row, start_col = start
    rows = iter(worksheet.iter_rows())
    leading = 0
    first: list[Any] | None = None
    for row in rows:
        if not _is_blank(row):
            first = row
            break
        leading += 1
        if leading > MAX_BLANK_RUN + start_row:
            break
    if first is None:
        return iter(()), 1
    width = len(first)
    first_column = start_col + 1 if width <= end[1] - start_col + 1 else 1
    offset = 0 if leading >= start_row else start_row  # 0-based row index of rows[0]

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        number = offset + leading + 1
        yield number, first
        for row in rows:
            number += 1
            yield number, row

    return numbered(), first_column


def _assemble(
    numbered: Iterable[tuple[int, list[Any]]], header_row: int | None, max_rows: int | None
) -> tuple[int, list[str], list[list[Any]]]:
    """Find the header, then collect data rows, dropping trailing blanks."""
    header_no, header, rows = _assemble_stream(numbered, header_row, max_rows)
    return header_no, header, list(rows)


def _assemble_stream(
    numbered: Iterable[tuple[int, list[Any]]], header_row: int | None, max_rows: int | None
) -> tuple[int, list[str], Iterator[list[Any]]]:
    """Find the header now; the data rows come from an iterator that drops trailing blanks."""
    rows_iter = _Rows(numbered)
    header_no, header_values = _find_header(rows_iter, header_row)
    header = [_header_text(v) for v in header_values]
    return header_no, header, _data_rows(rows_iter, header_no, len(header), max_rows)


def _data_rows(
    rows_iter: _Rows, header_no: int, width: int, max_rows: int | None
) -> Iterator[list[Any]]:
    pending_blank = 0
    expected = header_no + 1
    filled = 0
    gap_start = 0
    rest = rows_iter.rest()
    for number, row in rest:
        if number > expected:  # a reader that leaves out empty rows: keep the numbering
            pending_blank += number - expected
            if pending_blank > MAX_BLANK_RUN:
                gap_start = expected - (pending_blank - (number - expected))
                rest = itertools.chain([(number, row)], rest)  # looked at after the gap
                break
        expected = number + 1
        if _is_blank(row):
            pending_blank += 1
            if pending_blank > MAX_BLANK_RUN:
                gap_start = expected - pending_blank
                break
            continue
        filled += 1
        if max_rows is not None and filled > max_rows:
            raise _too_many_rows(max_rows)
        if pending_blank:
            for _ in range(pending_blank):
                yield [""] * width
            pending_blank = 0
        values = row if type(row) is list else list(row)
        if len(values) < width:
            values.extend([""] * (width - len(values)))
        yield values
    if gap_start:  # data after the gap would be lost: refuse rather than read half a file
        for number, row in rest:
            if not _is_blank(row):
                raise TableError(
                    "blank_gap",
                    f"Rows {gap_start:,}–{number - 1:,} are empty and the data goes on at row "
                    f"{number:,}; delete the empty rows and upload the file again",
                    f"第 {gap_start:,}–{number - 1:,} 行是空行，第 {number:,} 行又有数据；"
                    "请删除空行后重新上传",
                )


def _find_header(rows: _Rows, header_row: int | None) -> tuple[int, list[Any]]:
    blank_run = 0
    candidate: tuple[int, list[Any]] | None = None
    last = None
    for number, row in rows:
        if header_row is not None:
            if number < header_row:
                continue
            if number > header_row or _is_blank(row):
                raise _empty_file()
            return number, list(row)
        if last is not None and number > last + 1:  # rows a reader left out are empty
            blank_run += number - last - 1
            if blank_run > MAX_BLANK_RUN:
                rows.push((number, row))  # read on after the header (a gap, then data)
                break
        last = number
        if _is_blank(row):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        filled = sum(1 for v in row if not _is_blank((v,)))
        if candidate is None:
            if filled == 1 and len(row) > 1:
                candidate = (number, list(row))  # perhaps a title above the header
                blank_run = 0
                continue
            return number, list(row)
        if filled > 1:
            return number, list(row)  # the candidate was a title
        # two single-cell rows: the first was the header of a one-column table
        rows.push((number, row))
        return candidate
    if candidate is not None:
        return candidate
    raise _empty_file()


class _Rows:
    """An iterator of (row number, values) that can take one item back."""

    def __init__(self, items: Iterable[tuple[int, list[Any]]]):
        self._items = iter(items)
        self._back: list[tuple[int, list[Any]]] = []

    def __iter__(self) -> _Rows:
        return self

    def __next__(self) -> tuple[int, list[Any]]:
        if self._back:
            return self._back.pop()
        return next(self._items)

    def push(self, item: tuple[int, list[Any]]) -> None:
        self._back.append(item)

    def rest(self) -> Iterator[tuple[int, list[Any]]]:
        """The items not taken yet, without a method call per item (100,000-row files)."""
        back, self._back = self._back[::-1], []
        return itertools.chain(back, self._items)


def _header_text(v: Any) -> str:
    return text(v)


# --- CSV -----------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _not_a_spreadsheet() from None
    if b"\x00" in data[:65536]:
        raise _not_a_spreadsheet()
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise _not_a_spreadsheet(
            " (the text is neither UTF-8 nor GB18030)", "（文本编码既不是 UTF-8 也不是 GB18030）"
        ) from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(r"<\s*(html|table|!doctype|\?xml|workbook)\b", re.IGNORECASE)


def _sniff_delimiter(content: str) -> str:
    for line in content.splitlines():
        if not line.strip():
            continue
        unquoted = re.sub(r'"[^"]*"', "", line)
        counts = {d: unquoted.count(d) for d in (",", "\t", ";")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","
    return ","


def _read_csv(
    data: bytes, filename: str, *, max_rows: int | None, header_row: int | None, lazy: bool = False
) -> Table:
    content, encoding = _decode(data)
    sample = content[:65536]
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise _not_a_spreadsheet()
    if _MARKUP.match(sample.lstrip()):
        raise _not_a_spreadsheet(
            " (it is a web page or XML saved under a spreadsheet name; open it in Excel and "
            "save it as .xlsx)",
            "（这是以表格文件名保存的网页或 XML 文件，请在 Excel 中打开后另存为 .xlsx）",
        )
    if not content.strip():
        raise _empty_file()
    delimiter = _sniff_delimiter(sample)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    numbered = ((n, row) for n, row in enumerate(reader, start=1))
    try:
        header_no, header, stream = _assemble_stream(numbered, header_row, max_rows)
        rows = _guarded(stream) if lazy else list(stream)
    except csv.Error as exc:
        raise _corrupt(str(exc)) from None
    return Table(
        header=header,
        rows=rows,
        size_hint=len(rows) if not lazy else content.count("\n"),
        first_data_row=header_no + 1,
        sheet_names=[PurePath(filename).stem or "Sheet1"],
        sheet_name=PurePath(filename).stem or "Sheet1",
        header_row=header_no,
        first_column=1,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
    )


# --- Formulas ------------------------------------------------------------------------------

_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>", re.DOTALL)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>[^<]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_SHEET_TARGET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\s(?:\w+:)?id="([^"]+)"')


def formula_cells(
    data: bytes,
    sheet: int | str = 0,
    *,
    uncached_only: bool = False,
    limits: ReadLimits | None = None,
) -> set[tuple[int, int]]:
    """(Excel row, Excel column) of the formula cells of an .xlsx sheet (by index or name),
    1-based.

    calamine reads a formula's cached value; a formula saved without one (written by a program,
    never opened in Excel) reads as empty. With ``uncached_only`` only those are returned.
    Other formats give an empty set, and so does a workbook beyond `limits` (its reading
    refuses it). This reads the sheet's XML once more, a block at a time, with a regular
    expression; it returns at once when the sheet has no formula at all.
    """
    limits = limits or ReadLimits()
    found: set[tuple[int, int]] = set()
    try:
        if detect_format(data) != "xlsx":
            return set()
        with workbook_limits.check_zip(data, limits) as archive:
            part = _sheet_part(archive, sheet, limits)
            if part is None or not _has_formula(archive, part, limits=limits):
                return set()
            carry = b""
            for block in workbook_limits.part_blocks(archive, part, limits):
                text = carry + block
                cut = text.rfind(b"</row>")
                if cut < 0:
                    # A row longer than this is no roster: keep only what a tag needs.
                    carry = text if len(text) < 16 * BLOCK else text[-64:]
                    continue
                cut += len(b"</row>")
                _formula_cells_in(text[:cut], found, uncached_only)
                carry = text[cut:]
            _formula_cells_in(carry, found, uncached_only)
    except (TableError, LimitError, zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return set()
    return found


BLOCK = workbook_limits.BLOCK


def _formula_cells_in(xml: bytes, found: set[tuple[int, int]], uncached_only: bool) -> None:
    if b"<f" not in xml and b":f" not in xml:
        return
    for m in _CELL.finditer(xml):
        if m.group(2):  # <c …/>: no content
            continue
        end = _CELL_END.search(xml, m.end())
        if end is None:
            break
        body = xml[m.end() : end.start()]
        if not _FORMULA.search(body):
            continue
        if uncached_only and _VALUE.search(body):
            continue
        ref = _CELL_REF.search(m.group(1))
        if ref:
            found.add((int(ref.group(2)), _column_number(ref.group(1).decode())))


def _has_formula(
    archive: zipfile.ZipFile, part: str, block: int = 1 << 20, limits: ReadLimits | None = None
) -> bool:
    """Whether the sheet's XML has a formula element, read a block at a time.

    A large sheet's XML is several times the size of the file (hundreds of MB for 500,000
    rows): scanning it as it is decompressed keeps it out of memory, and the plain substring
    tests skip the regular expression for blocks that cannot match.
    """
    tail = b""
    buffer = b""
    for piece in workbook_limits.part_blocks(archive, part, limits or ReadLimits()):
        buffer += piece
        while len(buffer) >= block:
            chunk, buffer = buffer[:block], buffer[block:]
            text = tail + chunk
            if (b"<f" in text or b":f" in text) and _FORMULA.search(text):
                return True
            tail = text[-64:]  # a tag cut in two by the block boundary
    text = tail + buffer
    return bool((b"<f" in text or b":f" in text) and _FORMULA.search(text))


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _sheet_part(
    archive: zipfile.ZipFile, index: int | str, limits: ReadLimits | None = None
) -> str | None:
    workbook = workbook_limits.read_part(archive, "xl/workbook.xml", limits or ReadLimits())
    ids = [m.decode() for m in _SHEET_TARGET.findall(workbook)]
    if isinstance(index, str):  # by name: the <sheet name="…"> elements, in the same order
        names = [
            html.unescape(m.decode())
            for m in re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\sname="([^"]*)"', workbook)
        ]
        if index not in names or len(names) != len(ids):
            return None
        index = names.index(index)
    if not -len(ids) <= index < len(ids):
        return None
    wanted = ids[index]
    rels = workbook_limits.read_part(archive, "xl/_rels/workbook.xml.rels", limits or ReadLimits())
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(re.findall(rb'(\w+)="([^"]*)"', rel.group(0)))
        if attrs.get(b"Id", b"").decode() == wanted:
            target = attrs.get(b"Target", b"").decode()
            if target.startswith("/"):
                return target.lstrip("/")
            return "xl/" + target
    return None


# --- Header matching -----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """A column the importer knows: its key, the names it goes by, and whether it is required.

    The key itself also counts as a name.
    """

    key: str
    names: Sequence[str] = ()
    required: bool = False


@dataclass
class HeaderMatch:
    """How a header row maps to column keys (indexes are 0-based positions in the header)."""

    mapping: dict[str, int]
    unknown: list[tuple[int, str]]
    missing_required: list[str]
    duplicates: dict[str, list[int]]
    ignored: list[tuple[int, str]]

    @property
    def ok(self) -> bool:
        """No required column is missing and no column appears twice."""
        return not self.missing_required and not self.duplicates

    def values(self, row: Sequence[Any]) -> dict[str, Any]:
        """The matched cells of one row by key (``""`` where the row is too short)."""
        return {k: row[i] if i < len(row) else "" for k, i in self.mapping.items()}


def match_headers(
    header: Sequence[Any],
    columns: Sequence[ColumnSpec],
    overrides: Mapping[str, str | None] | None = None,
) -> HeaderMatch:
    """Map each header cell to a column key by its names, folded (see `cells.fold`).

    ``overrides`` maps header text (as shown, or folded) to a key the user chose by hand; a key
    of ``None`` or ``""`` ignores that column. An override naming an unknown key raises
    `TableError` ("bad_mapping"). Columns whose names collide raise `ValueError` (a bug in the
    column list, not in the file).

    >>> specs = [ColumnSpec("national_id", ["身份证号", "身份证号码", "公民身份号码"], True),
    ...          ColumnSpec("name", ["姓名"], True), ColumnSpec("phone", ["手机号"])]
    >>> m = match_headers(["序号", "姓名*", "身份证号码", "身份证号"], specs)
    >>> m.mapping, m.unknown, m.missing_required, m.duplicates
    ({'name': 1, 'national_id': 2}, [(0, '序号')], [], {'national_id': [2, 3]})
    >>> match_headers(["序号", "姓名", "证件号"], specs, {"证件号": "national_id"}).mapping
    {'name': 1, 'national_id': 2}
    """
    lookup: dict[str, str] = {}
    keys = {c.key for c in columns}
    for column in columns:
        for name in (column.key, *column.names):
            folded = fold(name)
            if not folded:
                continue
            other = lookup.setdefault(folded, column.key)
            if other != column.key:
                raise ValueError(f"the name {name!r} is given to both {other!r} and {column.key!r}")
    by_text: dict[str, str | None] = {}
    for source, key in (overrides or {}).items():
        if key and key not in keys:
            raise TableError(
                "bad_mapping",
                f"'{key}' is not a column of this import",
                f"“{key}”不是本次导入的列",
            )
        by_text[text(source)] = key or None
        by_text.setdefault("\0" + fold(source), key or None)

    mapping: dict[str, int] = {}
    positions: dict[str, list[int]] = {}
    unknown: list[tuple[int, str]] = []
    ignored: list[tuple[int, str]] = []
    for index, raw in enumerate(header):
        shown = text(raw)
        if not shown:
            continue
        folded = fold(shown)
        if shown in by_text or "\0" + folded in by_text:
            key = by_text.get(shown, by_text.get("\0" + folded))
            if key is None:
                ignored.append((index, shown))
                continue
        else:
            key = lookup.get(folded)
            if key is None:
                unknown.append((index, shown))
                continue
        positions.setdefault(key, []).append(index)
        mapping.setdefault(key, index)
    duplicates = {k: v for k, v in positions.items() if len(v) > 1}
    missing = [c.key for c in columns if c.required and c.key not in mapping]
    return HeaderMatch(
        mapping=mapping,
        unknown=unknown,
        missing_required=missing,
        duplicates=duplicates,
        ignored=ignored,
    )
