# SQL below is assembled only from the fixed table names of this module; every value
# travels as a parameter or through COPY.
# ruff: noqa: S608, S611
"""The search index: what lets a name or kana search skip the residents that cannot
match, at full scale (≈82,000 residents) and on both engines.

What is indexed are the search keys (`Resident.name_key`, `Resident.kana_key`, see
core/text.py), so a query matches across width, kana and 異体字 exactly as before:
the typed text goes through the same key function and is matched with the same
`contains` condition (LIKE, each engine's own) as a scan of the residents would.
Beside the keys each row holds the levies of the resident's assessments: who may see
a payer is decided by those levies (core/permissions.py, `payers_visible_to`), and a
search that had to test every candidate's assessments lost its time there (a common
surname is ≈3,500 residents). So a name or kana search is answered by the index alone
(`payers_matching`): the keys' condition, the index's narrowing and the user's levies,
in one table. For that the index must hold, for every resident, the same keys and the
same levies as the residents and their assessments; `search_index_sync` keeps it so.

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
interchange after-import hook, inside the import's transaction; people/apps.py; names
and assessments change only through imports) and by the migrations that created the
index. It compares the keys and levies the index holds with the residents' and their
assessments' and rewrites only the residents that are new or changed, so a delta
package costs what it changes, and removes rows of residents that no longer exist.
The levies are a column of text[] on PostgreSQL and a table of (resident, levy) on
SQLite, where an FTS5 table has no column types.
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
    "payers_matching",
    "pieces",
    "search_index_sync",
]

# The length of a trigram: queries this long or longer use the trigram index.
TRIGRAM = 3
_CHUNK = 500


@dataclass(frozen=True)
class _Engine:
    """Where one engine keeps the index: the table holding the indexed keys, its id
    column, and the tables beside it that hold the rest (table, id column)."""

    keys_table: str
    id_column: str
    side_tables: tuple[tuple[str, str], ...]


_ENGINES = {
    "postgresql": _Engine("people_search", "resident_id", ()),
    "sqlite": _Engine(
        "people_search",
        "rowid",
        (("people_search_pieces", "rowid"), ("people_search_levy", "resident_id")),
    ),
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


def _like(value: str) -> str:
    # Django's own escaping for `contains`, so the condition is the lookup's.
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def payers_matching(value: str, *, kana_only: bool, levies: Sequence[str]) -> RawSQL | None:
    """A subquery of the ids of the payers of `levies` whose kana key (and, unless
    kana_only, name key) contains `value`: exactly whom `payers_visible_to(user)
    .filter(kana_key__contains=value)` (or the name key too) would list for a user of
    those levies. None when the index cannot narrow (an empty value is in every key)."""
    if not value or not levies:
        return None
    _engine()  # refuses an engine without an index
    like = _like(value)
    if connection.vendor == "postgresql":
        keys = "kana_key LIKE %s" if kana_only else "(name_key LIKE %s OR kana_key LIKE %s)"
        params: list[Any] = [like] if kana_only else [like, like]
        if len(value) < TRIGRAM:
            # A tsquery lexeme in quotes is taken as it is (no parser, no dictionary):
            # backslash and quote are its only special characters.
            lexeme = "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
            query = lexeme if len(value) == 2 else lexeme + ":*"
            keys = f"array_to_tsvector(pieces) @@ CAST(%s AS tsquery) AND {keys}"
            params.insert(0, query)
        return RawSQL(
            f"SELECT resident_id FROM people_search WHERE {keys} AND levies && %s::text[]",
            [*params, list(levies)],
        )
    # FTS5 tables are read from their MATCH; a `rowid IN (…)` beside it makes SQLite
    # probe the full-text index once per listed id (measured: 1.2 s instead of 3 ms),
    # so the pieces are joined and the levies tested with EXISTS.
    escape = " ESCAPE '\\'"
    keys = (
        f"s.kana_key LIKE %s{escape}"
        if kana_only
        else f"(s.name_key LIKE %s{escape} OR s.kana_key LIKE %s{escape})"
    )
    params = [like] if kana_only else [like, like]
    phrase = '"' + value.replace('"', '""') + '"'
    if len(value) >= TRIGRAM:
        columns = "kana_key" if kana_only else "{name_key kana_key}"
        source = "people_search s WHERE people_search MATCH %s"
        params.insert(0, f"{columns} : {phrase}")
    else:
        source = (
            "people_search_pieces p JOIN people_search s ON s.rowid = p.rowid"
            " WHERE people_search_pieces MATCH %s"
        )
        params.insert(0, phrase if len(value) == 2 else phrase + "*")
    marks = ", ".join(["%s"] * len(levies))
    return RawSQL(
        f"SELECT s.rowid FROM {source} AND {keys} AND EXISTS (SELECT 1 FROM people_search_levy l"
        f" WHERE l.resident_id = s.rowid AND l.levy IN ({marks}))",
        [*params, *levies],
    )


# Each resident's levies as one text ("LV NH RT", sorted): how the sync compares what
# the index holds with the assessments on both engines.
_LEVIES_OF_ASSESSMENTS = (
    "SELECT payer_id AS resident_id, {concat} AS levies FROM"
    " (SELECT DISTINCT payer_id, levy FROM arrears_assessment ORDER BY payer_id, levy) a"
    " GROUP BY payer_id"
)
_CHANGED = {
    "postgresql": (
        "WITH lv AS ({assessed})"
        " SELECT r.id, r.name_key, r.kana_key, coalesce(lv.levies, ''), s.resident_id"
        " FROM people_resident r LEFT JOIN lv ON lv.resident_id = r.id"
        " LEFT JOIN people_search s ON s.resident_id = r.id"
        " WHERE s.resident_id IS NULL OR s.name_key <> r.name_key OR s.kana_key <> r.kana_key"
        " OR array_to_string(s.levies, ' ') <> coalesce(lv.levies, '')"
    ),
    "sqlite": (
        "WITH lv AS ({assessed}), ix AS (SELECT resident_id, group_concat(levy, ' ') AS levies"
        " FROM (SELECT resident_id, levy FROM people_search_levy ORDER BY resident_id, levy)"
        " GROUP BY resident_id)"
        " SELECT r.id, r.name_key, r.kana_key, coalesce(lv.levies, ''), s.rowid"
        " FROM people_resident r LEFT JOIN lv ON lv.resident_id = r.id"
        " LEFT JOIN people_search s ON s.rowid = r.id LEFT JOIN ix ON ix.resident_id = r.id"
        " WHERE s.rowid IS NULL OR s.name_key <> r.name_key OR s.kana_key <> r.kana_key"
        " OR coalesce(ix.levies, '') <> coalesce(lv.levies, '')"
    ),
}
_CONCAT = {"postgresql": "string_agg(levy, ' ' ORDER BY levy)", "sqlite": "group_concat(levy, ' ')"}


def search_index_sync() -> int:
    """Brings the index in step with the residents' keys and their assessments' levies;
    returns how many residents were (re)indexed. Set-based: one comparison over the
    residents, then deletes and inserts of the residents that differ."""
    engine = _engine()
    tables = [(engine.keys_table, engine.id_column), *engine.side_tables]
    with connection.cursor() as cursor:
        for table, rid in tables:
            gone = f"{rid} NOT IN (SELECT id FROM people_resident)"
            cursor.execute(f"DELETE FROM {table} WHERE {gone}")
        assessed = _LEVIES_OF_ASSESSMENTS.format(concat=_CONCAT[connection.vendor])
        cursor.execute(_CHANGED[connection.vendor].format(assessed=assessed))
        changed = cursor.fetchall()
        # The keys table says which residents it holds; the tables beside it are
        # cleared for every resident rewritten, so a damaged index is mended whole.
        stale = [row[0] for row in changed if row[4] is not None]
        rewritten = [row[0] for row in changed]
        for (table, rid), ids in zip(tables, [stale] + [rewritten] * len(tables[1:]), strict=True):
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE {rid} IN ({marks})", chunk)
        if changed:
            _insert(cursor, [(row[0], row[1], row[2], row[3].split()) for row in changed])
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


_Row = tuple[int, str, str, list[str]]


def _insert(cursor: Any, rows: Sequence[_Row]) -> None:
    if connection.vendor == "postgresql":
        # COPY: a full package indexes every resident, and row-by-row INSERTs would
        # cost the import seconds (measured: bench/import_bench.py).
        copy_sql = "COPY people_search (resident_id, name_key, kana_key, pieces, levies) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for resident_id, name_key, kana_key, levies in rows:
                copy.write_row(
                    (resident_id, name_key, kana_key, pieces(name_key, kana_key), levies)
                )
        return
    cursor.executemany(
        "INSERT INTO people_search (rowid, name_key, kana_key) VALUES (%s, %s, %s)",
        [row[:3] for row in rows],
    )
    cursor.executemany(
        "INSERT INTO people_search_pieces (rowid, pieces) VALUES (%s, %s)",
        _pieces_rows(rows),
    )
    cursor.executemany(
        "INSERT INTO people_search_levy (resident_id, levy) VALUES (%s, %s)",
        [(row[0], levy) for row in rows for levy in row[3]],
    )


def _pieces_rows(rows: Iterable[_Row]) -> Iterable[tuple[int, str]]:
    # Keys hold no spaces (core/text.py drops them), so a space parts the pieces.
    for resident_id, name_key, kana_key, _levies in rows:
        yield resident_id, " ".join(pieces(name_key, kana_key))


def after_package_import(*, package_id: str, today: date) -> None:
    """The interchange after-import hook: the residents the package brought or changed
    become findable in the same transaction."""
    search_index_sync()
