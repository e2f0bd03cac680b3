"""The embedded default: each message goes to the log and counts as delivered at once
(the demo and development; no equipment)."""

from __future__ import annotations

import hashlib
import logging

from saikoku.sms.providers.base import SendResult
from saikoku.sms.text import sms_count

logger = logging.getLogger("saikoku.sms.console")


class ConsoleProvider:
    name = "console"
    honours_idempotency_key = True

    def send(self, *, to: str, text: str, idempotency_key: str, sender: str) -> SendResult:
        segments = sms_count(text).parts
        # The id follows from the key: the same key gives the same id, as a gateway
        # that honours keys would answer.
        provider_id = "console-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        logger.info(
            "SMS to %s from %s (%s parts, key %s): %s", to, sender, segments, idempotency_key, text
        )
        return SendResult(provider_id=provider_id, segments=segments, delivered=True)

    def close(self) -> None:
        return None
