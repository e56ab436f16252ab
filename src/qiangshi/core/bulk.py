"""Fast bulk inserts: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create on PostgreSQL sends each batch as arrays (UNNEST) and spends most of its
time preparing values; COPY streams rows as text and is several times faster for the 100,000-row
imports bureaus run. Primary keys are drawn from the table's sequence first, so the caller gets
them set on its objects, exactly as with bulk_create, and can insert children next.

`insert_tuples` is the fastest path: rows as plain tuples, formatted as COPY text by a function
generated for the table's columns. With a `CopyWriter` the COPY runs in a background thread on
the same connection and transaction, so that PostgreSQL inserts one batch while Python prepares
the next (the teacher import does this).

Foreign keys of a `CopyWriter`'s rows are checked as a set, not row by row, where the database
role may set `session_replication_role` (a superuser, or since PostgreSQL 15 a role granted
`SET ON PARAMETER session_replication_role`): its COPYs then run without the per-row foreign
key triggers (about 10 µs a row and a key, half of what PostgreSQL spends on an import), and
`finish()` checks every key they wrote that points at a row the writer did not insert itself,
with one query per foreign key, locking those rows (`FOR KEY SHARE`, as the triggers do) so
that nobody deletes them before the commit. Rows the writer inserted itself exist by
construction. Otherwise the triggers run as usual. `QIANGSHI_BULK_SET_FOREIGN_KEY_CHECK =
False` turns the set-wise check off.
"""

import bisect
import functools
import gc
import json
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone

from qiangshi.core.shared import data_changed_on_commit

logger = logging.getLogger(__name__)


def _value(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, cls=field.encoder)
    return value


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert `objs` (new rows, without conflicts) and set their primary keys."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=2000)
        return
    tally(model, len(objs))
    meta = model._meta
    now = timezone.now()
    fields = list(meta.concrete_fields)
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                if field.auto_now or getattr(obj, field.attname) is None:
                    setattr(obj, field.attname, now)
    missing = [obj for obj in objs if obj.pk is None]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for obj, pk in zip(missing, _next_ids(model, len(missing)), strict=True):
            obj.pk = pk
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_value(f, getattr(obj, f.attname)) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def bulk_insert_rows(model: type[models.Model], rows: Sequence[dict]) -> None:
    """Insert plain rows ({attname: value}) without building model instances; sets row["id"].

    Fields a row leaves out take their default; auto_now fields take the current time. This is
    the fastest path for large imports (model instances cost more than the insert itself).
    """
    if not rows:
        return
    meta = model._meta
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default() and not callable(f.default):
            defaults[f.attname] = f.default
        elif f.has_default():
            defaults[f.attname] = None  # computed per row below
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = "" if f.empty_strings_allowed else None
    callables = [f for f in fields if f.has_default() and callable(f.default)]
    for row in rows:
        for f in callables:
            if f.attname not in row:
                row[f.attname] = f.default()
    if connection.vendor != "postgresql":
        objs = [model(**{**defaults, **row}) for row in rows]
        model.objects.bulk_create(objs, batch_size=2000)
        for row, obj in zip(rows, objs, strict=True):
            row["id"] = obj.pk
        return
    tally(model, len(rows))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for row, pk in zip(rows, _next_ids(model, len(rows)), strict=True):
            row["id"] = pk
        columns = ", ".join(quote(f.column) for f in [meta.pk, *fields])
        plan = [(f.attname, defaults[f.attname]) for f in fields]
        converters = [
            (i, f)
            for i, f in enumerate(fields, start=1)
            if isinstance(f, models.JSONField | models.FileField)
        ]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            # A default JSON value (the same object in every row) is serialised once.
            dumped = {
                i: (defaults[f.attname], _value(f, defaults[f.attname])) for i, f in converters
            }
            for row in rows:
                get = row.get
                values = [row["id"], *[get(name, default) for name, default in plan]]
                for i, f in converters:
                    value = values[i]
                    default, text = dumped[i]
                    values[i] = text if value is default else _value(f, value)
                write(values)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk job (reference counting still frees
    almost everything). A 100,000-row import allocates millions of objects, and the collector
    ran some 1,900 times over them: with it paused, the import needs a third less CPU time.
    The collector is process-wide, so it is paused once, however many jobs nest or overlap,
    and runs again when the last one ends."""
    global _GC_PAUSES
    with _GC_LOCK:
        if _GC_PAUSES == 0:
            _GC_STATE[0] = gc.isenabled()
            gc.disable()
        _GC_PAUSES += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES -= 1
            if _GC_PAUSES == 0 and _GC_STATE[0]:
                gc.enable()


_GC_LOCK = threading.Lock()
_GC_PAUSES = 0
_GC_STATE = [True]  # whether the collector was enabled when the first pause began


# --- Planner statistics after a bulk load ----------------------------------------------------

_GROWN: ContextVar["Counter[str] | None"] = ContextVar("qiangshi_bulk_grown", default=None)
QUICK_STATISTICS_TARGET = 10  # ANALYZE samples 300 rows per unit: 3,000 rows a table


@contextmanager
def statistics_refreshed(target: int | None = QUICK_STATISTICS_TARGET) -> Iterator[None]:
    """ANALYZE, once the transaction commits, the tables that the block's bulk inserts grew by
    more than autovacuum would wait for (PostgreSQL only).

    PostgreSQL plans queries with statistics that a COPY does not update. Until autovacuum
    analyzes a table (a minute or more later, never where it is turned off), a table that one
    import filled from empty is planned as if it were empty: the next import and the lists
    read it with nested loops over 500,000 rows (a re-import of 500,000 teachers took 50 s
    instead of 35 s). PostgreSQL's advice after a bulk load is to run ANALYZE; a quick one
    does (see `analyze_grown`). Only rows that committed count: inserts of a transaction or
    savepoint rolled back are not tallied. `target=None` analyzes with the server's default
    statistics target instead of a quick sample (the demo region, built once).
    """
    grown: Counter[str] = Counter()
    token = _GROWN.set(grown)
    try:
        yield
    finally:
        _GROWN.reset(token)
    if target == QUICK_STATISTICS_TARGET:
        transaction.on_commit(lambda: analyze_grown(grown))
    else:
        transaction.on_commit(lambda: analyze_grown(grown, target))


def tally(model: type[models.Model], count: int) -> None:
    """Count `count` rows inserted into `model`'s table by a bulk load (bulk_insert and
    insert_tuples do it; a caller of bulk_create does it itself) for `statistics_refreshed`, and
    announce the write to the shared figures (COPY passes no execute wrapper)."""
    data_changed_on_commit()
    grown = _GROWN.get()
    if grown is None or not count or connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    transaction.on_commit(lambda: grown.update({table: count}))


def analyze_grown(grown: "Counter[str]", target: int | None = QUICK_STATISTICS_TARGET) -> list[str]:
    """ANALYZE each table of `grown` (table → rows inserted) that grew by more than
    autovacuum's analyze threshold (`autovacuum_analyze_threshold` rows plus
    `autovacuum_analyze_scale_factor` of the rows it had); returns the tables analyzed."""
    if not grown or connection.vendor != "postgresql":
        return []
    done = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0),"
            " current_setting('autovacuum_analyze_threshold')::float,"
            " current_setting('autovacuum_analyze_scale_factor')::float"
            " FROM pg_class c WHERE c.oid = ANY(%s::regclass[])",
            [[_quote(table) for table in grown]],
        )
        tables = [
            table
            for table, rows, base, factor in cursor.fetchall()
            if grown[table] > base + factor * rows
        ]
        if not tables:
            return []
        # A quick sample (a tenth of the default): the table's size and its common values,
        # which is what the plans right after an import were missing; 0.05 s instead of 0.6 s
        # for the five tables of 100,000 teachers. Autovacuum refines them later.
        if target is not None:
            cursor.execute(f"SET default_statistics_target = {target:d}")
        # With the full statistics target (the demo build, a one-off load) the tables are
        # vacuumed too: their pages are marked all-visible, so that counts and key lookups are
        # index-only scans from the first page view (ANALYZE alone leaves every row to be
        # checked in the table: 47,820 heap fetches for one city's count).
        command = (
            "ANALYZE" if target is not None or connection.in_atomic_block else "VACUUM (ANALYZE)"
        )
        try:
            for table in tables:
                try:
                    cursor.execute(f"{command} {_quote(table)}")
                except DatabaseError as exc:  # not the table's owner: autovacuum will do it
                    logger.info("ANALYZE %s after a bulk load failed: %s", table, exc)
                    continue
                done.append(table)
        finally:
            if target is not None:
                cursor.execute("RESET default_statistics_target")
    return done


def filter_in(queryset, field: str, keys: Sequence, chunk: int = 5000):
    """Querysets that together select the rows whose `field` is one of `keys`.

    PostgreSQL gets one query with the keys as a single array parameter (`= ANY(%s)`, which
    it matches with a hash table or an index scan, two to three times faster than `IN (SELECT
    unnest(%s))` for 10,000 keys): building a statement with tens of thousands of placeholders
    costs more than running it. Other databases get chunks below their parameter limit.
    """
    keys = list(keys)
    if not keys:
        return []
    if connection.vendor == "postgresql":
        # The keys as one array literal: psycopg's list adapter costs microseconds a key.
        if all(k.__class__ is int for k in keys):
            cast, literal = "bigint[]", "{" + ",".join(map(str, keys)) + "}"
        else:
            cast = "text[]"
            literal = (
                '{"'
                + '","'.join([str(k).replace("\\", "\\\\").replace('"', '\\"') for k in keys])
                + '"}'
            )
        model = queryset.model
        column = (model._meta.pk if field == "pk" else model._meta.get_field(field)).column
        quote = connection.ops.quote_name
        sql = f"{quote(model._meta.db_table)}.{quote(column)} = ANY(%s::{cast})"
        condition = models.expressions.RawSQL(sql, (literal,), output_field=models.BooleanField())
        return [queryset.filter(condition)]
    return [
        queryset.filter(**{f"{field}__in": keys[i : i + chunk]}) for i in range(0, len(keys), chunk)
    ]


# --- Plain tuples, formatted as COPY text ---------------------------------------------------

_COPY_SPECIAL = re.compile(r"[\\\t\n\r]").search
_NULL = "\\N"


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_field(field: models.Field, value) -> str:
    """One value as COPY text (the general, slower path)."""
    if value is None:
        return _NULL
    if isinstance(field, models.JSONField) and not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, cls=field.encoder)
    elif isinstance(value, bool):
        return "t" if value else "f"
    return _copy_escape(str(value))


_FAST_TYPES = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.AutoField,
    models.ForeignKey,
    models.DateField,  # DateTimeField too
    models.BooleanField,
    models.JSONField,
    models.DecimalField,
)


def _constant_default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        default = field.default
        if callable(default):
            if default not in (dict, list):
                raise ValueError(f"{field.name}: pass a value (its default is computed per row)")
            return default()
        return default
    if field.null:
        return None
    return "" if field.empty_strings_allowed else None


_DATE_TEXT: dict = {}  # date → its COPY text: a roster has a few thousand distinct dates


def _date_text(value) -> str:
    text = _DATE_TEXT.get(value)
    if text is None:
        if len(_DATE_TEXT) > 100_000:
            _DATE_TEXT.clear()
        text = _DATE_TEXT[value] = value.isoformat()
    return text


def _formatter(fields: list[models.Field], given: int, constants: Sequence):
    """A function formatting (pk, row) as one COPY text line, `row` holding the values of
    `fields[1 : 1 + given]`; the other fields take `constants`, formatted once here.

    Generated once per call: an f-string over the row's items, with a fallback that escapes
    every value when a string holds a backslash, tab or line break (rare in registry data).
    """
    tail = "".join(
        "\t" + _copy_field(f, c) for f, c in zip(fields[1 + given :], constants, strict=True)
    )
    exprs, checks = [], []
    for i, f in enumerate(fields[1 : 1 + given]):
        v = f"r[{i}]"
        if isinstance(f, models.JSONField):
            expr = f"({v} if {v}.__class__ is str else _dumps({v}))"
            checks.append(i)
        elif isinstance(f, models.BooleanField):
            expr = f"(_T if {v} else _F)"
        elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
            expr = f"_date({v})"
        else:
            expr = v
            if isinstance(f, models.CharField | models.TextField):
                checks.append(i)
        if f.null or isinstance(f, models.JSONField) or not isinstance(f, _FAST_TYPES):
            expr = f"(_NULL if {v} is None else {expr})"
        exprs.append(expr)
    names = [f"a{i}" for i in range(given)]
    body = [f"    {n} = {e}" for n, e in zip(names, exprs, strict=True)]
    line = "".join("\\t{" + n + "}" for n in names)
    body.append(f'    line = f"{{pk}}{line}{{_tail}}\\n"')
    if checks:
        joined = "".join("{" + names[i] + "}" for i in checks)
        body.append(f'    if _special(f"{joined}"):')
        body.append("        return _slow(pk, r)")
    body.append("    return line")
    source = "def fmt(pk, r):\n" + "\n".join(body)

    def slow(pk, r):
        values = zip(fields[1 : 1 + given], r, strict=True)
        return "".join([str(pk), *("\t" + _copy_field(f, v) for f, v in values), tail, "\n"])

    namespace = {
        "_dumps": lambda v: json.dumps(v, ensure_ascii=False),
        "_date": _date_text,
        "_T": "t",
        "_F": "f",
        "_NULL": _NULL,
        "_special": _COPY_SPECIAL,
        "_slow": slow,
        "_tail": tail,
    }
    exec(source, namespace)  # noqa: S102 - the source is built above from field types only
    for f in fields:
        if not isinstance(f, _FAST_TYPES) and not isinstance(f, models.FileField):
            return slow
    return namespace["fmt"]


COPY_BATCH = 2000  # lines per write to the COPY stream


class KeyRuns:
    """A set of integer keys held as runs of consecutive keys: the keys a writer drew from a
    sequence, a few runs however many rows (a set of 100,000 ints takes 6 MB).

    >>> keys = KeyRuns()
    >>> keys.update([5, 6, 7, 10, 11, 3, 6])
    >>> [k in keys for k in (2, 3, 4, 5, 7, 8, 10, 11, 12)]
    [False, True, False, True, True, False, True, True, False]
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []  # inclusive
        self._others: set[int] = set()  # keys that came out of order

    def update(self, keys: Iterable[int]) -> None:
        starts, ends = self._starts, self._ends
        for key in keys:
            if ends and key == ends[-1] + 1:
                ends[-1] = key
            elif not ends or key > ends[-1]:
                starts.append(key)
                ends.append(key)
            elif key not in self:
                self._others.add(key)

    def __contains__(self, key: object) -> bool:
        i = bisect.bisect_right(self._starts, key) - 1
        return (i >= 0 and key <= self._ends[i]) or key in self._others


class CopyWriter:
    """Runs COPY statements in a background thread, on this thread's connection and transaction.

    The database then inserts (and checks) one batch of rows while Python prepares the next:
    PostgreSQL and Python each keep a core busy instead of waiting for each other. Only one
    statement runs on a connection at a time, so the caller must `wait()` before any other
    query, and always `close()` it (in a ``finally``) before leaving the transaction. Errors of
    the background statements are raised by `wait()`.

    `insert_tuples` draws primary keys from a pool kept here, so that it needs no query while a
    COPY is under way: `start(refill=n)` has the background thread draw keys after its COPYs
    until each pool in use holds 2n (the next batch's n, whatever this one takes), `top_up`
    draws what is still missing while no statement runs. Keys left in the pools at the end are
    simply never used (a gap in the sequence, as after any rollback).
    """

    def __init__(self) -> None:
        self._pending: list[tuple[str, Callable[[], Iterable[str]]]] = []
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._ids: dict[type[models.Model], list[int]] = {}
        self._incoming: dict[type[models.Model], list[int]] = {}  # drawn in the background
        # Keys are checked as a set by finish() (see the module's docstring) when allowed.
        self.set_wise = _may_skip_key_triggers()
        self._inserted: dict[type[models.Model], KeyRuns] = defaultdict(KeyRuns)
        self._references: dict[models.ForeignKey, set] = defaultdict(set)

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        """`count` new primary keys of `model`, from the pool (waits only to refill it)."""
        pool = self._ids.setdefault(model, [])
        if len(pool) < count:
            self.wait()
            pool += _next_ids(model, count - len(pool))
        taken, self._ids[model] = pool[:count], pool[count:]
        return taken

    def top_up(self, count: int) -> None:
        """Refill every pool in use to at least `count` keys (call while nothing runs)."""
        for model, pool in self._ids.items():
            if len(pool) < count:
                self.wait()
                pool += _next_ids(model, count - len(pool))

    def add(self, sql: str, parts: Callable[[], Iterable[str]]) -> None:
        """Queue a COPY … FROM STDIN; `parts()` gives its text (called in the background)."""
        self._pending.append((sql, parts))

    def start(self, refill: int = 0) -> None:
        """Run the statements added so far, in order, in the background; then draw keys so
        that every pool in use holds `2 * refill` (see the class's docstring)."""
        self.wait()
        wanted = {
            model: 2 * refill - len(pool)
            for model, pool in self._ids.items()
            if len(pool) < 2 * refill
        }
        if not self._pending and not wanted:
            return
        jobs, self._pending = self._pending, []
        raw = connection.connection
        set_wise = self.set_wise
        incoming = self._incoming

        def work() -> None:
            try:
                with raw.cursor() as cursor:
                    if jobs and set_wise:  # for these statements only; finish() checks keys
                        cursor.execute("SET LOCAL session_replication_role = replica")
                    for sql, parts in jobs:
                        with cursor.copy(sql) as copy:
                            for part in parts():
                                copy.write(part)
                    if jobs and set_wise:
                        cursor.execute("SET LOCAL session_replication_role = origin")
                    for model, count in wanted.items():
                        meta = model._meta
                        cursor.execute(_NEXT_IDS, [meta.db_table, meta.pk.column, count])
                        incoming[model] = [pk for (pk,) in cursor.fetchall()]
            except BaseException as exc:  # handed to the caller's thread by wait()
                self._error = exc  # (the transaction fails: its SET LOCAL goes with it)

        self._thread = threading.Thread(target=work, name="copy-writer", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Wait for the background statements; raise their error if one failed."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            for model, ids in self._incoming.items():
                self._ids.setdefault(model, []).extend(ids)
            self._incoming.clear()
        if self._error is not None:
            error, self._error = self._error, None
            with connection.wrap_database_errors:
                raise error

    def close(self) -> None:
        """Wait, and drop statements never started (the transaction is failing)."""
        self._pending = []
        self.wait()

    def finish(self) -> None:
        """Run what is queued, wait for it, and check the foreign keys it wrote (if the
        triggers did not). Raises IntegrityError naming a key that points nowhere."""
        self.start()
        self.wait()
        if not self.set_wise:
            return
        references, self._references = self._references, defaultdict(set)
        with connection.cursor() as cursor:
            for field, values in references.items():
                target = field.target_field
                parent = target.model
                if target.primary_key:
                    inserted = self._inserted.get(parent)
                    if inserted is not None:
                        values = {v for v in values if v not in inserted}
                values.discard(None)
                if not values:
                    continue
                table, column = _quote(parent._meta.db_table), _quote(target.column)
                wanted = sorted(values)
                for start in range(0, len(wanted), 10_000):
                    chunk = wanted[start : start + 10_000]
                    cursor.execute(
                        f"SELECT {column} FROM {table} WHERE {column} = ANY(%s) FOR KEY SHARE",
                        [chunk],
                    )
                    missing = set(chunk) - {value for (value,) in cursor.fetchall()}
                    if missing:
                        raise IntegrityError(
                            f'insert into "{field.model._meta.db_table}" violates foreign key'
                            f' "{field.column}": ({field.column})=({min(missing)}) is not'
                            f' present in table "{parent._meta.db_table}"'
                        )

    def track(
        self,
        model: type[models.Model],
        fields: Sequence[models.Field],
        given: int,
        ids: Sequence[int],
        rows: Sequence[Sequence],
        constants: Sequence,
    ) -> None:
        """Note the keys of rows about to be copied: `fields` are (pk, *given, *rest), each row
        holds the `given` values and `constants` the rest."""
        if not self.set_wise:
            return
        if model in _referenced_models():  # only these can be a key's target
            self._inserted[model].update(ids)
        for i, field in enumerate(fields[1:]):
            if not (isinstance(field, models.ForeignKey) and field.db_constraint):
                continue
            if i >= given:
                self._references[field].add(constants[i - given])
                continue
            # Keys of rows inserted here need no check: kept are only the others (a school,
            # an existing teacher), so that memory stays small for 500,000 rows.
            own = (
                self._inserted.get(field.related_model) if field.target_field.primary_key else None
            )
            if own:
                self._references[field].update(v for row in rows if (v := row[i]) not in own)
            else:
                self._references[field].update(row[i] for row in rows)


@functools.cache
def _referenced_models() -> frozenset[type[models.Model]]:
    return frozenset(
        field.related_model
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
    )


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _may_skip_key_triggers() -> bool:
    """Whether this connection may run COPYs without the per-row foreign key triggers."""
    if connection.vendor != "postgresql" or not getattr(
        settings, "QIANGSHI_BULK_SET_FOREIGN_KEY_CHECK", True
    ):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('session_replication_role'),"
            " current_setting('is_superuser'), current_setting('server_version_num')::int"
        )
        role, superuser, version = cursor.fetchone()
        if role != "origin":
            return False
        if superuser == "on":
            return True
        if version < 150000:
            return False
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        return bool(cursor.fetchone()[0])


def insert_tuples(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    writer: CopyWriter | None = None,
    keys: Sequence[int] | None = None,
) -> list[int]:
    """Insert rows given as tuples of `columns` (attnames) and return their new primary keys.

    `keys` gives the rows' primary keys when they are not drawn from a sequence (a one-to-one
    key such as a projection's teacher).

    Fields not in `columns` take their default (auto_now fields the current time). A JSON
    column takes either a value or its JSON text as a str. On PostgreSQL the rows go through
    COPY as text formatted by a function generated for these columns; elsewhere bulk_create.
    With a `writer` (PostgreSQL only) the keys are drawn at once but the COPY is only queued:
    `writer.start()` runs it.
    """
    if not rows:
        return []
    meta = model._meta
    now = timezone.now()
    by_name = {f.attname: f for f in meta.concrete_fields}
    given = [by_name[c] for c in columns]
    rest = [f for f in meta.concrete_fields if not f.primary_key and f.attname not in columns]
    constants = tuple(_constant_default(f, now) for f in rest)
    if connection.vendor == "postgresql":  # serialise JSON defaults once, not per row
        constants = tuple(
            json.dumps(c, ensure_ascii=False) if isinstance(f, models.JSONField) else c
            for f, c in zip(rest, constants, strict=True)
        )
    if connection.vendor != "postgresql":
        json_at = [i for i, f in enumerate(given) if isinstance(f, models.JSONField)]
        if json_at:
            rows = [list(row) for row in rows]
            for row in rows:
                for i in json_at:
                    if isinstance(row[i], str):
                        row[i] = json.loads(row[i])
        objs = [
            model(
                **dict(zip(columns, row, strict=True)),
                **{f.attname: c for f, c in zip(rest, constants, strict=True)},
            )
            for row in rows
        ]
        if keys is not None:
            for obj, key in zip(objs, keys, strict=True):
                obj.pk = key
        model.objects.bulk_create(objs, batch_size=2000)
        return [obj.pk for obj in objs]
    tally(model, len(rows))
    fields = [meta.pk, *given, *rest]
    fmt = _formatter(fields, len(given), constants)
    quote = connection.ops.quote_name
    if keys is not None:
        ids = list(keys)
    elif writer is not None:
        ids = writer.ids(model, len(rows))
    else:
        ids = _next_ids(model, len(rows))
    sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"

    def parts() -> Iterator[str]:
        for start in range(0, len(rows), COPY_BATCH):
            end = start + COPY_BATCH
            yield "".join(
                [fmt(pk, row) for pk, row in zip(ids[start:end], rows[start:end], strict=True)]
            )

    if writer is not None:
        writer.track(model, fields, len(given), ids, rows, constants)
        # Formatted now, on this thread: the background thread then only sends bytes (holding
        # the GIL briefly), so the database gets each chunk at once and works in parallel.
        text = [part.encode() for part in parts()]
        writer.add(sql, lambda: text)
        return ids
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for part in parts():
            copy.write(part)
    return ids


# The sequence's name in a scalar subquery is looked up once, not once per key:
# pg_get_serial_sequence() per row made drawing 10,000 keys four times slower.
_NEXT_IDS = (
    "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s))::regclass) FROM generate_series(1, %s)"
)


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_IDS, [meta.db_table, meta.pk.column, count])
        return [pk for (pk,) in cursor.fetchall()]
