"""Reads of contact records (交渉記録): the payer's latest records as the pages show
them, what a payer still owes when a record makes a promise or a task, and who may
correct a record.

A record is corrected by the operator who wrote it (they know what was said), or by
a supervisor or the ward administrator (who review and fix the team's records). Ward
staff read the history but never correct the call center's records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, QuerySet, Sum
from django.http import Http404, HttpRequest

from saikoku.arrears.models import Bill
from saikoku.core.models import DEPARTMENT_LEVIES
from saikoku.core.permissions import payer_for_user
from saikoku.core.roles import Capability, user_can
from saikoku.outreach.models import ContactRecord
from saikoku.outreach.outcomes import OUTCOMES

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "can_amend",
    "contact_record_for_amend",
    "departments_owed",
    "outcome_label",
    "payer_contact_records",
    "recent_contact_records",
    "unpaid_balance",
]

# The payer page shows the latest contact records; older ones are rarely needed.
PAGE_CONTACTS = 30


def outcome_label(code: str) -> str:
    """The Japanese label of an outcome code (the code itself when it is unknown)."""
    spec = OUTCOMES.get(code)
    return str(spec.label) if spec else code


def can_amend(user: User, record: ContactRecord) -> bool:
    """Whether the user may correct this record (the payer's visibility is checked
    separately, by payer_for_user)."""
    if user_can(user, Capability.AMEND_ANY_RECORD):
        return True
    return user_can(user, Capability.AMEND_RECORDS) and record.operator_id == getattr(
        user, "pk", None
    )


def contact_record_for_amend(
    user: User, record_id: int, *, request: HttpRequest | None = None
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


def _latest(records: QuerySet[ContactRecord], limit: int) -> list[ContactRecord]:
    """The newest `limit` records (one query), each with `outcome_label`."""
    latest = list(records.order_by("-at", "-pk")[:limit])
    for record in latest:
        record.outcome_label = outcome_label(record.outcome)  # type: ignore[attr-defined]
    return latest


def recent_contact_records(payer_id: int, *, limit: int) -> list[ContactRecord]:
    """The payer's latest contact records, newest first, each with `outcome_label`
    (the caller has fetched the payer through payer_for_user)."""
    return _latest(ContactRecord.objects.filter(payer_id=payer_id), limit)


def payer_contact_records(user: User, payer_id: int) -> list[ContactRecord]:
    """The payer's latest contact records, newest first, in one query, each with
    `outcome_label`, `is_amended` (a correction of it exists) and `may_amend`."""
    records = _latest(
        ContactRecord.objects.filter(payer_id=payer_id).annotate(
            is_amended=Exists(ContactRecord.objects.filter(amends=OuterRef("pk")))
        ),
        PAGE_CONTACTS,
    )
    for record in records:
        record.may_amend = can_amend(user, record)  # type: ignore[attr-defined]
    return records


def unpaid_balance(payer_id: int) -> dict[str, int]:
    """levy -> principal still owed (the bills' balances), for promises and tasks."""
    rows = (
        Bill.objects.filter(payer_id=payer_id, amount__gt=F("paid_amount"))
        .values("levy")
        .annotate(owed=Sum(F("amount") - F("paid_amount")))
    )
    return {row["levy"]: int(row["owed"]) for row in rows}


def departments_owed(owed: dict[str, int], payer_id: int) -> list[str]:
    """The ward departments whose levies the payer owes (`owed`, from unpaid_balance),
    or, when nothing is owed any more, whose levies the payer was billed: a task goes
    to each."""
    levies = set(owed) or set(Bill.objects.filter(payer_id=payer_id).values_list("levy", flat=True))
    return [dept for dept, dept_levies in DEPARTMENT_LEVIES.items() if levies & set(dept_levies)]
