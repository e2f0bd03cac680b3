"""Encrypted backups of the database and the stored files, and their restore
(`saikoku backup OUT`, `saikoku restore IN`; docs/security/backup.md).

A backup is one file:

    header   b"SKBACKUP" | version (1 byte) | backup key fingerprint (8) | salt (16)
             | nonce prefix (7)
    records  length (4 bytes, big-endian) | AES-256-GCM ciphertext and tag, repeated

The key of the records is HKDF-SHA256 of settings.BACKUP_KEY with the archive's salt.
Record i is sealed with the nonce prefix | i (4 bytes) | 1 for the last record, else 0,
and the header as associated data (the STREAM construction): a flipped bit fails its
record's tag, a cut-off file lacks its last record, records cannot be reordered or
moved between archives. Record 0 is the manifest (JSON): the engine, the applied
migrations, the row count of every table and the audit chain's head, all as of the
snapshot, and the SHA-256 of the payload that follows. The payload is a tar of the
database (SQLite's online backup API, or `pg_dump --format=custom` of a snapshot) and
of the encrypted files (`*.enc` under settings.FILES_DIR, still encrypted under the
data key). Neither the master key nor any other key of the installation is in it.

The snapshot is consistent while the service goes on writing: SQLite copies the
database in one step of the backup API under one read transaction, and the counts and
head are read from the copy; PostgreSQL exports the snapshot of a REPEATABLE READ
transaction, reads the counts and head in it and hands it to pg_dump (`--snapshot`).

A restore decrypts and checks the whole archive before it touches anything, refuses
a target that is not empty (`target_problem`), restores, and then proves every row
count equal to the manifest's and the audit chain intact up to the manifest's head.
"""

# The SQL built here names only tables read from the database's own catalogue, quoted
# by the engine's rules; pg_dump and pg_restore get fixed arguments and settings.
# ruff: noqa: S608, S603

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record, head_of, verify_chain
from saikoku.privacy import keys
from saikoku.privacy.files import write_private_file

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "audit_key_fingerprint",
    "backup_create",
    "backup_key_fingerprint",
    "backup_restore",
    "read_archive",
    "target_problem",
    "write_archive",
]

MAGIC = b"SKBACKUP"
VERSION = 1
FINGERPRINT_BYTES = 8
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 1 + FINGERPRINT_BYTES + SALT_BYTES + PREFIX_BYTES
TAG_BYTES = 16
CHUNK_BYTES = 1024 * 1024
# The manifest is a few kilobytes; a payload record is a chunk and its tag.
MAX_RECORD_BYTES = CHUNK_BYTES + TAG_BYTES
MIN_KEY_CHARS = 32
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES_MEMBER = "files"
# Tables `saikoku migrate` fills by itself: a database holding rows only there is empty.
MIGRATE_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
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


class BackupError(Exception):
    """A backup or restore refused or failed; the message is one Japanese line.
    `code` is stable for programs ("damaged", "truncated", "foreign_key",
    "other_engine", "not_empty", "unproven", …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------
# Keys and fingerprints


def _derive(secret: bytes, info: bytes, salt: bytes | None = None, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def _backup_secret(secret: str | None = None) -> bytes:
    value = str(settings.BACKUP_KEY) if secret is None else secret
    if len(value) < MIN_KEY_CHARS:
        raise BackupError(
            "bad_key",
            _("バックアップの鍵（SAIKOKU_BACKUP_KEY）は32文字以上の乱数にしてください。"),
        )
    if value == str(settings.MASTER_KEY):
        # The master key must never travel with the data it protects.
        raise BackupError(
            "bad_key",
            _("バックアップの鍵にマスター鍵と同じ値は使えません（SAIKOKU_BACKUP_KEY）。"),
        )
    return value.encode("utf-8")


def backup_key_fingerprint(secret: str | None = None) -> str:
    """16 hex digits naming the backup key (the settings' one by default)."""
    return _derive(_backup_secret(secret), b"saikoku backup fingerprint v1")[
        :FINGERPRINT_BYTES
    ].hex()


def audit_key_fingerprint() -> str:
    """16 hex digits naming the audit trail's HMAC key: a restore checks it before it
    restores, since a chain under another key cannot be verified."""
    key = str(settings.AUDIT_HMAC_KEY).encode("utf-8")
    return hmac.new(key, b"saikoku audit key fingerprint v1", hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------------------------------
# The archive


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def write_archive(out: IO[bytes], manifest: dict[str, Any], payload: Path) -> None:
    """Writes manifest and payload as one encrypted archive (the module's format)."""
    secret = _backup_secret()
    salt = secrets.token_bytes(SALT_BYTES)
    prefix = secrets.token_bytes(PREFIX_BYTES)
    header = MAGIC + bytes([VERSION]) + bytes.fromhex(backup_key_fingerprint()) + salt + prefix
    cipher = AESGCM(_derive(secret, b"saikoku backup v1", salt=salt))
    out.write(header)
    index = 0

    def record(data: bytes, last: bool) -> None:
        nonlocal index
        sealed = cipher.encrypt(_nonce(prefix, index, last), data, header)
        out.write(struct.pack(">I", len(sealed)) + sealed)
        index += 1

    record(json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8"), False)
    with payload.open("rb") as source:
        chunk = source.read(CHUNK_BYTES)
        while True:
            following = source.read(CHUNK_BYTES)
            record(chunk, last=not following)
            if not following:
                break
            chunk = following


def read_archive(path: Path, payload_out: IO[bytes]) -> dict[str, Any]:
    """Decrypts and checks an archive: returns its manifest and writes its payload to
    `payload_out`. BackupError (code not_a_backup, foreign_key, damaged, truncated)
    as soon as something fails; the payload is then incomplete and must be dropped."""
    name = path.name
    try:
        source = path.open("rb")
    except OSError as exc:
        raise BackupError(
            "unreadable",
            _("%(name)s を読めません: %(error)s") % {"name": name, "error": exc.strerror},
        ) from None
    with source:
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise BackupError(
                "not_a_backup",
                _("%(name)s は saikoku のバックアップではありません。") % {"name": name},
            )
        if header[len(MAGIC)] != VERSION:
            raise BackupError(
                "not_a_backup",
                _("%(name)s はこの版では読めない形式のバックアップです。") % {"name": name},
            )
        at = len(MAGIC) + 1
        fingerprint = header[at : at + FINGERPRINT_BYTES].hex()
        salt = header[at + FINGERPRINT_BYTES : at + FINGERPRINT_BYTES + SALT_BYTES]
        prefix = header[-PREFIX_BYTES:]
        if fingerprint != backup_key_fingerprint():
            raise BackupError(
                "foreign_key",
                _(
                    "%(name)s は別の鍵（指紋 %(theirs)s）で暗号化されています。この設置の"
                    "バックアップの鍵（指紋 %(ours)s）では開けません。"
                )
                % {"name": name, "theirs": fingerprint, "ours": backup_key_fingerprint()},
            )
        cipher = AESGCM(_derive(_backup_secret(), b"saikoku backup v1", salt=salt))
        digest = hashlib.sha256()
        manifest: dict[str, Any] | None = None
        index = 0
        while True:
            length = source.read(4)
            if len(length) < 4:
                raise BackupError(
                    "truncated",
                    _("%(name)s は途中で切れています（最後の区画がありません）。") % {"name": name},
                )
            size = struct.unpack(">I", length)[0]
            if not TAG_BYTES <= size <= MAX_RECORD_BYTES:
                raise BackupError(
                    "damaged",
                    _("%(name)s は壊れています（区画 %(index)d の長さが不正）。")
                    % {"name": name, "index": index},
                )
            sealed = source.read(size)
            if len(sealed) < size:
                raise BackupError(
                    "truncated",
                    _("%(name)s は途中で切れています（区画 %(index)d）。")
                    % {"name": name, "index": index},
                )
            plain, last = _open_record(cipher, prefix, index, sealed, header)
            if plain is None:
                raise BackupError(
                    "damaged",
                    _("%(name)s は壊れているか改ざんされています（区画 %(index)d の検査に失敗）。")
                    % {"name": name, "index": index},
                )
            if index == 0:
                manifest = json.loads(plain.decode("utf-8"))
            else:
                digest.update(plain)
                payload_out.write(plain)
            index += 1
            if last:
                break
        if source.read(1):
            raise BackupError(
                "damaged",
                _("%(name)s の最後の区画の後に余分なデータがあります。") % {"name": name},
            )
    if manifest is None or index < 2:
        raise BackupError("damaged", _("%(name)s に中身がありません。") % {"name": name})
    if digest.hexdigest() != manifest.get("payload", {}).get("sha256"):
        raise BackupError(
            "damaged",
            _("%(name)s の中身の SHA-256 が目録と一致しません。") % {"name": name},
        )
    return manifest


def _open_record(
    cipher: AESGCM, prefix: bytes, index: int, sealed: bytes, header: bytes
) -> tuple[bytes | None, bool]:
    for last in (False, True):
        try:
            return cipher.decrypt(_nonce(prefix, index, last), sealed, header), last
        except InvalidTag:
            continue
    return None, False


# ---------------------------------------------------------------------------------------
# Snapshots of the database


def _engine(alias: str = DEFAULT_DB_ALIAS) -> str:
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


def _libpq_env(params: dict[str, str]) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment.update({LIBPQ_ENV[name]: value for name, value in params.items()})
    return environment


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def _count(execute: Any, quote: Any, tables: list[str]) -> dict[str, int]:
    # Table names come from the database's own catalogue, quoted by the engine's rules.
    return {table: int(execute(f"SELECT count(*) FROM {quote(table)}")[0]) for table in tables}


def _sqlite_quote(name: str) -> str:
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


def _sqlite_snapshot(dest: Path) -> tuple[dict[str, int], dict[str, Any]]:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    copy = sqlite3.connect(dest)
    try:
        # One step (pages=-1) holds one read transaction: a consistent copy, while
        # writers go on in WAL mode.
        connection.connection.backup(copy)
        copy.commit()
        tables = _sqlite_tables(copy)
        counts = _count(lambda sql: copy.execute(sql).fetchone(), _sqlite_quote, tables)
        last = copy.execute(
            "SELECT seq, hash, at FROM core_auditentry ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        head = _head_from(last, counts.get("core_auditentry", 0))
    finally:
        copy.close()
    return counts, head


def _pg_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [name for (name,) in cursor.fetchall()]


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
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


def _pg_snapshot(dest: Path) -> tuple[dict[str, int], dict[str, Any]]:
    import psycopg

    params = libpq_params()
    with psycopg.connect(**params) as snapshot:  # type: ignore[arg-type]
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot.read_only = True
        with snapshot.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]  # type: ignore[index]
            tables = _pg_tables(cursor)

            def one(sql: str) -> Any:
                cursor.execute(sql)
                return cursor.fetchone()

            counts = _count(one, _pg_quote, tables)
            last = one("SELECT seq, hash, at FROM core_auditentry ORDER BY seq DESC LIMIT 1")
            head = _head_from(last, counts.get("core_auditentry", 0))
            # pg_dump reads the same snapshot while this transaction stays open.
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--file={dest}",
                    "--no-password",
                    params.get("dbname", ""),
                ],
                _libpq_env(params),
                _("pg_dump が失敗しました"),
            )
        snapshot.rollback()
    return counts, head


def _applied_migrations() -> list[str]:
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS], ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.applied_migrations)


def _stored_files() -> list[Path]:
    root = Path(settings.FILES_DIR)
    return sorted(root.rglob("*.enc")) if root.is_dir() else []


# ---------------------------------------------------------------------------------------
# Backup


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str  # of the archive file
    bytes: int
    engine: str
    rows: int
    tables: int
    files: int
    audit_head: dict[str, Any]


@contextmanager
def _private_temp(near: Path | None = None) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=".saikoku-backup-", dir=near))
    try:
        folder.chmod(0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_create(*, out: Path, actor: Any | None = None, custodian: str = "") -> BackupResult:
    """Writes an encrypted backup of the database and the stored files to `out` (which
    must not exist), audited as backup_create with a custody-ledger entry."""
    from saikoku.privacy.models import CustodyDirection
    from saikoku.privacy.services import custody_record

    out = Path(out)
    if out.exists():
        raise BackupError("exists", _("%(path)s は既にあります。") % {"path": out})
    if not out.parent.is_dir():
        raise BackupError("no_folder", _("%(path)s のフォルダがありません。") % {"path": out})
    _backup_secret()
    engine = _engine()
    with _private_temp() as work:
        database = work / DATABASE_MEMBER[engine]
        counts, head = _sqlite_snapshot(database) if engine == "sqlite" else _pg_snapshot(database)
        stored = _stored_files()
        payload = work / "payload.tar"
        root = Path(settings.FILES_DIR)
        with tarfile.open(payload, "w") as tar:
            tar.add(database, arcname=database.name)
            for path in stored:
                tar.add(path, arcname=f"{FILES_MEMBER}/{path.relative_to(root).as_posix()}")
        manifest = {
            "format": VERSION,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "engine": engine,
            "migrations": _applied_migrations(),
            "counts": counts,
            "audit_head": head,
            "audit_key_fingerprint": audit_key_fingerprint(),
            "master_key_fingerprint": keys.master_key_fingerprint(),
            "payload": {
                "sha256": _sha256_file(payload),
                "bytes": payload.stat().st_size,
                "database": database.name,
                "files": len(stored),
            },
        }
        handle, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        try:
            with os.fdopen(handle, "wb") as sink:
                write_archive(sink, manifest, payload)
            os.chmod(temp, 0o600)
            os.replace(temp, out)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    result = BackupResult(
        path=out,
        sha256=_sha256_file(out),
        bytes=out.stat().st_size,
        engine=engine,
        rows=sum(counts.values()),
        tables=len(counts),
        files=len(stored),
        audit_head=head,
    )
    with transaction.atomic():
        custody_record(
            direction=CustodyDirection.HANDED_OVER,
            actor=actor,
            handler=actor.get_username() if actor is not None else "saikoku backup",
            package_id=out.name[:100],
            content=_("バックアップ（暗号化、データベースと保管ファイル）"),
            files=[
                {
                    "name": out.name,
                    "path": str(out.resolve()),
                    "rows": result.rows,
                    "sha256": result.sha256,
                    "kind": "backup",
                }
            ],
            sha256=result.sha256,
            counterpart=custodian,
        )
        audit_record(
            actor=actor,
            action="backup_create",
            object_type="backup",
            object_id=result.sha256,
            detail={
                "file": out.name,
                "engine": engine,
                "bytes": result.bytes,
                "rows": result.rows,
                "tables": result.tables,
                "files": result.files,
                "audit_seq": head["seq"],
                "audit_hash": head["hash"],
            },
        )
    return result


# ---------------------------------------------------------------------------------------
# Restore


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
    if _stored_files():
        return _("保管ファイルのフォルダ（%(path)s）が空ではありません。") % {
            "path": settings.FILES_DIR
        }
    engine = _engine()
    wanted = _model_tables() - MIGRATE_TABLES
    if engine == "sqlite":
        path = Path(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
        if not path.exists():
            return ""
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = _sqlite_tables(db)
            busy = [
                t
                for t in tables
                if t in wanted
                and db.execute(f"SELECT 1 FROM {_sqlite_quote(t)} LIMIT 1").fetchone()
            ]
        finally:
            db.close()
    else:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            tables = _pg_tables(cursor)
            busy = []
            for table in tables:
                if table in wanted:
                    cursor.execute(f"SELECT 1 FROM {_pg_quote(table)} LIMIT 1")
                    if cursor.fetchone():
                        busy.append(table)
    if busy:
        return _("復元先のデータベースが空ではありません（%(tables)s などに行があります）。") % {
            "tables": ", ".join(busy[:3])
        }
    return ""


def _check_manifest(manifest: dict[str, Any], name: str) -> None:
    engine = _engine()
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
    _run(
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
        _libpq_env(params),
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
            quote = _sqlite_quote
        else:
            tables = _pg_tables(cursor)
            quote = _pg_quote

        def one(sql: str) -> Any:
            cursor.execute(sql)
            return cursor.fetchone()

        found = _count(one, quote, sorted(tables))
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
    engine = _engine()
    sqlite_target = (
        Path(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"]).parent if engine == "sqlite" else None
    )
    if sqlite_target is not None and not sqlite_target.is_dir():
        sqlite_target = None
    with _private_temp(sqlite_target) as work:
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
