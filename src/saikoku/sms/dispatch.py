"""Sending a campaign's messages: what a background worker does (tasks.py).

A worker claims a batch of messages in one short transaction (on PostgreSQL
`SELECT … FOR UPDATE SKIP LOCKED`, so several workers never take the same rows; on
SQLite the database's single write lock serialises claims), checks them again against
the eligibility rules and the contact rules at that moment (a payer paid up, flagged
or put on a plan since approval is dropped; a payer contacted too recently waits),
then sends them one at a time, each with its idempotency key, at most
SAIKOKU_SMS_RATE_PER_SECOND for the provider across all workers (rate.py). From that
check until the batch's texts are recorded the worker holds the batch's payers with
the claim lock an operator's "Next" takes (outreach.calls.services.payers_hold): no
payer is texted during a call, whose record the contact rules would then refuse.

What the provider accepted is written in bulk, at least every
SAIKOKU_SMS_RECORD_SECONDS and at the end of the batch: in one transaction the
messages' provider ids and `sent_at`, their new state ("sent") and their contact
records and audit entries. A provider that does not honour the idempotency key gets
one cheap update per message at once instead (its provider id and `sent_at`; it stays
"sending" until the bulk write), before the next message is sent.

A claim is a lease (SAIKOKU_SMS_CLAIM_SECONDS). A worker killed mid-batch leaves its
claimed messages "sending"; once the lease has run out any worker takes them up again.
Those whose acceptance was written (`sent_at` set) are not sent again: the worker only
writes their records. The others are sent again with the same key: a provider that
honours the key answers with the same id and sends nothing (at most a second's worth
of messages is asked again); with one that does not, only the message in flight at
the kill can be delivered twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from saikoku.arrears.calendar import is_holiday
from saikoku.core import metrics
from saikoku.core.dates import TOKYO
from saikoku.outreach.calls.services import payers_hold, payers_release
from saikoku.outreach.eligibility import callable_phones, exclusions_for_payers
from saikoku.outreach.models import (
    Callback,
    CallListEntry,
    Channel,
    ContactSettings,
    PhoneStatus,
)
from saikoku.outreach.records.services import (
    SmsSent,
    contact_records_sms,
    contact_records_sms_audit,
    phone_status_mark,
)
from saikoku.outreach.rules import contact_allowed_many
from saikoku.sms.models import SmsCampaign, SmsMessage
from saikoku.sms.providers import Provider, ProviderError, SendResult, get_provider
from saikoku.sms.rate import ProviderPace

logger = logging.getLogger("saikoku.sms")

__all__ = [
    "DispatchResult",
    "next_send_window",
    "send_window_open",
    "sms_dispatch_run",
]

UNCLAIMED = {"claimed_by": "", "claimed_until": None}
# How long a text waits for a payer an operator was claiming at the send-time check.
CLAIMING_WAIT = dt.timedelta(seconds=10)

# SQL from the model's own table name; every value is a parameter.
_TABLE = SmsMessage._meta.db_table
# The provider's acceptance. Also of a message whose delivery report came first (the
# report set its status and `sent_at`, and ended the claim): the acceptance then only
# adds the provider's id, and the message is recorded all the same.
ACK_SQL = (
    f"UPDATE {_TABLE} SET provider = %(provider)s, provider_id = %(provider_id)s, "  # noqa: S608
    "segments = %(segments)s, sent_at = COALESCE(sent_at, %(at)s), "
    "delivered_at = COALESCE(delivered_at, %(delivered_at)s), "
    "error = CASE WHEN status = %(sending)s THEN '' ELSE error END "
    "WHERE id = %(id)s AND (claimed_by = %(worker)s AND status = %(sending)s "
    "OR provider_id = '' AND sent_at IS NOT NULL AND status NOT IN (%(queued)s, %(sending)s))"
)
RECORDED_SQL = (
    f"UPDATE {_TABLE} SET contact_record_id = %(record)s, status = %(status)s, "  # noqa: S608
    "claimed_by = %(claimed_by)s, claimed_until = NULL WHERE id = %(id)s"
)
# On PostgreSQL the same two updates for a whole batch in one statement, the rows as
# arrays (a statement per row costs the worker more than the POST it follows).
ACK_MANY_SQL = (
    f"UPDATE {_TABLE} AS m SET provider = %(provider)s, provider_id = v.provider_id, "  # noqa: S608
    "segments = v.segments, sent_at = COALESCE(m.sent_at, v.at), "
    "delivered_at = COALESCE(m.delivered_at, v.delivered_at), "
    "error = CASE WHEN m.status = %(sending)s THEN '' ELSE m.error END "
    "FROM unnest(%(id)s::bigint[], %(provider_id)s::text[], %(segments)s::int[], "
    "%(at)s::timestamptz[], %(delivered_at)s::timestamptz[]) "
    "AS v(id, provider_id, segments, at, delivered_at) "
    "WHERE m.id = v.id AND (m.claimed_by = %(worker)s AND m.status = %(sending)s "
    "OR m.provider_id = '' AND m.sent_at IS NOT NULL "
    "AND m.status NOT IN (%(queued)s, %(sending)s))"
)
RECORDED_MANY_SQL = (
    f"UPDATE {_TABLE} AS m SET contact_record_id = v.record, status = v.status, "  # noqa: S608
    "claimed_by = v.claimed_by, claimed_until = NULL "
    "FROM unnest(%(id)s::bigint[], %(record)s::bigint[], %(status)s::text[], "
    "%(claimed_by)s::text[]) AS v(id, record, status, claimed_by) WHERE m.id = v.id"
)


def _update_many(one_sql: str, many_sql: str, rows: list[dict[str, Any]], *, shared: dict) -> int:
    """Runs an update for each row (its values, with the `shared` ones): on PostgreSQL
    as one statement over arrays of the rows' values, elsewhere row by row. Returns the
    rows updated."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 1:
            arrays = {name: [row[name] for row in rows] for name in rows[0]}
            cursor.execute(many_sql, {**arrays, **shared})
            return cursor.rowcount
        updated = 0
        for row in rows:
            cursor.execute(one_sql, {**row, **shared})
            updated += cursor.rowcount
        return updated


def _acknowledgements_asynchronous() -> None:
    """On PostgreSQL, the acceptances of this connection commit without waiting for the
    disk (synchronous_commit off): a worker killed at any moment loses none of them
    (they are committed, the server has them); only a crash of the database server
    itself could lose its last fraction of a second, and those messages are then sent
    again with the same key. It makes the per-message update as cheap as the POST."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def _durable_commit() -> None:
    # The batch's records and audit entries wait for the disk as every other write.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO on")


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


def _hold_back(message: SmsMessage, worker_id: str, **fields: Any) -> None:
    """A message the rules refuse now: dropped, or queued again for later; unclaimed."""
    SmsMessage.objects.filter(pk=message.pk, claimed_by=worker_id).update(**fields, **UNCLAIMED)


def _recheck(batch: list[SmsMessage], *, worker_id: str, now: dt.datetime) -> list[SmsMessage]:
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


def _backoff(attempts: int, retry_after: float | None) -> dt.timedelta:
    seconds = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class Acceptance:
    """The provider took a message: what its acceptance writes on it."""

    message_id: int
    provider: str
    result: SendResult
    at: dt.datetime


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


def _acknowledge(acceptances: list[Acceptance], *, worker_id: str) -> list[int]:
    """Writes the acceptances; returns the ids of the messages they reached (still
    this worker's, or reported on first)."""
    if not acceptances:
        return []
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        {
            "id": a.message_id,
            "provider_id": a.result.provider_id[:100],
            "segments": a.result.segments,
            "at": adapt(a.at),
            "delivered_at": adapt(a.at) if a.result.delivered else None,
        }
        for a in acceptances
    ]
    shared = {
        "provider": acceptances[0].provider,
        "worker": worker_id,
        "sending": SmsMessage.Status.SENDING.value,
        "queued": SmsMessage.Status.QUEUED.value,
    }
    updated = _update_many(ACK_SQL, ACK_MANY_SQL, rows, shared=shared)
    if len(acceptances) == 1:
        return [acceptances[0].message_id] if updated == 1 else []
    # The rows that took them are the ones _record_sent finds (`sent_at` set, this
    # worker's or reported on).
    return [a.message_id for a in acceptances]


def _record_sent(
    ids: list[int],
    *,
    campaign: SmsCampaign,
    worker_id: str,
    acceptances: list[Acceptance] | None = None,
) -> int:
    """Marks the accepted messages sent (or delivered) with their contact records and
    audit entries, in one transaction: those among `ids` whose acceptance is written,
    and the `acceptances` not yet written (written here first). Also those a delivery
    report reached first (their status already set by the report): they were sent all
    the same."""
    if not ids and not acceptances:
        return 0
    with transaction.atomic():
        _durable_commit()
        ids = ids + _acknowledge(acceptances or [], worker_id=worker_id)
        rows = list(
            SmsMessage.objects.select_for_update()
            .filter(pk__in=ids, sent_at__isnull=False, contact_record__isnull=True)
            .filter(
                Q(claimed_by=worker_id, status=SmsMessage.Status.SENDING)
                | ~Q(status__in=(SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING))
            )
            .select_related("phone")
            .order_by("pk")
        )
        if not rows:
            return 0
        sent = [
            SmsSent(
                payer_id=m.payer_id,
                phone=m.phone,
                note=f"{campaign.name} ({m.segments})",
                at=m.sent_at,
            )
            for m in rows
        ]
        records = contact_records_sms(actor=campaign.created_by, sent=sent)
        recorded = []
        for message, record_id in zip(rows, records, strict=True):
            if message.status == SmsMessage.Status.SENDING:
                message.status = (
                    SmsMessage.Status.DELIVERED if message.delivered_at else SmsMessage.Status.SENT
                )
                message.claimed_by = ""
            recorded.append(
                {
                    "id": message.pk,
                    "record": record_id,
                    "status": message.status,
                    "claimed_by": message.claimed_by,
                }
            )
        _update_many(RECORDED_SQL, RECORDED_MANY_SQL, recorded, shared={})
        # Last: the audit chain's lock is held from here to the commit, and every
        # operator's audited page waits for it meanwhile.
        contact_records_sms_audit(actor=campaign.created_by, ids=records, sent=sent)
    return len(rows)


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
    _acknowledgements_asynchronous()
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
            # Taken over from a worker that died after their acceptance was written:
            # only their records are missing, they are not sent again.
            accepted = [m.pk for m in batch if m.sent_at is not None]
            # Acceptances not yet written: with a provider that honours the key they are
            # written with the records; with one that does not, each at once.
            unwritten: list[Acceptance] = []
            batch = _recheck([m for m in batch if m.sent_at is None], worker_id=worker_id, now=now)
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
                    sent += _record_sent(
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
                    accepted += _acknowledge([acceptance], worker_id=worker_id)
                if time.monotonic() - recorded_at >= settings.SAIKOKU_SMS_RECORD_SECONDS:
                    # A text is a contact the rules count and the payer's timeline
                    # shows: at a slow provider's pace a batch lasts many seconds, so
                    # the records follow within about a second.
                    sent += _record_sent(
                        accepted, campaign=campaign, worker_id=worker_id, acceptances=unwritten
                    )
                    accepted, unwritten = [], []
                    recorded_at = time.monotonic()
            sent += _record_sent(
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
