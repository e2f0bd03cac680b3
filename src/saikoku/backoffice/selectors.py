"""Reads of the back office queue, with the one access rule for tasks.

- ward staff: the tasks of their own department (the other department's are a 404);
- supervisors and ward_admins: every task, read only;
- operators: the payment verifications they created themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from saikoku.backoffice.models import Task, TaskKind, TaskStatus
from saikoku.core.roles import Capability, user_can

__all__ = ["can_work_task", "task_for_user", "task_queue", "tasks_visible_to"]


def tasks_visible_to(user: Any) -> QuerySet[Task]:
    tasks = Task.objects.select_related("payer", "created_by", "accepted_by")
    if user_can(user, Capability.WORK_DEPARTMENT_QUEUE):
        return tasks.filter(department=user.department)
    if user_can(user, Capability.READ_ALL_TASKS):
        return tasks
    if user_can(user, Capability.WORK_WITH_PAYERS):
        return tasks.filter(kind=TaskKind.VERIFY_PAYMENT, created_by=user)
    return tasks.none()


def task_queue(user: Any, *, closed: bool = False) -> QuerySet[Task]:
    """Open and accepted tasks oldest first (or the closed ones, newest first)."""
    tasks = tasks_visible_to(user)
    if closed:
        return tasks.filter(status=TaskStatus.CLOSED).order_by("-closed_at", "-pk")
    return tasks.exclude(status=TaskStatus.CLOSED).order_by("created_at", "pk")


def task_for_user(user: Any, task_id: int) -> Task:
    task = tasks_visible_to(user).filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def can_work_task(user: Any, task: Task) -> bool:
    """Only the ward staff of the task's department accept and close it."""
    return getattr(user, "role", "") == "ward_staff" and user.department == task.department
