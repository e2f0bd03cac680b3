"""The one place the inbound app hands work to the back office.

Every task an inbound call gives rise to (a transfer's call-back, a payment slip to
reissue, a payment to verify) is created here, the same way outreach/records/services.py
creates the tasks of an outcome, so the ward staff see inbound and outbound work in
one queue. Kept to one function so that the back office's own creation service can
replace its body alone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from saikoku.backoffice.models import Task

if TYPE_CHECKING:
    from saikoku.core.models import User
    from saikoku.outreach.models import ContactRecord


def handoff_task_create(
    *,
    actor: User,
    payer_id: int,
    kind: str,
    reason: str,
    summary: str,
    department: str,
    now: dt.datetime,
    contact_record: ContactRecord | None = None,
) -> Task:
    """One task in `department`'s queue (inside the caller's transaction)."""
    return Task.objects.create(
        payer_id=payer_id,
        kind=kind,
        reason=reason,
        summary=summary,
        department=department,
        contact_record=contact_record,
        created_by=actor,
        created_at=now,
    )


__all__ = ["handoff_task_create"]
