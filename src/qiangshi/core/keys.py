"""The encryption key the database is sealed with: checked at start, changed by rotation.

`QIANGSHI_ENCRYPTION_KEY` encrypts national IDs and phones and keys their lookup hashes. Started
with another key, the system would boot and then fail on every page that decrypts, and the
lookup hashes would no longer match, letting duplicate national IDs in. So the database keeps a
fingerprint of its key (`EncryptionKeyState`, written on first use or by `migrate`), and a
process whose key does not match refuses to start: a system check (run by `runserver`,
`migrate` and the other commands) and the WSGI entry point call `key_problem()`.

Rotation (`qiangshi rotate_key`) re-encrypts, table by table in batches of primary keys, every
field named `<name>_encrypted` of every model under the new key, and recomputes `<name>_hash`
where the model has one. Each batch is one transaction that also records how far the rotation
got, so an interrupted rotation resumes where it stopped; until it finishes, the system refuses
to start under either key.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction

from . import crypto
from .errors import bilingual

ENCRYPTED_SUFFIX = "_encrypted"
HASH_SUFFIX = "_hash"


def _state():
    from .models import EncryptionKeyState

    return EncryptionKeyState.objects.order_by("pk").first()


def key_problem(secret: str | None = None) -> str | None:
    """Why the configured key may not be used with this database, or None when it may.

    Records the key's fingerprint when the database has none yet (first use). A database whose
    tables do not exist yet (before `migrate`) has no problem to report."""
    from .models import EncryptionKeyState

    secret = settings.QIANGSHI_ENCRYPTION_KEY if secret is None else secret
    fingerprint = crypto.key_fingerprint(secret)
    try:
        state = _state()
        if state is None:
            EncryptionKeyState.objects.create(fingerprint=fingerprint)
            return None
    except DatabaseError:
        return None  # no table yet: migrate records the fingerprint
    if state.rotating_to:
        return (
            "A key rotation is under way and has not finished: run `qiangshi rotate_key` again "
            "with the same old and new keys to complete it before starting the system."
        )
    if state.fingerprint != fingerprint:
        return (
            "QIANGSHI_ENCRYPTION_KEY is not the key this database was encrypted with (its "
            f"fingerprint {fingerprint[:12]}… differs from the recorded {state.fingerprint[:12]}…). "
            "Start with the original key; to change keys, run `qiangshi rotate_key` (see README)."
        )
    return None


def record_fingerprint(**kwargs) -> None:
    """post_migrate receiver: a freshly migrated database records the key it will use."""
    key_problem()


def ensure_key_matches() -> None:
    """Raise ImproperlyConfigured (the process does not start) when `key_problem` finds one."""
    from django.core.exceptions import ImproperlyConfigured

    problem = key_problem()
    if problem:
        raise ImproperlyConfigured(problem)


# --- rotation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedTable:
    """A model with encrypted fields, and the lookup hash of each where it has one."""

    model: type
    fields: tuple[tuple[str, str | None], ...]  # (encrypted field, hash field or None)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def sealed_tables() -> list[SealedTable]:
    """Every concrete model with a field named `<name>_encrypted`, in a stable order."""
    tables = []
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy:
            continue
        names = {f.attname for f in model._meta.concrete_fields}
        fields = tuple(
            (name, f"{name[: -len(ENCRYPTED_SUFFIX)]}{HASH_SUFFIX}")
            if f"{name[: -len(ENCRYPTED_SUFFIX)]}{HASH_SUFFIX}" in names
            else (name, None)
            for name in sorted(names)
            if name.endswith(ENCRYPTED_SUFFIX)
        )
        if fields:
            tables.append(SealedTable(model, fields))
    return sorted(tables, key=lambda t: t.label)


def rotation_refusal(old_key: str, new_key: str):
    """The ApplicationError that refuses a rotation from `old_key` to `new_key`, or None."""
    if not old_key or not new_key:
        return bilingual("Both the old and the new key are needed.", "需要同时提供旧密钥和新密钥。")
    if old_key == new_key:
        return bilingual("The new key is the old key.", "新密钥与旧密钥相同。")
    old, new = crypto.key_fingerprint(old_key), crypto.key_fingerprint(new_key)
    state = _state()
    if state is None:
        return bilingual(
            "The database has no recorded key yet: nothing to rotate.",
            "数据库尚未记录密钥：无需轮换。",
        )
    if state.rotating_to and (state.fingerprint, state.rotating_to) != (old, new):
        return bilingual(
            "Another key rotation is under way: finish it with its own old and new keys.",
            "另一次密钥轮换尚未完成：请用该次的旧密钥和新密钥完成它。",
        )
    if state.fingerprint != old:
        if state.fingerprint == new and not state.rotating_to:
            return bilingual(
                "The database is already encrypted with the new key.",
                "数据库已使用新密钥加密。",
            )
        return bilingual(
            "The old key is not the key this database was encrypted with.",
            "旧密钥不是本数据库加密所用的密钥。",
        )
    return None


def rotate_key(
    *,
    old_key: str,
    new_key: str,
    batch_size: int = 1000,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Re-encrypt every sealed field from `old_key` to `new_key`; resumable.

    Returns the number of rows re-encrypted per table in this run. Raises ApplicationError
    (nothing written) when the keys do not fit the database."""
    from .models import EncryptionKeyState

    error = rotation_refusal(old_key, new_key)
    if error:
        raise error
    new = crypto.key_fingerprint(new_key)
    with transaction.atomic():
        state = EncryptionKeyState.objects.select_for_update().order_by("pk").first()
        if not state.rotating_to:
            state.rotating_to, state.rotation_progress = new, {}
            state.save(update_fields=["rotating_to", "rotation_progress"])
    counts: dict[str, int] = {}
    for table in sealed_tables():
        counts[table.label] = 0
        while True:
            with transaction.atomic():
                state = EncryptionKeyState.objects.select_for_update().get(pk=state.pk)
                after = state.rotation_progress.get(table.label, 0)
                if after is None:
                    break  # this table finished in an earlier run
                done = _rotate_batch(table, after, batch_size, old_key, new_key)
                state.rotation_progress[table.label] = done[-1] if done else None
                state.save(update_fields=["rotation_progress"])
            counts[table.label] += len(done)
            if progress and done:
                progress(table.label, counts[table.label])
            if not done:
                break
    with transaction.atomic():
        state = EncryptionKeyState.objects.select_for_update().get(pk=state.pk)
        state.fingerprint, state.rotating_to, state.rotation_progress = new, "", {}
        state.save(update_fields=["fingerprint", "rotating_to", "rotation_progress"])
    return counts


def _rotate_batch(table: SealedTable, after: int, size: int, old_key: str, new_key: str):
    """Re-encrypt the next `size` rows of `table` after primary key `after`; their keys."""
    model = table.model
    columns = [name for pair in table.fields for name in pair if name]
    rows = list(
        model._base_manager.filter(pk__gt=after)
        .order_by("pk")
        .select_for_update()
        .only("pk", *columns)[:size]
    )
    for row in rows:
        for encrypted, hashed in table.fields:
            clear = crypto.decrypt_with(old_key, getattr(row, encrypted))
            setattr(row, encrypted, crypto.encrypt_with(new_key, clear))
            if hashed:
                setattr(row, hashed, crypto.lookup_hash_with(new_key, clear))
    if rows:
        model._base_manager.bulk_update(rows, columns, batch_size=size)
    return [row.pk for row in rows]
