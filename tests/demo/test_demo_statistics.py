"""The demo region leaves fresh planner statistics (PostgreSQL): every table it filled is
analyzed, with the full statistics target, as its transaction commits."""

import pytest
from django.db import connection

from qiangshi.demo.builder import demo_region_build
from qiangshi.teachers.models import Teacher

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's"
    ),
]


def _reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_the_demo_build_analyzes_the_tables_it_filled(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demo_region_build(scale="district", seed=3, max_schools=4)
    teachers = Teacher.objects.count()
    assert teachers > 50
    assert _reltuples("teachers_teacher") == teachers
    assert _reltuples("teachers_employment") > 0
    assert _reltuples("teachers_titlerecord") > 0
