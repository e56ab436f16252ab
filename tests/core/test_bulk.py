"""Bulk inserts (core.bulk): keys drawn once per batch, and on PostgreSQL the background COPY
writer whose foreign keys are checked as a set where the role allows it."""

from collections import Counter
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from qiangshi.core import crypto
from qiangshi.core.bulk import (
    CopyWriter,
    _next_ids,
    analyze_grown,
    insert_tuples,
    statistics_refreshed,
)
from qiangshi.core.models import AuditLog
from qiangshi.imports.services import _TEACHER_COLUMNS
from qiangshi.teachers.models import Employment, Teacher

pytestmark = pytest.mark.django_db

TEACHER_COLUMNS = _TEACHER_COLUMNS  # what the roster import writes
EMPLOYMENT_COLUMNS = ("teacher_id", "start_date", "school_id", "employment_type", "post_category")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY writer is PostgreSQL's"
)


def _teacher(n: int) -> tuple:
    number = f"35020319850301{n:03d}X"
    return (
        f"批量{n}",
        "female",
        date(1985, 3, 1),
        "汉族",
        "masses",
        crypto.encrypt(number),
        crypto.lookup_hash(number),
        "",
    )


def _replication_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        return cursor.fetchone()[0]


def test_insert_tuples_returns_keys_in_row_order(world):
    ids = insert_tuples(Teacher, TEACHER_COLUMNS, [_teacher(1), _teacher(2)])
    assert [Teacher.objects.get(pk=pk).name for pk in ids] == ["批量1", "批量2"]


@postgres_only
def test_keys_are_drawn_from_the_sequence_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        ids = _next_ids(Teacher, 500)
    assert len(set(ids)) == 500 and ids == sorted(ids)


def _write(writer: CopyWriter, school_id: int, actor_id: int | None) -> list[int]:
    ids = insert_tuples(Teacher, TEACHER_COLUMNS, [_teacher(1), _teacher(2)], writer=writer)
    insert_tuples(
        Employment,
        EMPLOYMENT_COLUMNS,
        [(pk, date(2020, 9, 1), school_id, "established", "teaching") for pk in ids],
        writer=writer,
    )
    insert_tuples(
        AuditLog,
        ("actor_id", "action", "object_type", "object_id"),
        [(actor_id, "test.bulk", "teachers.teacher", str(pk)) for pk in ids],
        writer=writer,
    )
    return ids


@postgres_only
def test_a_writer_checks_only_the_keys_it_did_not_insert_itself(world):
    writer = CopyWriter()
    assert writer.set_wise  # the test database's role is a superuser
    school, admin = world["schools"]["a"], world["users"]["admin"]
    try:
        ids = _write(writer, school.pk, admin.pk)
        # The new teachers are not looked up again; the school and the actor are.
        references = {f.name: v - {None} for f, v in writer._references.items()}
        assert {name: v for name, v in references.items() if v} == {
            "school": {school.pk},
            "actor": {admin.pk},
        }
        writer.finish()
    finally:
        writer.close()
    assert _replication_role() == "origin"
    assert Employment.objects.filter(teacher_id__in=ids, school=school).count() == 2
    assert AuditLog.objects.filter(action="test.bulk").count() == 2


@postgres_only
@pytest.mark.parametrize("set_wise", [True, False], ids=["set-wise", "row-by-row"])
def test_a_key_pointing_nowhere_fails_and_writes_nothing(world, settings, set_wise):
    settings.QIANGSHI_BULK_SET_FOREIGN_KEY_CHECK = set_wise
    before = Teacher.objects.count()
    with pytest.raises(IntegrityError, match="school_id"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        writer = CopyWriter()
        assert writer.set_wise is set_wise
        try:
            _write(writer, 987_654_321, None)
            writer.finish()
        finally:
            writer.close()
    assert Teacher.objects.count() == before
    assert not Employment.objects.filter(school_id=987_654_321).exists()
    assert _replication_role() == "origin"


@postgres_only
def test_an_unknown_actor_is_caught_too(world):
    with pytest.raises(IntegrityError, match="actor_id"), transaction.atomic():
        writer = CopyWriter()
        try:
            _write(writer, world["schools"]["a"].pk, 987_654_321)
            writer.finish()
        finally:
            writer.close()


@postgres_only
def test_a_copy_failing_midway_leaves_the_triggers_on(world):
    # A unique ID hash copied twice fails inside the COPY (after the writer switched the
    # triggers off for its statements): the savepoint's rollback restores them.
    with pytest.raises(IntegrityError), transaction.atomic():
        writer = CopyWriter()
        try:
            insert_tuples(Teacher, TEACHER_COLUMNS, [_teacher(5), _teacher(5)], writer=writer)
            writer.finish()
        finally:
            writer.close()
    assert _replication_role() == "origin"
    assert not Teacher.objects.filter(name="批量5").exists()


@postgres_only
def test_the_writer_draws_the_next_keys_in_the_background(world, django_assert_num_queries):
    writer = CopyWriter()
    try:
        first = insert_tuples(Teacher, TEACHER_COLUMNS, [_teacher(1)], writer=writer)
        writer.start(refill=50)  # the COPY, then keys until the pool holds 2 × 50
        writer.wait()
        with django_assert_num_queries(0):
            more = writer.ids(Teacher, 100)
        assert len(set(more)) == 100 and not set(more) & set(first)
        writer.finish()
    finally:
        writer.close()
    assert Teacher.objects.filter(pk__in=first).count() == 1


def test_the_cyclic_collector_is_paused_once_and_restored():
    import gc

    from qiangshi.core.bulk import cyclic_gc_paused

    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():  # a nested (or overlapping) job
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("a failing job")
    assert gc.isenabled()
    gc.disable()  # paused while already off: left off
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


statistics_are_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's"
)


def _reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


@statistics_are_postgres
def test_tables_a_bulk_load_grew_are_analyzed_once_it_commits(
    world, django_capture_on_commit_callbacks
):
    rows = [_teacher(n) for n in range(120)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, statistics_refreshed():
        insert_tuples(Teacher, TEACHER_COLUMNS, rows)
        assert _reltuples("teachers_teacher") != Teacher.objects.count()  # not yet
    assert callbacks  # the tally and the ANALYZE wait for the commit
    assert _reltuples("teachers_teacher") == Teacher.objects.count()


@statistics_are_postgres
def test_rows_rolled_back_are_not_counted(world, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    monkeypatch.setattr("qiangshi.core.bulk.analyze_grown", lambda grown: seen.append(grown))
    with django_capture_on_commit_callbacks(execute=True), statistics_refreshed():
        with transaction.atomic():
            insert_tuples(Teacher, TEACHER_COLUMNS, [_teacher(1), _teacher(2)])
            transaction.set_rollback(True)
        insert_tuples(Teacher, TEACHER_COLUMNS, [_teacher(3)])
    assert seen == [{"teachers_teacher": 1}]


@statistics_are_postgres
def test_only_tables_grown_past_autovacuums_threshold_are_analyzed(world):
    # autovacuum_analyze_threshold is 50 rows by default, plus a tenth of the table
    assert analyze_grown(Counter({"teachers_teacher": 3})) == []
    assert analyze_grown(Counter({"teachers_teacher": 100_000})) == ["teachers_teacher"]
    assert analyze_grown(Counter()) == []
