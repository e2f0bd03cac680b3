"""Where each role lands after login and on `/`: where its work is.

The one rule, read from the capability table (core/roles.py) in order: the first
capability the user's role has decides. A ward_admin also builds lists and reads the
log, so the more specific work comes first.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from saikoku.core.roles import Capability, user_can

__all__ = ["LANDINGS", "landing_url"]

# (capability, URL name), first match wins.
LANDINGS: tuple[tuple[Capability, str], ...] = (
    # ward_admin: the overview of imports, users, approvals and escalations.
    (Capability.ADMINISTER, "overview"),
    # ward staff: their department's queue of escalations.
    (Capability.WORK_DEPARTMENT_QUEUE, "task_queue"),
    # supervisor: the call lists and their progress.
    (Capability.BUILD_LISTS, "call_list_index"),
    # operator: the call screen ("Next", callbacks due).
    (Capability.CALL, "call_screen"),
    (Capability.WORK_WITH_PAYERS, "search"),
    # auditor: the audit log.
    (Capability.READ_AUDIT, "audit_log"),
)


def landing_url(user: Any) -> str | None:
    """The path of the user's landing page, or None when the role has no page at all."""
    for capability, url_name in LANDINGS:
        if user_can(user, capability):
            return reverse(url_name)
    return None
