"""The log's two forms (settings.LOGGING, SAIKOKU_LOG_FORMAT): text for a person at a
terminal, one JSON object per line for a log collector (docs/operations/observability.md).

Both carry the request id and the user id of the request being served
(`RequestContextFilter`). The JSON form writes a fixed set of fields only: a record's
other attributes (what a caller passes in `extra`) stay out, so nothing but the id of a
user, never a name, phone number or address, reaches a field by accident.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from saikoku.core.request_id import current_request, current_request_id

# Fields a record may carry besides the standard ones (the access log line's, web/
# middleware); anything else in `extra` is not written.
EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms")


def _user_id(request: Any) -> int | None:
    # Only a user the request has already loaded: the filter must not query the
    # session or the database itself (a log record on /healthz would then cost one).
    user = getattr(request, "_cached_user", None) if request is not None else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestContextFilter(logging.Filter):
    """Puts the current request id and user id on every record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = _user_id(current_request())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message,
    request_id, user_id, the access fields when present, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or None,
            "user_id": getattr(record, "user_id", None),
        }
        if entry["request_id"] == "-":
            entry["request_id"] = None
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # ensure_ascii off: the Japanese of a message stays readable in the collector.
        return json.dumps(entry, ensure_ascii=False, default=str)
