"""After an import the query planner knows the new rows (PostgreSQL), so the first
payer page after a full package is not planned on guesses."""

import pytest
from django.db import connection

from saikoku.interchange.services import LOADED_TABLES, package_import
from support.packages import build


def _analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables "
            "WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_an_import_refreshes_the_planner_statistics_of_every_loaded_table(tmp_path):
    result = package_import(path=build(tmp_path / "p.zip"), password=None, handler="test")
    assert result.status == "imported"
    if connection.vendor == "postgresql":
        assert set(LOADED_TABLES) <= _analysed_tables()
    else:
        # SQLite plans these queries without statistics; none are collected.
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 0
