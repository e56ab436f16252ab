"""Fast bulk inserts: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create on PostgreSQL sends each batch as arrays (UNNEST) and spends most of its
time preparing values; COPY streams rows as text and is several times faster for the 100,000-row
imports bureaus run. Primary keys are drawn from the table's sequence first, so the caller gets
them set on its objects, exactly as with bulk_create, and can insert children next.
"""

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone


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
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(missing)],
            )
            for obj, (pk,) in zip(missing, cursor.fetchall(), strict=True):
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
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
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


def filter_in(queryset, field: str, keys: Sequence, chunk: int = 5000):
    """Querysets that together select the rows whose `field` is one of `keys`.

    PostgreSQL gets one query with the keys as a single array parameter (`IN (SELECT
    unnest(%s))`): building a statement with tens of thousands of placeholders costs more than
    running it. Other databases get chunks below their parameter limit.
    """
    keys = list(keys)
    if not keys:
        return []
    if connection.vendor == "postgresql":
        from django.db.models.expressions import RawSQL

        cast = "bigint[]" if all(isinstance(k, int) for k in keys) else "text[]"
        sql = f"SELECT unnest(%s::{cast})"
        return [queryset.filter(**{f"{field}__in": RawSQL(sql, (keys,))})]
    return [
        queryset.filter(**{f"{field}__in": keys[i : i + chunk]}) for i in range(0, len(keys), chunk)
    ]
