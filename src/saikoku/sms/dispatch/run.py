"""`sms_dispatch_run`: what a worker's dispatch task does with a campaign, a batch at a
time, until it is done, stopped, out of its time or outside the send window."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from saikoku.core import metrics
from saikoku.outreach.calls.services import payers_release
from saikoku.outreach.models import PhoneStatus
from saikoku.outreach.records.services import phone_status_mark
from saikoku.sms.dispatch.acceptances import (
    Acceptance,
    acknowledge,
    acknowledgements_asynchronous,
    record_sent,
)
from saikoku.sms.dispatch.batch import UNCLAIMED, claim_batch, recheck_batch
from saikoku.sms.dispatch.window import next_send_window, send_window_open
from saikoku.sms.models import SmsCampaign, SmsMessage
from saikoku.sms.providers import Provider, ProviderError, get_provider
from saikoku.sms.rate import ProviderPace

logger = logging.getLogger("saikoku.sms")

__all__ = ["DispatchResult", "sms_dispatch_run"]


@dataclass(frozen=True)
class DispatchResult:
    """What a run left: "done" (nothing left), "stopped" (paused or cancelled),
    "more" (work left now) or "later" (work left from `resume_at`)."""

    state: str
    sent: int = 0
    resume_at: dt.datetime | None = None


def _backoff(attempts: int, retry_after: float | None) -> dt.timedelta:
    seconds = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=seconds)


def _send_one(
    message: SmsMessage, *, campaign: SmsCampaign, provider: Provider, worker_id: str
) -> Acceptance | None:
    """Sends one message; the provider's acceptance, or None (a temporary error queues
    it again with backoff, a permanent one fails it)."""
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
        return None
    metrics.SMS_SENT.inc()
    return Acceptance(message.pk, provider.name, result, timezone.now())


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
    pace = ProviderPace(provider.name, settings.SAIKOKU_SMS_RATE_PER_SECOND)
    started = time.monotonic()
    sent = 0
    acknowledgements_asynchronous()
    try:
        while True:
            campaign = SmsCampaign.objects.select_related("created_by").get(pk=campaign_id)
            if campaign.status != SmsCampaign.Status.RUNNING:
                return DispatchResult("stopped", sent=sent)
            now = clock()
            if not send_window_open(now):
                return DispatchResult("later", sent=sent, resume_at=next_send_window(now))
            batch = claim_batch(
                campaign_id, worker_id=worker_id, now=now, size=settings.SAIKOKU_SMS_BATCH
            )
            if not batch:
                result = _finish_or_wait(campaign, now)
                return DispatchResult(result.state, sent=sent, resume_at=result.resume_at)
            # Taken over from a worker that died after their acceptance was written:
            # only their records are missing, they are not sent again.
            accepted = [m.pk for m in batch if m.sent_at is not None]
            # Acceptances not yet written: with a provider that honours the key they are
            # written with the records; with one that does not, each at once.
            unwritten: list[Acceptance] = []
            batch = recheck_batch(
                [m for m in batch if m.sent_at is None], worker_id=worker_id, now=now
            )
            recorded_at = time.monotonic()
            for i, message in enumerate(batch):
                if (
                    i
                    and i % 20 == 0
                    and not SmsCampaign.objects.filter(
                        pk=campaign_id, status=SmsCampaign.Status.RUNNING
                    ).exists()
                ):
                    # Paused or cancelled mid-batch: the rest goes back unsent.
                    sent += record_sent(
                        accepted, campaign=campaign, worker_id=worker_id, acceptances=unwritten
                    )
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
                acceptance = _send_one(
                    message, campaign=campaign, provider=provider, worker_id=worker_id
                )
                if acceptance is not None and provider.honours_idempotency_key:
                    unwritten.append(acceptance)
                elif acceptance is not None:
                    accepted += acknowledge([acceptance], worker_id=worker_id)
                if time.monotonic() - recorded_at >= settings.SAIKOKU_SMS_RECORD_SECONDS:
                    # A text is a contact the rules count and the payer's timeline
                    # shows: at a slow provider's pace a batch lasts many seconds, so
                    # the records follow within about a second.
                    sent += record_sent(
                        accepted, campaign=campaign, worker_id=worker_id, acceptances=unwritten
                    )
                    accepted, unwritten = [], []
                    recorded_at = time.monotonic()
            sent += record_sent(
                accepted, campaign=campaign, worker_id=worker_id, acceptances=unwritten
            )
            # The batch's texts are recorded: "Next" may hand its payers out again (the
            # contact rules now see the texts).
            payers_release()
            poll = getattr(provider, "poll", None)
            if poll is not None:
                # The modem's status reports, collected while it sent this batch.
                from saikoku.sms.reports import sms_modem_reports

                sms_modem_reports(poll())
            if time.monotonic() - started >= max_seconds:
                return DispatchResult("more", sent=sent)
    finally:
        provider.close()
        with contextlib.suppress(DatabaseError):
            payers_release()
        if connection.vendor == "postgresql" and connection.connection is not None:
            # Not to hide the error that ended the run, if any.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
