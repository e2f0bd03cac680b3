"""Results back to the ward (spec §4): contact records and the phone numbers the
center collected or confirmed, as a center-to-ward package.

The package is always encrypted (AES-256) with a password made for this export alone.
The password is returned once to the caller, who shows it once; it is never stored,
audited or logged, and travels to the ward by a separate route. Every text cell is
protected against spreadsheet formula injection. The handoff is recorded in the custody
ledger (管理簿) and the audit trail in one transaction.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from saikoku.core.audit import audit_record
from saikoku.interchange.writer import (
    build_manifest,
    csv_bytes,
    neutralise_formula,
    write_package,
)
from saikoku.outreach.models import ContactRecord, Party
from saikoku.people.models import Phone
from saikoku.privacy.services import custody_record

logger = logging.getLogger(__name__)

CONTACT_RECORDS = "contact_records.csv"
COLLECTED_PHONES = "collected_phones.csv"
CONTACT_HEADER = [
    "record_id",
    "payer_resident_no",
    "at",
    "channel",
    "operator_id",
    "party",
    "outcome",
    "promise_on",
    "promise_amount",
    "note",
]
PHONE_HEADER = ["payer_resident_no", "phone", "kind", "source", "confirmed_at"]
# The kinds spec §4 names; toll-free and other special numbers are not a payer's phone.
PHONE_KINDS = ("mobile", "landline", "ip")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
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


def results_export(
    *,
    actor: Any,
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
    """
    path = Path(path)
    now = timezone.now()
    start = (
        timezone.make_aware(datetime.combine(since, time.min), timezone.get_default_timezone())
        if since
        else None
    )
    files = {
        CONTACT_RECORDS: csv_bytes(CONTACT_HEADER, _contact_rows(start), neutralise=True),
        # Neutralised cell by cell in _phone_rows: an E.164 number starts with "+".
        COLLECTED_PHONES: csv_bytes(PHONE_HEADER, _phone_rows(start)),
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
            )
            audit_record(
                actor=actor,
                action="export",
                object_type="package",
                object_id=package_id,
                client_addr=client_addr,
                detail={
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


def _local_iso(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _contact_rows(start: datetime | None) -> Iterable[list[Any]]:
    records = ContactRecord.objects.order_by("at", "pk")
    if start is not None:
        records = records.filter(at__gte=start)
    for row in records.values_list(
        "pk",
        "payer__resident_no",
        "at",
        "channel",
        "operator__username",
        "party",
        "outcome",
        "promise_on",
        "promise_amount",
        "note",
    ).iterator(chunk_size=2000):
        pk, resident_no, at, channel, operator, party, outcome, promise_on, amount, note = row
        yield [
            f"C{pk:08d}",
            resident_no,
            _local_iso(at),
            channel,
            operator,
            party,
            outcome,
            promise_on.isoformat() if promise_on else "",
            amount,
            note,
        ]


def _phone_rows(start: datetime | None) -> Iterable[list[Any]]:
    """Numbers the center collected, and the ward's numbers a payer confirmed as theirs
    (a contact with the payer in person on that number); confirmed_at is the latest
    such contact. Numbers the center later found wrong or out of service are left out."""
    confirmations: dict[tuple[int, str], datetime] = {}
    for payer_id, e164, at in (
        ContactRecord.objects.filter(party=Party.SELF)
        .exclude(phone_e164="")
        .values("payer_id", "phone_e164")
        .annotate(last=Max("at"))
        .values_list("payer_id", "phone_e164", "last")
    ):
        confirmations[(payer_id, e164)] = at
    confirmed_by_payer = ContactRecord.objects.filter(
        party=Party.SELF, payer_id=OuterRef("resident_id"), phone_e164=OuterRef("e164")
    )
    phones = (
        Phone.objects.filter(is_valid=True, kind__in=PHONE_KINDS, center_status__isnull=True)
        .exclude(e164="")
        .filter(~Q(source="ward") | Exists(confirmed_by_payer))
        .order_by("resident__resident_no", "position", "pk")
        .values_list("resident_id", "resident__resident_no", "e164", "kind", "source")
    )
    seen: set[tuple[int, str]] = set()
    for resident_id, resident_no, e164, kind, source in phones:
        key = (resident_id, e164)
        if key in seen:
            continue
        seen.add(key)
        confirmed = confirmations.get(key)
        if source == "ward" and (confirmed is None or (start is not None and confirmed < start)):
            continue
        # The number itself is E.164 as spec §4 asks: "+" then digits only, checked
        # here, so it cannot carry a formula and is written as it is.
        if not E164.fullmatch(e164):
            continue
        yield [
            neutralise_formula(resident_no),
            e164,
            neutralise_formula(kind),
            neutralise_formula(source),
            _local_iso(confirmed) if confirmed else "",
        ]


__all__ = ["ExportResult", "generate_password", "results_export"]
