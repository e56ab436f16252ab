"""Demo school leadership (POLICY §14): for each school, its principal's terms (most in a first
or second term, some in a third: past two terms, they should rotate), a Party secretary in most
schools (in some the principal holds both posts, in a few the post is not recorded), general
vice-principals, and science, security and health vice-principals, many of them from outside the
school: police officers, doctors, researchers.

Deterministic for a seed and a day: one random stream over the schools in id order. The
principal is the one the registry marks (`Employment.is_principal`); the other holders are
established teachers of the school, longest-serving first. A principal's recorded terms never
start before they joined the school.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date

from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.engines.demo_data import _name as person_name
from qiangshi.leadership.models import LeadershipTerm, Post
from qiangshi.teachers.models import Employment

TERM_YEARS = 5  # the demo's appointments; POLICY gives no national length of a term
_POLICE = ("派出所副所长", "社区民警", "派出所教导员")
_HOSPITALS = (
    ("厦门大学附属第一医院", "主治医师"),
    ("厦门市中医院", "副主任医师"),
    ("厦门市妇幼保健院", "主治医师"),
    ("{district}疾病预防控制中心", "公共卫生医师"),
    ("{district}社区卫生服务中心", "全科医师"),
)
_INSTITUTES = (
    ("厦门大学", "副教授"),
    ("中国科学院城市环境研究所", "副研究员"),
    ("自然资源部第三海洋研究所", "研究员"),
    ("集美大学", "讲师"),
    ("厦门市科学技术协会", "科普部部长"),
)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _row(school_id: int, post: str, start: date, number: int = 1, **holder) -> dict:
    return {
        "school_id": school_id,
        "post": post,
        "teacher_id": holder.get("teacher"),
        "outside_name": holder.get("name", ""),
        "outside_employer": holder.get("employer", ""),
        "outside_position": holder.get("position", ""),
        "term_number": number,
        "starts_on": start,
        "ends_on": _years_before(start, -TERM_YEARS),
        "left_on": None,
    }


def _principal_terms(rng, school_id, teacher_id, joined: date | None, today: date) -> list[dict]:
    """The current term (1st, 2nd or 3rd, as the years at the school allow) and the one before."""
    into_term = rng.randint(0, TERM_YEARS - 1)
    start = _years_before(today, into_term)
    years_there = (today - joined).days // 365 if joined else into_term
    most = 1 + max(years_there - into_term, 0) // TERM_YEARS
    number = min(rng.choices((1, 2, 3), weights=(50, 35, 15))[0], most)
    rows = [_row(school_id, Post.PRINCIPAL, start, number, teacher=teacher_id)]
    if number >= 2:
        rows.append(
            _row(
                school_id,
                Post.PRINCIPAL,
                _years_before(start, TERM_YEARS),
                number - 1,
                teacher=teacher_id,
            )
        )
    return rows


def _outside(rng, post: str, district: str) -> dict:
    gender = rng.choice(("female", "male"))
    name = person_name(rng, gender, rng.randint(1970, 1992))
    if post == Post.SECURITY_VICE:
        station = rng.choice("东西南北中") + "区"
        employer = f"{district}公安分局{station}派出所"
        return {"name": name, "employer": employer, "position": rng.choice(_POLICE)}
    employer, position = rng.choice(_HOSPITALS if post == Post.HEALTH_VICE else _INSTITUTES)
    return {"name": name, "employer": employer.format(district=district), "position": position}


def demo_leadership_build(*, seed: int, today: date, counts: Counter) -> None:
    """Leadership terms for every school with staff on record."""
    staff: dict[int, list[tuple]] = defaultdict(list)
    district_of: dict[int, str] = {}
    for school_id, teacher_id, start, principal, district in (
        Employment.objects.filter(end_date__isnull=True, employment_type="established")
        .order_by("school_id", "start_date", "teacher_id")
        .values_list(
            "school_id", "teacher_id", "start_date", "is_principal", "school__district__name"
        )
    ):
        staff[school_id].append((teacher_id, start, principal))
        district_of[school_id] = district
    rng = random.Random(f"leadership-{seed}")
    rows: list[dict] = []
    for school_id in sorted(staff):
        people = staff[school_id]
        principal = next((p for p in people if p[2]), None)
        others = [p for p in people if not p[2]]
        if principal is not None:
            rows += _principal_terms(rng, school_id, principal[0], principal[1], today)
        start = _years_before(today, rng.randint(0, TERM_YEARS - 1))
        r = rng.random()
        if principal is not None and r < 0.15:  # one person in both posts
            rows.append(_row(school_id, Post.SECRETARY, start, teacher=principal[0]))
        elif others and r < 0.9:
            rows.append(_row(school_id, Post.SECRETARY, start, teacher=others.pop(0)[0]))
        if others and rng.random() < 0.85:
            rows.append(_row(school_id, Post.VICE_PRINCIPAL, start, teacher=others.pop(0)[0]))
        for post, share, outside_share in (
            (Post.SCIENCE_VICE, 0.6, 0.6),
            (Post.SECURITY_VICE, 0.75, 0.9),
            (Post.HEALTH_VICE, 0.6, 0.85),
        ):
            if rng.random() >= share:
                continue
            begins = _years_before(today, rng.randint(0, 2))
            if rng.random() < outside_share or not others:
                holder = _outside(rng, post, district_of[school_id])
                rows.append(_row(school_id, post, begins, **holder))
            else:
                rows.append(_row(school_id, post, begins, teacher=others.pop(0)[0]))
    bulk_insert_rows(LeadershipTerm, rows)
    counts["leadership terms"] += len(rows)
