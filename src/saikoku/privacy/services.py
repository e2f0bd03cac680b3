"""Writes to the custody ledger (管理簿): handoffs, the later delivery of a file's
password, the return or destruction of paper and media, and the audit chain's head."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from saikoku.core.audit import audit_record, chain_head
from saikoku.privacy.models import (
    CustodyDirection,
    CustodyLedgerEntry,
    CustodyMedium,
    QuantityUnit,
)

__all__ = [
    "LedgerChangeRefused",
    "custody_audit_head_record",
    "custody_close",
    "custody_latest_audit_head",
    "custody_password_delivered",
    "custody_record",
]


class LedgerChangeRefused(Exception):
    """The entry already has what the change would record (the ledger is written once)."""


def custody_record(
    *,
    direction: CustodyDirection | str,
    actor: Any | None,
    handler: str,
    package_id: str,
    content: str,
    files: Sequence[dict[str, Any]],
    sha256: str,
    medium: CustodyMedium | str = CustodyMedium.FILE,
    quantity: int | None = None,
    quantity_unit: QuantityUnit | str = QuantityUnit.ROWS,
    counterpart: str = "",
    return_or_destroy_on: dt.date | None = None,
    password_required: bool = False,
    at: dt.datetime | None = None,
) -> CustodyLedgerEntry:
    """Records one handoff of personal data: who, when, what, how many, which bytes.
    Call inside the transaction of the handoff itself, so that the ledger and the data
    can never disagree. Paper and media (medium other than FILE) give `quantity`
    (sheets, envelopes, pieces, with its unit) instead of files, and `at` when the
    handoff happened earlier than its entry. `password_required`: an encrypted file
    whose password travels apart; the entry stays open until its delivery is recorded.
    """
    now = timezone.now()
    return CustodyLedgerEntry.objects.create(
        at=at or now,
        recorded_at=now,
        direction=direction,
        handler=handler or (actor.get_username() if actor else ""),
        user=actor if actor is not None and actor.pk else None,
        package_id=package_id,
        content=content,
        files=list(files),
        total_rows=quantity if quantity is not None else sum(int(f.get("rows", 0)) for f in files),
        quantity_unit=quantity_unit,
        sha256=sha256,
        medium=medium,
        counterpart=counterpart,
        return_or_destroy_on=return_or_destroy_on,
        password_required=password_required,
    )


def _locked(entry_id: int) -> CustodyLedgerEntry:
    return CustodyLedgerEntry.objects.select_for_update().get(pk=entry_id)


def custody_password_delivered(
    *, entry_id: int, at: dt.datetime, by: str, actor: Any, client_addr: str = ""
) -> CustodyLedgerEntry:
    """Records when and by whom the entry's password was delivered (or, for a package
    received, arrived), separately from the file. Once only; audited."""
    with transaction.atomic():
        entry = _locked(entry_id)
        if not entry.password_required or entry.password_delivered_at is not None:
            raise LedgerChangeRefused(entry_id)
        entry.password_delivered_at = at
        entry.password_delivered_by = by
        entry.save(update_fields=["password_delivered_at", "password_delivered_by"])
        audit_record(
            actor=actor,
            action="custody_password_delivered",
            object_type="custody_entry",
            object_id=str(entry.pk),
            client_addr=client_addr,
            detail={"at": at.isoformat()},
        )
    return entry


def custody_close(
    *, entry_id: int, at: dt.datetime, by: str, actor: Any, client_addr: str = ""
) -> CustodyLedgerEntry:
    """Records that the entry's paper or media went back to the ward or were destroyed.
    Once only; audited."""
    with transaction.atomic():
        entry = _locked(entry_id)
        if entry.return_or_destroy_on is None or entry.closed_at is not None:
            raise LedgerChangeRefused(entry_id)
        entry.closed_at = at
        entry.closed_by = by
        entry.save(update_fields=["closed_at", "closed_by"])
        audit_record(
            actor=actor,
            action="custody_closed",
            object_type="custody_entry",
            object_id=str(entry.pk),
            client_addr=client_addr,
            detail={"at": at.isoformat()},
        )
    return entry


def custody_audit_head_record(*, handler: str = "saikoku audit head") -> CustodyLedgerEntry:
    """Writes the audit chain's head into the ledger (a daily timer): seq and hash, so
    a tail cut off later is found against it (`saikoku audit verify --ledger`)."""
    with transaction.atomic():
        head = chain_head()
        return custody_record(
            direction=CustodyDirection.AUDIT_HEAD,
            actor=None,
            handler=handler,
            package_id=f"AUDIT-HEAD-{head['seq']}",
            content=f"seq={head['seq']} at={head['at']}",
            files=[],
            sha256=str(head["hash"]),
            medium=CustodyMedium.OTHER,
            quantity=int(head["count"]),
        )


def custody_latest_audit_head() -> dict[str, Any] | None:
    """The last head the ledger kept, as `verify_chain(expected_head=…)` takes it."""
    entry = (
        CustodyLedgerEntry.objects.filter(direction=CustodyDirection.AUDIT_HEAD)
        .order_by("-at", "-pk")
        .first()
    )
    if entry is None:
        return None
    return {"seq": int(entry.package_id.removeprefix("AUDIT-HEAD-")), "hash": entry.sha256}
