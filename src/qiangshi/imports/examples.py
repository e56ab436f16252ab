"""The example row of each import template, and how an import knows it when it comes back.

A template's second row shows one filled-in record (`example_row`): valid values, enumerations
written as the template's language labels them. A user who leaves the row in place sends it
back with their own; `is_example_row` recognises it (every cell as the template wrote it, in
either language) so that the import skips it rather than registering an invented teacher.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from qiangshi.engines import cells, idcard

from .specs import NONE, Column

_BIRTH = date(1990, 1, 1)
_EXAMPLE_ID = idcard.make("350203", _BIRTH, 1, "male")

# Values by column key, (Chinese, English); a key that is absent falls back on its kind of cell.
_TEXT: dict[str, tuple[str, str]] = {
    "national_id": (_EXAMPLE_ID, _EXAMPLE_ID),
    "birth_date": ("1990-01-01", "1990-01-01"),
    "ethnicity": ("汉族", "汉族"),
    "phone": ("13800000000", "13800000000"),
    "school_code": ("3502030001", "3502030001"),
    "district_code": ("350203", "350203"),
    "district_name": ("思明区", "Siming"),
    "address": ("厦门市思明区示例路1号", "1 Example Road, Siming, Xiamen"),
    "institution": ("福建师范大学", "Fujian Normal University"),
    "major": ("数学与应用数学", "Mathematics"),
    "certificate_number": ("20153500000001", "20153500000001"),
    "post_grade": ("10", "10"),
    "employment_start": ("2015-09-01", "2015-09-01"),
    "graduation_date": ("2012-07-01", "2012-07-01"),
    "title_obtained_on": ("2018-09-01", "2018-09-01"),
    "obtained_on": ("2018-09-01", "2018-09-01"),
    "appointed_on": ("2018-12-01", "2018-12-01"),
    "start_date": ("2015-09-01", "2015-09-01"),
    "end_date": ("", ""),
    "end_reason": ("", ""),
    "year": ("2025", "2025"),
    "births": ("5000", "5000"),
    "date": ("2025-07-15", "2025-07-15"),
    "hours": ("24", "24"),
    "title": ("新课标专题培训", "New curriculum standards workshop"),
    "provider": ("思明区教师进修学校", "Siming Teacher Training School"),
    "latitude": ("24.4798", "24.4798"),
    "longitude": ("118.0894", "118.0894"),
    "teaching_area_m2": ("6500", "6500"),
    "sports_area_m2": ("8000", "8000"),
    "equipment_value_yuan": ("1200000", "1200000"),
    "multimedia_rooms": ("24", "24"),
}
# Enumerations: the code the example uses where the first allowed value would not fit.
_CODES = {
    "gender": "male",  # as the example national ID says
    "political_status": "masses",
    "employment_type": "established",
    "post_category": "teaching",
    "main_subject": "mathematics",
    "certificate_subject": "mathematics",
    "subject": "mathematics",
    "education_level": "bachelor",
    "level": None,  # education level or recognition level: the first allowed value
    "title_rank": "first",
    "rank": "first",
    "certificate_stage": "primary",
    "backbone_level": NONE,
    "stage": "primary",
    "category": "centralised",
}
_BY_PARSER = {
    cells.date_value: ("2015-09-01", "2015-09-01"),
    cells.boolean: ("是", "Yes"),
    cells.integer: ("1", "1"),
    cells.decimal: ("1", "1"),
}


def choice_labels(column: Column, english: bool) -> list[tuple[str, str]]:
    """(code, label in the language) for each allowed value of an enumeration column;
    `Column.choices` lists {code: [Chinese label, English label, code, variants…]}."""
    out = []
    for code, names in (column.choices or {}).items():
        names = [str(n) for n in names]
        if names and names[0] == code and len(names) > 2:  # older layout: [code, zh, en, …]
            names = names[1:]
        zh = names[0] if names else code
        en = names[1] if len(names) > 1 else code
        if code == NONE:
            en = "none"
        out.append((code, en if english else zh))
    return out


def example_row(columns: Sequence[Column], language: str = "zh-hans") -> list[str]:
    """The template's example record, one text per column (empty where left blank)."""
    english = language.startswith("en")
    people = any(c.key == "national_id" for c in columns)
    out = []
    for column in columns:
        key = column.key
        if column.choices:
            labels = dict(choice_labels(column, english))
            code = _CODES.get(key)
            out.append(labels.get(code) if code in labels else next(iter(labels.values()), ""))
        elif key == "name":
            if people:
                out.append("Zhang San" if english else "张三")
            else:
                out.append("Example Primary School" if english else "示例小学")
        elif key in _TEXT:
            out.append(_TEXT[key][english])
        elif key.endswith("_students"):
            out.append("45")
        elif key.endswith("_classes"):
            out.append("1")
        elif column.parse in _BY_PARSER:
            out.append(_BY_PARSER[column.parse][english])
        else:
            out.append("Example" if english else "示例")
    return out


def _shown(value: Any) -> str:
    return "" if value is None else str(value).strip()


def example_matcher(columns: Sequence[Column], mapping: dict[str, int]):
    """A test of whether a row (raw cells) is the template's example row, left in place:
    each column the file has, at its position `mapping[key]`, reads as the example wrote it
    (in Chinese or in English)."""
    used = [(i, c) for i, c in enumerate(columns) if c.key in mapping]
    if not used:
        return lambda raw: False
    expected = [
        [(mapping[c.key], row[i]) for i, c in used]
        for row in (example_row(columns, "zh-hans"), example_row(columns, "en"))
    ]

    def matches(raw: Sequence[Any]) -> bool:
        width = len(raw)
        return any(
            all(_shown(raw[index] if index < width else None) == text for index, text in cells_)
            for cells_ in expected
        )

    return matches
