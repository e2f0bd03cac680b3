"""`BackupError`, the one exception of backups and restores, apart so that every step
(the archive, the snapshot, the restore) raises the same kind with a stable code.
"""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore refused or failed; the message is one Japanese line.
    `code` is stable for programs ("damaged", "truncated", "foreign_key",
    "other_engine", "not_empty", "unproven", …)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
