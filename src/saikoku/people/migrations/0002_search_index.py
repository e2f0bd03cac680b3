"""The search index over the residents' name and kana keys (people/search_index.py).

Engine-specific because the engines differ in kind: PostgreSQL indexes a plain table
with GIN (pg_trgm's trigram operator class over the keys, a tsvector of the keys'
pieces), SQLite has no GIN but FTS5 virtual tables (the trigram tokenizer, SQLite ≥
3.34, and a word table in which every character but a space belongs to a word). The
statements are kept here (not imported from app code) so the migration stays what it
was when it ran. Filling the index for residents already imported is the app's own
`search_index_sync`, the function every import runs; it is called by 0003, after the
index has the columns the current code writes.
"""

import sqlite3

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRESQL_CREATE = [
    """
    CREATE TABLE people_search (
        resident_id bigint PRIMARY KEY,
        name_key varchar(200) NOT NULL,
        kana_key varchar(200) NOT NULL,
        pieces text[] NOT NULL
    )
    """,
    "CREATE INDEX people_search_name_trgm ON people_search USING gin (name_key gin_trgm_ops)",
    "CREATE INDEX people_search_kana_trgm ON people_search USING gin (kana_key gin_trgm_ops)",
    # Lexemes taken as they are (no parser): a piece is found whole or by its prefix.
    "CREATE INDEX people_search_pieces ON people_search USING gin (array_to_tsvector(pieces))",
]
POSTGRESQL_DROP = ["DROP TABLE IF EXISTS people_search"]

SQLITE_CREATE = [
    # case_sensitive 0 (the default) folds case: more candidates than LIKE, never fewer.
    "CREATE VIRTUAL TABLE people_search USING fts5("
    "name_key, kana_key, tokenize='trigram', columnsize=0)",
    # Every category but spaces (Z*) makes words, so a piece is always one whole word,
    # whatever characters it holds; case is folded, diacritics are kept.
    "CREATE VIRTUAL TABLE people_search_pieces USING fts5(pieces, tokenize=\"unicode61"
    " categories 'L* M* N* P* S* C*' remove_diacritics 0\", detail=none, columnsize=0)",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS people_search_pieces", "DROP TABLE IF EXISTS people_search"]


def statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if vendor == "sqlite":
        if create and sqlite3.sqlite_version_info < (3, 34, 0):
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer: 3.34 or later needed"
            )
        return SQLITE_CREATE if create else SQLITE_DROP
    raise NotImplementedError(f"no search index for database {vendor!r}")


def create(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql, None)


def drop(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop),
    ]
