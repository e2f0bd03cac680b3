"""Consistent snapshots of the database, taken while the service goes on writing, and
the engine helpers the restore shares (table lists, quoting, row counts, libpq).

SQLite copies the database in one step of the backup API under one read transaction,
and the counts and head are read from the copy; PostgreSQL exports the snapshot of a
REPEATABLE READ transaction, reads the counts and head in it and hands it to pg_dump
(`--snapshot`). The payload (create.py) is a tar of that database and of the encrypted
files (`*.enc` under settings.FILES_DIR, still encrypted under the data key). Neither
the master key nor any other key of the installation is in it.

The SQL built here names only tables read from the database's own catalogue, quoted by
the engine's rules; pg_dump gets fixed arguments and settings.
"""

# ruff: noqa: S608, S603

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from saikoku.core.audit import head_of
from saikoku.privacy.backup.exceptions import BackupError

DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES_MEMBER = "files"
# libpq's environment variables for the connection parameters Django's settings hold.
LIBPQ_ENV = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
}


def database_engine(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The engine ("sqlite" or "postgresql"); BackupError "other_engine" for any other."""
    vendor = connections[alias].vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError("other_engine", _("この種類のデータベースはバックアップできません。"))
    return vendor


def libpq_params(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The libpq connection parameters of a PostgreSQL database of settings.DATABASES."""
    database = settings.DATABASES[alias]
    params = {
        "dbname": database.get("NAME") or "",
        "user": database.get("USER") or "",
        "password": database.get("PASSWORD") or "",
        "host": database.get("HOST") or "",
        "port": str(database.get("PORT") or ""),
    }
    for name, value in (database.get("OPTIONS") or {}).items():
        if name in LIBPQ_ENV:
            params[name] = str(value)
    return {name: value for name, value in params.items() if value}


def libpq_env(params: dict[str, str]) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: these parameters as libpq's variables,
    and none of the caller's own PG* variables."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment.update({LIBPQ_ENV[name]: value for name, value in params.items()})
    return environment


def sqlite_tables(db: sqlite3.Connection) -> list[str]:
    """The tables of a SQLite database, by name, without SQLite's own."""
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def row_counts(execute: Any, quote: Any, tables: list[str]) -> dict[str, int]:
    """The row count of each table; `execute(sql)` returns one row, `quote` quotes a name."""
    # Table names come from the database's own catalogue, quoted by the engine's rules.
    return {table: int(execute(f"SELECT count(*) FROM {quote(table)}")[0]) for table in tables}


def sqlite_quote(name: str) -> str:
    """A table name quoted for SQLite."""
    return '"' + name.replace('"', '""') + '"'


def _head_from(row: tuple[Any, ...] | None, count: int) -> dict[str, Any]:
    if row is None:
        return head_of(None, count)
    at = row[2]
    if isinstance(at, str):  # SQLite keeps UTC as text
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return head_of((int(row[0]), str(row[1]), at), count)


def sqlite_snapshot(dest: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """Copies the SQLite database to `dest`; returns the copy's row counts and audit head."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    copy = sqlite3.connect(dest)
    try:
        # One step (pages=-1) holds one read transaction: a consistent copy, while
        # writers go on in WAL mode.
        connection.connection.backup(copy)
        copy.commit()
        tables = sqlite_tables(copy)
        counts = row_counts(lambda sql: copy.execute(sql).fetchone(), sqlite_quote, tables)
        last = copy.execute(
            "SELECT seq, hash, at FROM core_auditentry ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        head = _head_from(last, counts.get("core_auditentry", 0))
    finally:
        copy.close()
    return counts, head


def pg_tables(cursor: Any) -> list[str]:
    """The tables of the current PostgreSQL schema, by name."""
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [name for (name,) in cursor.fetchall()]


def pg_quote(name: str) -> str:
    """A table name quoted for PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


def run_pg_tool(argv: list[str], env: dict[str, str], what: str) -> None:
    """Runs pg_dump or pg_restore; BackupError "no_client" or "tool_failed" (`what`, then
    the tool's own words)."""
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            "no_client",
            _("%(tool)s が見つかりません（PostgreSQL のクライアントを入れてください）。")
            % {"tool": argv[0]},
        ) from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.split())[:300]
        raise BackupError("tool_failed", f"{what}: {reason}")


def pg_snapshot(dest: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """pg_dump of one exported snapshot to `dest`; returns that snapshot's row counts and
    audit head."""
    import psycopg

    params = libpq_params()
    with psycopg.connect(**params) as snapshot:  # type: ignore[arg-type]
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot.read_only = True
        with snapshot.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]  # type: ignore[index]
            tables = pg_tables(cursor)

            def one(sql: str) -> Any:
                cursor.execute(sql)
                return cursor.fetchone()

            counts = row_counts(one, pg_quote, tables)
            last = one("SELECT seq, hash, at FROM core_auditentry ORDER BY seq DESC LIMIT 1")
            head = _head_from(last, counts.get("core_auditentry", 0))
            # pg_dump reads the same snapshot while this transaction stays open.
            run_pg_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--file={dest}",
                    "--no-password",
                    params.get("dbname", ""),
                ],
                libpq_env(params),
                _("pg_dump が失敗しました"),
            )
        snapshot.rollback()
    return counts, head


def applied_migrations() -> list[str]:
    """The applied migrations as "app.name", sorted (the manifest's list)."""
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS], ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.applied_migrations)


def stored_files() -> list[Path]:
    """The encrypted stored files (`*.enc` under settings.FILES_DIR)."""
    root = Path(settings.FILES_DIR)
    return sorted(root.rglob("*.enc")) if root.is_dir() else []
