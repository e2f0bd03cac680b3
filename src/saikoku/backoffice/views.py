"""The work queue: every task the user may see, filtered and sorted by due date, with
counts per status; a task's page with its history; status changes; bulk assignment."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from saikoku.backoffice.forms import TaskCloseForm
from saikoku.backoffice.models import TaskStatus
from saikoku.backoffice.queue_forms import TaskAssignForm, TaskFilterForm, TaskTransitionForm
from saikoku.backoffice.selectors import (
    can_assign_tasks,
    can_work_task,
    status_counts,
    task_for_user,
    task_history,
    task_queue,
    tasks_visible_to,
)
from saikoku.backoffice.services import task_accept, task_assign, task_close, task_transition
from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability

QUEUE_LIMIT = 200


@require_GET
@capability_required(Capability.WORK_WITH_PAYERS)
def queue(request: AuthenticatedRequest) -> HttpResponse:
    data = request.GET.copy()
    if data.get("closed") == "1":  # the older link to the finished tasks
        data["status"] = "finished"
    form = TaskFilterForm(data)
    filters = form.filters()
    tasks = list(task_queue(request.user, filters=filters)[:QUEUE_LIMIT])
    may_assign = can_assign_tasks(request.user)
    counts = status_counts(request.user)
    return render(
        request,
        "backoffice/queue.html",
        {
            "tasks": tasks,
            "closed": filters.status == "finished",
            "form": form,
            "counts": counts,
            "status_rows": [(v, label, counts[v]) for v, label in TaskStatus.choices],
            "today": timezone.localdate(),
            "assign_form": TaskAssignForm(task_ids=[t.pk for t in tasks]) if may_assign else None,
            "nav": "tasks",
        },
    )


def _detail(request: AuthenticatedRequest, task_id: int, *, form: TaskCloseForm | None = None,
            status: int = 200) -> HttpResponse:  # fmt: skip
    task = task_for_user(request.user, task_id)
    return render(
        request,
        "backoffice/task.html",
        {
            "task": task,
            "can_work": can_work_task(request.user, task),
            "form": form or TaskCloseForm(),
            "events": list(task_history(task)),
            "today": timezone.localdate(),
            "nav": "tasks",
        },
        status=status,
    )


@require_GET
@capability_required(Capability.WORK_WITH_PAYERS)
def detail(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    return _detail(request, task_id)


@require_POST
@capability_required(Capability.WORK_WITH_PAYERS)
def accept(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    task = task_for_user(request.user, task_id)
    try:
        task_accept(actor=request.user, task=task, client_addr=client_address(request))
        messages.success(request, _("タスクを受け付けました。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("task_detail", task_id=task.pk)


@require_POST
@capability_required(Capability.WORK_WITH_PAYERS)
def close(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    task = task_for_user(request.user, task_id)
    form = TaskCloseForm(request.POST)
    if form.is_valid():
        try:
            task_close(
                actor=request.user,
                task=task,
                result=form.cleaned_data["result"],
                client_addr=client_address(request),
            )
            messages.success(request, _("タスクを完了しました。"))
            return redirect("task_queue")
        except ValidationError as error:
            form.add_error("result", error)
    return _detail(request, task_id, form=form, status=400)


@require_POST
@capability_required(Capability.WORK_WITH_PAYERS)
def transition(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    task = task_for_user(request.user, task_id)
    form = TaskTransitionForm(request.POST)
    if not form.is_valid():
        # What was refused: a note too long is not "the status is wrong".
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("task_detail", task_id=task.pk)
    try:
        task_transition(
            actor=request.user,
            task=task,
            to=form.cleaned_data["to"],
            # The task page's cancel button shares the result field with "done".
            note=form.cleaned_data["note"] or request.POST.get("result", ""),
            client_addr=client_address(request),
        )
        messages.success(request, _("タスクの状態を変更しました。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("task_detail", task_id=task.pk)


@require_POST
@capability_required(Capability.ASSIGN_TASKS)
def assign(request: AuthenticatedRequest) -> HttpResponse:
    visible = tasks_visible_to(request.user)
    # A task id is a database integer: a longer string of digits names no task (and
    # overflows the query: a 500), nor do full-width digits, which isdigit() accepts.
    ids = [
        int(v)
        for v in request.POST.getlist("tasks")
        if v.isascii() and v.isdigit() and len(v) <= 18
    ]
    form = TaskAssignForm(
        request.POST, task_ids=list(visible.filter(pk__in=ids).values_list("pk", flat=True))
    )
    if form.is_valid():
        changed = task_assign(
            actor=request.user,
            tasks=list(visible.filter(pk__in=form.cleaned_data["tasks"])),
            assignee=form.cleaned_data["assignee"],
            team=form.cleaned_data["team"],
            client_addr=client_address(request),
        )
        messages.success(request, _("%(count)d件のタスクを割り当てました。") % {"count": changed})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    # Back to the filtered queue the form came from, never to another host.
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    return redirect(back or "task_queue")
