"""The search index holds each resident's levies (people/search_index.py): a name or
kana search is then answered by the index alone, permissions included.

PostgreSQL: a text[] column of the index table. SQLite: a table of (resident, levy)
beside the FTS5 tables, which have no typed columns. Filling it for residents already
imported is the app's `search_index_sync`, as in 0002.
"""

from django.db import migrations

POSTGRESQL_CREATE = ["ALTER TABLE people_search ADD COLUMN levies text[] NOT NULL DEFAULT '{}'"]
POSTGRESQL_DROP = ["ALTER TABLE people_search DROP COLUMN levies"]
SQLITE_CREATE = [
    "CREATE TABLE people_search_levy (resident_id integer NOT NULL, levy varchar(2) NOT NULL,"
    " PRIMARY KEY (resident_id, levy)) WITHOUT ROWID",
    "CREATE INDEX people_search_levy_levy ON people_search_levy (levy, resident_id)",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS people_search_levy"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL_CREATE if vendor == "postgresql" else SQLITE_CREATE:
        schema_editor.execute(sql, None)
    from saikoku.people.search_index import search_index_sync

    search_index_sync()


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRESQL_DROP if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_search_index"), ("arrears", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
