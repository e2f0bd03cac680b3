"""Results back to the ward (spec §4): contact records and the phone numbers the
center collected or confirmed, as a center-to-ward package; and its one-time handout
on the ward_admin's download page.

The package is always encrypted (AES-256) with a password made for this export alone.
The password is returned once to the caller, who shows it once; it is never stored,
audited or logged, and travels to the ward by a separate route. Every text cell is
protected against spreadsheet formula injection. The handoff is recorded in the custody
ledger (管理簿) and the audit trail in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from saikoku.core.audit import audit_record
from saikoku.interchange.writer import build_manifest, csv_bytes, write_package
from saikoku.outreach.results.selectors import (
    CONTACT_HEADER,
    PHONE_HEADER,
    contact_rows,
    phone_rows,
)
from saikoku.privacy import keys
from saikoku.privacy.files import write_private_file
from saikoku.privacy.services import custody_record

if TYPE_CHECKING:
    from saikoku.core.models import User

logger = logging.getLogger(__name__)

CONTACT_RECORDS = "contact_records.csv"
COLLECTED_PHONES = "collected_phones.csv"
# No 0/O, 1/l/I: the ward types the password in by hand from a separate sheet.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - letters to draw from, not a password
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 5


@dataclass(frozen=True)
class ExportResult:
    """What was written. `password` exists only here: show it once, keep it nowhere."""

    package_id: str
    path: Path
    password: str
    sha256: str
    counts: dict[str, int]  # file name -> data rows

    def __repr__(self) -> str:  # never print the password by accident (logs, tracebacks)
        return f"ExportResult(package_id={self.package_id!r}, counts={self.counts!r})"


def generate_password() -> str:
    """A fresh password for one package: 4 groups of 5 characters from a 56-letter
    alphabet (23 characters with the hyphens, about 116 bits)."""
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def _audit_export(actor: User | None, package_id: str, client_addr: str, detail: dict) -> None:
    audit_record(
        actor=actor,
        action="export",
        object_type="package",
        object_id=package_id,
        client_addr=client_addr,
        detail=detail,
    )


def results_export(
    *,
    actor: User | None,
    path: Path,
    since: date | None = None,
    handler: str = "",
    client_addr: str = "",
) -> ExportResult:
    """Writes the results package at `path` and records the handoff.

    `since`: only contact records from that day on (Asia/Tokyo), and phones confirmed
    from that day on; numbers the center collected without a confirming contact are
    always included (their collection day is not recorded). None: everything.
    `handler`: who carries the file, for the ledger (default: the actor's user name).
    `actor` None: the command line (export-results), which has no user.
    """
    path = Path(path)
    now = timezone.now()
    start = (
        timezone.make_aware(datetime.combine(since, day_time.min), timezone.get_default_timezone())
        if since
        else None
    )
    files = {
        CONTACT_RECORDS: csv_bytes(CONTACT_HEADER, contact_rows(start), neutralise=True),
        # Neutralised cell by cell in phone_rows: an E.164 number starts with "+".
        COLLECTED_PHONES: csv_bytes(PHONE_HEADER, phone_rows(start)),
    }
    local_now = timezone.localtime(now)
    package_id = f"R{local_now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    manifest = build_manifest(
        package_id=package_id,
        files=files,
        kind="delta" if since else "full",
        direction="center-to-ward",
        municipality_code=settings.MUNICIPALITY_CODE,
        extracted_at=local_now,
    )
    password = generate_password()
    sha256 = write_package(path, manifest=manifest, files=files, password=password)
    counts = {name: rows for name, (_data, rows) in files.items()}
    try:
        with transaction.atomic(durable=True):
            custody_record(
                direction="handed_over",
                actor=actor,
                handler=handler[:150],
                package_id=package_id,
                content="区への引渡（交渉記録・収集電話番号）",
                files=[
                    {"name": name, "rows": entry["rows"], "sha256": entry["sha256"]}
                    for name, entry in manifest["files"].items()
                ],
                sha256=sha256,
                password_required=True,
            )
            _audit_export(
                actor,
                package_id,
                client_addr,
                {
                    "kind": "results",
                    "since": since.isoformat() if since else "",
                    "counts": counts,
                    "sha256": sha256,
                },
            )
    except BaseException:
        # No ledger entry, no package: a file nobody recorded must not leave the center.
        path.unlink(missing_ok=True)
        raise
    logger.info("results package %s written: %s", package_id, counts)
    return ExportResult(package_id, path, password, sha256, counts)


# The download page's handout: the file waits under DATA_DIR/exports/ for an hour at
# most and is deleted when downloaded. Its name is derived from the link's random token
# and the user's id, so the link works only for the user who made the package and
# nothing on disk says where a token leads. While it waits it is encrypted with the
# data key (privacy/keys.py), bound to that name: a copy of the folder is of no use
# without the master key, even to someone who learns the package's password.
LINK_SECONDS = 60 * 60


@dataclass(frozen=True)
class StagedExport:
    """A package waiting for its one download: `token` goes into the link."""

    result: ExportResult
    token: str


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def _stem(user_id: int, token: str) -> str:
    return hashlib.sha256(f"{user_id}:{token}".encode()).hexdigest()


def exports_purge_expired(*, now: float | None = None) -> int:
    """Deletes packages whose link has expired; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    folder = exports_dir()
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        try:
            if now - path.stat().st_mtime > LINK_SECONDS:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # taken or purged by a concurrent request
    return removed


def results_export_stage(*, actor: User, since: date | None, client_addr: str = "") -> StagedExport:
    """Writes the results package (results_export) where only `actor`'s one-time link
    finds it."""
    exports_purge_expired()
    token = secrets.token_urlsafe(32)
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = _stem(actor.pk, token)
    # The package id is known only once written: write under a temporary name, then
    # keep only its encrypted form.
    staging = folder / f"{stem}.partial"
    result = results_export(actor=actor, path=staging, since=since, client_addr=client_addr)
    try:
        blob = keys.encrypt_bytes(staging.read_bytes(), context=stem)
        write_private_file(folder / f"{stem}--{result.package_id}.zip", blob)
    finally:
        staging.unlink(missing_ok=True)
    return StagedExport(result=result, token=token)


def results_export_take(*, actor: User, token: str, client_addr: str = "") -> tuple[BinaryIO, str]:
    """(the open file, its package id) for the one download the link allows; Http404
    when the link is unknown, expired, another user's, or already used. The download
    is audited; no copy stays on disk."""
    exports_purge_expired()
    stem = _stem(actor.pk, token)
    matches = sorted(exports_dir().glob(f"{stem}--*.zip")) if exports_dir().is_dir() else []
    if not matches:
        raise Http404
    path = matches[0]
    package_id = path.name.split("--", 1)[1].removesuffix(".zip")
    # Claim the file by renaming it: of two simultaneous clicks, only one gets it.
    taken = path.with_name(f"{stem}.taken-{secrets.token_hex(4)}")
    try:
        path.rename(taken)
    except FileNotFoundError:
        raise Http404 from None
    try:
        blob = taken.read_bytes()
    finally:
        # No copy stays on disk, whatever happens next.
        os.unlink(taken)
    try:
        handle = io.BytesIO(keys.decrypt_bytes(blob, context=stem))
    except keys.EncryptionError:
        logger.exception("staged results package %s cannot be decrypted", package_id)
        raise Http404 from None
    with transaction.atomic():
        _audit_export(actor, package_id, client_addr, {"kind": "results", "step": "download"})
    return handle, package_id


__all__ = [
    "LINK_SECONDS",
    "ExportResult",
    "StagedExport",
    "exports_dir",
    "exports_purge_expired",
    "generate_password",
    "results_export",
    "results_export_stage",
    "results_export_take",
]
