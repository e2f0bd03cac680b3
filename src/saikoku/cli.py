"""What the `saikoku` command asks about the database before a command runs
(`saikoku/__main__.py`), without creating anything: SQLite creates an empty file on
the first connection, so a missing file is reported, never opened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

__all__ = ["database_problem", "sqlite_file", "table_exists"]


def sqlite_file(connection: Any = None) -> Path | None:
    """The embedded database's file, or None for another engine or an in-memory one."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def database_problem(connection: Any = None) -> str:
    """ "" when the database exists with every migration applied; otherwise one line
    saying what to run first (or why the database cannot be reached)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    first = _("先に saikoku migrate を実行してください。")
    path = sqlite_file(connection)
    if path is not None and not path.exists():
        # Connecting would create an empty file: say what to do and touch nothing.
        return _("データベースがまだ作成されていません（%(path)s）。") % {"path": path} + first
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        return _("データベースに接続できません: %(reason)s") % {"reason": reason}
    if not pending:
        return ""
    if not executor.loader.applied_migrations:
        return _("データベースがまだ作成されていません。") + first
    behind = _("データベースが古い版のままです（未適用の更新 %(count)d 件）。")
    return behind % {"count": len(pending)} + first


def table_exists(table: str, connection: Any = None) -> bool:
    """Whether the database exists and has the table (checked without creating it)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    path = sqlite_file(connection)
    if path is not None and not path.exists():
        return False
    try:
        with connection.cursor() as cursor:
            return table in connection.introspection.table_names(cursor)
    except DatabaseError:
        return False
