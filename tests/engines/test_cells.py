"""Cell parsers: values as people type them into Excel, and the reasons they are refused."""

import doctest
from datetime import date, datetime
from decimal import Decimal

import pytest

from qiangshi.engines import cells
from qiangshi.engines.cells import CellError


def refused(parser, value, *args, **kwargs) -> CellError:
    with pytest.raises(CellError) as exc:
        parser(value, *args, **kwargs)
    assert exc.value.message_en and exc.value.message_zh
    return exc.value


def test_doctests():
    result = doctest.testmod(cells)
    assert result.failed == 0 and result.attempted > 20


# --- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        (" 张三 ", "张三"),
        ("张\u3000三", "张 三"),
        ("ＡＢＣ１２３", "ABC123"),
        ("（一）班，", "(一)班,"),
        ("a  \t b\n c", "a b c"),
        ("\u00a0北京\u200b市\ufeff", "北京市"),
        (13800001234.0, "13800001234"),
        (12.0, "12"),
        (2.5, "2.5"),
        (7, "7"),
        (True, "TRUE"),
        (date(1985, 3, 1), "1985-03-01"),
        (datetime(1985, 3, 1), "1985-03-01"),
        (datetime(1985, 3, 1, 8, 30), "1985-03-01 08:30:00"),
    ],
)
def test_text(raw, expected):
    assert cells.text(raw) == expected


def test_fold_is_the_header_and_label_key():
    assert cells.fold("出生日期(yyyy-mm-dd)") == cells.fold("出生日期")
    assert cells.fold("姓名*") == cells.fold("姓 名") == "姓名"
    assert cells.fold("ＩＤ＿Ｎｕｍｂｅｒ") == "idnumber"
    assert cells.fold("(备注)") == "备注"  # a header that is only a hint keeps its words


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        (12.0, 12),
        ("12", 12),
        (" 1,234 ", 1234),
        ("１２３４", 1234),
        ("１，２３４", 1234),
        ("-5", -5),
        ("12.00", 12),
        (None, None),
        ("", None),
    ],
)
def test_integer(raw, expected):
    assert cells.integer(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "十二", "1,2", "12a", "NaN", "Infinity", True, "1.2.3"])
def test_integer_refuses_text(raw):
    assert refused(cells.integer, raw).code == "not_a_number"


def test_integer_refuses_fractions():
    assert refused(cells.integer, 2.5).code == "not_an_integer"
    assert refused(cells.integer, "2.5").code == "not_an_integer"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", Decimal("1234.5")),
        ("１２３４.５", Decimal("1234.5")),
        (0.1, Decimal("0.1")),
        (1234.5, Decimal("1234.5")),
        (3, Decimal(3)),
        ("-0.25", Decimal("-0.25")),
        (" 1 234.5 ", Decimal("1234.5")),
        (None, None),
    ],
)
def test_decimal(raw, expected):
    assert cells.decimal(raw) == expected


@pytest.mark.parametrize("raw", ["一千", "12元", "1,23.4", float("nan"), False, "--1"])
def test_decimal_refuses_text(raw):
    error = refused(cells.decimal, raw)
    assert error.code == "not_a_number"


# --- dates --------------------------------------------------------------------------------------

MARCH_1 = date(1985, 3, 1)


@pytest.mark.parametrize(
    "raw",
    [
        MARCH_1,
        datetime(1985, 3, 1, 14, 0),
        31107,
        31107.0,
        31107.75,  # a time of day is dropped
        "1985-03-01",
        "1985/3/1",
        "1985.03.01",
        "1985-3-1",
        "19850301",
        "1985年3月1日",
        "1985年3月1号",
        "１９８５年３月１日",
        "１９８５－０３－０１",
        " 1985 - 03 - 01 ",
        "1985-03-01 00:00:00",
        19850301,
        19850301.0,
    ],
)
def test_dates(raw):
    assert cells.date_value(raw) == MARCH_1


@pytest.mark.parametrize(
    "raw",
    ["1985.03", "1985-3", "1985/03", "198503", "1985年3月", "１９８５年３月", 198503, 1985.03],
)
def test_dates_without_a_day_are_the_first(raw):
    assert cells.date_value(raw) == MARCH_1


def test_excel_serials_and_the_phantom_leap_day():
    assert cells.date_value(1) == date(1900, 1, 1)
    assert cells.date_value(59) == date(1900, 2, 28)
    assert cells.date_value(61) == date(1900, 3, 1)
    assert cells.date_value(45658) == date(2025, 1, 1)
    assert refused(cells.date_value, 60).code == "bad_date"


def test_general_cells_holding_year_and_month_as_a_number():
    assert cells.date_value(1985.12) == date(1985, 12, 1)
    assert cells.date_value(1985.2) == date(1985, 2, 1)  # "1985.2" or "1985.20": February
    assert refused(cells.date_value, 1985.1).code == "ambiguous_date"  # "1985.1" or "1985.10"
    assert cells.date_value("1985.1") == date(1985, 1, 1)  # as text it is clear
    assert cells.date_value("1985.10") == date(1985, 10, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "1985-02-30",
        "1985-13-01",
        "abc",
        "85-03-01",
        "1985",
        1985,
        0,
        -3,
        "18990101",
        "2101-01-01",
        date(1850, 1, 1),
        1985.123,
        True,
        "1985年13月",
        "3/1/1985",
    ],
)
def test_bad_dates(raw):
    assert refused(cells.date_value, raw).code == "bad_date"


def test_empty_dates():
    assert cells.date_value(None) is None and cells.date_value(" ") is None


# --- choices and booleans ---------------------------------------------------------------------

EDUCATION = {
    "associate": ["专科", "大专", "associate"],
    "bachelor": ["本科", "大学本科", "学士", "bachelor", "bachelor's"],
    "master": ["硕士", "硕士研究生", "master"],
}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("本科", "bachelor"),
        ("大学本科", "bachelor"),
        (" 学 士 ", "bachelor"),
        ("Bachelor", "bachelor"),
        ("BACHELOR'S", "bachelor"),
        ("bachelor", "bachelor"),
        ("ｂａｃｈｅｌｏｒ", "bachelor"),
        ("硕士研究生", "master"),
        ("associate", "associate"),
    ],
)
def test_choice(raw, code):
    assert cells.choice(raw, EDUCATION) == code


def test_unknown_choice_lists_the_labels():
    error = refused(cells.choice, "小学", EDUCATION)
    assert error.code == "unknown_choice"
    assert "本科" in error.message_zh and "硕士" in error.message_en


def test_choice_by_numeric_code_and_prepared_choices():
    grades = cells.Choices({"1": ["一级"], "2": ["二级"]})
    assert grades(1) == "1" and grades(2.0) == "2" and grades("二级") == "2"
    assert cells.choice("一级", grades) == "1"
    assert cells.choice("", EDUCATION) is None


def test_choice_notices_a_changed_options_dict():
    options = {"a": ["甲"]}
    assert cells.choice("甲", options) == "a"
    options["b"] = ["乙"]
    assert cells.choice("乙", options) == "b"


def test_ambiguous_options_are_a_programming_error():
    with pytest.raises(ValueError):
        cells.Choices({"a": ["本科"], "b": ["本 科"]})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("Yes", True),
        ("NO", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0.0, False),
        ("√", True),
        ("×", False),
        ("Ｙ", True),
        (True, True),
        (None, None),
        ("", None),
    ],
)
def test_boolean(raw, expected):
    assert cells.boolean(raw) is expected


@pytest.mark.parametrize("raw", ["也许", "2", 2, "yes!"])
def test_boolean_refuses_others(raw):
    assert refused(cells.boolean, raw).code == "not_a_boolean"


# --- national ID and phone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002X",
        "11010519491231002x",
        " 11010519491231002x ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105 19491231 002X",
        "110105\u300019491231002X",
        "'11010519491231002X",
        "\t11010519491231002X",
    ],
)
def test_national_id_is_normalised(raw):
    assert cells.national_id(raw) == "11010519491231002X"


def test_national_id_stored_as_a_number_is_not_recoverable():
    error = refused(cells.national_id, 3.5020319850301e17)
    assert error.code == "id_as_number"
    assert "文本" in error.message_zh and "text" in error.message_en
    assert refused(cells.national_id, "3.5020319850301E+17").code == "id_as_number"


def test_national_id_validation_is_optional():
    assert cells.national_id("110105194912310021") == "110105194912310021"  # not checked
    assert refused(cells.national_id, "110105194912310021", validate=True).code == "id_checksum"
    assert refused(cells.national_id, "1101051949", validate=True).code == "id_length"
    assert cells.national_id("11010519491231002x", validate=True) == "11010519491231002X"
    assert cells.national_id(None) == "" and cells.national_id(" ") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800001234", "13800001234"),
        (13800001234.0, "13800001234"),
        (13800001234, "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("138-0000-1234", "13800001234"),
        ("+86 138 0000 1234", "13800001234"),
        ("+86-13800001234", "13800001234"),
        ("0086 13800001234", "13800001234"),
        ("8613800001234", "13800001234"),
        ("１３８００００１２３４", "13800001234"),
        ("010-65123456", "01065123456"),
        ("(0591) 8765 4321", "059187654321"),
        ("6512345", "6512345"),
        (None, ""),
        ("", ""),
    ],
)
def test_phone(raw, expected):
    assert cells.phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["123456", "1380000123412345", "138abc01234", "无", "138-0000-1234转8"]
)
def test_bad_phones(raw):
    assert refused(cells.phone, raw).code == "bad_phone"


def test_cell_error_carries_both_languages():
    error = refused(cells.integer, "abc")
    assert str(error) == error.message_en
    assert "数字" in error.message_zh
    assert "CellError('not_a_number'" in repr(error)
