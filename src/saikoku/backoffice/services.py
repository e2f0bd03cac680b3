"""Writes of the work queue: create a task, move it through its statuses, assign it.

Every change is one transaction with its audit entry and one TaskEvent line (the
task's history, never edited). `task_create` is the only way a task comes into being:
the call screen's outcomes, the returned-mail rule and overdue inquiries all use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.kinds import default_due_on, kind_spec
from saikoku.backoffice.models import FINISHED, Task, TaskEvent, TaskStatus
from saikoku.backoffice.selectors import can_assign_tasks, can_work_task
from saikoku.core.audit import audit_record

if TYPE_CHECKING:
    from saikoku.core.models import User
    from saikoku.outreach.models import Team

__all__ = ["task_accept", "task_assign", "task_close", "task_create", "task_transition"]

# Which status may follow which; DONE and CANCELLED end a task.
TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.OPEN: frozenset(
        {TaskStatus.IN_PROGRESS, TaskStatus.WAITING_WARD, TaskStatus.DONE, TaskStatus.CANCELLED}
    ),
    TaskStatus.IN_PROGRESS: frozenset(
        {TaskStatus.WAITING_WARD, TaskStatus.DONE, TaskStatus.CANCELLED}
    ),
    TaskStatus.WAITING_WARD: frozenset(
        {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED}
    ),
    TaskStatus.DONE: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


def _audit_task(
    *, actor: User | None, action: str, task: Task, client_addr: str, **extra: Any
) -> None:
    """Every change of a task is audited with the same facts: which department's
    work, of which kind (the payer is reached through the task, never copied here)."""
    audit_record(
        actor=actor,
        action=action,
        object_type="task",
        object_id=str(task.pk),
        client_addr=client_addr,
        detail={"department": task.department, "kind": task.kind, **extra},
    )


def task_create(
    *,
    kind: str,
    actor: User | None,
    summary: str,
    payer_id: int | None = None,
    department: str = "",
    reason: str = "",
    due_on: dt.date | None = None,
    assignee: User | None = None,
    team: Team | None = None,
    contact_record: Any | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> Task:
    """A new open task of a registered kind. Due date and team default from the
    registry (backoffice.kinds). Joins the caller's transaction when there is one (the
    contact record that gives rise to an escalation commits with it)."""
    spec = kind_spec(kind)
    if spec.for_ward and not department:
        raise ValueError(f"a {kind} task goes to a ward department: give department=")
    now = now or timezone.now()
    if team is None and assignee is None and spec.team:
        from saikoku.outreach.models import Team

        team = Team.objects.filter(name=spec.team).first()
    with transaction.atomic():
        task = Task.objects.create(
            kind=kind,
            payer_id=payer_id,
            department=department,
            reason=reason,
            summary=summary,
            due_on=due_on or default_due_on(kind, timezone.localdate(now)),
            assignee=assignee,
            team=team,
            contact_record=contact_record,
            created_by=actor,
            created_at=now,
        )
        TaskEvent.objects.create(
            task=task,
            at=now,
            actor=actor,
            action=TaskEvent.Action.CREATED,
            to_status=task.status,
            assignee=assignee,
            team=team,
        )
        _audit_task(actor=actor, action="task_create", task=task, client_addr=client_addr)
    return task


def task_transition(
    *,
    actor: User,
    task: Task,
    to: str,
    note: str = "",
    now: dt.datetime | None = None,
    client_addr: str = "",
    action: str = "task_status",
) -> Task:
    """Moves the task to status `to` (see TRANSITIONS). Finishing a task needs a note
    (what was done, or why it was cancelled)."""
    if task.status in FINISHED:
        raise ValidationError(_("このタスクはすでに完了しています。"), code="closed")
    if not can_work_task(actor, task):
        raise PermissionDenied
    if to not in TaskStatus.values:
        raise ValidationError(_("状態が正しくありません。"), code="status")
    if to in FINISHED and not note.strip():
        raise ValidationError(_("対応結果を入力してください。"), code="result")
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        # Conditional update: two people acting at once, one wins.
        allowed_from = [old for old, targets in TRANSITIONS.items() if to in targets]
        values: dict[str, Any] = {"status": to}
        if to == TaskStatus.IN_PROGRESS and task.accepted_by_id is None:
            values.update(accepted_by=actor, accepted_at=now)
        if to in FINISHED:
            values.update(closed_by=actor, closed_at=now, result=note.strip())
        changed = Task.objects.filter(pk=task.pk, status__in=allowed_from).update(**values)
        if not changed:
            current = Task.objects.filter(pk=task.pk).values_list("status", flat=True).first()
            if current in FINISHED:
                raise ValidationError(_("このタスクはすでに完了しています。"), code="closed")
            if current == TaskStatus.IN_PROGRESS and to == TaskStatus.IN_PROGRESS:
                raise ValidationError(_("このタスクはすでに受け付けられています。"), code="taken")
            raise ValidationError(_("この状態には変更できません。"), code="transition")
        if to in FINISHED:
            Task.objects.filter(pk=task.pk, accepted_by__isnull=True).update(
                accepted_by=actor, accepted_at=now
            )
        TaskEvent.objects.create(
            task=task,
            at=now,
            actor=actor,
            action=TaskEvent.Action.STATUS,
            from_status=task.status,
            to_status=to,
            note=note.strip(),
        )
        _audit_task(
            actor=actor,
            action=action,
            task=task,
            client_addr=client_addr,
            from_status=task.status,
            to_status=to,
        )
    task.refresh_from_db()
    return task


def task_accept(
    *, actor: User, task: Task, now: dt.datetime | None = None, client_addr: str = ""
) -> Task:
    """The task is taken on (open -> in progress)."""
    return task_transition(
        actor=actor,
        task=task,
        to=TaskStatus.IN_PROGRESS,
        now=now,
        client_addr=client_addr,
        action="task_accept",
    )


def task_close(
    *,
    actor: User,
    task: Task,
    result: str,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> Task:
    """Closes the task with what was done (required)."""
    return task_transition(
        actor=actor,
        task=task,
        to=TaskStatus.DONE,
        note=result,
        now=now,
        client_addr=client_addr,
        action="task_close",
    )


def task_assign(
    *,
    actor: User,
    tasks: Iterable[Task],
    assignee: User | None = None,
    team: Team | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> int:
    """Gives tasks (one or many: a bulk reassignment) to a person or a team. Finished
    tasks are left alone. Returns how many changed."""
    if not can_assign_tasks(actor):
        raise PermissionDenied
    if assignee is None and team is None:
        raise ValidationError(_("担当者またはチームを選んでください。"), code="assignee")
    now = now or timezone.now()
    changed = 0
    with transaction.atomic(durable=True):
        for task in tasks:
            updated = (
                Task.objects.filter(pk=task.pk)
                .exclude(status__in=FINISHED)
                .update(assignee=assignee, team=team)
            )
            if not updated:
                continue
            changed += 1
            TaskEvent.objects.create(
                task=task,
                at=now,
                actor=actor,
                action=TaskEvent.Action.ASSIGNED,
                assignee=assignee,
                team=team,
            )
            _audit_task(
                actor=actor,
                action="task_assign",
                task=task,
                client_addr=client_addr,
                assignee=assignee.get_username() if assignee else "",
                team=team.name if team else "",
            )
    return changed
