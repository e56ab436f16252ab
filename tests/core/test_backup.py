"""`qiangshi backup` and `qiangshi restore` round trip, on SQLite and on PostgreSQL (run the
suite with DATABASE_URL for the latter): the restored data is identical and the national IDs
still decrypt with the same key; a changed backup or another key is refused."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from qiangshi.core.models import AuditLog
from qiangshi.teachers import selectors as teacher_selectors
from qiangshi.teachers.models import Employment, Teacher
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

KEY_TABLES = [
    "org_region",
    "org_school",
    "teachers_teacher",
    "teachers_employment",
    "core_auditlog",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "teacher-1.jpg").write_bytes(b"\xff\xd8\xff photo")
    factories._used_ids.clear()


def _checksums() -> dict[str, tuple[int, str]]:
    """Row count and a SHA-256 of every row (in primary key order) of the key tables."""
    out = {}
    with connection.cursor() as cursor:
        for table in KEY_TABLES:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            rows = cursor.fetchall()
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def _backup(world, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", "--out", str(out))
    return out


def test_backup_and_restore_round_trip(world, tmp_path, settings):
    numbers = {t.pk: t.national_id for t in Teacher.objects.all()}
    before = _checksums()
    out = _backup(world, tmp_path)

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert "media/photos/teacher-1.jpg" in manifest["files"]
    assert manifest["tables"]["teachers_teacher"] == len(numbers)

    # Things go wrong after the backup: records deleted and changed, a file lost.
    Employment.objects.all().delete()
    Teacher.objects.filter(pk=min(numbers)).update(name="改掉的名字")
    AuditLog.objects.all().delete()
    (settings.MEDIA_ROOT / "photos" / "teacher-1.jpg").unlink()
    (settings.MEDIA_ROOT / "stray.txt").write_text("added after the backup")
    assert _checksums() != before

    call_command("restore", str(out))

    assert _checksums() == before
    assert {t.pk: t.national_id for t in Teacher.objects.all()} == numbers
    number = numbers[min(numbers)]
    found = teacher_selectors.teacher_list(actor=world["users"]["admin"], filters={"q": number})
    assert [t.pk for t in found] == [min(numbers)]  # the lookup hashes match the same key
    assert (settings.MEDIA_ROOT / "photos" / "teacher-1.jpg").read_bytes() == b"\xff\xd8\xff photo"
    assert not (settings.MEDIA_ROOT / "stray.txt").exists()


def test_the_backup_never_holds_the_encryption_key(world, tmp_path, settings):
    out = _backup(world, tmp_path)
    key = settings.QIANGSHI_ENCRYPTION_KEY.encode()
    for path in out.rglob("*"):
        if path.is_file():
            assert key not in path.read_bytes(), path


def test_a_changed_file_is_refused_and_nothing_is_restored(world, tmp_path, settings):
    out = _backup(world, tmp_path)
    (out / "media" / "photos" / "teacher-1.jpg").write_bytes(b"\xff\xd8\xff other")
    Teacher.objects.update(name="之后的修改")

    with pytest.raises(CommandError, match="does not match its SHA-256"):
        call_command("restore", str(out))

    assert set(Teacher.objects.values_list("name", flat=True)) == {"之后的修改"}


def test_a_missing_or_added_file_is_refused(world, tmp_path):
    out = _backup(world, tmp_path)
    (out / "extra.sql").write_text("DROP TABLE teachers_teacher;")
    with pytest.raises(CommandError, match="not in the manifest"):
        call_command("restore", str(out))
    (out / "extra.sql").unlink()
    (out / "media" / "photos" / "teacher-1.jpg").unlink()
    with pytest.raises(CommandError, match="missing"):
        call_command("restore", str(out))


def test_a_backup_made_under_another_key_is_refused(world, tmp_path, settings):
    out = _backup(world, tmp_path)
    settings.QIANGSHI_ENCRYPTION_KEY = "another-key-than-the-backups"
    with pytest.raises(CommandError, match="another encryption key"):
        call_command("restore", str(out))


def test_backup_refuses_a_directory_that_is_not_empty(world, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--out", str(tmp_path / "full"))
