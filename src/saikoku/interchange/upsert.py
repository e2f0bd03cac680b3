# SQL below is assembled only from model metadata (table and column names, quoted);
# every value travels as a parameter or through COPY.
# ruff: noqa: S608
"""Set-based writes for the import: insert-or-update many rows in few statements.

A full package is half a million rows; model instances and per-row statements would
make the import many times slower than the database itself (bench/import_bench.py
measures the gap). So rows go in as plain tuples:

- SQLite: one prepared `INSERT … ON CONFLICT (…) DO UPDATE` run with executemany;
- PostgreSQL: `COPY` into a temporary table, then one
  `INSERT … SELECT … ON CONFLICT (…) DO UPDATE` from it.

Both are single-statement upserts keyed on the table's unique constraint, so a row is
never half-written and running them twice gives the same table. Values must already be
what the column stores (validation made them so); JSON columns take a dict.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.db import connection, models

from saikoku.core.bulk import copy_rows

BATCH_ROWS = 5000
_IMPORT_LOCK = 0x5A1C0C01  # any constant key shared by every import
_EMPTY_JSON = "{}"


def column_of(model: type[models.Model], name: str) -> str:
    """The database column of a model's concrete field (a relation's `_id` column)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete field")
    return field.column


def json_text(value: Any) -> str:
    """A JSON column's value as the drivers take it (text)."""
    return json.dumps(value, ensure_ascii=False) if value else _EMPTY_JSON


def datetime_value(value: datetime | None) -> Any:
    """A DateTimeField's value: aware for PostgreSQL, naive UTC text on SQLite (what
    Django itself stores there with USE_TZ)."""
    if value is None or connection.vendor != "sqlite":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def upsert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str] = (),
    fresh: bool = False,
) -> None:
    """Inserts rows (sequences in `columns` order, attnames, values prepared with
    json_text / datetime_value); a row whose `unique` values exist updates the `update`
    columns instead (or is left alone when update is empty).

    fresh: the caller knows none of the rows exists (it holds the import lock and
    looked): a plain INSERT, or on PostgreSQL a COPY straight into the table.
    """
    quote = connection.ops.quote_name
    meta = model._meta
    db_columns = [column_of(model, name) for name in columns]
    column_list = ", ".join(quote(c) for c in db_columns)
    conflict = ", ".join(quote(column_of(model, name)) for name in unique)
    if update:
        sets = ", ".join(
            f"{quote(column_of(model, n))} = excluded.{quote(column_of(model, n))}" for n in update
        )
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        if fresh:
            with connection.cursor() as cursor:
                copy_rows(cursor.cursor, table, column_list, rows)
        else:
            _upsert_postgresql(table, column_list, rows, conflict, action)
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({marks})"
    if not fresh:
        sql += f" ON CONFLICT ({conflict}) {action}"
    with connection.cursor() as cursor:
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH_ROWS)):
            cursor.executemany(sql, batch)


def _upsert_postgresql(
    table: str, column_list: str, rows: Iterable[Any], conflict: str, action: str
) -> None:
    staging = "saikoku_import_staging"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        raw.execute(f"DROP TABLE IF EXISTS {staging}")
        raw.execute(
            f"CREATE TEMPORARY TABLE {staging} AS SELECT {column_list} FROM {table} WITH NO DATA"
        )
        copy_rows(raw, staging, column_list, rows)
        raw.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
            f"ON CONFLICT ({conflict}) {action}"
        )
        raw.execute(f"DROP TABLE {staging}")


def lock_imports() -> None:
    """Serialises imports (PostgreSQL; SQLite's IMMEDIATE transactions already do): the
    loader decides insert-or-update from what it reads, so two imports must not
    interleave. Held until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def delete_pairs(
    model: type[models.Model], first: str, second: str, pairs: Sequence[tuple[Any, Any]]
) -> None:
    """Deletes the rows whose (first, second) columns are one of the pairs."""
    if not pairs:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    a, b = quote(column_of(model, first)), quote(column_of(model, second))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {table} t USING unnest(%s::bigint[], %s::int[]) AS d(a, b) "
                f"WHERE t.{a} = d.a AND t.{b} = d.b",
                [[p[0] for p in pairs], [p[1] for p in pairs]],
            )
        else:
            cursor.executemany(f"DELETE FROM {table} WHERE {a} = %s AND {b} = %s", pairs)


__all__ = [
    "column_of",
    "datetime_value",
    "delete_pairs",
    "fetch",
    "json_text",
    "lock_imports",
    "upsert",
]
