"""Growth paths (成长路径): the path files a region defines (`paths/*.json`: one per region and
version, the region's code or "" for everywhere), and each teacher's progress along them, read
from the registry and evaluated by `qiangshi.engines.growth`.

Reads only (every query of people starts from `scope`); nothing here writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.db.models import Q
from django.utils.translation import get_language

from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.engines import growth as engine
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import (
    EDUCATION_RANK,
    TITLE_RANK,
    EducationRecord,
    Recognition,
    RecognitionLevel,
    Teacher,
    TitleRecord,
)

from . import literacy
from .models import LiteracyAssessment, TrainingRecord

PATHS_DIR = Path(__file__).resolve().parent / "paths"
LEVEL_RANK = {level: i for i, level in enumerate(RecognitionLevel.values)}
ORDERS = {"title": TITLE_RANK, "degree": EDUCATION_RANK, "recognition": LEVEL_RANK}


@cache
def path_files() -> tuple[dict, ...]:
    """Every path file, oldest first."""
    files = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PATHS_DIR.glob("*.json"))]
    return tuple(sorted(files, key=lambda f: f["effective_from"]))


def path_file_for(region: Region | None, on: date) -> dict:
    """The path file in force on `on` for a teacher working in `region`: the one of the nearest
    region up the tree (longest code on the region's path), the latest by effective date."""
    codes = set((region.path if region else "").strip("/").split("/")) | {""}
    candidates = [
        f
        for f in path_files()
        if f["region"] in codes and date.fromisoformat(f["effective_from"]) <= on
    ] or [f for f in path_files() if f["region"] == ""]
    return max(candidates, key=lambda f: (len(f["region"]), f["effective_from"]))


def _minimum(kind: str, value) -> float:
    orders = ORDERS.get(kind)
    return float(orders[value]) if orders else float(value)


def paths_of(data: dict) -> tuple[engine.Path, ...]:
    """A path file's paths for the engine."""
    return tuple(
        engine.Path(
            p["code"],
            {"zh": p["name_zh"], "en": p["name_en"]},
            tuple(
                engine.Milestone(
                    m["code"],
                    {"zh": m["name_zh"], "en": m["name_en"]},
                    tuple(
                        engine.Criterion(
                            c["kind"], _minimum(c["kind"], c["min"]), frozenset(c.get("kinds", ()))
                        )
                        for c in m["criteria"]
                    ),
                )
                for m in p["milestones"]
            ),
        )
        for p in data["paths"]
    )


def name(item) -> str:
    """A path's or milestone's name in the active language."""
    return item.names["en" if (get_language() or "").startswith("en") else "zh"]


def _literacy_mean(answers: dict) -> float | None:
    scores = list(literacy.indicator_scores(answers).values())
    return sum(scores) / len(scores) if scores else None


def facts_for(teacher_ids: list[int], on: date) -> dict[int, engine.TeacherFacts]:
    """The engine's facts for these teachers, in a handful of queries whatever their number."""
    ids = sorted(set(teacher_ids))
    starts = dict(Teacher.objects.filter(pk__in=ids).values_list("pk", "work_start_date"))
    parts: dict[str, dict[int, list]] = {k: defaultdict(list) for k in ORDERS | {"hours": 0}}
    parts["literacy"] = defaultdict(list)
    for t, rank, obtained in TitleRecord.objects.filter(teacher_id__in=ids).values_list(
        "teacher_id", "rank", "obtained_on"
    ):
        if obtained is None or obtained <= on:
            parts["title"][t].append((TITLE_RANK[rank], obtained))
    for t, kind, level, start in Recognition.objects.filter(
        teacher_id__in=ids, start_date__lte=on
    ).values_list("teacher_id", "kind", "level", "start_date"):
        parts["recognition"][t].append((kind, LEVEL_RANK[level], start))
    for t, level, end in (
        EducationRecord.objects.filter(teacher_id__in=ids)
        .filter(Q(end_date__lte=on) | Q(end_date__isnull=True, end_date_missing=True))
        .values_list("teacher_id", "level", "end_date")
    ):
        parts["degree"][t].append((EDUCATION_RANK[level], end))
    for t, day, hours, category in TrainingRecord.objects.filter(
        teacher_id__in=ids, date__lte=on
    ).values_list("teacher_id", "date", "hours", "category"):
        parts["hours"][t].append((day, float(hours), category))
    for t, year, answers in LiteracyAssessment.objects.filter(
        teacher_id__in=ids, year__lte=on.year
    ).values_list("teacher_id", "year", "answers"):
        mean = _literacy_mean(answers)
        if mean is not None:
            parts["literacy"][t].append((year, mean))
    return {
        pk: engine.TeacherFacts(
            today=on,
            work_start=starts.get(pk),
            titles=tuple(parts["title"][pk]),
            recognitions=tuple(parts["recognition"][pk]),
            degrees=tuple(parts["degree"][pk]),
            training=tuple(parts["hours"][pk]),
            literacy=tuple(parts["literacy"][pk]),
        )
        for pk in ids
    }


@dataclass
class TeacherGrowth:
    teacher: Teacher
    file: dict
    results: list[engine.PathResult]


def teacher_growth(*, actor, teacher_pk, on: date) -> TeacherGrowth:
    """A teacher the actor may see and their progress on each path of their region's file
    (NotFound outside the actor's scope)."""
    teacher = get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)
    school = teacher.current_school
    data = path_file_for(school.district if school else None, on)
    facts = facts_for([teacher.pk], on)[teacher.pk]
    return TeacherGrowth(teacher, data, [engine.evaluate(p, facts) for p in paths_of(data)])


@dataclass
class SchoolGrowth:
    school: School
    file: dict
    paths: list[engine.Path]
    # per path code: {milestone code or "": number of teachers whose last reached is it}
    counts: dict[str, dict[str, int]]
    teachers: list[dict]  # teacher, {path code: PathResult}
    total: int


def school_growth(*, actor, school: School, on: date) -> SchoolGrowth:
    """The school's current teachers (those the actor may see) on each path: how many stand at
    each milestone (the last reached in order) and, per teacher, where they stand and what is
    next."""
    data = path_file_for(school.district, on)
    paths = list(paths_of(data))
    teachers = list(
        scope(Teacher.objects.all(), actor, "view")
        .filter(employments__school=school, employments__end_date__isnull=True)
        .distinct()
        .order_by("name", "pk")
    )
    facts = facts_for([t.pk for t in teachers], on)
    counts = {p.code: {m.code: 0 for m in p.milestones} | {"": 0} for p in paths}
    rows = []
    for t in teachers:
        results = {p.code: engine.evaluate(p, facts[t.pk]) for p in paths}
        for code, r in results.items():
            counts[code][r.current.milestone.code if r.current else ""] += 1
        rows.append({"teacher": t, "results": results})
    return SchoolGrowth(school, data, paths, counts, rows, len(teachers))
