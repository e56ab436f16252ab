"""The database records its key's fingerprint; another key refuses to start; rotate_key
re-encrypts everything under a new key, resumably."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from qiangshi.core import crypto, keys
from qiangshi.core.checks import encryption_key_check
from qiangshi.core.models import EncryptionKeyState
from qiangshi.placement.models import PupilIdentity
from qiangshi.teachers import selectors as teacher_selectors
from qiangshi.teachers.models import ChangeRequest, Teacher

OLD = "test-encryption-key-not-for-production"  # config.settings.test's key
NEW = "a-brand-new-key-for-rotation-tests"


@pytest.fixture
def teachers(world):
    return world["teachers"]


def test_migrate_records_the_key_fingerprint_and_never_the_key(db, settings):
    state = EncryptionKeyState.objects.get()
    assert state.fingerprint == crypto.key_fingerprint(settings.QIANGSHI_ENCRYPTION_KEY)
    assert settings.QIANGSHI_ENCRYPTION_KEY not in state.fingerprint


def test_the_first_use_of_an_empty_database_records_the_fingerprint(db, settings):
    EncryptionKeyState.objects.all().delete()
    assert keys.key_problem() is None
    assert EncryptionKeyState.objects.get().fingerprint == crypto.key_fingerprint(OLD)


def test_the_right_key_passes_the_check(db):
    assert encryption_key_check() == []
    keys.ensure_key_matches()


def test_a_wrong_key_fails_the_check_with_a_clear_message(db, settings):
    settings.QIANGSHI_ENCRYPTION_KEY = "not-the-key-the-data-was-sealed-with"
    (error,) = encryption_key_check()
    assert error.id == "qiangshi.E001"
    assert "not the key this database was encrypted with" in error.msg
    assert "rotate_key" in error.msg
    with pytest.raises(ImproperlyConfigured, match="not the key"):
        keys.ensure_key_matches()
    # the recorded fingerprint is kept, not overwritten by the wrong key
    assert EncryptionKeyState.objects.get().fingerprint == crypto.key_fingerprint(OLD)


def _rotate(settings, *args):
    settings.QIANGSHI_ENCRYPTION_KEY = NEW
    call_command("rotate_key", *args)


def test_rotate_key_reencrypts_ids_phones_hashes_and_requests(
    world, teachers, settings, monkeypatch
):
    a = teachers["a"]
    number, phone = a.national_id, a.phone
    request = ChangeRequest.objects.create(
        teacher=a, kind="contact", payload={}, payload_encrypted=crypto.encrypt('{"phone": "1"}')
    )
    old_tokens = set(Teacher.objects.values_list("national_id_encrypted", flat=True))
    monkeypatch.setenv("QIANGSHI_OLD_ENCRYPTION_KEY", OLD)

    _rotate(settings, "--batch-size", "2")

    a.refresh_from_db()
    assert a.national_id == number and a.phone == phone  # readable under the new key only
    assert a.national_id_hash == crypto.lookup_hash_with(NEW, number)
    assert not old_tokens & set(Teacher.objects.values_list("national_id_encrypted", flat=True))
    request.refresh_from_db()
    assert crypto.decrypt(request.payload_encrypted) == '{"phone": "1"}'
    # an exact ID search finds the teacher with the new key's hash
    found = teacher_selectors.teacher_list(actor=world["users"]["admin"], filters={"q": number})
    assert list(found) == [a]
    assert encryption_key_check() == []
    settings.QIANGSHI_ENCRYPTION_KEY = OLD
    assert encryption_key_check()  # the old key no longer starts the system


def test_an_interrupted_rotation_refuses_to_start_and_resumes(teachers, settings, monkeypatch):
    numbers = {t.pk: t.national_id for t in Teacher.objects.all()}
    real_batch = keys._rotate_batch
    calls = {"n": 0}

    def failing_batch(table, *args, **kwargs):
        if table.label == "teachers.teacher":
            calls["n"] += 1
            if calls["n"] == 2:  # the second batch of teachers
                raise RuntimeError("killed")
        return real_batch(table, *args, **kwargs)

    monkeypatch.setattr(keys, "_rotate_batch", failing_batch)
    with pytest.raises(RuntimeError):
        keys.rotate_key(old_key=OLD, new_key=NEW, batch_size=1)
    state = EncryptionKeyState.objects.get()
    assert state.rotating_to == crypto.key_fingerprint(NEW)
    # Tables are sealed in order; the empty ones before the teachers are done (None).
    assert state.rotation_progress["teachers.teacher"] == min(numbers)
    assert {k: v for k, v in state.rotation_progress.items() if k != "teachers.teacher"} == {
        "awards.awardobjection": None,
        "ethics.ethicscase": None,
        "imports.exportjob": None,
        "placement.pupilidentity": None,
        "teachers.changerequest": None,
    }
    for key in (OLD, NEW):
        settings.QIANGSHI_ENCRYPTION_KEY = key
        (error,) = encryption_key_check()
        assert "rotation is under way" in error.msg

    monkeypatch.setattr(keys, "_rotate_batch", real_batch)
    counts = keys.rotate_key(old_key=OLD, new_key=NEW, batch_size=1)
    assert counts["teachers.teacher"] == len(numbers) - 1  # the first was done before the stop
    settings.QIANGSHI_ENCRYPTION_KEY = NEW
    assert {t.pk: t.national_id for t in Teacher.objects.all()} == numbers
    assert encryption_key_check() == []


def test_rotate_key_with_a_wrong_old_key_changes_nothing(teachers, settings, monkeypatch):
    before = list(Teacher.objects.values_list("national_id_encrypted", "national_id_hash"))
    monkeypatch.setenv("QIANGSHI_OLD_ENCRYPTION_KEY", "some-other-key")
    with pytest.raises(CommandError, match="old key is not the key"):
        _rotate(settings)
    assert list(Teacher.objects.values_list("national_id_encrypted", "national_id_hash")) == before
    assert EncryptionKeyState.objects.get().rotating_to == ""


def test_rotate_key_finds_every_sealed_table():
    labels = {t.label: t.fields for t in keys.sealed_tables()}
    assert labels["teachers.teacher"] == (
        ("national_id_encrypted", "national_id_hash"),
        ("phone_encrypted", None),
    )
    assert labels["placement.pupilidentity"] == (("national_id_encrypted", "national_id_hash"),)
    assert labels["teachers.changerequest"] == (("payload_encrypted", None),)
    assert PupilIdentity in {t.model for t in keys.sealed_tables()}


def test_the_web_process_and_the_commands_refuse_to_start_with_another_key(tmp_path):
    """End to end, in fresh processes: first use under one key, then start under another."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_SECRET_KEY": "test-secret",
        "QIANGSHI_VAR_DIR": str(tmp_path),
        "QIANGSHI_ENCRYPTION_KEY": "the-key-at-migrate",
    }
    # A database sealed under the first key (only the table that matters: migrate is slow).
    first_use = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from qiangshi.core.keys import key_problem\n"
        "from qiangshi.core.models import EncryptionKeyState\n"
        "with connection.schema_editor() as editor: editor.create_model(EncryptionKeyState)\n"
        "assert key_problem() is None\n"
    )
    subprocess.run([sys.executable, "-c", first_use], env=env, check=True, capture_output=True)
    command = [sys.executable, "-m", "qiangshi.cli"]
    env["QIANGSHI_ENCRYPTION_KEY"] = "another-key"

    wsgi = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], env=env, capture_output=True, text=True
    )
    check = subprocess.run([*command, "check"], env=env, capture_output=True, text=True)

    assert wsgi.returncode != 0
    assert "is not the key this database was encrypted with" in wsgi.stderr
    assert check.returncode != 0 and "qiangshi.E001" in check.stderr
