"""Writes of the back office queue: accept a task, close it with its result."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.models import Task, TaskStatus
from saikoku.backoffice.selectors import can_work_task
from saikoku.core.audit import audit_record

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = ["task_accept", "task_close"]


def _audit_task(*, actor: User, action: str, task: Task, client_addr: str) -> None:
    """Every change of a task is audited with the same facts: which department's
    work, of which kind (the payer is reached through the task, never copied here)."""
    audit_record(
        actor=actor,
        action=action,
        object_type="task",
        object_id=str(task.pk),
        client_addr=client_addr,
        detail={"department": task.department, "kind": task.kind},
    )


def task_accept(
    *, actor: User, task: Task, now: dt.datetime | None = None, client_addr: str = ""
) -> Task:
    """The ward clerk takes the task on (open -> accepted)."""
    if not can_work_task(actor, task):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        # Conditional update: two clerks clicking at once, one wins.
        taken = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.ACCEPTED, accepted_by=actor, accepted_at=now
        )
        if not taken:
            raise ValidationError(_("このタスクはすでに受け付けられています。"), code="taken")
        _audit_task(actor=actor, action="task_accept", task=task, client_addr=client_addr)
    task.refresh_from_db()
    return task


def task_close(
    *,
    actor: User,
    task: Task,
    result: str,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> Task:
    """Closes the task with what the ward did (required)."""
    if not can_work_task(actor, task):
        raise PermissionDenied
    if not result.strip():
        raise ValidationError(_("対応結果を入力してください。"), code="result")
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        closed = (
            Task.objects.filter(pk=task.pk)
            .exclude(status=TaskStatus.CLOSED)
            .update(
                status=TaskStatus.CLOSED,
                closed_by=actor,
                closed_at=now,
                result=result.strip(),
            )
        )
        if not closed:
            raise ValidationError(_("このタスクはすでに完了しています。"), code="closed")
        if task.accepted_by_id is None:
            Task.objects.filter(pk=task.pk, accepted_by__isnull=True).update(
                accepted_by=actor, accepted_at=now
            )
        _audit_task(actor=actor, action="task_close", task=task, client_addr=client_addr)
    task.refresh_from_db()
    return task
