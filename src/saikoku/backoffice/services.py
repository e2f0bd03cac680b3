"""Writes of the back office queue: accept a task, close it with its result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.models import Task, TaskStatus
from saikoku.backoffice.selectors import can_work_task
from saikoku.core.audit import audit_record

__all__ = ["task_accept", "task_close"]


def task_accept(
    *, actor: Any, task: Task, now: dt.datetime | None = None, client_addr: str = ""
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
        audit_record(
            actor=actor,
            action="task_accept",
            object_type="task",
            object_id=str(task.pk),
            client_addr=client_addr,
            detail={"department": task.department, "kind": task.kind},
        )
    task.refresh_from_db()
    return task


def task_close(
    *,
    actor: Any,
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
        audit_record(
            actor=actor,
            action="task_close",
            object_type="task",
            object_id=str(task.pk),
            client_addr=client_addr,
            detail={"department": task.department, "kind": task.kind},
        )
    task.refresh_from_db()
    return task
