"""The log file handler of settings.LOGGING: the file and its folder are created with
the first record, so a command that logs nothing leaves no file behind; and the log's
files as they are on disk (`log_files`, what the erasure blanks and scans)."""

from __future__ import annotations

import logging
from pathlib import Path


class DataFolderFileHandler(logging.FileHandler):
    """A FileHandler (UTF-8, opened on the first record) that makes its folder first."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename, encoding="utf-8", delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is None:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        super().emit(record)


def log_files() -> list[Path]:
    """The log file of settings.LOG_FILE and its rotated copies (`saikoku.log.1`, …)
    that exist; none when the log goes to stderr."""
    from django.conf import settings

    if settings.LOG_FILE == "-":
        return []
    log = Path(settings.LOG_FILE)
    if not log.parent.is_dir():
        return []
    return sorted(p for p in log.parent.glob(log.name + "*") if p.is_file())
