"""The ward staff queue: escalations and tasks of their department, oldest first."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from saikoku.backoffice.forms import TaskCloseForm
from saikoku.backoffice.selectors import can_work_task, task_for_user, task_queue
from saikoku.backoffice.services import task_accept, task_close
from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability


@require_GET
@capability_required(Capability.WORK_WITH_PAYERS)
def queue(request: AuthenticatedRequest) -> HttpResponse:
    closed = request.GET.get("closed") == "1"
    tasks = list(task_queue(request.user, closed=closed)[:200])
    return render(
        request, "backoffice/queue.html", {"tasks": tasks, "closed": closed, "nav": "tasks"}
    )


@require_GET
@capability_required(Capability.WORK_WITH_PAYERS)
def detail(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    task = task_for_user(request.user, task_id)
    return render(
        request,
        "backoffice/task.html",
        {
            "task": task,
            "can_work": can_work_task(request.user, task),
            "form": TaskCloseForm(),
            "nav": "tasks",
        },
    )


@require_POST
@capability_required(Capability.WORK_DEPARTMENT_QUEUE)
def accept(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    task = task_for_user(request.user, task_id)
    try:
        task_accept(actor=request.user, task=task, client_addr=client_address(request))
        messages.success(request, _("タスクを受け付けました。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("task_detail", task_id=task.pk)


@require_POST
@capability_required(Capability.WORK_DEPARTMENT_QUEUE)
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
    return render(
        request,
        "backoffice/task.html",
        {"task": task, "can_work": can_work_task(request.user, task), "form": form, "nav": "tasks"},
        status=400,
    )
