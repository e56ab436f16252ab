"""Workbooks that would inflate are refused before any reader holds them: pure engine tests.

The bombs are built in tests/bombs.py with zipfile. Each would take from 373 MB to 549 GB if
read (the extent bomb makes the reader abort the whole process): that these tests run at all
in the test process shows they are refused before calamine sees them.
"""

import doctest
import io
import struct
import zipfile

import openpyxl
import pytest

from qiangshi.engines import tabular, workbook_limits
from qiangshi.engines.tabular import TableError, read_table
from qiangshi.engines.workbook_limits import LimitError, ReadLimits, check_workbook
from tests import bombs


def _roster(rows: int = 50) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "学校代码"])
    for i in range(rows):
        ws.append([f"教师{i}", f"11010519491231{i:04d}", "S001"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _refusal(data: bytes, limits: ReadLimits | None = None) -> LimitError:
    with pytest.raises(LimitError) as exc:
        check_workbook(data, limits or ReadLimits(), sheet=0)
    assert exc.value.message_en and exc.value.message_zh
    return exc.value


def test_doctests():
    assert doctest.testmod(workbook_limits).failed == 0


def test_an_ordinary_roster_passes_and_is_measured():
    stats = check_workbook(_roster(50), ReadLimits(), sheet=0)
    sheet = stats.sheets[0]
    assert (sheet.rows, sheet.first_row, sheet.last_row, sheet.width) == (51, 1, 51, 26)
    assert stats.uncompressed > 0
    assert len(read_table(_roster(50), "f.xlsx").rows) == 50


def test_one_huge_shared_string_used_by_thousands_of_cells_is_refused():
    error = _refusal(bombs.BOMBS["shared_strings"]())
    assert error.code == "too_large"
    assert "512 MB" in error.message_en and "512 MB" in error.message_zh
    # The same string used by a few cells is an ordinary workbook.
    check_workbook(bombs.shared_string_bomb(length=1000, cells=10), ReadLimits(), sheet=0)


def test_a_part_that_deflates_a_thousandfold_is_refused():
    error = _refusal(bombs.BOMBS["compression"]())
    assert error.code == "too_large"
    assert "982" in error.message_en and "xl/worksheets/sheet1.xml" in error.message_zh


def test_a_used_range_spanning_the_whole_grid_is_refused():
    error = _refusal(bombs.BOMBS["extent"]())
    assert error.code == "too_many_cells"
    assert "1,048,576 rows × 16,384 columns" in error.message_en
    assert "1,048,576 行 × 16,384 列" in error.message_zh


def test_a_claimed_dimension_alone_is_not_trusted_nor_held_against_the_file():
    data = bombs.dimension_claim()
    sheet = check_workbook(data, ReadLimits(), sheet=0).sheets[0]
    assert sheet.declared == (1_048_576, 16_384)
    assert (sheet.height, sheet.width) == (2, 26)  # measured, not declared
    assert read_table(data, "f.xlsx").rows == [["x", ""]]


def test_millions_of_rows_are_refused_as_they_stream_past():
    error = _refusal(bombs.BOMBS["rows"]())
    assert error.code == "too_many_rows"
    assert "1,000,000" in error.message_en and "1,000,000" in error.message_zh


def test_the_row_cap_counts_rows_holding_data():
    limits = ReadLimits(max_rows=50)
    check_workbook(_roster(50), limits, sheet=0)  # 50 data rows and the header
    # Two rows are allowed for a header and a title above it; the reader counts exactly.
    assert _refusal(_roster(52), limits).code == "too_many_rows"
    with pytest.raises(TableError) as exc:
        read_table(_roster(51), "f.xlsx", max_rows=50, limits=limits)
    assert exc.value.code == "too_many_rows"


def test_a_part_larger_than_it_declares_is_refused():
    data = bytearray(_roster(5))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Understate the sheet's size in the central directory (its CRC is of the whole part).
    at = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02"))
    header = at - 46
    assert data[header : header + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, header + 24, info.file_size // 2)
    error = _refusal(bytes(data))
    assert error.code == "corrupt"


def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(30):
            z.writestr(f"junk/{i}.txt", b"")
    error = _refusal(buffer.getvalue(), ReadLimits(max_parts=20))
    assert error.code == "too_large" and "30" in error.message_en


def test_the_caps_are_the_callers():
    data = _roster(50)
    assert _refusal(data, ReadLimits(max_cells=100)).code == "too_many_cells"
    assert _refusal(data, ReadLimits(max_uncompressed=1000)).code == "too_large"


@pytest.mark.parametrize("name", sorted(bombs.BOMBS))
def test_read_table_refuses_each_bomb_with_a_table_error(name):
    data = bombs.BOMBS[name]()
    with pytest.raises(TableError) as exc:
        read_table(data, "bomb.xlsx", lazy=True)
    assert exc.value.code in ("too_large", "too_many_cells", "too_many_rows")
    assert exc.value.message_zh and exc.value.message_en
    # The formula scan, which runs beside the reader, stays within the caps as well.
    if name != "rows":  # (that one it reads to the end, a block at a time: no formula)
        assert tabular.formula_cells(data) == set()


def test_a_sheet_asked_for_by_a_name_the_reader_folds_is_checked_too():
    # The reader matches "SHEET1" to the sheet named "Sheet1": so does the check.
    with pytest.raises(TableError) as exc:
        read_table(bombs.BOMBS["extent"](), "bomb.xlsx", sheet="SHEET1")
    assert exc.value.code == "too_many_cells"
    with pytest.raises(TableError) as exc:
        read_table(bombs.BOMBS["extent"](), "bomb.xlsx", sheet=-1)
    assert exc.value.code == "too_many_cells"


def test_shared_strings_at_the_usual_path_count_whatever_the_relationships_say():
    data = bombs.BOMBS["shared_strings"]()
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(patched, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b'Target="sharedStrings.xml"', b'Target="s2.xml"')
            target.writestr(info, content)
        target.writestr("xl/s2.xml", b"<sst><si><t>a</t></si><si><t>b</t></si></sst>")
    assert _refusal(patched.getvalue()).code == "too_large"
