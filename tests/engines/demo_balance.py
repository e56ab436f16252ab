"""The balance evaluation of generated demo data without a database.

`school_inputs` counts a generated city's schools, facilities and teachers exactly as the
registry adapter (`qiangshi.balance.selectors.district_inputs`) counts the rows the demo builder
writes from them; `tests/demo` checks the two agree on the district scale.
"""

import json
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

from qiangshi.engines import demo_data
from qiangshi.engines.balance import (
    STAGES,
    DistrictResult,
    RuleSet,
    SchoolInput,
    evaluate_district,
    split_school,
)

RULES_FILE = (
    Path(__file__).resolve().parents[2] / "src/qiangshi/balance/rules/compulsory-balance-2017.json"
)
RANK = {
    level: i
    for i, level in enumerate(
        ("senior_secondary", "secondary_normal", "associate", "bachelor", "master", "doctorate")
    )
}
PART_GRADES = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
SCHOOL_PARTS = {
    "primary": ("primary",),
    "junior": ("junior",),
    "nine_year": ("primary", "junior"),
    "twelve_year": ("primary", "junior", "senior"),
}
FACILITY = {
    "teaching_area_m2": "teaching_area_m2",
    "sports_area_m2": "sports_area_m2",
    "equipment_value_yuan": "equipment_value_yuan",
    "multimedia_rooms": "multimedia_rooms",
}


def rules() -> RuleSet:
    return RuleSet.from_dict(json.loads(RULES_FILE.read_text(encoding="utf-8")))


def _counts(teacher: demo_data.TeacherSpec, on: date, year: int, rules: RuleSet):
    """(school code, load stage, counts) of the teacher's employment on `on`, or None."""
    jobs = [
        e
        for e in teacher.employments
        if e.start_date <= on and (e.end_date is None or e.end_date >= on)
    ]
    if not jobs:
        return None
    job = jobs[0]
    done = [RANK[e.level] for e in teacher.education if e.end_date and e.end_date <= on]
    education = max(done, default=-1)
    backbone = any(
        r.kind in rules.backbone_kinds
        and r.level in rules.backbone_levels
        and r.start_date <= on
        and (r.end_date is None or r.end_date >= on)
        for r in teacher.recognitions
    )
    loads = sorted(
        (t for t in teacher.teaching_loads if t.school_year == year), key=lambda t: t.term
    )
    load_stage = loads[-1].stage if loads else None
    full = job.is_full_time_teacher
    arts = job.main_subject in rules.pe_arts_subjects
    counts = {
        f"higher_{s}": float(full and education >= RANK[rules.higher_degree_min_level[s]])
        for s in STAGES
    }
    counts["backbone_teachers"] = float(backbone)
    counts["pe_arts_teachers"] = float(full and arts)
    counts["pe_arts_part_time"] = float(not full and arts)
    return job.school_code, load_stage, counts


def school_inputs(
    city: demo_data.CityData,
    teachers: list[demo_data.TeacherSpec],
    rules: RuleSet,
    on: date | None = None,
) -> dict[str, list[SchoolInput]]:
    """{district code: engine inputs of its compulsory schools}, as `district_inputs` builds
    them from the rows the builder writes."""
    on = on or city.as_of
    year = city.year
    grouped: dict[tuple[str, str | None], dict[str, float]] = {}
    for t in teachers:
        found = _counts(t, on, year, rules)
        if found is None:
            continue
        code, load_stage, counts = found
        target = grouped.setdefault((code, load_stage), defaultdict(float))
        for k, v in counts.items():
            target[k] += v
    by_school: dict[str, list] = defaultdict(list)
    for (code, load_stage), counts in grouped.items():
        by_school[code].append((load_stage, counts))
    students: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(PART_GRADES, 0))
    for e in city.enrollments:
        if e.year == year:
            for part, grades in PART_GRADES.items():
                if e.grade in grades:
                    students[e.school_code][part] += e.students
    facilities = {f.school_code: f for f in city.facilities if f.year == year}
    out: dict[str, list[SchoolInput]] = defaultdict(list)
    for school in sorted(city.schools, key=lambda s: s.code):
        if school.stage not in SCHOOL_PARTS:
            continue
        parts = SCHOOL_PARTS[school.stage]
        enrolled = {p: n for p, n in students[school.code].items() if p in parts and n}
        f = facilities[school.code]
        totals = {k: float(getattr(f, v)) for k, v in FACILITY.items()}
        per_stage = {stage: {"higher_degree_teachers": 0.0} for stage in STAGES}
        assigned: dict[str, dict[str, float]] = {}
        for load_stage, counts in by_school[school.code]:
            if len(parts) > 1 and load_stage in parts:
                target = assigned.setdefault(load_stage, defaultdict(float))
                if load_stage in STAGES:
                    target["higher_degree_teachers"] += counts[f"higher_{load_stage}"]
            else:
                target = totals
                for stage in STAGES:
                    per_stage[stage]["higher_degree_teachers"] += counts[f"higher_{stage}"]
            for key in ("backbone_teachers", "pe_arts_teachers", "pe_arts_part_time"):
                target[key] = target.get(key, 0.0) + counts[key]
        assigned.pop("senior", None)
        for part in split_school(
            school.code,
            enrolled,
            totals,
            per_stage=per_stage,
            assigned=assigned,
            rural=school.location == "rural",
        ):
            if school.ownership == "private":
                part = replace(part, private=True)
            out[school.district_code].append(part)
    return dict(out)


def evaluate_city(
    city: demo_data.CityData, teachers: list[demo_data.TeacherSpec], on: date | None = None
) -> dict[tuple[str, str], DistrictResult]:
    """{(district code, stage): result} of every district and stage of a generated city."""
    rs = rules()
    out = {}
    for district, inputs in sorted(school_inputs(city, teachers, rs, on).items()):
        for stage in STAGES:
            if any(i.stage == stage for i in inputs):
                out[(district, stage)] = evaluate_district(inputs, stage, rs)
    return out
