# SQL below is assembled only from the fixed table names of this module; every value
# travels as a parameter or through COPY.
# ruff: noqa: S608
"""The search index: what lets a name or kana search skip the residents that cannot
match, at full scale (≈82,000 residents) and on both engines.

What is indexed are the search keys (`Resident.name_key`, `Resident.kana_key`, see
core/text.py), so a query matches across width, kana and 異体字 exactly as before:
the typed text goes through the same key function, and the search still applies its
own `contains` conditions to the keys (people/selectors.py). The index only narrows
the residents those conditions are tried on; it never decides alone. For that it must
hold, for every resident, everything the conditions could match (it may hold more).

Two structures, because a trigram index cannot answer a query shorter than a trigram,
and most Japanese names are two to four characters (佐藤, 林):

- queries of three characters or more: a trigram index over both keys;
- queries of one or two characters: the keys' *pieces*, each two-character piece of a
  key (佐藤花子 → 佐藤 藤花 花子) and its last character (子), as whole words. A
  two-character query is one piece; a one-character query is a prefix of some piece
  (a character is followed by another, or ends the key).

The engines differ in kind here (docs/architecture.md, "Two engines, one code path"):
PostgreSQL has GIN indexes (pg_trgm's trigram operator class for the keys, a GIN over
the pieces as a tsvector of lexemes, which answers prefixes), SQLite has none but has
FTS5 virtual tables (the `trigram` tokenizer, SQLite ≥ 3.34, and a word table in which
every character but a space belongs to a word). So the tables and the queries that
read them are engine-specific, and only here; how they are kept in step is the same.

Kept in step by `search_index_sync`, after every ward package import (the
interchange after-import hook, inside the import's transaction; people/apps.py) and
by the migration that created the index. It compares the keys the index holds with the
residents' and rewrites only the residents that are new or changed, so a delta package
costs what it changes, and removes rows of residents that no longer exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

__all__ = [
    "TRIGRAM",
    "after_package_import",
    "candidates",
    "pieces",
    "search_index_sync",
]

# The length of a trigram: queries this long or longer use the trigram index.
TRIGRAM = 3
_CHUNK = 500


@dataclass(frozen=True)
class _Engine:
    """Where one engine keeps the index: the table holding the indexed keys, its id
    column, and the table holding the pieces (the same table on PostgreSQL)."""

    keys_table: str
    id_column: str
    pieces_table: str


_ENGINES = {
    "postgresql": _Engine("people_search", "resident_id", "people_search"),
    "sqlite": _Engine("people_search", "rowid", "people_search_pieces"),
}


def _engine() -> _Engine:
    try:
        return _ENGINES[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"no search index for database {connection.vendor!r}") from None


def pieces(*keys: str) -> list[str]:
    """Every two-character piece of the keys and the last character of each, distinct.

    A text of one or two characters occurs in a key exactly when it is one of these
    pieces (two characters) or begins one (one character)."""
    found: set[str] = set()
    for key in keys:
        if key:
            found.update([key[i : i + 2] for i in range(len(key) - 1)])
            found.add(key[-1])
    return sorted(found)


def candidates(value: str, *, kana_only: bool) -> RawSQL | None:
    """A subquery of the ids of every resident whose kana key (and, unless kana_only,
    name key) could contain `value`; None when nothing can be narrowed (an empty value
    is contained in every key).

    May name more residents than match (trigrams are case-folded, the pieces cover both
    keys): the caller keeps its exact conditions on the keys."""
    if not value:
        return None
    _engine()  # refuses an engine without an index
    if connection.vendor == "postgresql":
        if len(value) >= TRIGRAM:
            like = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            if kana_only:
                return RawSQL(
                    "SELECT resident_id FROM people_search WHERE kana_key LIKE %s", [like]
                )
            return RawSQL(
                "SELECT resident_id FROM people_search WHERE name_key LIKE %s OR kana_key LIKE %s",
                [like, like],
            )
        # A tsquery lexeme in quotes is taken as it is (no parser, no dictionary):
        # backslash and quote are its only special characters.
        lexeme = "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
        query = lexeme if len(value) == 2 else lexeme + ":*"
        return RawSQL(
            "SELECT resident_id FROM people_search"
            " WHERE array_to_tsvector(pieces) @@ CAST(%s AS tsquery)",
            [query],
        )
    phrase = '"' + value.replace('"', '""') + '"'
    if len(value) >= TRIGRAM:
        columns = "kana_key" if kana_only else "{name_key kana_key}"
        return RawSQL(
            "SELECT rowid FROM people_search WHERE people_search MATCH %s",
            [f"{columns} : {phrase}"],
        )
    query = phrase if len(value) == 2 else phrase + "*"
    return RawSQL(
        "SELECT rowid FROM people_search_pieces WHERE people_search_pieces MATCH %s", [query]
    )


def search_index_sync() -> int:
    """Brings the index in step with the residents' keys; returns how many residents
    were (re)indexed. Set-based: one comparison over the residents, then deletes and
    inserts of the residents that differ."""
    engine = _engine()
    keys, rid = engine.keys_table, engine.id_column
    separate = engine.pieces_table != keys
    with connection.cursor() as cursor:
        gone = f"{rid} NOT IN (SELECT id FROM people_resident)"
        cursor.execute(f"DELETE FROM {keys} WHERE {gone}")
        if separate:
            cursor.execute(f"DELETE FROM {engine.pieces_table} WHERE {gone}")
        cursor.execute(
            f"SELECT r.id, r.name_key, r.kana_key, s.{rid} FROM people_resident r"
            f" LEFT JOIN {keys} s ON s.{rid} = r.id"
            f" WHERE s.{rid} IS NULL OR s.name_key <> r.name_key OR s.kana_key <> r.kana_key"
        )
        changed = cursor.fetchall()
        stale = [row[0] for row in changed if row[3] is not None]
        for start in range(0, len(stale), _CHUNK):
            chunk = stale[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {keys} WHERE {rid} IN ({marks})", chunk)
            if separate:
                cursor.execute(f"DELETE FROM {engine.pieces_table} WHERE {rid} IN ({marks})", chunk)
        if changed:
            _insert(cursor, [row[:3] for row in changed])
        if connection.vendor == "postgresql" and len(changed) * 10 > _count(cursor):
            # The planner reads the index only with statistics that know its size:
            # without them a common surname was planned as a scan (measured 190 ms
            # instead of 40). ANALYZE sees this transaction's own rows. SQLite's FTS5
            # tables plan themselves.
            cursor.execute("ANALYZE people_search")
    return len(changed)


def _count(cursor: Any) -> int:
    cursor.execute("SELECT count(*) FROM people_resident")
    return int(cursor.fetchone()[0])


def _insert(cursor: Any, rows: Sequence[tuple[int, str, str]]) -> None:
    if connection.vendor == "postgresql":
        # COPY: a full package indexes every resident, and row-by-row INSERTs would
        # cost the import seconds (measured: bench/import_bench.py).
        copy_sql = "COPY people_search (resident_id, name_key, kana_key, pieces) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for resident_id, name_key, kana_key in rows:
                copy.write_row((resident_id, name_key, kana_key, pieces(name_key, kana_key)))
        return
    cursor.executemany(
        "INSERT INTO people_search (rowid, name_key, kana_key) VALUES (%s, %s, %s)", rows
    )
    cursor.executemany(
        "INSERT INTO people_search_pieces (rowid, pieces) VALUES (%s, %s)",
        _pieces_rows(rows),
    )


def _pieces_rows(rows: Iterable[tuple[int, str, str]]) -> Iterable[tuple[int, str]]:
    # Keys hold no spaces (core/text.py drops them), so a space parts the pieces.
    for resident_id, name_key, kana_key in rows:
        yield resident_id, " ".join(pieces(name_key, kana_key))


def after_package_import(*, package_id: str, today: date) -> None:
    """The interchange after-import hook: the residents the package brought or changed
    become findable in the same transaction."""
    search_index_sync()
