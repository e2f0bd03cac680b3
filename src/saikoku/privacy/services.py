"""Writes to the custody ledger (管理簿)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from saikoku.privacy.models import CustodyDirection, CustodyLedgerEntry, CustodyMedium


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
    counterpart: str = "",
    return_or_destroy_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> CustodyLedgerEntry:
    """Records one handoff of personal data: who, when, what, how many, which bytes.

    Call inside the transaction of the handoff itself, so that the ledger and the data
    can never disagree. Paper and media (medium other than FILE) give `quantity`
    (sheets, envelopes, pieces) instead of files, and `at` when the handoff happened
    earlier than its entry.
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
        sha256=sha256,
        medium=medium,
        counterpart=counterpart,
        return_or_destroy_on=return_or_destroy_on,
    )
