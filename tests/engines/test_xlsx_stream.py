"""The streaming .xlsx reader reads every cell as python-calamine does (values, types, the used
range), on hand-made XML for each form a cell can take, on random sheets mixing them, on
workbooks written by openpyxl, with its fast path and without it, with blocks of a few bytes;
and what it leaves to calamine is read by calamine."""

import io
import random
import re
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from qiangshi.engines import tabular, workbook_limits, xlsx_stream
from qiangshi.engines.tabular import TableError, read_table
from qiangshi.engines.workbook_limits import ReadLimits

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="9">'
    '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="#,##0*y"/>'
    '<numFmt numFmtId="167" formatCode="&quot;0&quot;d"/>'
    '<numFmt numFmtId="168" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="169" formatCode="0.00_);[Red]\\(0.00\\)"/>'
    '<numFmt numFmtId="170" formatCode="[$-404]e/m/d"/>'
    '<numFmt numFmtId="171" formatCode="h:mm AM/PM"/>'
    '<numFmt numFmtId="172" formatCode="@"/>'
    "</numFmts><cellXfs>"
    '<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/>'
    '<xf numFmtId="46"/><xf numFmtId="166"/><xf numFmtId="20"/><xf numFmtId="167"/>'
    '<xf numFmtId="168"/><xf numFmtId="169"/><xf numFmtId="170"/><xf numFmtId="171"/>'
    '<xf numFmtId="172"/><xf/><xf numFmtId="22"/><xf numFmtId="47"/>'
    "</cellXfs></styleSheet>"
)
STYLE_COUNT = 16
STRINGS = [
    "<si><t>教师</t></si>",
    "<si><t></t></si>",
    "<si/>",
    '<si><t xml:space="preserve"> 前后有空格 </t></si>',
    "<si><r><t>富</t></r><r><rPr><b/><color rgb='FFFF0000'/></rPr><t>文本</t></r></si>",
    '<si><t>张</t><rPh sb="0" eb="1"><t>zhang</t></rPh><phoneticPr fontId="1"/></si>',
    "<si><t>a&amp;b&lt;&#20013;&#x4e2d;</t></si>",
    "<si><t>第一行_x000D_\n第二行</t></si>",
    "<si><t>c\r\nd\re</t></si>",
    "<si><t>11010519491231002X</t></si>",
    "<si><t>_x005F_x000D_|_x0041_|_xABCD_</t></si>",
    "<si><!-- a comment --><t>注释</t></si>",
    "<si><t> 去掉空格\t</t></si>",
    '<si><r><t xml:space="preserve">保留 </t></r><r><t> 去掉 </t></r></si>',
]
SHARED = f'<sst xmlns="{MAIN}" count="{len(STRINGS)}">' + "".join(STRINGS) + "</sst>"


def workbook(
    sheet_data: str,
    *,
    styles: str | None = STYLES,
    shared: str | None = SHARED,
    date1904: bool = False,
    prolog: str = "",
    root: str = f'<worksheet xmlns="{MAIN}">',
    end: str = "</worksheet>",
    sheets: int = 1,
) -> bytes:
    """An .xlsx file with `sheets` copies of one sheet around `sheet_data` (the rows)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
        entries = "".join(
            f'<sheet name="表{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, sheets + 1)
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
            f'xmlns:r="{RELS}">{pr}<sheets>{entries}</sheets></workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, sheets + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>",
        )
        if styles is not None:
            z.writestr("xl/styles.xml", styles)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        for i in range(1, sheets + 1):
            z.writestr(
                f"xl/worksheets/sheet{i}.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f"{root}{prolog}<sheetData>{sheet_data}</sheetData>{end}",
            )
    return buffer.getvalue()


def row(number: int, *cells: str) -> str:
    """A row of cells given as (column letters + the rest of the cell's XML after `r`)."""
    out = []
    for cell in cells:
        m = re.match(r"[A-Za-z]+ ?", cell)
        letters, rest = m.group(0).strip(), cell[m.end() :] or "/>"
        if rest.startswith(("/>", ">")):
            out.append(f'<c r="{letters}{number}"{rest}')
        else:
            out.append(f'<c r="{letters}{number}" {rest}')
    return f'<row r="{number}">' + "".join(out) + "</row>"


# --- Reading with calamine, with the streaming reader, and comparing ---------------------


def calamine_rows(data: bytes, sheet: int = 0):
    """(start, end, {row number: values}) as python-calamine reads the sheet; raises what it
    raises."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        ws = book.get_sheet_by_index(sheet)
        start, end = ws.start, ws.end
        rows = {}
        if start is not None:
            first_column = start[1]
            for number, values in enumerate(ws.iter_rows(), start=1):
                values = list(values)
                if len(values) > end[1] - start[1] + 1:  # a reader giving columns from A
                    values = values[first_column:]
                rows[number] = values
        return start, end, rows
    finally:
        book.close()


def stream_rows(data: bytes, sheet: int = 0):
    """(first column, last column, [(row number, values)]) as the streaming reader reads the
    sheet; fails the test if it leaves the workbook to calamine."""
    limits = ReadLimits()
    scan = xlsx_stream.SheetScan()
    stats = workbook_limits.check_workbook(data, limits, sheet=sheet, observe=scan)
    book = xlsx_stream.open_workbook(data, limits)
    try:
        part = book.parts[sheet]
        measured = next(s for s in stats.sheets if s.part == part)
        shape = scan.shape(part, measured)
        return shape.first_column, shape.last_column, list(book.rows(sheet, shape))
    finally:
        book.close()


def same_nan(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)


def assert_same_rows(data: bytes, sheet: int = 0) -> list:
    """The streaming reader reads `data` as calamine does: the same used range, every row
    holding a value with the same values (types included), nothing where calamine has none."""
    start, end, expected = calamine_rows(data, sheet)
    first, last, got = stream_rows(data, sheet)
    if start is None:
        assert (first, got) == (0, [])
        return []
    assert (first, last) == (start[1] + 1, end[1] + 1)
    got_by_number = dict(got)
    assert len(got_by_number) == len(got), "a row given twice"
    for number, values in got:
        want = expected[number]
        assert len(values) == len(want)
        for a, b in zip(values, want, strict=True):
            assert same_nan(a, b) and type(a) is type(b), (number, values, want)
    for number, values in expected.items():
        if number not in got_by_number:
            assert all(v == "" for v in values), (number, values)
    return got


def assert_same_error(data: bytes) -> None:
    """Both readers refuse the file (calamine raises; the streaming reader raises SheetError)."""
    with pytest.raises(BaseException):  # noqa: B017, PT011 - calamine's several kinds
        calamine_rows(data)
    with pytest.raises(xlsx_stream.SheetError):
        stream_rows(data)


def assert_same_table(data: bytes, **kwargs) -> tabular.Table | None:
    """read_table gives the same Table (or the same error code) through either reader."""
    stream = calamine = None
    try:
        stream = read_table(data, "f.xlsx", **kwargs)
    except TableError as exc:
        stream = exc.code
    limits = ReadLimits()
    try:
        tabular.check_limits(data, "xlsx", limits, sheet=kwargs.get("sheet", 0))
        calamine = tabular._read_workbook(
            data,
            "xlsx",
            sheet=kwargs.get("sheet", 0),
            max_rows=kwargs.get("max_rows"),
            header_row=kwargs.get("header_row"),
        )
    except TableError as exc:
        calamine = exc.code
    if isinstance(calamine, str) or isinstance(stream, str):
        assert stream == calamine
        return None
    for field in ("header", "first_data_row", "header_row", "first_column", "sheet_names"):
        assert getattr(stream, field) == getattr(calamine, field), field
    assert stream.sheet_name == calamine.sheet_name
    assert len(stream.rows) == len(calamine.rows)
    for a, b in zip(stream.rows, calamine.rows, strict=True):
        assert len(a) == len(b) and all(same_nan(x, y) for x, y in zip(a, b, strict=True))
    return stream


@pytest.fixture(params=["fast", "slow", "tiny blocks"])
def mode(request, monkeypatch):
    """Each comparison runs with the fast path, with every block read by the tokenizer, and
    with blocks of a few bytes (rows cut across blocks)."""
    if request.param == "slow":
        monkeypatch.setattr(xlsx_stream, "_FAST_CELL", re.compile(rb"(?!)"))
    elif request.param == "tiny blocks":
        measure, blocks = xlsx_stream.SheetScan.__call__, workbook_limits.part_blocks

        def measure_tiny(self, part, block):
            if block is None:
                return measure(self, part, None)
            for i in range(0, len(block), 37):
                measure(self, part, block[i : i + 37])

        def blocks_tiny(*args, **kwargs):
            for block in blocks(*args, **kwargs):
                yield from (block[i : i + 37] for i in range(0, len(block), 37))

        monkeypatch.setattr(xlsx_stream.SheetScan, "__call__", measure_tiny)
        monkeypatch.setattr(workbook_limits, "part_blocks", blocks_tiny)
    return request.param


# --- Cell values ----------------------------------------------------------------------------

NUMBERS = ["1", "1.5", "-3", "1e3", "1E+5", "+1", ".5", "5.", "-0", "00012", "1e400", "1e-400",
           "0.1e1", "-.5e-3", "1.7976931348623157e308", "123456789012345678", "nan", "NaN",
           "inf", "-inf", "Infinity", "abc", " 1", "1_0", "0x10", "1,5", "1e", "٣",
           "1&amp;2", "&#49;", "1&#49;"]  # fmt: skip


def test_numbers_and_text_without_a_type(mode):
    cells = [
        f"{col} ><v>{n}</v></c>" for col, n in zip(columns(len(NUMBERS)), NUMBERS, strict=False)
    ]
    data = workbook(row(1, *cells))
    got = assert_same_rows(data)
    assert got[0][1][:3] == [1.0, 1.5, -3.0] and got[0][1][NUMBERS.index("abc")] == "abc"


def test_numbers_with_a_type_are_refused_when_they_do_not_parse(mode):
    assert_same_rows(workbook(row(1, *[f"{c} t=\"n\"><v>{n}</v></c>" for c, n in
                                       zip(columns(5), ["1", "-2.5e3", "nan", "+1", "7"], strict=False)])))  # fmt: skip
    for bad in (" 1", "abc", "1_0"):
        assert_same_error(workbook(row(1, f'A t="n"><v>{bad}</v></c>')))


def columns(count: int) -> list[str]:
    return [xlsx_stream._column_letters(i) for i in range(1, count + 1)]


DATES = ["44927", "44927.5", "0.25", "0", "1", "59", "59.5", "60", "60.5", "61", "-1", "-0.5",
         "2958465.99999999", "2958466", "3000000", "44927.000000001", "44927.0000001",
         "0.99999999999", "nan", "-700000", "26513", "1e8"]  # fmt: skip


@pytest.mark.parametrize("date1904", [False, True])
def test_numbers_under_every_number_format(mode, date1904):
    rows = []
    for number, value in enumerate(DATES, start=1):
        cells = [f'{c} s="{s}"><v>{value}</v></c>' for s, c in enumerate(columns(STYLE_COUNT + 2))]
        rows.append(row(number, *cells))
    got = assert_same_rows(workbook("".join(rows), date1904=date1904))
    assert got[0][1][1] == (date(2027, 1, 2) if date1904 else date(2023, 1, 1))
    assert got[1][1][1] == (datetime(2027, 1, 2, 12) if date1904 else datetime(2023, 1, 1, 12))
    assert got[2][1][1] == time(6)


def test_huge_numbers_under_date_and_duration_formats(mode):
    got = assert_same_rows(workbook(row(1, 'A s="1"><v>inf</v></c>', 'B s="1"><v>1e15</v></c>')))
    assert got == [(1, [float("inf"), 1e15])]
    for value in ("inf", "1e15", "1e12"):
        assert_same_error(workbook(row(1, f'A s="2"><v>{value}</v></c>')))


@pytest.mark.parametrize("s", ['s=""', 's="x"', 's="1x"', 's="-1"', 's="+1"', 's="99999999999999999999"',
                               's="01"', "s='1'", 's="1" s="0"'])  # fmt: skip
def test_odd_style_references_read_as_calamine_reads_them(mode, s):
    assert_same_rows(workbook(row(1, f"A {s}><v>3</v></c>", 'B s="1"><v>3</v></c>')))


def test_booleans_errors_and_formula_strings(mode):
    cells = [
        't="b"><v>1</v></c>', 't="b"><v>0</v></c>', 't="b"><v>true</v></c>',
        't="b"><v>FALSE</v></c>', 't="b"><v> 1</v></c>', 't="b"><v>0 </v></c>',
        't="e"><v>#N/A</v></c>', 't="e"><v>#DIV/0!</v></c>', 't="e"><v>#REF!</v></c>',
        't="e"><v>#NAME?</v></c>', 't="e"><v>#NULL!</v></c>', 't="e"><v>#NUM!</v></c>',
        't="e"><v>#VALUE!</v></c>', 't="str"><v>x&amp;y</v></c>', 't="str"><v></v></c>',
        't="str"><v/></c>', 't="str"><v> s </v></c>', 't="str"><v>_x0041_|c\r\nd</v></c>',
        't="str"><v>&#95;x0041_|_x00&#52;1_</v></c>', 't="str"><v>123</v></c>',
        't="str"><f>A1&amp;"x"</f><v>公式</v></c>', '><f>1+1</f><v>2</v></c>',
        't="b"><f>TRUE()</f><v>1</v></c>', 't="e"><f>1/0</f><v>#DIV/0!</v></c>',
        '><f t="shared" ref="A1:A9" si="0">B1*2</f><v>4</v></c>',
        '><f t="shared" si="0"/><v>6</v></c>', '><f>1+1</f></c>', '><f>1+1</f><v></v></c>',
        '><f>1+1</f><v/></c>', '><v>2</v><f>1+1</f></c>', '><v>1</v><v></v></c>',
        '><v></v><v>1</v></c>', 't="b"><v></v></c>', 't="e"><v></v></c>',
        't="inlineStr"><v>1</v></c>', 't="n"><v/></c>', '><v> </v></c>',
        't="b"><v>&#49;</v></c>', '><v>1<b/>2</v></c>', 't="str"><v>1<b/>2</v></c>',
        '><v><b/>1</v></c>',
    ]  # fmt: skip
    cols = columns(len(cells))
    data = workbook(row(3, *[f"{c} {x}" for c, x in zip(cols, cells, strict=True)]))
    got = assert_same_rows(data)
    assert got[0][1][:4] == [True, False, True, False]


@pytest.mark.parametrize(
    "bad",
    ['t="b"><v>2</v>', 't="b"><v>yes</v>', 't="e"><v>#SPILL!</v>', 't="e"><v> #N/A</v>',
     't="x"><v>1</v>', 't=""><v>1</v>', 't="s"><v>99</v>', '><v>1</v><extLst/>',
     't="e"><v>#N&#47;A</v>'],
)  # fmt: skip
def test_cells_calamine_refuses_are_refused(mode, bad):
    assert_same_error(workbook(row(1, 'A t="str"><v>a</v></c>', f"B {bad}</c>")))


def test_shared_strings(mode):
    indexes = [str(i) for i in range(len(STRINGS))] + ["x", " 1", "+1", "01", "0&#48;", "&#49;"]
    cells = [
        f'{c} t="s"><v>{i}</v></c>' for c, i in zip(columns(len(indexes)), indexes, strict=False)
    ]
    got = assert_same_rows(workbook(row(1, *cells)))
    values = got[0][1]
    assert values[:6] == ["教师", "", "", " 前后有空格 ", "富文本", "张"]
    assert values[7] == "第一行\r\n第二行" and values[8] == "c\nd\ne"


def test_inline_strings(mode):
    forms = ["<is><t>a</t></is>", "<is><r><t>x</t></r><r><t>y</t></r></is>",
             "<is><t>p</t><rPh><t>PH</t></rPh></is>", "<is/>", "<is></is>", "<is><t/></is>",
             "<is><r/></is>", "<is>text</is>", "<is><t>a&amp;b</t></is>", "<is><t>c\r\nd</t></is>",
             "<is><t>l1_x000D_l2_x0041__x00_</t></is>", '<is><t xml:space="preserve"> x </t></is>',
             "<is><t>a</t><r><t>b</t></r></is>"]  # fmt: skip
    for t in ('t="inlineStr"', "", 't="s"', 't="str"', 't="x"'):
        cells = [f"{c} {t}>{f}</c>" for c, f in zip(columns(len(forms)), forms, strict=False)]
        assert_same_rows(workbook(row(2, *cells)))


# --- The used range ------------------------------------------------------------------------


def test_the_used_range_counts_values_not_formatted_cells(mode):
    data = workbook(
        row(2, 'A s="1"/>', 'B s="1"></c>', 'C><v></v></c>', 'D t="str"><v>z</v></c>')
        + row(3, 'C t="e"><v>#N/A</v></c>', 'Z s="2"/>', 'AA><f>1</f></c>')
        + row(5, "B s='1'/>", 'E t="inlineStr"><is/></c>')
        + row(9, 'XFD s="3"/>')
    )  # fmt: skip
    got = assert_same_rows(data)
    assert [n for n, _ in got] == [2, 3, 5]


def test_a_table_that_starts_in_column_c_below_a_stray_value(mode):
    rows = [row(5, 'C t="str"><v>姓名</v></c>', 'D t="str"><v>身份证号</v></c>')]
    rows += [row(n, f'C t="str"><v>张{n}</v></c>', f"D><v>{n}</v></c>") for n in range(6, 40)]
    rows += [row(41, 'A t="str"><v>备注</v></c>', "AB><v>1</v></c>")]
    data = workbook("".join(rows))
    assert_same_rows(data)
    table = assert_same_table(data)
    assert table.first_column == 1 and table.header[2] == "姓名"


def test_lowercase_and_zero_padded_references(mode):
    data = workbook(
        '<row r="1"><c r="b1" t="str"><v>x</v></c><c r="C01"><v>1</v></c></row>'
        '<row r="2"><c r="a2"><v>2</v></c><c r="zz2"><v>3</v></c></row>'
    )
    assert_same_rows(data)


def test_cells_of_a_row_in_any_order_and_repeated(mode):
    data = workbook(
        row(1, 'C><v>3</v></c>', 'A><v>1</v></c>', 'B t="str"><v>b</v></c>', 'A><v>9</v></c>')
    )  # fmt: skip
    assert assert_same_rows(data)[0][1] == [9.0, "b", 3.0]


def test_rows_far_apart_and_a_sheet_without_values(mode):
    data = workbook(
        row(1, 'B t="str"><v>a</v></c>') + row(7, 'H><v>7</v></c>') + row(1_048_576, 'A><v>1</v></c>')
    )  # fmt: skip
    assert_same_rows(data)
    assert_same_rows(workbook(row(1, 'A s="1"/>') + row(2, "B><f>1</f></c>")))
    assert_same_rows(workbook(""))


def test_the_prolog_and_what_follows_sheet_data_are_not_cells(mode):
    prolog = (
        '<dimension ref="A1:C3"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<cols><col min="1" max="3" width="12"/></cols>'
    )
    end = '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells><conditionalFormatting ' \
        'sqref="A1"><cfRule type="cellIs" priority="1"><formula>1</formula></cfRule>' \
        "</conditionalFormatting></worksheet>"  # fmt: skip
    data = workbook(row(1, "A><v>1</v></c>"), prolog=prolog, end=end)
    assert assert_same_rows(data) == [(1, [1.0])]


# --- Random sheets ----------------------------------------------------------------------------

SAFE = [
    "1",
    "1.5",
    "-3",
    "1e3",
    "+1",
    ".5",
    "5.",
    "-0",
    "00012",
    "1e-400",
    "0.1e1",
    "-.5e-3",
    "nan",
]
FORMS = [
    lambda r: f"><v>{r.choice(NUMBERS[:20] + DATES)}</v></c>",
    lambda r: f' s="{r.randrange(STYLE_COUNT + 2)}"><v>{r.choice(DATES + SAFE)}</v></c>',
    lambda r: f' t="s"><v>{r.randrange(len(STRINGS))}</v></c>',
    lambda r: f' s="{r.randrange(3)}" t="s"><v>{r.randrange(len(STRINGS))}</v></c>',
    lambda r: (
        f' t="inlineStr"><is><t>{r.choice(["王芳", "x&amp;y", "a b", "_x0041_"])}</t></is></c>'
    ),
    lambda r: ' t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>',
    lambda r: (
        ' t="inlineStr"><is><t>' + r.choice([" 张 ", "a\tb ", "\n", " &amp; "]) + "</t></is></c>"
    ),
    lambda r: (
        f' t="inlineStr"><is><t xml:space="preserve">{r.choice([" 张 ", " ", "x "])}</t></is></c>'
    ),
    lambda r: f' t="b"><v>{r.choice(["0", "1", "true", "FALSE"])}</v></c>',
    lambda r: f' t="e"><v>{r.choice(["#N/A", "#DIV/0!", "#VALUE!"])}</v></c>',
    lambda r: f' t="str"><f>A1</f><v>{r.choice(["公式", "", "1", "a&amp;b"])}</v></c>',
    lambda r: f"><f>1+{r.randrange(9)}</f><v>{r.randrange(99)}</v></c>",
    lambda r: "><f>1+1</f></c>",
    lambda r: f' s="{r.randrange(STYLE_COUNT)}"/>',
    lambda r: "><v></v></c>",
    lambda r: ' t="str"><v/></c>',
    lambda r: f' t="n"><v>{r.randrange(-99, 99)}</v></c>',
    lambda r: f'  s="{r.randrange(5)}" ><v>{r.random() * 50000:.6f}</v></c>',
]


def random_sheet(r: random.Random) -> str:
    out = []
    number = r.randrange(1, 4)
    for _ in range(r.randrange(1, 25)):
        used = sorted(r.sample(range(1, 40), r.randrange(0, 12)))
        cells = "".join(
            f'<c r="{xlsx_stream._column_letters(c)}{number}"{r.choice(FORMS)(r)}' for c in used
        )
        extra = r.choice(
            ["", ' spans="1:9"', ' x14ac:dyDescent="0.25"', ' ht="20" customHeight="1"']
        )
        out.append(f'<row r="{number}"{extra}>{cells}</row>')
        number += r.choice([1, 1, 1, 2, 5, 300])
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_random_sheets(mode, seed):
    r = random.Random(seed)
    root = f'<worksheet xmlns="{MAIN}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
    data = workbook(random_sheet(r), date1904=r.random() < 0.3, root=root)
    assert_same_rows(data)
    assert_same_table(data)


# --- Workbooks as programs write them ------------------------------------------------------


def openpyxl_roster(rows: int, *, write_only: bool) -> bytes:
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("教师") if write_only else wb.active
    ws.append(["姓名", "身份证号码", "出生日期", "岗位等级", "备注", "取得职称日期"])
    r = random.Random(rows)
    for i in range(rows):
        ws.append(
            [
                r.choice(["张三", "李四", "王芳", "欧阳 娜娜", "A&B", ""]),
                f"11010519{r.randrange(50, 99)}1231{i % 1000:03d}X",
                datetime(1970 + i % 30, 1 + i % 12, 1 + i % 28),
                r.choice([None, 1, 7.5, 13, "十"]),
                r.choice([None, "", " ", "第一行\n第二行", "<b>", True, False]),
                date(2000 + i % 20, 1 + i % 12, 1 + i % 28) if i % 3 else None,
            ]
        )
    if not write_only:
        ws["H3"] = "=1+1"
        ws["H4"] = 3.25
        ws["H4"].number_format = "[h]:mm:ss"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write_only", [False, True])
def test_openpyxl_rosters(mode, write_only):
    data = openpyxl_roster(300, write_only=write_only)
    assert_same_rows(data)
    table = assert_same_table(data)
    assert table.header[:2] == ["姓名", "身份证号码"] and len(table.rows) == 300


def test_usual_sheets_take_the_fast_path_and_others_the_tokenizer(monkeypatch):
    calls = {"fast": 0, "slow": 0}
    fast, slow = xlsx_stream._fast_rows, xlsx_stream._slow_rows

    def count(name, function):
        def counted(*args):
            calls[name] += 1
            return function(*args)

        return counted

    monkeypatch.setattr(xlsx_stream, "_fast_rows", count("fast", fast))
    monkeypatch.setattr(xlsx_stream, "_slow_rows", count("slow", slow))
    stream_rows(openpyxl_roster(50, write_only=True))
    assert calls == {"fast": 1, "slow": 0}
    stream_rows(workbook(row(1, 'A t="inlineStr"><is><r><t>富</t></r></is></c>')))
    assert calls == {"fast": 1, "slow": 1}


def roster_xml(rows: int) -> bytes:
    """A sheet of `rows` rows of distinct names and IDs, a shared string, a date, a number."""
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>教师{n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>35020319900101{n:04d}</t></is></c>'
        f'<c r="C{n}" t="s"><v>0</v></c><c r="D{n}" s="1"><v>{30000 + n % 9000}</v></c>'
        f'<c r="E{n}"><v>{n % 13}</v></c></row>'
        for n in range(1, rows + 1)
    )
    return workbook(body)


def streamed_and_held(data: bytes) -> tuple[int, int]:
    """Peak Python memory reading `data` row by row, and the memory its rows take held."""
    import tracemalloc

    tracemalloc.start()
    try:
        count = sum(1 for _ in read_table(data, "f.xlsx", lazy=True).rows)
        streamed = tracemalloc.get_traced_memory()[1]
        before = tracemalloc.get_traced_memory()[0]
        rows = read_table(data, "f.xlsx").rows
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert count == len(rows)
    return streamed, held


def test_a_sheet_read_lazily_is_held_a_block_at_a_time():
    """Reading a sheet row by row holds a block of rows (and the shared strings), not the
    sheet: three times the rows take three times the memory held, and read row by row about
    the same peak (a few MB of blocks and matches, whatever the rows)."""
    small_streamed, small_held = streamed_and_held(roster_xml(20_000))
    large_streamed, large_held = streamed_and_held(roster_xml(60_000))
    assert large_held > 2.5 * small_held
    growth = large_streamed - small_streamed
    assert growth < (large_held - small_held) / 4, (small_streamed, large_streamed)


def test_lazy_reading_gives_the_rows_as_they_are_read(mode):
    data = openpyxl_roster(200, write_only=True)
    eager = read_table(data, "f.xlsx")
    lazy = read_table(data, "f.xlsx", lazy=True)
    assert not isinstance(lazy.rows, list)
    assert list(lazy.rows) == eager.rows and lazy.size_hint >= len(eager.rows)


def test_tables_with_titles_gaps_and_limits(mode):
    title = row(1, 'A t="str"><v>2024年花名册</v></c>')
    header = row(3, 'A t="str"><v>姓名</v></c>', 'B t="str"><v>编号</v></c>')
    body = "".join(row(n, f'A t="str"><v>人{n}</v></c>', f"B><v>{n}</v></c>") for n in range(4, 30))
    data = workbook(title + header + body + row(40, 'A t="str"><v> </v></c>'))
    assert assert_same_table(data).header == ["姓名", "编号"]
    assert_same_table(data, max_rows=10)
    assert_same_table(data, header_row=3)
    assert_same_table(data, header_row=2)
    gap = tabular.MAX_BLANK_RUN + 5
    later = workbook(header + body + row(30 + gap, 'A t="str"><v>迟到</v></c>'))
    assert assert_same_table(later) is None
    with pytest.raises(TableError) as exc:
        read_table(later, "f.xlsx")
    assert exc.value.code == "blank_gap" and f"{30 + gap:,}" in exc.value.message_en
    spaced = workbook(row(1, 'A t="str"><v> </v></c>') + row(2 + gap, 'A t="str"><v>表头</v></c>'))
    assert assert_same_table(spaced) is None  # the header is too far below: empty
    near = workbook(row(1, 'A t="str"><v> </v></c>') + row(gap - 10, 'A t="str"><v>表头</v></c>'))
    assert assert_same_table(near).header == ["表头"]
    far = workbook(title + row(3 + gap, 'A t="str"><v>表头</v></c>', 'B t="str"><v>x</v></c>'))
    assert_same_table(far)


def test_sheets_by_name_and_index():
    data = workbook(row(1, 'A t="str"><v>x</v></c>'), sheets=3)
    for sheet in (0, 2, -1, "表2", "表 2", "没有", 3):
        assert_same_table(data, sheet=sheet)


# --- What is left to calamine --------------------------------------------------------------

IRREGULAR = {
    "comment": lambda: workbook(
        row(1, "A><v>1</v></c>") + '<!-- <row r="2"><c r="B2"><v>2</v></c></row> -->'
    ),
    "iso date": lambda: workbook(row(1, 'A t="d"><v>2023-01-02</v></c>')),
    "no reference": lambda: workbook('<row r="1"><c><v>1</v></c><c t="str"><v>b</v></c></row>'),
    "reference not first": lambda: workbook('<row r="1"><c s="0" r="B1"><v>1</v></c></row>'),
    "rows out of order": lambda: workbook(row(2, "A><v>2</v></c>") + row(1, "A><v>1</v></c>")),
    "prefixed": lambda: workbook_with_prefix(),
    "empty sheet data": lambda: self_closing_sheet_data(),
}


@pytest.mark.parametrize("name", sorted(IRREGULAR))
def test_sheets_this_reader_does_not_handle_are_read_by_calamine(name):
    data = IRREGULAR[name]()
    with pytest.raises(xlsx_stream.Unsupported):
        stream_rows(data)
    assert_same_table(data)


def workbook_with_prefix() -> bytes:
    data = workbook(
        '<x:row r="1"><x:c r="A1" t="str"><x:v>姓名</x:v></x:c></x:row>',
        root=f'<x:worksheet xmlns:x="{MAIN}">',
        end="</x:worksheet>",
    )
    return rewrite(data, b"<sheetData>", b"<x:sheetData>", b"</sheetData>", b"</x:sheetData>")


def self_closing_sheet_data() -> bytes:
    return rewrite(workbook(""), b"<sheetData></sheetData>", b"<sheetData/>")


def rewrite(data: bytes, *pairs: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        sheet = sheet.replace(old, new)
    parts["xl/worksheets/sheet1.xml"] = sheet
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for n, content in parts.items():
            z.writestr(n, content)
    return buffer.getvalue()


def test_a_workbook_with_a_chart_sheet_is_read_by_calamine():
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "编号"])
    wb.active.append(["张三", 1])
    wb.create_chartsheet("图表")
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(xlsx_stream.Unsupported):
        xlsx_stream.open_workbook(buffer.getvalue(), ReadLimits())
    assert assert_same_table(buffer.getvalue()).header == ["姓名", "编号"]


def test_a_workbook_without_package_relationships_is_read_by_calamine():
    data = workbook(row(1, "A><v>1</v></c>"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist() if n != "_rels/.rels"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for n, content in parts.items():
            z.writestr(n, content)
    with pytest.raises(xlsx_stream.Unsupported):
        xlsx_stream.open_workbook(buffer.getvalue(), ReadLimits())
    assert assert_same_table(buffer.getvalue()) is None  # corrupt, either way


# --- Damaged content ------------------------------------------------------------------------


def test_a_sheet_cut_short_or_broken_is_corrupt(mode):
    data = workbook(row(1, 'A t="str"><v>姓名</v></c>') + row(2, "A><v>1</v></c>"))
    cut = rewrite(data, b"</sheetData></worksheet>", b"")
    assert_same_table(cut)
    broken = rewrite(data, b"<v>1</v>", b"<v>1</x>")
    assert_same_table(broken)
    with pytest.raises(TableError) as exc:
        list(read_table(broken, "f.xlsx", lazy=True).rows)
    assert exc.value.code == "corrupt"


def test_a_missing_shared_string_is_corrupt_at_once(mode):
    data = workbook(row(1, 'A t="str"><v>姓名</v></c>') + row(5000, 'A t="s"><v>999</v></c>'))
    assert_same_table(data)
    table = read_table(workbook(row(1, 'A t="str"><v>x</v></c>') + row(2, 'A t="s"><v>0</v></c>')),
                       "f.xlsx", lazy=True)  # fmt: skip
    assert list(table.rows) == [["教师"]]


def test_a_date_calamine_crashes_on_is_refused():
    data = workbook(row(1, 'A s="1"><v>-inf</v></c>'))
    with pytest.raises(TableError) as exc:
        read_table(data, "f.xlsx")
    assert exc.value.code == "corrupt"


# --- Number formats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("yyyy-mm-dd", xlsx_stream.DATETIME), ("DD/MM/YY", xlsx_stream.DATETIME),
        ("H:MM:SS;@", xlsx_stream.DATETIME), ('m"M"d"D";@', xlsx_stream.DATETIME),
        ("#,##0\\ [$\\u20bd-46D]", xlsx_stream.OTHER), ("[h]:mm:ss", xlsx_stream.TIMEDELTA),
        ('"Y: "0.00"m";"Y: "-0.00"m";"Y: <num>m";@', xlsx_stream.OTHER),
        ('"$"#,##0_);[Red]("$"#,##0)', xlsx_stream.OTHER),
        ('[$-404]e"\\xfc"m"\\xfc"d"\\xfc"', xlsx_stream.DATETIME), ("0_ ;[Red]\\-0\\ ", xlsx_stream.OTHER),
        ("\\Y000000", xlsx_stream.OTHER), ('#,##0.0####" YMD"', xlsx_stream.OTHER),
        ("[h]", xlsx_stream.TIMEDELTA), ("[ss]", xlsx_stream.TIMEDELTA), ("[s].000", xlsx_stream.TIMEDELTA),
        ("[m]", xlsx_stream.TIMEDELTA), ("[mm]", xlsx_stream.TIMEDELTA),
        ("[Blue]\\+[h]:mm;[Red]\\-[h]:mm;[Green][h]:mm", xlsx_stream.TIMEDELTA),
        ("[>=100][Magenta][s].00", xlsx_stream.TIMEDELTA), ("[h]:mm;[=0]\\-", xlsx_stream.TIMEDELTA),
        ("[>=100][Magenta].00", xlsx_stream.OTHER), ("[>=100][Magenta]General", xlsx_stream.OTHER),
        ("ha/p\\\\m", xlsx_stream.DATETIME), ('#,##0.00\\ _M"H"_);[Red]#,##0.00\\ _M"S"_)', xlsx_stream.OTHER),
        ("#,##0*y", xlsx_stream.OTHER), ('0"x"*d', xlsx_stream.OTHER), ("*-#,##0", xlsx_stream.OTHER),
        ("*-yyyy-mm-dd", xlsx_stream.DATETIME), ("@", xlsx_stream.OTHER), ("General", xlsx_stream.OTHER),
    ],
)  # fmt: skip
def test_date_formats_are_told_as_calamine_tells_them(code, kind):
    assert xlsx_stream.format_kind(code) == kind
    escaped = code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="200" formatCode="{escaped}"/>'
        '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="200"/></cellXfs></styleSheet>'
    )
    data = workbook(row(1, 'A s="1"><v>1.5</v></c>', 'B s="1"><v>44927</v></c>'), styles=styles)
    assert_same_rows(data)


def test_doctests():
    import doctest

    assert doctest.testmod(xlsx_stream).failed == 0
