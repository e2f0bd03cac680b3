"""Restoring a backup (`saikoku restore IN`) into an empty database and files folder.

A restore decrypts and checks the whole archive before it touches anything, refuses a
target that is not empty (`target_problem`), restores, and then proves every row
count equal to the manifest's and the audit chain intact up to the manifest's head.

The SQL built here names only tables read from the database's own catalogue, quoted by
the engine's rules; pg_restore gets fixed arguments and settings.
"""

# ruff: noqa: S608

from __future__ import annotations

import sqlite3
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record, verify_chain
from saikoku.privacy import keys
from saikoku.privacy.backup.archive import audit_key_fingerprint, read_archive
from saikoku.privacy.backup.create import private_temp
from saikoku.privacy.backup.exceptions import BackupError
from saikoku.privacy.backup.snapshot import (
    DATABASE_MEMBER,
    FILES_MEMBER,
    database_engine,
    libpq_env,
    libpq_params,
    pg_quote,
    pg_tables,
    row_counts,
    run_pg_tool,
    sqlite_quote,
    sqlite_tables,
    stored_files,
)
from saikoku.privacy.files import write_private_file

# Tables `saikoku migrate` fills by itself: a database holding rows only there is empty.
MIGRATE_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    rows: int
    tables: int
    files: int
    audit_checked: int
    audit_head: dict[str, Any]
    created_at: str


def _model_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models(include_auto_created=True)}


def target_problem() -> str:
    """ "" when the configured database and files folder are empty enough to restore
    into, else one line saying why not. Empty means: no tables at all, or no row in
    any table of the project's models except those `saikoku migrate` fills by itself
    (MIGRATE_TABLES); and no stored file. Checked without creating anything."""
    if stored_files():
        return _("保管ファイルのフォルダ（%(path)s）が空ではありません。") % {
            "path": settings.FILES_DIR
        }
    engine = database_engine()
    wanted = _model_tables() - MIGRATE_TABLES
    if engine == "sqlite":
        path = Path(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
        if not path.exists():
            return ""
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = sqlite_tables(db)
            busy = [
                t
                for t in tables
                if t in wanted and db.execute(f"SELECT 1 FROM {sqlite_quote(t)} LIMIT 1").fetchone()
            ]
        finally:
            db.close()
    else:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            tables = pg_tables(cursor)
            busy = []
            for table in tables:
                if table in wanted:
                    cursor.execute(f"SELECT 1 FROM {pg_quote(table)} LIMIT 1")
                    if cursor.fetchone():
                        busy.append(table)
    if busy:
        return _("復元先のデータベースが空ではありません（%(tables)s などに行があります）。") % {
            "tables": ", ".join(busy[:3])
        }
    return ""


def _check_manifest(manifest: dict[str, Any], name: str) -> None:
    engine = database_engine()
    if manifest.get("engine") != engine:
        raise BackupError(
            "other_engine",
            _("%(name)s は %(theirs)s のバックアップです。復元先は %(ours)s です。")
            % {"name": name, "theirs": manifest.get("engine"), "ours": engine},
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [m for m in manifest.get("migrations", []) if tuple(m.split(".", 1)) not in known]
    if unknown:
        raise BackupError(
            "newer_version",
            _(
                "%(name)s はこの版にない更新（%(migration)s など）を含みます。"
                "新しい版で復元してください。"
            )
            % {"name": name, "migration": unknown[0]},
        )
    if manifest.get("audit_key_fingerprint") != audit_key_fingerprint():
        raise BackupError(
            "audit_key",
            _(
                "監査ログの鍵（SAIKOKU_AUDIT_KEY）がバックアップ時と違います。同じ鍵を設定してください。"
            ),
        )
    if manifest.get("master_key_fingerprint") != keys.master_key_fingerprint():
        raise BackupError(
            "master_key",
            _(
                "マスター鍵（SAIKOKU_MASTER_KEY）がバックアップ時（指紋 %(theirs)s）と違います。"
                "同じ鍵を設定してください。"
            )
            % {"theirs": manifest.get("master_key_fingerprint")},
        )


def _restore_sqlite(database: Path) -> None:
    target = Path(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    source = sqlite3.connect(database)
    into = sqlite3.connect(target)
    try:
        source.backup(into)
        into.commit()
    finally:
        into.close()
        source.close()


def _restore_pg(database: Path) -> None:
    connections.close_all()
    params = libpq_params()
    run_pg_tool(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--dbname={params.get('dbname', '')}",
            str(database),
        ],
        libpq_env(params),
        _("pg_restore が失敗しました（何も変更していません）"),
    )


def _restore_files(extracted: Path) -> int:
    source = extracted / FILES_MEMBER
    if not source.is_dir():
        return 0
    root = Path(settings.FILES_DIR)
    count = 0
    for path in sorted(source.rglob("*.enc")):
        write_private_file(root / path.relative_to(source), path.read_bytes())
        count += 1
    return count


def _prove(manifest: dict[str, Any]) -> int:
    """Every table's row count equals the manifest's and the chain verifies up to the
    manifest's head; returns how many audit entries were checked."""
    connection = connections[DEFAULT_DB_ALIAS]
    counts: dict[str, int] = manifest["counts"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            tables = [
                name
                for (name,) in cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
            ]
            quote = sqlite_quote
        else:
            tables = pg_tables(cursor)
            quote = pg_quote

        def one(sql: str) -> Any:
            cursor.execute(sql)
            return cursor.fetchone()

        found = row_counts(one, quote, sorted(tables))
    if found != counts:
        differing = sorted(t for t in set(found) | set(counts) if found.get(t) != counts.get(t))
        raise BackupError(
            "unproven",
            _("復元後の行数が目録と一致しません（%(tables)s）。")
            % {"tables": ", ".join(differing[:3])},
        )
    verified = verify_chain(expected_head=manifest["audit_head"])
    if not verified.ok:
        raise BackupError(
            "unproven",
            _("復元後の監査ログの検証に失敗しました: %(reason)s") % {"reason": verified.reason},
        )
    return verified.checked


def _keys_given() -> None:
    """A restore needs the keys the backup was made with: one that would be generated
    now (an unset key in a fresh data folder) cannot be it, and is not created."""
    for name, generated in (
        ("SAIKOKU_BACKUP_KEY", settings.BACKUP_KEY_GENERATED_FILE),
        ("SAIKOKU_AUDIT_KEY", settings.AUDIT_KEY_FILE),
        ("SAIKOKU_MASTER_KEY", settings.MASTER_KEY_GENERATED_FILE),
    ):
        if generated is not None and not Path(generated).exists():
            raise BackupError(
                "no_key",
                _("%(name)s（または %(name)s_FILE）にバックアップ時の鍵を設定してください。")
                % {"name": name},
            )


def backup_restore(*, source: Path, actor: Any | None = None) -> RestoreResult:
    """Restores a backup into the configured (empty) database and files folder, then
    proves it. Everything is decrypted and checked before anything is touched; a
    refusal (BackupError) leaves the target as it was. A BackupError with code
    "unproven" comes after the restore: the data are in place but not as recorded."""
    source = Path(source)
    _keys_given()
    engine = database_engine()
    sqlite_target = (
        Path(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]).parent if engine == "sqlite" else None
    )
    if sqlite_target is not None and not sqlite_target.is_dir():
        sqlite_target = None
    with private_temp(sqlite_target) as work:
        payload = work / "payload.tar"
        with payload.open("wb") as sink:
            manifest = read_archive(source, sink)
        _check_manifest(manifest, source.name)
        extracted = work / "payload"
        with tarfile.open(payload) as tar:
            tar.extractall(extracted, filter="data")
        database = extracted / DATABASE_MEMBER[engine]
        if not database.is_file():
            raise BackupError(
                "damaged", _("%(name)s にデータベースがありません。") % {"name": source.name}
            )
        problem = target_problem()
        if problem:
            raise BackupError("not_empty", problem + _("何も変更していません。"))
        if engine == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_pg(database)
        files = _restore_files(extracted)
    keys.forget_cached_keys()  # the data keys are the restored ones now
    checked = _prove(manifest)
    counts = manifest["counts"]
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="backup_restore",
            object_type="backup",
            object_id=manifest["payload"]["sha256"],
            detail={
                "file": source.name,
                "created_at": manifest["created_at"],
                "engine": engine,
                "rows": sum(counts.values()),
                "tables": len(counts),
                "files": files,
                "audit_seq": manifest["audit_head"]["seq"],
            },
        )
    return RestoreResult(
        engine=engine,
        rows=sum(counts.values()),
        tables=len(counts),
        files=files,
        audit_checked=checked,
        audit_head=manifest["audit_head"],
        created_at=manifest["created_at"],
    )
