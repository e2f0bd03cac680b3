"""Delivery reports of sent SMS: the gateway's signed POST /sms/callback and the
modem's status reports, mapped onto each message (docs/sms.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from saikoku.core import metrics
from saikoku.core.audit import audit_record
from saikoku.outreach.models import PhoneStatus
from saikoku.outreach.records.services import phone_status_mark
from saikoku.sms.models import (
    SmsDeliveryReport,
    SmsMessage,
)

if TYPE_CHECKING:
    pass

logger = logging.getLogger("saikoku.sms")

__all__ = ["CallbackRefused", "callback_signature", "sms_delivery_report", "sms_modem_reports"]


# Reports older or newer than this are refused: a captured request cannot be replayed
# later, and within the window the stored signature refuses it.
CALLBACK_WINDOW_SECONDS = 300
REPORT_STATUS = {
    "delivered": SmsMessage.Status.DELIVERED,
    "failed": SmsMessage.Status.FAILED,
    "expired": SmsMessage.Status.EXPIRED,
    "unknown_number": SmsMessage.Status.FAILED,
}


class CallbackRefused(Exception):
    """A delivery report not taken: code is bad_signature, stale, replay or bad_body."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def callback_signature(secret: str, timestamp: str, body: bytes) -> str:
    """sha256={hex HMAC-SHA256(secret, timestamp + "." + raw body)}: the header value."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def sms_delivery_report(
    *, raw_body: bytes, timestamp: str, signature: str, now: dt.datetime | None = None
) -> SmsMessage | None:
    """Applies one signed delivery report from the gateway; raises CallbackRefused
    (and audits the refusal) when the signature is wrong, the timestamp is more than
    300 s off, or the same report was already received."""
    now = now or timezone.now()
    try:
        _verify(raw_body=raw_body, timestamp=timestamp, signature=signature, now=now)
        body = json.loads(raw_body)
        if not isinstance(body, dict) or body.get("status") not in REPORT_STATUS:
            raise CallbackRefused("bad_body")
        with transaction.atomic(durable=True):
            message = _reported_message(body)
            try:
                with transaction.atomic():
                    SmsDeliveryReport.objects.create(
                        signature=signature[:100],
                        received_at=now,
                        message=message,
                        status=str(body["status"]),
                        body=body,
                    )
            except IntegrityError:
                raise CallbackRefused("replay") from None
            if message is not None:
                _apply_report(message, body, now)
        return message
    except (CallbackRefused, ValueError) as error:
        code = error.code if isinstance(error, CallbackRefused) else "bad_body"
        logger.warning("SMS delivery report refused: %s", code)
        with transaction.atomic(durable=True):
            audit_record(
                actor=None,
                action="sms_callback_refused",
                object_type="sms_callback",
                detail={"reason": code, "timestamp": timestamp[:20]},
            )
        raise CallbackRefused(code) from None


def _verify(*, raw_body: bytes, timestamp: str, signature: str, now: dt.datetime) -> None:
    secret = settings.SAIKOKU_SMS_CALLBACK_SECRET
    if not secret:
        # No secret configured: no report can be trusted.
        raise CallbackRefused("bad_signature")
    expected = callback_signature(secret, timestamp, raw_body)
    if not hmac.compare_digest(expected, signature):
        raise CallbackRefused("bad_signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise CallbackRefused("stale") from None
    if abs(now.timestamp() - sent_at) > CALLBACK_WINDOW_SECONDS:
        raise CallbackRefused("stale")


def _reported_message(body: dict[str, Any]) -> SmsMessage | None:
    ref = str(body.get("client_ref") or "")
    provider_id = str(body.get("id") or "")
    query = SmsMessage.objects.select_for_update().select_related("phone", "campaign")
    message = query.filter(idempotency_key=ref).first() if ref else None
    if message is None and provider_id:
        message = query.filter(provider_id=provider_id).first()
    return message


def _apply_report(message: SmsMessage, body: dict[str, Any], now: dt.datetime) -> None:
    status = REPORT_STATUS[str(body["status"])]
    previous = message.status
    if message.status in (SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING):
        # A report before our own "sent" was written (a worker died in between): the
        # message was sent; keep it from being sent again.
        message.sent_at = message.sent_at or now
    message.status = status
    message.carrier = str(body.get("carrier") or "")[:40]
    if body.get("segments"):
        message.segments = int(body["segments"])
    if status == SmsMessage.Status.DELIVERED:
        message.delivered_at = now
        message.error = ""
    else:
        message.error = str(body["status"])[:100]
        if previous != status:
            # Failed or expired on the way: counted once, not again for a repeated report.
            metrics.SMS_FAILED.labels(stage="delivery").inc()
    message.claimed_by = ""
    message.claimed_until = None
    message.save(
        update_fields=[
            "status",
            "carrier",
            "segments",
            "delivered_at",
            "error",
            "sent_at",
            "claimed_by",
            "claimed_until",
        ]
    )
    if body["status"] == "unknown_number":
        # "Number does not exist": invalid for every channel, as an operator's
        # "not in service" outcome makes it.
        phone_status_mark(
            actor=message.campaign.created_by,
            phone=message.phone,
            status=PhoneStatus.Status.NOT_IN_SERVICE,
            now=now,
        )


def sms_modem_reports(reports: list[Any]) -> int:
    """Applies the modem's +CDS status reports (providers/modem.py): each names the
    message reference of the part it reports on; a message's last part decides.
    Returns how many messages changed."""
    changed = 0
    now = timezone.now()
    for report in reports:
        if report.outcome == "pending":
            continue
        mr = str(report.reference)
        candidates = SmsMessage.objects.filter(
            provider="modem", to=report.to, status=SmsMessage.Status.SENT
        ).order_by("-sent_at")
        for message in candidates[:5]:
            if message.provider_id.endswith(("-" + mr, "," + mr)):
                with transaction.atomic():
                    _apply_report(message, {"status": report.outcome}, now)
                changed += 1
                break
    return changed
