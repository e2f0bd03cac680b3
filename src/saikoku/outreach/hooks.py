"""What outreach does when a ward package has been loaded.

Registered with interchange.hooks (outreach/apps.py) and run inside the import's own
transaction, so the new bills and payments, the promises judged from them and the
lists cleaned by them commit or roll back together. Kept to a few set-based queries:
an import must not get slower with the number of promises or list entries.
"""

from __future__ import annotations

import logging
from datetime import date

from saikoku.outreach.lists.services import call_lists_remove_paid_up
from saikoku.outreach.promises.services import promises_evaluate

logger = logging.getLogger(__name__)


def after_package_import(*, package_id: str, today: date) -> None:
    """Judges promises against the payments just loaded, then takes payers who owe
    nothing any more out of every open call list."""
    promises = promises_evaluate(today=today)
    removed = call_lists_remove_paid_up(payer_ids=None)
    logger.info(
        "package %s: promises kept %d, broken %d; %d paid-up list entries removed",
        package_id,
        promises["kept"],
        promises["broken"],
        removed,
    )


__all__ = ["after_package_import"]
