"""Contact records as the pages read them, and who may correct one.

A record is corrected by the operator who wrote it (they know what was said), or by
a supervisor or the ward administrator (who review and fix the team's records). Ward
staff read the history but never correct the call center's records.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest

from saikoku.core.permissions import payer_for_user
from saikoku.core.roles import Capability, roles_with, user_can
from saikoku.outreach.models import ContactRecord
from saikoku.outreach.outcomes import OUTCOMES

# Roles that may correct anybody's record; an operator corrects only their own.
AMEND_ANY_ROLES = roles_with(Capability.AMEND_ANY_RECORD)
# Roles that may open the correction screen at all (the rest get 403 from the view).
AMEND_ROLES = roles_with(Capability.AMEND_RECORDS)
# The payer page shows the latest contact records; older ones are rarely needed.
PAGE_CONTACTS = 30


def can_amend(user: Any, record: ContactRecord) -> bool:
    """Whether the user may correct this record (the payer's visibility is checked
    separately, by payer_for_user)."""
    if user_can(user, Capability.AMEND_ANY_RECORD):
        return True
    return user_can(user, Capability.AMEND_RECORDS) and record.operator_id == getattr(
        user, "pk", None
    )


def contact_record_for_amend(
    user: Any, record_id: int, *, request: HttpRequest | None = None
) -> ContactRecord:
    """The record to correct, or Http404 when it does not exist, the user may not
    correct it, or its payer is not visible to the user (existence itself is personal
    data, so all three look alike). The payer access is audited."""
    record = ContactRecord.objects.filter(pk=record_id).first()
    if record is None or not can_amend(user, record):
        raise Http404
    record.payer = payer_for_user(
        user, record.payer_id, purpose="contact_record_amend", request=request
    )
    return record


def payer_contact_records(user: Any, payer_id: int) -> list[ContactRecord]:
    """The payer's latest contact records, newest first, in one query, each with
    `outcome_label`, `is_amended` (a correction of it exists) and `may_amend`."""
    records = list(
        ContactRecord.objects.filter(payer_id=payer_id)
        .annotate(is_amended=Exists(ContactRecord.objects.filter(amends=OuterRef("pk"))))
        .order_by("-at", "-pk")[:PAGE_CONTACTS]
    )
    for record in records:
        spec = OUTCOMES.get(record.outcome)
        record.outcome_label = spec.label if spec else record.outcome  # type: ignore[attr-defined]
        record.may_amend = can_amend(user, record)  # type: ignore[attr-defined]
    return records


__all__ = [
    "AMEND_ANY_ROLES",
    "AMEND_ROLES",
    "can_amend",
    "contact_record_for_amend",
    "payer_contact_records",
]
