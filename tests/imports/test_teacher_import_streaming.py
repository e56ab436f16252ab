"""A roster is checked and written a chunk at a time (streaming, one transaction).

Small chunks here so that a handful of rows spans several: on PostgreSQL this runs the
background COPY writer, elsewhere the plain bulk inserts; the outcome must be the same.
"""

import pytest
from django.db import connection

from qiangshi.core.models import AuditLog
from qiangshi.imports import services
from qiangshi.imports.models import ImportJob
from qiangshi.imports.services import import_file
from qiangshi.teachers.models import EducationRecord, Employment, Teacher, TitleRecord

from .test_teacher_import import _row, _xlsx


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch):
    monkeypatch.setattr(services, "TEACHER_CHUNK", 2)


def _import(world, rows, **kwargs):
    return import_file(
        actor=world["users"]["admin"],
        kind="teachers",
        data=_xlsx(rows),
        filename="roster.xlsx",
        **kwargs,
    )


def _mine():
    return Teacher.objects.filter(name__startswith="测试")


def test_every_chunk_is_written_with_its_history_and_audit(world):
    result = _import(world, [_row(world, n) for n in range(1, 8)])
    assert (result.new, result.changed, result.unchanged, result.rejected) == (7, 0, 0, 0)
    assert result.committed and _mine().count() == 7
    ids = list(_mine().values_list("pk", flat=True))
    assert Employment.objects.filter(teacher__in=ids, end_date__isnull=True).count() == 7
    assert TitleRecord.objects.filter(teacher__in=ids).count() == 7
    assert EducationRecord.objects.filter(teacher__in=ids).count() == 7
    audits = AuditLog.objects.filter(action="teacher.import_create")
    assert sorted(int(a.object_id) for a in audits) == sorted(ids)
    change = audits.get(object_repr="测试3").changes
    assert change["name"] == [None, "测试3"] and change["national_id"][1].startswith("3502")
    assert change["employment.school"] == [None, world["schools"]["a"].name]
    assert len(ImportJob.objects.get().changes) == 7


def test_a_problem_in_a_late_chunk_rolls_back_the_chunks_already_written(world):
    rows = [_row(world, n) for n in range(1, 8)]
    rows[5] = _row(world, 6, **{"学校代码": "NOPE"})
    result = _import(world, rows)
    assert not result.committed and result.rejected == 1
    assert (result.new, result.changed, result.unchanged) == (0, 0, 0)
    assert [p.row for p in result.problems] == [7]
    assert not _mine().exists()
    assert not AuditLog.objects.filter(action="teacher.import_create").exists()
    assert ImportJob.objects.get().status == "rejected"


def test_a_duplicate_across_chunks_is_found(world):
    rows = [_row(world, n) for n in range(1, 6)] + [_row(world, 2)]
    result = _import(world, rows)
    assert [(p.row, "row 3" in p.reason_en) for p in result.problems] == [(7, True)]
    assert not _mine().exists()


def test_reimport_and_changes_across_chunks(world):
    _import(world, [_row(world, n) for n in range(1, 6)])
    again = _import(world, [_row(world, n) for n in range(1, 6)])
    assert (again.new, again.changed, again.unchanged) == (0, 0, 5)
    changed = [_row(world, n) for n in range(1, 6)]
    changed[3] = _row(world, 4, **{"手机号码": "13900000004", "职称": "高级教师"})
    changed.append(_row(world, 6))
    result = _import(world, changed)
    assert (result.new, result.changed, result.unchanged) == (1, 1, 4)
    t = _mine().get(name="测试4")
    assert t.phone == "13900000004"
    assert set(t.title_records.values_list("rank", flat=True)) == {"first", "senior"}
    assert AuditLog.objects.filter(action="teacher.import_update", object_id=str(t.pk)).exists()


def test_dry_run_counts_every_chunk_and_writes_nothing(world):
    result = _import(world, [_row(world, n) for n in range(1, 6)], dry_run=True)
    assert (result.new, result.rejected, result.committed) == (5, 0, False)
    assert not _mine().exists() and not ImportJob.objects.exists()


def test_text_needing_escapes_survives_the_copy(world):
    rows = [_row(world, 1, **{"姓名": 'A\\B "C"'}), _row(world, 2), _row(world, 3)]
    result = _import(world, rows)
    assert result.committed
    assert Teacher.objects.filter(name='A\\B "C"').exists()
    audit = AuditLog.objects.get(action="teacher.import_create", object_repr='A\\B "C"')
    assert audit.changes["name"] == [None, 'A\\B "C"']


def test_a_job_of_several_chunks_saves_progress_between_chunks_and_commits(world, monkeypatch):
    from qiangshi.imports import jobs

    seen = []
    real = jobs.JobProgress.__call__

    def spy(self, stage, done, total):
        seen.append((stage, done))
        return real(self, stage, done, total)

    monkeypatch.setattr(jobs.JobProgress, "__call__", spy)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    actor = world["users"]["admin"]
    data = _xlsx([_row(world, n) for n in range(1, 8)])
    job = jobs.import_job_start(actor=actor, kind="teachers", data=data, filename="r.xlsx")
    assert job.status == "validated" and job.new == 7
    job = jobs.import_job_commit(actor=actor, job=job)
    assert job.status == "committed" and job.new == 7 and _mine().count() == 7
    assert any(stage == "write" and 0 < done < 7 for stage, done in seen)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_a_committed_import_hands_the_tables_it_grew_to_analyze(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    grown = []
    monkeypatch.setattr("qiangshi.core.bulk.analyze_grown", lambda counts: grown.append(counts))
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, [_row(world, n) for n in range(1, 6)])
    assert grown[0]["teachers_teacher"] == 5 and grown[0]["teachers_employment"] == 5
    grown.clear()
    rows = [_row(world, n) for n in range(1, 6)]
    rows[3] = _row(world, 4, **{"学校代码": "NOPE"})
    with django_capture_on_commit_callbacks(execute=True):
        _import(world, rows)  # rejected: written chunks rolled back, nothing counted
    assert "teachers_teacher" not in grown[0]
