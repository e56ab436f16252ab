"""Workbooks for the import pages: the annotated upload and the blank template of each kind.

`annotated_workbook` writes the uploaded rows back (any format in, xlsx out), at the same Excel
rows and columns, with every cell that has a problem filled red and a column of reasons
appended. `template_workbook` is the header row of a kind (required columns marked *) and a
second sheet "允许值" listing each enumeration's allowed values in Chinese and English.
Both use openpyxl's write-only mode; every value goes through `core.xlsx.safe_cell_value`
(no formula injection).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from qiangshi.core.xlsx import safe_cell_value
from qiangshi.engines import tabular

from .limits import max_rows, read_limits
from .specs import NONE, Column

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
BOLD = Font(bold=True)
ALLOWED_SHEET = "允许值"


def _value(value: Any) -> Any:
    value = safe_cell_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32767]
    return value


def _reason(problem: dict[str, Any], language: str) -> str:
    key = "reason_en" if language.startswith("en") else "reason_zh"
    return str(problem.get(key) or problem.get("reason") or "")


def annotated_workbook(
    *,
    data: bytes,
    filename: str,
    problems: Iterable[dict[str, Any]],
    language: str = "zh-hans",
    reason_title: str = "错误原因",
) -> bytes:
    """The uploaded sheet as xlsx with bad cells red and a reason column (see module doc).

    `problems` are the job's stored errors ({"row", "column", "reason_zh", "reason_en"}), rows
    numbered as Excel shows them, columns named by their heading in the file.
    """
    table = tabular.read_table(data, filename, max_rows=max_rows(), limits=read_limits())
    header = table.header
    positions: dict[str, list[int]] = defaultdict(list)
    for index, heading in enumerate(header):
        positions[heading].append(index)
    bad_cells: dict[int, set[int]] = defaultdict(set)
    reasons: dict[int, list[str]] = defaultdict(list)
    for p in problems:
        row = p.get("row")
        row = table.header_row if not row or row < table.first_data_row else row
        reason = _reason(p, language)
        column = str(p.get("column") or "")
        label = f"{column}: {reason}" if column else reason
        if label not in reasons[row]:
            reasons[row].append(label)
        bad_cells[row].update(positions.get(column, ()))

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=(table.sheet_name or "Sheet1")[:31])
    ws.freeze_panes = f"A{table.header_row + 1}"
    pad = [None] * (table.first_column - 1)
    for _ in range(table.header_row - 1):  # rows above the header (a title): keep numbering
        ws.append([])

    def cells(values: Sequence[Any], row_no: int, *, is_header: bool = False) -> list:
        bad = bad_cells.get(row_no, set())
        out: list[Any] = list(pad)
        for index, raw in enumerate(values):
            value = _value(raw)
            if index in bad or is_header:
                cell = WriteOnlyCell(ws, value=value)
                if index in bad:
                    cell.fill, cell.font = BAD_FILL, BAD_FONT
                else:
                    cell.fill, cell.font = HEADER_FILL, BOLD
                out.append(cell)
            else:
                out.append(value)
        width = len(header)
        out.extend([None] * (width - len(values)))
        text = "；".join(reasons.get(row_no, []))
        if is_header:
            title = WriteOnlyCell(ws, value=_value(reason_title + (f"（{text}）" if text else "")))
            title.fill, title.font = BAD_FILL, Font(bold=True, color="9C0006")
            out.append(title)
        elif text:
            note = WriteOnlyCell(ws, value=_value(text))
            note.font = BAD_FONT
            out.append(note)
        return out

    ws.append(cells(header, table.header_row, is_header=True))
    for offset, row in enumerate(table.rows):
        ws.append(cells(row[: len(header)], table.first_data_row + offset))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _allowed_values(column: Column) -> list[tuple[str, str, str]]:
    """(code, Chinese label, English label) for each allowed value of an enumeration column.

    `Column.choices` lists {code: [Chinese label, English label, code, variants…]}.
    """
    rows = []
    for code, names in (column.choices or {}).items():
        names = [str(n) for n in names]
        if names and names[0] == code and len(names) > 2:  # older layout: [code, zh, en, …]
            names = names[1:]
        zh = names[0] if names else code
        en = names[1] if len(names) > 1 else code
        if code == NONE:
            en = "none"
        rows.append((code, zh, en))
    return rows


def template_workbook(columns: Sequence[Column], sheet_title: str) -> bytes:
    """A blank import template: the Chinese headings (required ones marked *) and "允许值"."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    ws.freeze_panes = "A2"
    heading = []
    for column in columns:
        title = column.title_zh + ("*" if column.required else "")
        cell = WriteOnlyCell(ws, value=title)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        if column.choices:
            cell.comment = Comment(f"可选值见“{ALLOWED_SHEET}”工作表", "强师")
        heading.append(cell)
    for index, column in enumerate(columns):  # widths before the first row (write-only)
        width = max(10, len(column.title_zh) * 2 + 4)
        ws.column_dimensions[tabular.column_letter(index + 1)].width = width
    ws.append(heading)

    allowed = wb.create_sheet(title=ALLOWED_SHEET)
    allowed.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (18, 20, 22, 24, 34), strict=True):
        allowed.column_dimensions[letter].width = width
    titles = ["列名", "column", "代码 code", "中文", "English"]
    row = []
    for title in titles:
        cell = WriteOnlyCell(allowed, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        row.append(cell)
    allowed.append(row)
    for column in columns:
        for code, zh, en in _allowed_values(column):
            allowed.append([_value(v) for v in (column.title_zh, column.key, code, zh, en)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
