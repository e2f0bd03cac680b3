"""The log file handler of settings.LOGGING: the file and its folder are created with
the first record, so a command that logs nothing leaves no file behind."""

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
