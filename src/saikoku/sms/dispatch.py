"""Sending a campaign's messages: what a background worker does (tasks.py).

A worker claims a batch of messages in one short transaction (on PostgreSQL
`SELECT … FOR UPDATE SKIP LOCKED`, so several workers never take the same rows; on
SQLite the database's single write lock serialises claims), checks them again against
the eligibility rules and the contact rules at that moment (a payer paid up, flagged
or put on a plan since approval is dropped; a payer contacted too recently waits),
then sends them one at a time, each with its idempotency key. A message the provider
accepted is marked sent together with its contact record, in one transaction.

A claim is a lease (SAIKOKU_SMS_CLAIM_SECONDS). A worker killed mid-batch leaves its
claimed messages "sending"; once the lease has run out any worker takes them up again
and sends them with the same key. Only the message in flight at the kill (accepted by
the provider, not yet marked sent) is sent again: a provider that honours the key
answers with the same id and sends nothing; one that does not may deliver it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from saikoku.arrears.calendar import is_holiday
from saikoku.core import metrics
from saikoku.core.dates import TOKYO
from saikoku.outreach.eligibility import callable_phones, exclusions_for_payers
from saikoku.outreach.models import (
    Callback,
    CallListEntry,
    Channel,
    ContactSettings,
    PhoneStatus,
)
from saikoku.outreach.records.services import contact_record_sms, phone_status_mark
from saikoku.outreach.rules import contact_allowed_many
from saikoku.sms.models import SmsCampaign, SmsMessage
from saikoku.sms.providers import Provider, ProviderError, get_provider

logger = logging.getLogger("saikoku.sms")

__all__ = [
    "DispatchResult",
    "next_send_window",
    "send_window_open",
    "sms_dispatch_run",
]

UNCLAIMED = {"claimed_by": "", "claimed_until": None}


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The send window of a day (SAIKOKU_SMS_WINDOW_*), or None on a closed day."""
    if not settings.SAIKOKU_SMS_WINDOW_EVERY_DAY and (day.weekday() >= 5 or is_holiday(day)):
        return None
    start = dt.datetime.combine(day, dt.time.fromisoformat(settings.SAIKOKU_SMS_WINDOW_START))
    end_text = settings.SAIKOKU_SMS_WINDOW_END
    if end_text == "24:00":
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    else:
        end = dt.datetime.combine(day, dt.time.fromisoformat(end_text))
    return start.replace(tzinfo=TOKYO), end.replace(tzinfo=TOKYO)


def send_window_open(at: dt.datetime) -> bool:
    window = _window(at.astimezone(TOKYO).date())
    return window is not None and window[0] <= at < window[1]


def next_send_window(at: dt.datetime) -> dt.datetime:
    """The first moment at or after `at` inside the send window."""
    local = at.astimezone(TOKYO)
    day = local.date()
    for _i in range(30):
        window = _window(day)
        if window is not None and local < window[1]:
            return max(local, window[0])
        day += dt.timedelta(days=1)
    raise RuntimeError("no send window in 30 days")  # pragma: no cover


@dataclass(frozen=True)
class DispatchResult:
    """What a run left: "done" (nothing left), "stopped" (paused or cancelled),
    "more" (work left now) or "later" (work left from `resume_at`)."""

    state: str
    sent: int = 0
    resume_at: dt.datetime | None = None


class _Pace:
    """At most SAIKOKU_SMS_RATE_PER_SECOND sends per second from this process."""

    def __init__(self, rate: int) -> None:
        self.gap = 1.0 / rate if rate > 0 else 0.0
        self.last = 0.0

    def wait(self) -> None:
        if self.gap:
            delay = self.last + self.gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.last = time.monotonic()


def _claim(campaign_id: int, *, worker_id: str, now: dt.datetime, size: int) -> list[SmsMessage]:
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


def _recheck(batch: list[SmsMessage], *, worker_id: str, now: dt.datetime) -> list[SmsMessage]:
    """Drops or postpones the messages the rules refuse now; returns the rest. A payer
    an operator is calling waits until the call's hold ends (then the rules again)."""
    payer_ids = {m.payer_id for m in batch}
    on_call = _on_call(payer_ids, now)
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
        mine = SmsMessage.objects.filter(pk=message.pk, claimed_by=worker_id)
        if codes:
            mine.update(status=SmsMessage.Status.DROPPED, error=",".join(codes)[:100], **UNCLAIMED)
            continue
        if message.payer_id in on_call:
            mine.update(
                status=SmsMessage.Status.QUEUED,
                next_attempt_at=on_call[message.payer_id],
                attempts=F("attempts") - 1,
                **UNCLAIMED,
            )
            continue
        decision = decisions[message.payer_id]
        if not decision.allowed:
            if decision.next_possible_at is None:
                mine.update(status=SmsMessage.Status.DROPPED, error=decision.code, **UNCLAIMED)
            else:
                mine.update(
                    status=SmsMessage.Status.QUEUED,
                    next_attempt_at=decision.next_possible_at,
                    attempts=F("attempts") - 1,
                    **UNCLAIMED,
                )
            continue
        keep.append(message)
    return keep


def _backoff(attempts: int, retry_after: float | None) -> dt.timedelta:
    seconds = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=seconds)


def _send_one(
    message: SmsMessage, *, campaign: SmsCampaign, provider: Provider, worker_id: str
) -> bool:
    try:
        result = provider.send(
            to=message.to,
            text=message.text,
            idempotency_key=message.idempotency_key,
            sender=settings.SAIKOKU_SMS_SENDER,
        )
    except ProviderError as error:
        now = timezone.now()
        mine = SmsMessage.objects.filter(pk=message.pk, claimed_by=worker_id)
        if error.permanent or message.attempts + 1 > settings.SAIKOKU_SMS_MAX_ATTEMPTS:
            with transaction.atomic():
                mine.update(status=SmsMessage.Status.FAILED, error=error.code[:100], **UNCLAIMED)
                if error.code == "unknown_number":
                    phone_status_mark(
                        actor=campaign.created_by,
                        phone=message.phone,
                        status=PhoneStatus.Status.NOT_IN_SERVICE,
                        now=now,
                    )
            metrics.SMS_FAILED.labels(stage="send").inc()
            logger.warning("SMS %s failed permanently: %s", message.pk, error.code)
        else:
            mine.update(
                status=SmsMessage.Status.QUEUED,
                error=error.code[:100],
                next_attempt_at=now + _backoff(message.attempts + 1, error.retry_after),
                **UNCLAIMED,
            )
            metrics.SMS_RETRIED.inc()
            logger.info("SMS %s: temporary error %s, retried later", message.pk, error.code)
        return False
    now = timezone.now()
    with transaction.atomic():
        updated = SmsMessage.objects.filter(
            pk=message.pk, claimed_by=worker_id, status=SmsMessage.Status.SENDING
        ).update(
            status=SmsMessage.Status.DELIVERED if result.delivered else SmsMessage.Status.SENT,
            provider=provider.name,
            provider_id=result.provider_id[:100],
            segments=result.segments,
            sent_at=now,
            delivered_at=now if result.delivered else None,
            error="",
            **UNCLAIMED,
        )
        if updated:
            record = contact_record_sms(
                actor=campaign.created_by,
                payer_id=message.payer_id,
                phone=message.phone,
                outcome="sms_sent",
                note=f"{campaign.name} ({message.segments})",
                now=now,
            )
            SmsMessage.objects.filter(pk=message.pk).update(contact_record=record)
    if updated:
        metrics.SMS_SENT.inc()
    return bool(updated)


def _finish_or_wait(campaign: SmsCampaign, now: dt.datetime) -> DispatchResult:
    left = SmsMessage.objects.filter(
        campaign=campaign, status__in=(SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING)
    ).aggregate(
        n=Count("pk"),
        queued_at=Min("next_attempt_at", filter=Q(status=SmsMessage.Status.QUEUED)),
        lease=Min("claimed_until", filter=Q(status=SmsMessage.Status.SENDING)),
    )
    if not left["n"]:
        SmsCampaign.objects.filter(pk=campaign.pk, status=SmsCampaign.Status.RUNNING).update(
            status=SmsCampaign.Status.DONE, finished_at=now
        )
        return DispatchResult("done")
    times = [t for t in (left["queued_at"], left["lease"]) if t is not None]
    resume = max(min(times), now) if times else now
    return DispatchResult("later", resume_at=resume + dt.timedelta(milliseconds=10))


def sms_dispatch_run(
    campaign_id: int,
    *,
    worker_id: str,
    provider: Provider | None = None,
    max_seconds: float = 30.0,
    clock: Callable[[], dt.datetime] = timezone.now,
) -> DispatchResult:
    """Sends the campaign's due messages for up to `max_seconds`, a batch at a time."""
    provider = provider or get_provider()
    pace = _Pace(settings.SAIKOKU_SMS_RATE_PER_SECOND)
    started = time.monotonic()
    sent = 0
    try:
        while True:
            campaign = SmsCampaign.objects.select_related("created_by").get(pk=campaign_id)
            if campaign.status != SmsCampaign.Status.RUNNING:
                return DispatchResult("stopped", sent=sent)
            now = clock()
            if not send_window_open(now):
                return DispatchResult("later", sent=sent, resume_at=next_send_window(now))
            batch = _claim(
                campaign_id, worker_id=worker_id, now=now, size=settings.SAIKOKU_SMS_BATCH
            )
            if not batch:
                result = _finish_or_wait(campaign, now)
                return DispatchResult(result.state, sent=sent, resume_at=result.resume_at)
            batch = _recheck(batch, worker_id=worker_id, now=now)
            for i, message in enumerate(batch):
                if (
                    i
                    and i % 20 == 0
                    and not SmsCampaign.objects.filter(
                        pk=campaign_id, status=SmsCampaign.Status.RUNNING
                    ).exists()
                ):
                    # Paused or cancelled mid-batch: the rest goes back unsent.
                    SmsMessage.objects.filter(
                        pk__in=[m.pk for m in batch[i:]], claimed_by=worker_id
                    ).update(
                        status=SmsMessage.Status.QUEUED, attempts=F("attempts") - 1, **UNCLAIMED
                    )
                    if SmsCampaign.objects.filter(
                        pk=campaign_id, status=SmsCampaign.Status.CANCELLED
                    ).exists():
                        SmsMessage.objects.filter(
                            campaign_id=campaign_id, status=SmsMessage.Status.QUEUED
                        ).update(status=SmsMessage.Status.CANCELLED)
                    return DispatchResult("stopped", sent=sent)
                pace.wait()
                sent += _send_one(
                    message, campaign=campaign, provider=provider, worker_id=worker_id
                )
            poll = getattr(provider, "poll", None)
            if poll is not None:
                # The modem's status reports, collected while it sent this batch.
                from saikoku.sms.reports import sms_modem_reports

                sms_modem_reports(poll())
            if time.monotonic() - started >= max_seconds:
                return DispatchResult("more", sent=sent)
    finally:
        provider.close()
