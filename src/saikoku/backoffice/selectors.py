"""Reads of the work queue, with the one access rule for tasks, and the back office's
reads other apps call (the payer page's history, the returned-mail eligibility rule).

Who sees which task:
- ward staff: the tasks of their own department that are the ward's work (a kind the
  registry gives to WORK_DEPARTMENT_QUEUE) or wait for the ward; any other is a 404;
- supervisors and ward_admins: every task (supervisors assign; ward_admins read);
- operators: the tasks given to them or to one of their teams, the center's tasks no
  one has been given yet (the pool), and the tasks they created themselves (but an
  escalation, which hands the payer to the ward).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from saikoku.backoffice.kinds import TASK_KINDS, kind_spec
from saikoku.backoffice.models import (
    FINISHED,
    Inquiry,
    ReturnedMail,
    Task,
    TaskEvent,
    TaskKind,
    TaskStatus,
)
from saikoku.core.roles import Capability, user_can

__all__ = [
    "PayerBackoffice",
    "TaskFilters",
    "can_assign_tasks",
    "can_work_task",
    "payer_backoffice",
    "payers_with_unresolved_returned_mail",
    "status_counts",
    "task_for_user",
    "task_history",
    "task_queue",
    "tasks_visible_to",
    "unresolved_returned_mail",
]


def _ward_kinds() -> list[str]:
    return [code for code, spec in TASK_KINDS.items() if spec.for_ward]


def _center_kinds() -> list[str]:
    return [code for code, spec in TASK_KINDS.items() if not spec.for_ward]


def tasks_visible_to(user: Any) -> QuerySet[Task]:
    tasks = Task.objects.select_related("payer", "created_by", "accepted_by", "assignee", "team")
    if user_can(user, Capability.WORK_DEPARTMENT_QUEUE):
        return tasks.filter(department=user.department).filter(
            Q(kind__in=_ward_kinds()) | Q(status=TaskStatus.WAITING_WARD)
        )
    if user_can(user, Capability.READ_ALL_TASKS):
        return tasks
    if user_can(user, Capability.WORK_WITH_PAYERS):
        # An escalation hands the payer to the ward: the operator who made it keeps
        # the contact record, not the ward's case.
        created = Q(created_by=user) & ~Q(kind=TaskKind.ESCALATION)
        mine = created | Q(assignee=user) | Q(team__members=user)
        if user_can(user, Capability.WORK_TASKS):
            mine |= Q(kind__in=_center_kinds(), assignee__isnull=True, team__isnull=True)
        # As a subquery of ids rather than DISTINCT over the joined rows: the team
        # join repeats a task once per member, and DISTINCT over every selected
        # column (payer, three users, team) made planning the payer page's query
        # cost ten times its execution at full scale.
        return tasks.filter(pk__in=Task.objects.filter(mine).values("pk"))
    return tasks.none()


@dataclass(frozen=True)
class TaskFilters:
    """What the queue page filters by; the defaults are the open work, by due date."""

    status: str = ""  # "" = every unfinished status; or one TaskStatus; or "finished"
    kind: str = ""
    overdue: bool = False
    mine: bool = False
    sort: str = "due"  # "due" (soonest first) or "created" (oldest first)


def task_queue(
    user: Any,
    *,
    closed: bool = False,
    filters: TaskFilters | None = None,
    today: dt.date | None = None,
) -> QuerySet[Task]:
    """The queue as the user may see it: unfinished tasks by due date, then the oldest
    first (or the finished ones, newest first)."""
    filters = filters or TaskFilters(status="finished" if closed else "")
    tasks = tasks_visible_to(user)
    if filters.status == "finished":
        return (
            _filtered(tasks, filters, user, today)
            .filter(status__in=FINISHED)
            .order_by("-closed_at", "-pk")
        )
    if filters.status in TaskStatus.values:
        tasks = tasks.filter(status=filters.status)
    else:
        tasks = tasks.exclude(status__in=FINISHED)
    order = ("due_on", "created_at", "pk") if filters.sort != "created" else ("created_at", "pk")
    return _filtered(tasks, filters, user, today).order_by(*order)


def _filtered(
    tasks: QuerySet[Task], filters: TaskFilters, user: Any, today: dt.date | None
) -> QuerySet[Task]:
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.overdue:
        tasks = tasks.filter(due_on__lt=today or timezone.localdate()).exclude(status__in=FINISHED)
    if filters.mine:
        tasks = tasks.filter(Q(assignee=user) | Q(team__members=user)).distinct()
    return tasks


def status_counts(user: Any, *, today: dt.date | None = None) -> dict[str, int]:
    """status -> how many of the user's visible tasks are in it, plus "overdue"."""
    visible = tasks_visible_to(user).order_by()
    counts = dict.fromkeys(TaskStatus.values, 0)
    ids = visible.values("pk")
    for row in Task.objects.filter(pk__in=ids).values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    counts["overdue"] = (
        Task.objects.filter(pk__in=ids, due_on__lt=today or timezone.localdate())
        .exclude(status__in=FINISHED)
        .count()
    )
    return counts


def task_for_user(user: Any, task_id: int) -> Task:
    task = tasks_visible_to(user).filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def task_history(task: Task) -> QuerySet[TaskEvent]:
    return task.events.select_related("actor", "assignee", "team").order_by("at", "pk")


def can_work_task(user: Any, task: Task) -> bool:
    """Who may move a task on, by its kind's entry in the registry: the ward staff of
    the task's department for the ward's kinds (and for any task that waits for the
    ward); the center's workers for the center's kinds, an operator only for a task
    that is theirs, their team's or nobody's yet."""
    if task.status in FINISHED:
        return False
    spec = kind_spec(task.kind)
    ward_staff = user_can(user, Capability.WORK_DEPARTMENT_QUEUE)
    if ward_staff:
        return user.department == task.department and (
            spec.for_ward or task.status == TaskStatus.WAITING_WARD
        )
    if spec.for_ward or not user_can(user, spec.capability):
        return False
    if user_can(user, Capability.ASSIGN_TASKS):
        return True
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    if task.team is not None:
        return task.team.members.filter(pk=user.pk).exists()
    return True


def can_assign_tasks(user: Any) -> bool:
    return user_can(user, Capability.ASSIGN_TASKS)


# --- what other apps read -----------------------------------------------------------


def unresolved_returned_mail() -> QuerySet[ReturnedMail]:
    """Returned envelopes whose address question is still open (the eligibility rule
    reads these rows, by payer_id, in its one query)."""
    return ReturnedMail.objects.filter(resolved_at__isnull=True)


def payers_with_unresolved_returned_mail(payer_ids: Iterable[int] | None) -> set[int]:
    """The payers (of `payer_ids`; None: every payer) with unresolved returned mail."""
    rows = unresolved_returned_mail()
    if payer_ids is not None:
        rows = rows.filter(payer_id__in=list(payer_ids))
    return set(rows.values_list("payer_id", flat=True).distinct())


@dataclass(frozen=True)
class PayerBackoffice:
    tasks: list[Task]
    returned_mail: list[ReturnedMail]
    inquiries: list[Inquiry]


def payer_backoffice(user: Any, payer_id: int) -> PayerBackoffice:
    """The back office's part of the payer page's history: the tasks the user may see,
    the returned mail and the inquiries about the payer, newest first. The caller has
    already opened the payer through payer_for_user (audited)."""
    if not user_can(user, Capability.WORK_WITH_PAYERS):
        return PayerBackoffice([], [], [])
    tasks = list(tasks_visible_to(user).filter(payer_id=payer_id).order_by("-created_at")[:50])
    mail = list(ReturnedMail.objects.filter(payer_id=payer_id).order_by("-returned_on", "-pk")[:50])
    inquiries = list(Inquiry.objects.filter(payer_id=payer_id).order_by("-sent_on", "-pk")[:50])
    return PayerBackoffice(tasks, mail, inquiries)
