"""Work other apps do after every ward package import, registered by those apps.

The import knows nothing of call lists, promises or search indexes: each app that
must react to new data registers a function here from its `AppConfig.ready`. The
functions run inside the import's own transaction, in the order registered, so the
new rows and everything derived from them commit or roll back together. Keep each to
a few set-based queries: an import must not get slower with the size of other tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

__all__ = ["AfterImport", "register_after_import", "run_after_import"]


class AfterImport(Protocol):
    def __call__(self, *, package_id: str, today: date) -> None: ...


_AFTER_IMPORT: list[Callable[..., None]] = []


def register_after_import(hook: AfterImport) -> None:
    """Run `hook(package_id=…, today=…)` after every import (registering twice adds
    it once)."""
    if hook not in _AFTER_IMPORT:
        _AFTER_IMPORT.append(hook)


def run_after_import(*, package_id: str, today: date) -> None:
    for hook in _AFTER_IMPORT:
        hook(package_id=package_id, today=today)
