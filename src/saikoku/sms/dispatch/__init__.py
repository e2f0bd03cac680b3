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

from saikoku.sms.dispatch.run import DispatchResult, sms_dispatch_run
from saikoku.sms.dispatch.window import next_send_window, send_window_open, send_window_text

__all__ = [
    "DispatchResult",
    "next_send_window",
    "send_window_open",
    "send_window_text",
    "sms_dispatch_run",
]
