"""Writing what the provider accepted: in bulk with the batch's contact records and
audit entries, or one message at a time for a provider that does not honour the
idempotency key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from saikoku.outreach.records.services import (
    SmsSent,
    contact_records_sms,
    contact_records_sms_audit,
)
from saikoku.sms.models import SmsCampaign, SmsMessage
from saikoku.sms.providers import SendResult

__all__ = ["Acceptance", "acknowledge", "acknowledgements_asynchronous", "record_sent"]

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


def acknowledgements_asynchronous() -> None:
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


@dataclass(frozen=True)
class Acceptance:
    """The provider took a message: what its acceptance writes on it."""

    message_id: int
    provider: str
    result: SendResult
    at: dt.datetime


def acknowledge(acceptances: list[Acceptance], *, worker_id: str) -> list[int]:
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


def record_sent(
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
        ids = ids + acknowledge(acceptances or [], worker_id=worker_id)
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
