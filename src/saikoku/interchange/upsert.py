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

BATCH_ROWS = 5000
_EMPTY_JSON = "{}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if value else _EMPTY_JSON


def _sqlite_datetime(value: datetime | None) -> str | None:
    # What Django's DateTimeField stores on SQLite with USE_TZ: naive UTC text.
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _adapters(model: type[models.Model], columns: Sequence[str]) -> list[tuple[int, Any]]:
    """(index, function) for the columns whose Python value the driver cannot take."""
    adapters = []
    sqlite = connection.vendor == "sqlite"
    for index, name in enumerate(columns):
        field = model._meta.get_field(name)
        if isinstance(field, models.JSONField):
            adapters.append((index, _json))
        elif sqlite and isinstance(field, models.DateTimeField):
            adapters.append((index, _sqlite_datetime))
    return adapters


def _adapt(rows: Iterable[Sequence[Any]], adapters: list[tuple[int, Any]]) -> Iterable[Any]:
    if not adapters:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for index, adapt in adapters:
            values[index] = adapt(values[index])
        yield values


def upsert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Inserts rows (tuples in `columns` order, attnames); a row whose `unique` values
    exist updates the `update` columns instead (or is left alone when update is empty).
    """
    quote = connection.ops.quote_name
    meta = model._meta
    db_columns = [meta.get_field(name).column for name in columns]
    column_list = ", ".join(quote(c) for c in db_columns)
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique)
    if update:
        sets = ", ".join(
            f"{quote(meta.get_field(n).column)} = excluded.{quote(meta.get_field(n).column)}"
            for n in update
        )
        action = f"DO UPDATE SET {sets}"
    else:
        action = "DO NOTHING"
    adapted = _adapt(rows, _adapters(model, columns))
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        _upsert_postgresql(table, column_list, adapted, conflict, action)
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({column_list}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}"
    with connection.cursor() as cursor:
        iterator = iter(adapted)
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
        with raw.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
            f"ON CONFLICT ({conflict}) {action}"
        )
        raw.execute(f"DROP TABLE {staging}")


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
    a, b = quote(meta.get_field(first).column), quote(meta.get_field(second).column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {table} t USING unnest(%s::bigint[], %s::int[]) AS d(a, b) "
                f"WHERE t.{a} = d.a AND t.{b} = d.b",
                [[p[0] for p in pairs], [p[1] for p in pairs]],
            )
        else:
            cursor.executemany(f"DELETE FROM {table} WHERE {a} = %s AND {b} = %s", pairs)


__all__ = ["delete_pairs", "fetch", "upsert"]
