from datetime import date

import pytest

from qiangshi.engines import idcard


def test_official_example_check_digit_is_x():
    # The GB 11643 worked example: 11010519491231002X.
    assert idcard.check_character("11010519491231002") == "X"
    parsed = idcard.parse("11010519491231002X")
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "female"


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert idcard.parse("１１０１０５１９４９１２３１００２x").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1101051949123100", "length"),
        ("11010519491231002Y", "characters"),
        ("110105194913310021", "birth_date"),
        ("110105194912310021", "checksum"),
    ],
)
def test_invalid_numbers_say_why(raw, code):
    with pytest.raises(idcard.InvalidNationalId) as exc:
        idcard.parse(raw)
    assert exc.value.code == code


def test_make_builds_valid_numbers_with_the_gender_digit():
    for gender in ("male", "female"):
        number = idcard.make("350203", date(1990, 5, 17), 42, gender)
        parsed = idcard.parse(number)
        assert parsed.gender == gender and parsed.birth_date == date(1990, 5, 17)


def test_mask_keeps_first_and_last_four():
    assert idcard.mask("35020319850301123X") == "3502**********123X"
    assert idcard.mask_phone("13812345678") == "138****5678"
