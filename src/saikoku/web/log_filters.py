"""Logging filters of the console (settings.LOGGING)."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """Drops the traceback from the log record of a 4xx response.

    Django logs a refused request (PermissionDenied → 403) on `django.request` with
    the exception attached, so every 403 wrote a full traceback although nothing went
    wrong: the server refused, as it should. One line says who was refused what
    ("Forbidden (Permission denied): /audit/"); 5xx records keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
