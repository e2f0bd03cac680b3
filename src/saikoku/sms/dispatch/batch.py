"""A worker's batch: claimed with a lease, then checked again against the rules at the
moment of sending, its payers held against the operators' "Next" meanwhile."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q

from saikoku.outreach.calls.services import payers_hold
from saikoku.outreach.eligibility import callable_phones, exclusions_for_payers
from saikoku.outreach.models import Callback, CallListEntry, Channel, ContactSettings
from saikoku.outreach.rules import contact_allowed_many
from saikoku.sms.models import SmsMessage

__all__ = ["UNCLAIMED", "claim_batch", "recheck_batch"]

UNCLAIMED: dict[str, Any] = {"claimed_by": "", "claimed_until": None}
# How long a text waits for a payer an operator was claiming at the send-time check.
CLAIMING_WAIT = dt.timedelta(seconds=10)


def claim_batch(
    campaign_id: int, *, worker_id: str, now: dt.datetime, size: int
) -> list[SmsMessage]:
    lease = now + dt.timedelta(seconds=settings.SAIKOKU_SMS_CLAIM_SECONDS)
    with transaction.atomic():
        ids = list(
            SmsMessage.objects.select_for_update(skip_locked=True)
            .filter(campaign_id=campaign_id)
            .filter(
                Q(status=SmsMessage.Status.QUEUED, next_attempt_at__lte=now)
                | Q(status=SmsMessage.Status.SENDING, claimed_until__lt=now)
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        SmsMessage.objects.filter(pk__in=ids).update(
            status=SmsMessage.Status.SENDING,
            claimed_by=worker_id,
            claimed_until=lease,
            attempts=F("attempts") + 1,
        )
    return list(SmsMessage.objects.filter(pk__in=ids).select_related("phone").order_by("pk"))


def _on_call(payer_ids: set[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """The payers an operator holds on the call screen now (a list entry or a callback
    locked), with the end of the hold. A text sent during the call would be the
    contact the call's own record then collides with: the contact rules would refuse
    the operator's save of a call that did happen."""
    held: dict[int, dt.datetime] = {}
    for model in (CallListEntry, Callback):
        rows = (
            model.objects.filter(
                payer_id__in=payer_ids, locked_by__isnull=False, locked_until__gt=now
            )
            .values("payer_id")
            .annotate(until=Max("locked_until"))
            .order_by()
        )
        for row in rows:
            held[row["payer_id"]] = max(row["until"], held.get(row["payer_id"], row["until"]))
    return held


def _hold_back(message: SmsMessage, worker_id: str, **fields: Any) -> None:
    """A message the rules refuse now: dropped, or queued again for later; unclaimed."""
    SmsMessage.objects.filter(pk=message.pk, claimed_by=worker_id).update(**fields, **UNCLAIMED)


def recheck_batch(batch: list[SmsMessage], *, worker_id: str, now: dt.datetime) -> list[SmsMessage]:
    """Drops or postpones the messages the rules refuse now; returns the rest. A payer
    an operator is calling waits until the call's hold ends (then the rules again)."""
    if not batch:
        # A batch taken over whole from a dead worker, all of it already accepted.
        return []
    payer_ids = {m.payer_id for m in batch}
    # First the payers' claim locks, then who is being called: an operator's "Next"
    # either committed its hold before (seen by _on_call) or cannot take the payer
    # until the batch's texts are recorded. One being claimed this instant waits.
    claiming = payers_hold(payer_ids)
    on_call = _on_call(payer_ids, now)
    for payer_id in claiming:
        on_call.setdefault(payer_id, now + CLAIMING_WAIT)
    contact = ContactSettings.current()
    reasons = exclusions_for_payers(
        payer_ids, channel=Channel.SMS, now=now, contact_settings=contact
    )
    usable = set(
        callable_phones(channel=Channel.SMS)
        .filter(pk__in=[m.phone_id for m in batch])
        .values_list("pk", flat=True)
    )
    decisions = contact_allowed_many(
        payer_ids=payer_ids, channel=Channel.SMS, now=now, contact_settings=contact
    )
    keep = []
    for message in batch:
        codes = list(reasons.get(message.payer_id, []))
        if message.phone_id not in usable and "no_callable_number" not in codes:
            codes.append("no_callable_number")
        if codes:
            _hold_back(
                message, worker_id, status=SmsMessage.Status.DROPPED, error=",".join(codes)[:100]
            )
            continue
        if message.payer_id in on_call:
            _hold_back(
                message,
                worker_id,
                status=SmsMessage.Status.QUEUED,
                next_attempt_at=on_call[message.payer_id],
                attempts=F("attempts") - 1,
            )
            continue
        decision = decisions[message.payer_id]
        if not decision.allowed:
            if decision.next_possible_at is None:
                _hold_back(
                    message, worker_id, status=SmsMessage.Status.DROPPED, error=decision.code
                )
            else:
                _hold_back(
                    message,
                    worker_id,
                    status=SmsMessage.Status.QUEUED,
                    next_attempt_at=decision.next_possible_at,
                    attempts=F("attempts") - 1,
                )
            continue
        keep.append(message)
    return keep
