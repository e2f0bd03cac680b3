"""Corrections of contact records (訂正): a new record whose `amends` points to the
original, which stays as it was; a promise made on the corrected call follows the
correction (its previous figures are kept in `amended_from`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.outreach.models import ContactRecord, Promise
from saikoku.outreach.outcomes import OUTCOMES, Outcome
from saikoku.outreach.promises.services import promises_evaluate
from saikoku.outreach.records.services import outcome_validate, record_audit

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = ["contact_record_amend"]


def contact_record_amend(
    *,
    actor: User,
    original: ContactRecord,
    note: str,
    outcome: str | None = None,
    party: str | None = None,
    promise_on: dt.date | None = None,
    promise_amount: int | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> ContactRecord:
    """Adds a correction: a new record whose `amends` is the original, which stays as
    it was. The note says what was wrong (required). Identity cannot be confirmed after
    the fact, so the original's identity_verified carries over. An amendment corrects
    what is on file; it is no new attempt (the contact rules do not count it) and it
    starts no new promise, callback or task.

    The promise made on the call follows the correction (_promise_follow): a new date
    or amount changes the Promise, which is judged again at once; a correction to an
    outcome without a promise cancels it."""
    now = now or timezone.now()
    if not note.strip():
        raise ValidationError(_("訂正の理由をメモに入力してください。"), code="note")
    code = outcome or original.outcome
    spec = OUTCOMES.get(code)
    if spec is not None and spec.needs_promise and promise_on is None and promise_amount is None:
        promise_on, promise_amount = original.promise_on, original.promise_amount
    checked_party = outcome_validate(
        outcome=spec,
        identity_verified=original.identity_verified,
        party=party if party is not None else original.party,
        promise_on=promise_on,
        promise_amount=promise_amount,
        today=timezone.localdate(original.at),
    )
    with transaction.atomic(durable=True):
        record = ContactRecord.objects.create(
            payer_id=original.payer_id,
            at=original.at,
            channel=original.channel,
            operator=actor,
            phone=original.phone,
            phone_e164=original.phone_e164,
            party=checked_party,
            identity_verified=original.identity_verified,
            outcome=code,
            promise_on=promise_on,
            promise_amount=promise_amount,
            note=note,
            call_list_entry=original.call_list_entry,
            amends=original,
        )
        promise_change = _promise_follow(record, original=original, spec=spec, now=now)
        detail: dict = {"amends": original.pk, "payer_id": original.payer_id, "outcome": code}
        if promise_change:
            detail["promise"] = promise_change
        record_audit(actor, "contact_record_amend", record, client_addr, detail)
    return record


def _promise_follow(
    record: ContactRecord, *, original: ContactRecord, spec: Outcome | None, now: dt.datetime
) -> dict | None:
    """Brings the Promise of the corrected call in line with the correction `record`:
    a new date or amount (or a promise reinstated) replaces its figures and it is
    judged again at once; an outcome without a promise cancels it. The figures it had
    are appended to `amended_from`. None when there is no promise or nothing changes;
    else what changed, for the audit entry."""
    chain = [original.pk]
    ancestor = original.amends_id
    while ancestor is not None:  # a correction of a correction: the promise is the first's
        chain.append(ancestor)
        ancestor = ContactRecord.objects.filter(pk=ancestor).values_list("amends", flat=True)[0]
    promise = Promise.objects.select_for_update().filter(contact_record_id__in=chain).first()
    if promise is None:
        return None
    keeps_promise = spec is not None and spec.needs_promise
    if keeps_promise:
        same = (record.promise_on, record.promise_amount) == (promise.promised_on, promise.amount)
        if same and promise.status != Promise.Status.CANCELLED:
            return None
    elif promise.status == Promise.Status.CANCELLED:
        return None
    before = {
        "promised_on": promise.promised_on.isoformat(),
        "amount": promise.amount,
        "status": promise.status,
    }
    promise.amended_from = [
        *promise.amended_from,
        {
            **before,
            # The record these figures came from: the call's, or the last correction's.
            "record": (
                promise.amended_from[-1]["amended_by"]
                if promise.amended_from
                else promise.contact_record_id
            ),
            "amended_by": record.pk,
            "at": now.isoformat(),
        },
    ]
    if keeps_promise and record.promise_on is not None and record.promise_amount is not None:
        # (Both are set: outcome_validate requires them for an outcome with a promise.)
        promise.promised_on, promise.amount = record.promise_on, record.promise_amount
        promise.status, promise.evaluated_at = Promise.Status.OPEN, None
    else:
        promise.status, promise.evaluated_at = Promise.Status.CANCELLED, now
    promise.save(update_fields=["promised_on", "amount", "status", "evaluated_at", "amended_from"])
    if keeps_promise:
        promises_evaluate(today=timezone.localdate(now), promise_ids=[promise.pk])
        promise.refresh_from_db(fields=["status"])
    return {
        "id": promise.pk,
        "before": before,
        "after": {
            "promised_on": promise.promised_on.isoformat(),
            "amount": promise.amount,
            "status": promise.status,
        },
    }
