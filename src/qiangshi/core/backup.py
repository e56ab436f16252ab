"""Backup and restore of the whole system: the database and the uploaded files.

A backup is a directory:

    manifest.json        what is in it: the database engine, the time, the fingerprint of the
                         encryption key the data is sealed with (never the key), the row count
                         of every table, and the SHA-256 and size of every other file
    database.dump        PostgreSQL: `pg_dump --format=custom` of the database
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API
    media/...            the uploaded files (MEDIA_ROOT: photos, evidence, stored imports)

The encryption key is not in it: keep it apart (a backup restores only under the key it was
made with, which the manifest's fingerprint checks). `restore_backup` verifies every hash
first and refuses a backup that does not match its manifest, then replaces the configured
database and the uploaded files, and checks the restored row counts.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

from . import crypto
from .errors import ApplicationError, bilingual

MANIFEST = "manifest.json"
FORMAT = 1
PG_DUMP, SQLITE_COPY, MEDIA = "database.dump", "database.sqlite3", "media"
_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise bilingual(
            f"Backups support PostgreSQL and SQLite, not {vendor}.",
            f"备份仅支持PostgreSQL和SQLite，不支持{vendor}。",
        )
    return vendor


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    s = connection.settings_dict
    args = [program, "--no-password"]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise bilingual(
            f"{args[0]} is not installed: {what} needs the PostgreSQL client programs.",
            f"未安装{args[0]}：{what}需要PostgreSQL客户端程序。",
        ) from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise bilingual(f"{what} failed: {detail[0]}", f"{what}失败：{detail[0]}")


def table_counts() -> dict[str, int]:
    """Rows per table of every model (the manifest's and the restore check's figures)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        counts[meta.db_table] = model._base_manager.count()
    return dict(sorted(counts.items()))


def _recorded_fingerprint() -> str:
    from .models import EncryptionKeyState

    state = EncryptionKeyState.objects.order_by("pk").first()
    return state.fingerprint if state else crypto.key_fingerprint(settings.QIANGSHI_ENCRYPTION_KEY)


def make_backup(out: Path) -> dict:
    """Write a backup of the configured database and MEDIA_ROOT into the new directory `out`;
    returns the manifest."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise bilingual(
            f"{out} is not empty: give a new directory for the backup.",
            f"{out}不是空目录：请为备份指定一个新目录。",
        )
    engine = _engine()
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out, 0o700)  # it holds personal data
    counts = table_counts()
    if engine == "postgresql":
        args, env = _pg_command("pg_dump")
        name = connection.settings_dict["NAME"]
        _run([*args, "--format=custom", "--file", str(out / PG_DUMP), name], env, "pg_dump")
    else:
        connection.ensure_connection()
        target = sqlite3.connect(out / SQLITE_COPY)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir():
        shutil.copytree(media_root, out / MEDIA, symlinks=False)
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        files[rel] = {"sha256": sha256_of(path), "size": path.stat().st_size}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "key_fingerprint": _recorded_fingerprint(),
        "tables": counts,
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def verify_backup(directory: Path) -> dict:
    """The manifest of the backup in `directory` once every file matches it (its SHA-256 and
    size, none missing, none added); ApplicationError naming the first mismatch otherwise."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        manifest["engine"], manifest["key_fingerprint"], manifest["tables"]  # noqa: B018
    except (OSError, ValueError, KeyError, TypeError):
        raise bilingual(
            f"{directory} holds no readable {MANIFEST}: it is not a Qiangshi backup.",
            f"{directory}中没有可读的{MANIFEST}：不是强师系统的备份。",
        ) from None
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    for rel in sorted(set(files) | present):
        if rel not in present:
            raise bilingual(f"{rel} is missing from the backup.", f"备份中缺少{rel}。")
        if rel not in files:
            raise bilingual(
                f"{rel} is not in the manifest: the backup was changed.",
                f"{rel}不在清单中：备份已被改动。",
            )
        path = directory / rel
        if path.stat().st_size != files[rel]["size"] or sha256_of(path) != files[rel]["sha256"]:
            raise bilingual(
                f"{rel} does not match its SHA-256 in the manifest: the backup is damaged or "
                "was changed; nothing was restored.",
                f"{rel}与清单中的SHA-256不符：备份已损坏或被改动；未恢复任何数据。",
            )
    return manifest


def restore_backup(directory: Path) -> dict:
    """Replace the configured database and MEDIA_ROOT with the backup in `directory`, after
    verifying it and that the configured encryption key is the one it was made under."""
    directory = Path(directory)
    manifest = verify_backup(directory)
    engine = _engine()
    if manifest["engine"] != engine:
        raise bilingual(
            f"This is a {manifest['engine']} backup; the configured database is {engine}.",
            f"这是{manifest['engine']}的备份；当前配置的数据库是{engine}。",
        )
    if manifest["key_fingerprint"] != crypto.key_fingerprint(settings.QIANGSHI_ENCRYPTION_KEY):
        raise bilingual(
            "The backup was made under another encryption key: set QIANGSHI_ENCRYPTION_KEY to "
            "that key, or the restored national IDs could not be read.",
            "该备份使用的是另一个加密密钥：请将QIANGSHI_ENCRYPTION_KEY设为该密钥，否则恢复后的"
            "身份证号将无法读取。",
        )
    if engine == "postgresql":
        connection.close()
        args, env = _pg_command("pg_restore")
        name = connection.settings_dict["NAME"]
        _run(
            [
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                name,
                str(directory / PG_DUMP),
            ],
            env,
            "pg_restore",
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(directory / SQLITE_COPY)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    _restore_media(directory / MEDIA, Path(settings.MEDIA_ROOT))
    restored = table_counts()
    differing = {
        t: (n, restored.get(t)) for t, n in manifest["tables"].items() if restored.get(t) != n
    }
    if differing:
        table, (expected, got) = next(iter(differing.items()))
        raise ApplicationError(
            f"The restored table {table} has {got} rows instead of {expected}.",
            message_zh=f"恢复后的表{table}有{got}行，而非{expected}行。",
            message_en=f"The restored table {table} has {got} rows instead of {expected}.",
        )
    return manifest


def _restore_media(source: Path, media_root: Path) -> None:
    """Make MEDIA_ROOT hold exactly the backup's files (copied beside it, then swapped in)."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        if source.is_dir():
            shutil.copytree(source, staging / "media")
        else:
            (staging / "media").mkdir()
        if media_root.exists():
            media_root.rename(staging / "old")
        (staging / "media").rename(media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
