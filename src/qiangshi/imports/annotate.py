"""Workbooks for the import pages: the annotated upload and the blank template of each kind.

`annotated_workbook` writes the uploaded rows back (any format in, xlsx out), at the same Excel
rows and columns, with every cell that has a problem filled red and a column of reasons
appended. `template_workbook` is the header row of a kind (required columns marked *), an
example row, drop-down lists on the coded columns, and a second sheet "允许值" listing each
enumeration's allowed values in Chinese and English. The annotated workbook uses openpyxl's
write-only mode (it may be large); every value goes through `core.xlsx.safe_cell_value` (no
formula injection).
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
from openpyxl.worksheet.datavalidation import DataValidation

from qiangshi.core.xlsx import safe_cell_value
from qiangshi.engines import cells, tabular

from . import examples
from .examples import choice_labels
from .limits import max_rows, read_limits
from .specs import Column

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
    """(code, Chinese label, English label) for each allowed value of an enumeration column."""
    zh = dict(choice_labels(column, english=False))
    return [(code, zh[code], en) for code, en in choice_labels(column, english=True)]


_BOOLEAN_LABELS = {False: ["是", "否"], True: ["Yes", "No"]}
LISTS_SHEET = {False: "下拉选项", True: "Lists"}
EXAMPLE_NOTE = {
    False: "示例行：请照此格式填写。原样保留时，导入会跳过这一行。",
    True: "Example row: fill in your rows like it. Left as it is, the import skips it.",
}
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")


def _dropdown(column: Column, english: bool) -> list[str]:
    """The values a coded column's drop-down list offers, in the template's language."""
    if column.choices:
        return [label for _code, label in choice_labels(column, english)]
    if column.parse is cells.boolean:
        return _BOOLEAN_LABELS[english]
    return []


def template_workbook(
    columns: Sequence[Column], sheet_title: str, *, language: str = "zh-hans"
) -> bytes:
    """A blank import template in `language` (Chinese by default): the headings (required
    ones marked *), one example row (`examples.example_row`, which the import skips if it is
    left in place), a drop-down list (Excel data validation) on every coded column, and a sheet
    listing each enumeration's allowed values in Chinese and English."""
    english = language.startswith("en")
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title[:31]
    ws.freeze_panes = "A2"
    allowed_title = "Allowed values" if english else ALLOWED_SHEET
    for index, column in enumerate(columns, start=1):
        title = (column.title_en if english else column.title_zh) + ("*" if column.required else "")
        cell = ws.cell(1, index, title)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        if column.choices:
            note = (
                f"Choose from the list; all values are on the sheet '{allowed_title}'"
                if english
                else f"从下拉列表中选择；全部可选值见“{allowed_title}”工作表"
            )
            cell.comment = Comment(note, "强师")
        width = max(10, len(title) * (1 if english else 2) + 4)
        ws.column_dimensions[tabular.column_letter(index)].width = width
    for index, value in enumerate(examples.example_row(columns, language), start=1):
        cell = ws.cell(2, index, _value(value) if value != "" else None)
        cell.font = EXAMPLE_FONT
        cell.number_format = "@"  # text: Excel keeps "2015-09-01" and "0010" as written
    ws.cell(2, 1).comment = Comment(EXAMPLE_NOTE[english], "强师")

    allowed = wb.create_sheet(title=allowed_title)
    allowed.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (18, 20, 22, 24, 34), strict=True):
        allowed.column_dimensions[letter].width = width
    titles = ["列名", "column", "代码 code", "中文", "English"]
    allowed.append(titles)
    for cell in allowed[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for column in columns:
        for code, zh, en in _allowed_values(column):
            allowed.append([_value(v) for v in (column.title_zh, column.key, code, zh, en)])

    # Each drop-down reads its values from a column of a hidden sheet (an inline list is
    # limited to 255 characters, too few for the subjects).
    lists = wb.create_sheet(title=LISTS_SHEET[english])
    lists.sheet_state = "hidden"
    message = (
        ("Not a listed value", "Choose a value from the list.")
        if english
        else ("不在可选值中", "请从下拉列表中选择。")
    )
    used = 0
    for index, column in enumerate(columns, start=1):
        values = _dropdown(column, english)
        if not values:
            continue
        used += 1
        letter = tabular.column_letter(used)
        lists.cell(1, used, column.key)
        for row, value in enumerate(values, start=2):
            lists.cell(row, used, _value(value))
        target = tabular.column_letter(index)
        validation = DataValidation(
            type="list",
            formula1=f"'{lists.title}'!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showDropDown=False,  # openpyxl's name for "hide the in-cell arrow": keep it shown
            showErrorMessage=True,
            errorStyle="warning",  # a code or another accepted spelling may still be typed
            errorTitle=message[0],
            error=message[1],
        )
        validation.add(f"{target}2:{target}1048576")
        ws.add_data_validation(validation)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
