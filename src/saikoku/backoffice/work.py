"""The back office's part of "is this payer in the user's own work" (core.permissions)."""

from __future__ import annotations

from typing import Any

from saikoku.backoffice.models import Task, TaskStatus


def created_an_open_task_for(user: Any, resident_id: int) -> bool:
    """A task the user created about the payer that is not closed yet."""
    return (
        Task.objects.filter(payer_id=resident_id, created_by=user)
        .exclude(status=TaskStatus.CLOSED)
        .exists()
    )
