# SQL below is assembled only from model metadata (table and column names, quoted);
# every value travels as a parameter or through COPY.
"""Inserting many new rows at once, faster than model instances allow.

The SMS worker writes hundreds of contact records and audit entries a second; Django's
bulk_create builds one INSERT of thousands of parameters each time, which costs more
in Python than the database spends on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models

__all__ = ["copy_rows", "insert_with_ids"]


def insert_with_ids(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Inserts new rows (values in `names` order, as the model's fields take them:
    each goes through its field's own preparation, encryption included) and returns
    their ids in the rows' order.

    PostgreSQL: the ids drawn from the table's sequence in one query, then one COPY.
    Elsewhere: bulk_create.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=1000
        )
        return [cast(int, obj.pk) for obj in created]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [cast(models.Field, meta.get_field(name)) for name in names]
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(f.column) for f in [pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # Prepared before the COPY starts: a field's preparation may itself query the
        # database (an encrypted field reads its key), which it cannot do mid-COPY.
        prepared = [
            [
                pk_value,
                *(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)),
            ]
            for pk_value, row in zip(ids, rows, strict=True)
        ]
        # psycopg's own cursor: Django's wrapper has no copy().
        copy_rows(cursor.cursor, quote(meta.db_table), column_list, prepared)
    return ids


def copy_rows(raw: Any, table: str, column_list: str, rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into a table (PostgreSQL; `raw` is psycopg's cursor)."""
    with raw.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
