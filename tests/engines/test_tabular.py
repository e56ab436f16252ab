"""Reading spreadsheets into rows (xlsx, xls, csv) and matching headers: pure engine tests."""

import doctest
import io
import random
import struct
import time
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.styles import Font

from qiangshi.engines import tabular
from qiangshi.engines.tabular import ColumnSpec, TableError, match_headers, read_table

ROWS = [
    ["姓名", "身份证号", "出生日期"],
    ["张三", "11010519491231002X", datetime(1949, 12, 31)],
    ["李四", "110105194912310021", 31107],
]


def xlsx(rows=ROWS, *, title="Sheet1", extra_sheets=(), build=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for name in extra_sheets:
        wb.create_sheet(name).append(["其他"])
    if build:
        build(ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def error_code(data: bytes, filename: str = "f.xlsx", **kwargs) -> str:
    with pytest.raises(TableError) as exc:
        read_table(data, filename, **kwargs)
    assert exc.value.message_en and exc.value.message_zh
    return exc.value.code


# --- A minimal compound file (OLE/CFB) and BIFF8 workbook, to test .xls without xlwt ---------


def _record(kind: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(payload)) + payload


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def biff8_workbook(rows, sheet_name="Sheet1", *, filepass=False) -> bytes:
    """Globals (BOF, [FILEPASS], CODEPAGE, BOUNDSHEET, EOF) and one sheet of LABEL/NUMBER cells."""
    name = sheet_name.encode("utf-16-le")
    globals_ = _bof(0x0005)
    if filepass:  # RC4 encryption header, contents irrelevant here
        globals_ += _record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    globals_ += _record(0x0042, struct.pack("<H", 1200))
    sheet_offset = len(globals_) + (4 + 8 + len(name)) + 4
    boundsheet = struct.pack("<IBBBB", sheet_offset, 0, 0, len(sheet_name), 1) + name
    globals_ += _record(0x0085, boundsheet) + _record(0x000A)
    assert len(globals_) == sheet_offset
    width = max(len(r) for r in rows)
    sheet = _bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                payload = struct.pack("<HHHHB", r, c, 0, len(value), 1) + value.encode("utf-16-le")
                sheet += _record(0x0204, payload)
            elif value is not None:
                sheet += _record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
    return globals_ + sheet + _record(0x000A)


def ole_file(streams: list[tuple[str, bytes]]) -> bytes:
    """A version 3 compound file with 512-byte sectors; streams padded to 4096 bytes."""
    sector, end, free, fatsect, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat, body, entries = [fatsect, end], b"", []
    for name, data in streams:
        data = data.ljust(max(4096, -(-len(data) // sector) * sector), b"\0")
        start, count = len(fat), len(data) // sector
        fat += [*range(start + 1, start + count), end]
        entries.append((name, start, len(data)))
        body += data

    def entry(name, kind, start, size, right=nostream, child=nostream):
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, nostream, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, end, 0, child=1)
    for i, (name, start, size) in enumerate(entries):
        right = i + 2 if i + 1 < len(entries) else nostream
        directory += entry(name, 2, start, size, right=right)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<109I", 0, *([free] * 108))
    )
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [free] * (sector // 4 - len(fat))))
    return header + fat_sector + directory.ljust(sector, b"\0") + body


# --- xlsx -----------------------------------------------------------------------------------


def test_xlsx_header_rows_and_excel_row_numbers():
    table = read_table(xlsx(), "roster.xlsx")
    assert table.format == "xlsx"
    assert table.header == ["姓名", "身份证号", "出生日期"]
    assert table.first_data_row == 2 and table.header_row == 1
    assert table.rows[0][:2] == ["张三", "11010519491231002X"]
    assert table.rows[0][2] == date(1949, 12, 31)  # date-formatted cells come back as dates
    assert table.rows[1][2] == 31107  # a plain number stays a number (serials are for cells.py)
    assert table.sheet_names == ["Sheet1"] and table.sheet_name == "Sheet1"
    assert table.row_number(1) == 3


def test_blank_rows_and_a_title_above_the_header_are_accounted_for():
    rows = [[], [], ["2024年教师花名册"], *ROWS]
    table = read_table(xlsx(rows), "roster.xlsx")
    assert table.header_row == 4 and table.first_data_row == 5
    assert table.header[0] == "姓名" and table.rows[0][0] == "张三"


def test_header_row_can_be_given():
    rows = [["说明：请勿修改表头", "", ""], *ROWS]
    table = read_table(xlsx(rows), "roster.xlsx", header_row=2)
    assert table.header == ROWS[0] and table.first_data_row == 3
    assert error_code(xlsx(rows), header_row=9) == "empty"


def test_a_table_that_starts_in_column_c_reports_its_columns():
    def build(ws):
        ws.delete_rows(1, 10)
        for r, row in enumerate(ROWS, start=3):
            for c, value in enumerate(row, start=3):
                ws.cell(row=r, column=c, value=value)

    table = read_table(xlsx([], build=build), "roster.xlsx")
    assert table.header == ROWS[0]
    assert table.first_data_row == 4
    assert table.first_column == 3 and table.column_name(0) == "C" and table.column_name(2) == "E"


def test_blank_rows_in_the_middle_keep_their_place_and_trailing_ones_are_dropped():
    rows = [ROWS[0], ROWS[1], [None, None, None], ROWS[2], [], [None, " "]]
    table = read_table(xlsx(rows), "roster.xlsx")
    assert len(table.rows) == 3
    assert all(v in ("", None) for v in table.rows[1])
    assert table.row_number(2) == 4 and table.rows[2][0] == "李四"


def test_sheet_by_name_index_or_first_with_data():
    data = xlsx(title="教师", extra_sheets=["可选值"])
    assert read_table(data, "f.xlsx", sheet="可选值").header == ["其他"]
    assert read_table(data, "f.xlsx", sheet=1).header == ["其他"]
    assert read_table(data, "f.xlsx", sheet=None).sheet_name == "教师"
    assert read_table(data, "f.xlsx").sheet_names == ["教师", "可选值"]
    assert error_code(data, sheet="没有") == "no_such_sheet"
    assert error_code(data, sheet=5) == "no_such_sheet"


def test_content_decides_the_format_not_the_name():
    assert read_table(xlsx(), "roster.csv").format == "xlsx"
    assert read_table(b"a,b\n1,2\n", "roster.xlsx").format == "csv"


def test_an_empty_workbook_is_empty():
    wb = openpyxl.Workbook()
    buffer = io.BytesIO()
    wb.save(buffer)
    assert error_code(buffer.getvalue()) == "empty"


def test_a_header_only_sheet_has_no_rows():
    table = read_table(xlsx([ROWS[0]]), "f.xlsx")
    assert table.header == ROWS[0] and table.rows == []


def test_a_million_formatted_empty_rows_read_quickly():
    def build(ws):
        cell = ws.cell(row=1_048_576, column=1)
        cell.font = Font(bold=True)
        cell.number_format = "@"
        ws.cell(row=500_000, column=2).font = Font(italic=True)

    data = xlsx(build=build)
    started = time.perf_counter()
    table = read_table(data, "roster.xlsx")
    assert time.perf_counter() - started < 5
    assert len(table.rows) == 2 and table.first_data_row == 2


def test_a_blank_value_in_the_last_row_of_the_sheet_is_dropped_quickly():
    data = xlsx(build=lambda ws: ws.cell(row=1_048_576, column=1, value=" "))
    started = time.perf_counter()
    table = read_table(data, "roster.xlsx")
    assert time.perf_counter() - started < 10
    assert len(table.rows) == 2


def test_data_after_a_long_run_of_empty_rows_is_refused_not_lost():
    gap = tabular.MAX_BLANK_RUN + 10
    data = xlsx(build=lambda ws: ws.cell(row=3 + gap + 1, column=1, value="迟到的一行"))
    with pytest.raises(TableError) as exc:
        read_table(data, "roster.xlsx")
    assert exc.value.code == "blank_gap"
    assert f"{3 + gap + 1:,}" in exc.value.message_en


def test_too_many_rows():
    rows = [ROWS[0]] + [["某人", str(i), None] for i in range(10)]
    assert len(read_table(xlsx(rows), "f.xlsx", max_rows=10).rows) == 10
    assert error_code(xlsx(rows), max_rows=9) == "too_many_rows"
    padded = xlsx(rows + [[None], [""]])
    assert len(read_table(padded, "f.xlsx", max_rows=10).rows) == 10


def test_formula_cells_without_a_cached_value():
    def build(ws):
        ws["D2"] = "=1+1"
        ws["D3"] = "=LEN(A3)"

    data = xlsx(build=build)
    table = read_table(data, "f.xlsx")
    row = table.rows[0]  # openpyxl stores no cached value: the formula reads as empty
    assert len(row) == 3 or row[3] in ("", None)
    assert tabular.formula_cells(data) == {(2, 4), (3, 4)}
    assert tabular.formula_cells(data, uncached_only=True) == {(2, 4), (3, 4)}
    assert tabular.formula_cells(xlsx()) == set()
    assert tabular.formula_cells(b"a,b\n") == set()


def test_formula_cells_with_a_cached_value_are_not_uncached():
    data = xlsx(build=lambda ws: ws.__setitem__("D2", "=1+1"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>1+1</f><v></v>" in sheet or b"<f>1+1</f><v />" in sheet or b"<f>1+1</f>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    patched = buffer.getvalue()
    if b"<v>2</v>" not in parts["xl/worksheets/sheet1.xml"]:
        pytest.skip("openpyxl wrote the formula differently")
    assert tabular.formula_cells(patched) == {(2, 4)}
    assert tabular.formula_cells(patched, uncached_only=True) == set()
    assert read_table(patched, "f.xlsx").rows[0][3] == 2


# --- xls --------------------------------------------------------------------------------------


def test_xls_is_read_by_calamine():
    data = ole_file([("Workbook", biff8_workbook(ROWS[:1] + [["张三", "11010519491231002X", 7]]))])
    table = read_table(data, "roster.xls")
    assert table.format == "xls"
    assert table.header == ROWS[0]
    assert table.rows == [["张三", "11010519491231002X", 7.0]]
    assert table.first_data_row == 2


def test_encrypted_xls_is_recognised():
    data = ole_file([("Workbook", biff8_workbook(ROWS[:1], filepass=True))])
    assert error_code(data, "roster.xls") == "encrypted"


def test_an_ole_file_that_is_not_a_workbook():
    assert error_code(ole_file([("WordDocument", b"x" * 100)]), "a.xls") == "not_a_spreadsheet"
    tiny = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert error_code(tiny, "a.xls") == "not_a_spreadsheet"


def test_a_damaged_xls_is_corrupt():
    tiny = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100) + "Workbook".encode("utf-16-le")
    assert error_code(tiny, "a.xls") == "corrupt"


# --- encrypted and not-spreadsheet files --------------------------------------------------------


def test_password_protected_xlsx_is_an_ole_container_with_encryption_info():
    fake = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(600)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(100)
    )
    assert error_code(fake, "roster.xlsx") == "encrypted"
    real_shape = ole_file([("EncryptionInfo", b"\x04\x00\x04\x00"), ("EncryptedPackage", b"x")])
    assert error_code(real_shape, "roster.xlsx") == "encrypted"


def test_zero_byte_file():
    assert error_code(b"", "roster.xlsx") == "empty"
    assert error_code(b"", "roster.csv") == "empty"


def test_png_random_bytes_and_a_word_document_are_not_spreadsheets():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert error_code(png, "roster.xlsx") == "not_a_spreadsheet"
    noise = random.Random(3).randbytes(4096)
    assert error_code(noise, "roster.xlsx") == "not_a_spreadsheet"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert error_code(docx.getvalue(), "roster.xlsx") == "not_a_spreadsheet"
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert error_code(other_zip.getvalue(), "roster.zip") == "not_a_spreadsheet"


def test_a_web_page_saved_as_xls_gets_its_own_explanation():
    page = "<html><body><table><tr><td>姓名</td></tr></table></body></html>".encode()
    with pytest.raises(TableError) as exc:
        read_table(page, "导出.xls")
    assert exc.value.code == "not_a_spreadsheet" and "网页" in exc.value.message_zh


def test_damaged_xlsx_files_are_corrupt():
    data = xlsx()
    assert error_code(data[: len(data) // 2]) == "corrupt"
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml")
    assert error_code(broken.getvalue()) == "corrupt"


# --- csv ----------------------------------------------------------------------------------------

CSV_TEXT = "姓名,身份证号,学历\r\n张三,11010519491231002X,本科\r\n李四,110105194912310021,硕士\r\n"


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CSV_TEXT.encode("utf-8"), "utf-8"),
        (CSV_TEXT.encode("utf-8-sig"), "utf-8"),
        (CSV_TEXT.encode("gb18030"), "gb18030"),
        (CSV_TEXT.encode("utf-16"), "utf-16"),
    ],
)
def test_csv_encodings(encoded, encoding):
    table = read_table(encoded, "roster.csv")
    assert table.format == "csv" and table.encoding == encoding
    assert table.header == ["姓名", "身份证号", "学历"]
    assert table.rows == [
        ["张三", "11010519491231002X", "本科"],
        ["李四", "110105194912310021", "硕士"],
    ]
    assert table.first_data_row == 2
    assert table.sheet_names == ["roster"]


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_csv_delimiters_are_sniffed(delimiter):
    content = CSV_TEXT.replace(",", delimiter).encode("gb18030")
    table = read_table(content, "roster.txt")
    assert table.delimiter == delimiter
    assert table.rows[1] == ["李四", "110105194912310021", "硕士"]


def test_csv_rows_are_numbered_as_excel_shows_them():
    content = '\n\n姓名,备注\n张三,"两行\n备注"\n\n李四\n,\n\n'.encode()
    table = read_table(content, "roster.csv")
    assert table.header_row == 3 and table.first_data_row == 4
    assert table.rows[0] == ["张三", "两行\n备注"]
    assert table.rows[1] == ["", ""]  # blank row 5 kept in place
    assert table.rows[2] == ["李四", ""]  # short row padded to the header's width
    assert len(table.rows) == 3 and table.row_number(2) == 6


def test_csv_too_many_rows_and_blank_files():
    content = ("a,b\n" + "1,2\n" * 11).encode()
    assert error_code(content, "f.csv", max_rows=10) == "too_many_rows"
    assert error_code(b" \r\n\r\n", "f.csv") == "empty"
    assert error_code("\ufeff".encode("utf-8"), "f.csv") == "empty"


def test_csv_with_a_single_column_and_single_cell_rows():
    table = read_table("身份证号\n11010519491231002X\n110105194912310021\n".encode(), "f.csv")
    assert table.header == ["身份证号"] and len(table.rows) == 2


def test_two_single_cell_rows_are_a_header_and_a_row():
    content = "姓名,,\n张三,,\n".encode()
    table = read_table(content, "f.csv")
    assert table.header == ["姓名", "", ""] and table.rows == [["张三", "", ""]]


def test_text_in_neither_utf8_nor_gb18030_is_refused():
    assert error_code(b"\x81\x30\x81" * 10 + b"\xff\xff", "f.csv") == "not_a_spreadsheet"


# --- headers ------------------------------------------------------------------------------------

SPECS = [
    ColumnSpec(
        "national_id",
        [
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "身份证",
            "national_id",
            "national id",
            "ID number",
        ],
        required=True,
    ),
    ColumnSpec("name", ["姓名", "教师姓名", "name"], required=True),
    ColumnSpec("birth_date", ["出生日期", "birth date"]),
    ColumnSpec("phone", ["手机号码", "phone"]),
]


@pytest.mark.parametrize(
    "variant",
    [
        "身份证号",
        "身份证号码",
        "公民身份号码",
        " 身份证 ",
        "national_id",
        "National ID",
        "ID Number",
        "ＩＤ　ｎｕｍｂｅｒ",
        "*身份证号",
        "身份证号*",
        "身份证号（18位）",
        "身份证号(必填)",
        "【必填】身份证号",
        "身份证\n号码",
        "national-id",
    ],
)
def test_header_variants(variant):
    match = match_headers(["姓名", variant], SPECS)
    assert match.mapping == {"name": 0, "national_id": 1}
    assert match.ok and match.unknown == [] and match.missing_required == []


def test_hints_in_brackets_are_ignored():
    match = match_headers(["姓名", "身份证号", "出生日期(yyyy-mm-dd)"], SPECS)
    assert match.mapping["birth_date"] == 2


def test_unknown_missing_and_duplicate_columns():
    match = match_headers(["序号", "姓名", "", "备注", "教师姓名"], SPECS)
    assert match.mapping == {"name": 1}
    assert match.unknown == [(0, "序号"), (3, "备注")]
    assert match.missing_required == ["national_id"]
    assert match.duplicates == {"name": [1, 4]}
    assert not match.ok


def test_manual_mapping_overrides_and_ignores_columns():
    header = ["证件号码", "姓名", "身份证号码", "手机"]
    match = match_headers(header, SPECS, overrides={"证件号码": "national_id", "身份证号码": None})
    assert match.mapping == {"national_id": 0, "name": 1}
    assert match.ignored == [(2, "身份证号码")]
    assert match.unknown == [(3, "手机")]
    assert match.duplicates == {}
    folded = match_headers(["证件号码 "], SPECS, overrides={"证件号码": "national_id"})
    assert folded.mapping == {"national_id": 0}


def test_a_mapping_to_an_unknown_key_is_a_table_error():
    with pytest.raises(TableError) as exc:
        match_headers(["证件号码"], SPECS, overrides={"证件号码": "shoe_size"})
    assert exc.value.code == "bad_mapping"


def test_colliding_column_names_are_a_programming_error():
    with pytest.raises(ValueError, match="both"):
        match_headers(["a"], [ColumnSpec("a", ["姓名"]), ColumnSpec("b", ["姓 名"])])


def test_values_by_key():
    match = match_headers(["姓名", "身份证号", "手机号码"], SPECS)
    assert match.values(["张三", "X"]) == {"name": "张三", "national_id": "X", "phone": ""}


def test_read_and_match_end_to_end():
    rows = [
        ["教师姓名 *", "公民身份号码（必填）", "出生日期(yyyy-mm-dd)"],
        ["张三", "1", "1985-03-01"],
    ]
    table = read_table(xlsx(rows), "f.xlsx")
    match = match_headers(table.header, SPECS)
    assert match.mapping == {"name": 0, "national_id": 1, "birth_date": 2}


def test_doctests():
    result = doctest.testmod(tabular)
    assert result.failed == 0 and result.attempted > 0


def test_column_letters():
    assert [tabular.column_letter(n) for n in (1, 2, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


# --- lazy reading ----------------------------------------------------------------------------


def test_lazy_reading_gives_the_same_rows_as_an_iterator():
    rows = [ROWS[0]] + [["某人", str(i), None] for i in range(30)] + [[None], ["", ""]]
    for data, name in ((xlsx(rows), "f.xlsx"), (b"a,b\n1,2\n\n3,4\n\n", "f.csv")):
        eager = read_table(data, name)
        lazy = read_table(data, name, lazy=True)
        assert not isinstance(lazy.rows, list)
        assert lazy.header == eager.header and lazy.first_data_row == eager.first_data_row
        assert lazy.size_hint >= len(eager.rows) == eager.size_hint
        assert list(lazy.rows) == eager.rows


def test_lazy_reading_raises_file_problems_as_it_reaches_them():
    rows = [ROWS[0]] + [["某人", str(i), None] for i in range(10)]
    table = read_table(xlsx(rows), "f.xlsx", max_rows=9, lazy=True)  # the header reads fine
    with pytest.raises(TableError) as exc:
        list(table.rows)
    assert exc.value.code == "too_many_rows"
    gap = tabular.MAX_BLANK_RUN + 10
    data = xlsx(build=lambda ws: ws.cell(row=3 + gap + 1, column=1, value="迟到的一行"))
    table = read_table(data, "roster.xlsx", lazy=True)
    with pytest.raises(TableError) as exc:
        list(table.rows)
    assert exc.value.code == "blank_gap"


def test_a_formula_is_found_across_the_blocks_the_sheet_is_scanned_in():
    def build(ws):
        for r in range(2, 400):
            ws.cell(row=r, column=1, value="填充" * 20)
        ws.cell(row=400, column=2, value="=1+1")

    data = xlsx(build=build)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = tabular._sheet_part(archive, 0)
        for block in (7, 64, 100, 4096, 1 << 20):
            assert tabular._has_formula(archive, part, block=block)
    assert tabular.formula_cells(data) == {(400, 2)}
    with zipfile.ZipFile(io.BytesIO(xlsx())) as archive:
        assert not tabular._has_formula(archive, tabular._sheet_part(archive, 0), block=7)
