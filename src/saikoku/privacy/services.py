"""Writes to the custody ledger (管理簿)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from saikoku.privacy.models import CustodyDirection, CustodyLedgerEntry


def custody_record(
    *,
    direction: CustodyDirection | str,
    actor: Any | None,
    handler: str,
    package_id: str,
    content: str,
    files: Sequence[dict[str, Any]],
    sha256: str,
) -> CustodyLedgerEntry:
    """Records one handoff of personal data: who, when, what, how many, which bytes.

    Call inside the transaction of the handoff itself, so that the ledger and the data
    can never disagree.
    """
    return CustodyLedgerEntry.objects.create(
        at=timezone.now(),
        direction=direction,
        handler=handler or (actor.get_username() if actor else ""),
        user=actor if actor is not None and actor.pk else None,
        package_id=package_id,
        content=content,
        files=list(files),
        total_rows=sum(int(f.get("rows", 0)) for f in files),
        sha256=sha256,
    )
