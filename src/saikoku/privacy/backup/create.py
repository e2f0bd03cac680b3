"""Making a backup (`saikoku backup OUT`): the snapshot and the stored files as one
tar, encrypted as one archive (archive.py), written beside `out` and renamed into
place, with its custody-ledger entry and its audit entry.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.privacy import keys
from saikoku.privacy.backup.archive import (
    CHUNK_BYTES,
    VERSION,
    audit_key_fingerprint,
    backup_secret,
    write_archive,
)
from saikoku.privacy.backup.exceptions import BackupError
from saikoku.privacy.backup.snapshot import (
    DATABASE_MEMBER,
    FILES_MEMBER,
    applied_migrations,
    database_engine,
    pg_snapshot,
    sqlite_snapshot,
    stored_files,
)


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
def private_temp(near: Path | None = None) -> Iterator[Path]:
    """A folder only this user can read (in `near`, else the system's temporary
    folder), removed with everything in it afterwards."""
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
    backup_secret()
    engine = database_engine()
    with private_temp() as work:
        database = work / DATABASE_MEMBER[engine]
        counts, head = sqlite_snapshot(database) if engine == "sqlite" else pg_snapshot(database)
        stored = stored_files()
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
            "migrations": applied_migrations(),
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
