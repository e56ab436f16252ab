import io

from openpyxl import load_workbook

from qiangshi.core.xlsx import safe_cell_value, write_xlsx


def test_formula_like_text_is_written_as_text():
    for text in ('=HYPERLINK("http://x")', "+cmd", "-1+2", "@SUM(A1)"):
        assert safe_cell_value(text) == "'" + text


def test_control_characters_are_dropped_not_fatal():
    data = write_xlsx([("s", ["a"], [["bad\x00\x07text"], [1], [None]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws["A"]] == ["a", "badtext", 1, None]
