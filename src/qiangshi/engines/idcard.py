"""Chinese resident national ID numbers (GB 11643-1999): normalise, validate, parse, mask.

An ID has 18 characters: 6 digits of region, 8 of birth date (YYYYMMDD), 3 of sequence (odd for
men, even for women) and a check character. With weights W_i = 2^(17-i) mod 11 for the first 17
digits a_i, the check value is (12 - Σ a_i·W_i mod 11) mod 11, written as a digit or, for 10, "X".

>>> normalise(" 11010519491231002x ")
'11010519491231002X'
>>> check_character("11010519491231002")
'X'
>>> parse("11010519491231002X").gender
'female'
>>> mask("35020319850301123X")
'3502**********123X'
"""

from dataclasses import dataclass
from datetime import date

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ｘＸ"}


class InvalidNationalId(ValueError):
    """The number is not a valid 18-character national ID; `code` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NationalId:
    number: str
    region_code: str
    birth_date: date
    gender: str  # "male" or "female"


def normalise(raw: str) -> str:
    """Strip spaces (also full-width), fold full-width digits, upper-case the x."""
    text = (raw or "").translate(_FULLWIDTH).replace("\u3000", "").replace(" ", "").strip()
    return text.upper()


def check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_character takes the first 17 characters")
    total = sum((b - 48) * w for b, w in zip(first17.encode(), WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(raw: str) -> NationalId:
    """Validate and parse; raises InvalidNationalId with a reason code."""
    number = normalise(raw)
    if len(number) != 18:
        raise InvalidNationalId("length", f"must have 18 characters, has {len(number)}")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidNationalId("characters", "the first 17 must be digits, the last a digit or X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidNationalId("birth_date", "characters 7–14 are not a valid date") from None
    if birth.year < 1900 or birth > date.today():
        raise InvalidNationalId("birth_date", "the birth date is out of range")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise InvalidNationalId("checksum", "the check character does not match (GB 11643)")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return NationalId(number=number, region_code=number[:6], birth_date=birth, gender=gender)


def mask(number: str) -> str:
    """Show the first four and last four characters only."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678: first three and last four digits."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def make(region_code: str, birth_date: date, sequence: int, gender: str) -> str:
    """Build a valid ID (for demo data and tests): sequence 0–99, the gender digit appended."""
    digit = sequence % 5 * 2 + (1 if gender == "male" else 0)
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence % 100:02d}{digit}"
    return first17 + check_character(first17)
