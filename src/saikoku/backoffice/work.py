"""The back office's part of "is this payer in the user's own work" (core.permissions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from saikoku.backoffice.models import FINISHED, Task


def created_an_open_task_for(user: Any, resident_id: int) -> bool:
    """A task the user created about the payer, or was given, that is not finished."""
    return (
        Task.objects.filter(payer_id=resident_id)
        .filter(Q(created_by=user) | Q(assignee=user))
        .exclude(status__in=FINISHED)
        .exists()
    )
