"""The one place the inbound app hands work to the back office.

Every task an inbound call gives rise to (a transfer's call-back, a payment slip to
reissue, a payment to verify) is created here, the same way outreach/records/services.py
creates the tasks of an outcome, so the ward staff see inbound and outbound work in
one queue. It goes through the back office's own creation service (task_create): the
kind's due date and team, the task's history line and its audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from saikoku.backoffice.models import Task
from saikoku.backoffice.services import task_create

if TYPE_CHECKING:
    from saikoku.core.models import User
    from saikoku.outreach.models import ContactRecord


def handoff_task_create(
    *,
    actor: User | None,
    payer_id: int,
    kind: str,
    reason: str,
    summary: str,
    department: str,
    now: dt.datetime,
    contact_record: ContactRecord | None = None,
) -> Task:
    """One task in `department`'s queue (inside the caller's transaction)."""
    return task_create(
        actor=actor,
        payer_id=payer_id,
        kind=kind,
        reason=reason,
        summary=summary,
        department=department,
        contact_record=contact_record,
        now=now,
    )


__all__ = ["handoff_task_create"]
