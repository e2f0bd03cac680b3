"""The one work queue: kinds from the registry, the lifecycle with its history, who
sees and works what, bulk assignment, overdue work and the counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

import support.calls as calls
from saikoku.backoffice.kinds import TASK_KINDS, TaskKindSpec, register_task_kind
from saikoku.backoffice.models import Task, TaskEvent, TaskKind, TaskStatus
from saikoku.backoffice.selectors import status_counts, task_queue
from saikoku.backoffice.services import task_assign, task_create, task_transition
from saikoku.core.models import AuditEntry
from saikoku.core.roles import Capability
from saikoku.outreach.models import Team
from support.personas import logged_in_client, make_user

pytestmark = pytest.mark.django_db


def test_every_built_in_kind_is_one_registry_entry():
    assert set(TaskKind.values) <= set(TASK_KINDS)
    assert all(TASK_KINDS[k].label == TaskKind(k).label for k in TaskKind.values)


def test_a_new_kind_needs_one_entry(payers, operator, supervisor):
    register_task_kind(
        TaskKindSpec("sms_bounce", "SMS不達の確認", capability=Capability.WORK_TASKS, due_days=2)
    )
    try:
        task = task_create(
            kind="sms_bounce", actor=supervisor, summary="不達", payer_id=payers[calls.AOKI]
        )
        assert task.due_on == timezone.localdate() + dt.timedelta(days=2)
        page = logged_in_client(operator).get(reverse("task_queue")).content.decode()
        assert "SMS不達の確認" in page  # in the pool the operators see
        task_transition(actor=operator, task=task, to=TaskStatus.DONE, note="番号変更を確認")
    finally:
        del TASK_KINDS["sms_bounce"]


def test_unknown_kind_is_refused(supervisor):
    with pytest.raises(ValueError, match="unknown task kind"):
        task_create(kind="nope", actor=supervisor, summary="x")


def test_lifecycle_writes_history_and_audit(payers, operator):
    task = task_create(
        kind=TaskKind.REISSUE_SLIP, actor=operator, summary="再発行", payer_id=payers[calls.AOKI]
    )
    task_transition(actor=operator, task=task, to=TaskStatus.IN_PROGRESS)
    with pytest.raises(ValidationError):
        task_transition(actor=operator, task=task, to=TaskStatus.DONE)  # no result given
    task_transition(actor=operator, task=task, to=TaskStatus.DONE, note="郵送した")
    task.refresh_from_db()
    assert (task.status, task.result, task.closed_by) == ("done", "郵送した", operator)
    events = list(task.events.values_list("action", "to_status"))
    assert events == [("created", "open"), ("status", "in_progress"), ("status", "done")]
    actions = AuditEntry.objects.filter(object_type="task", object_id=str(task.pk))
    assert list(actions.values_list("action", flat=True)) == [
        "task_create",
        "task_status",
        "task_status",
    ]
    with pytest.raises(ValidationError):
        task_transition(actor=operator, task=task, to=TaskStatus.IN_PROGRESS)
    event = TaskEvent.objects.first()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_waiting_for_the_ward_reaches_the_department_only(
    payers, operator, ward_staff_tax, ward_staff_nhi
):
    task = task_create(kind=TaskKind.REISSUE_SLIP, actor=operator, summary="区で再発行",
                       payer_id=payers[calls.AOKI], department="tax")  # fmt: skip
    assert task not in task_queue(ward_staff_tax)  # the center's work, not yet the ward's
    task_transition(actor=operator, task=task, to=TaskStatus.WAITING_WARD)
    assert list(task_queue(ward_staff_tax)) == [task]
    assert list(task_queue(ward_staff_nhi)) == []
    with pytest.raises(PermissionDenied):
        task_transition(actor=ward_staff_nhi, task=task, to=TaskStatus.DONE, note="x")
    task_transition(actor=ward_staff_tax, task=task, to=TaskStatus.DONE, note="再発行済み")


def test_operators_see_their_own_and_their_teams_tasks(payers, operator, supervisor):
    other = make_user("op9", "operator")
    team = Team.objects.create(name="返戻班")
    team.members.add(operator)
    mine = task_create(kind=TaskKind.NUMBER_WRONG, actor=supervisor, summary="a", assignee=operator)
    teams = task_create(kind=TaskKind.NUMBER_WRONG, actor=supervisor, summary="b", team=team)
    theirs = task_create(kind=TaskKind.NUMBER_WRONG, actor=supervisor, summary="c", assignee=other)
    visible = set(task_queue(operator))
    assert {mine, teams} <= visible and theirs not in visible
    with pytest.raises(PermissionDenied):
        task_transition(actor=operator, task=theirs, to=TaskStatus.IN_PROGRESS)
    page = logged_in_client(operator).get(reverse("task_detail", args=[theirs.pk]))
    assert page.status_code == 404


def test_a_team_task_shows_once_however_many_members_the_team_has(payers, operator):
    team = Team.objects.create(name="折返し班")
    team.members.add(operator, make_user("op8", "operator"), make_user("op9", "operator"))
    task = task_create(kind=TaskKind.NUMBER_WRONG, actor=operator, summary="a", team=team)
    assert list(task_queue(operator)) == [task]
    assert status_counts(operator)[task.status] == 1
    page = logged_in_client(operator).get(reverse("task_queue")).content.decode()
    assert page.count("data-task-row") == 1


def test_supervisor_reassigns_in_bulk_and_sees_overdue_work(payers, operator, supervisor):
    old = [
        task_create(kind=TaskKind.RETURNED_MAIL_FOLLOWUP, actor=supervisor, summary=str(i),
                    due_on=timezone.localdate() - dt.timedelta(days=1))
        for i in range(3)
    ]  # fmt: skip
    client = logged_in_client(supervisor)
    response = client.post(
        reverse("task_assign"), {"tasks": [t.pk for t in old], "assignee": operator.pk}
    )
    assert response.status_code == 302
    assert set(Task.objects.filter(assignee=operator)) == set(old)
    assert AuditEntry.objects.filter(action="task_assign").count() == 3
    overdue = client.get(reverse("task_queue"), {"overdue": "on"}).content.decode()
    assert overdue.count("data-task-row") == 3 and "期限超過" in overdue
    assert status_counts(supervisor)["overdue"] == 3
    assert logged_in_client(operator).post(reverse("task_assign"), {}).status_code == 403
    with pytest.raises(PermissionDenied):
        task_assign(actor=operator, tasks=old, assignee=operator)


def test_bulk_assignment_never_redirects_to_another_host(payers, operator, supervisor):
    task = task_create(kind=TaskKind.NUMBER_WRONG, actor=supervisor, summary="x")
    client = logged_in_client(supervisor)
    data = {"tasks": [task.pk], "assignee": operator.pk}
    outside = client.post(reverse("task_assign"), {**data, "next": "https://evil.example/"})
    assert outside["Location"] == reverse("task_queue")
    inside = client.post(reverse("task_assign"), {**data, "next": "/tasks/?overdue=on"})
    assert inside["Location"] == "/tasks/?overdue=on"


def test_queue_sorts_by_due_date_and_counts_per_status(payers, supervisor):
    late = task_create(kind=TaskKind.NUMBER_WRONG, actor=supervisor, summary="遅い",
                       due_on=dt.date(2031, 1, 1))  # fmt: skip
    soon = task_create(kind=TaskKind.NUMBER_WRONG, actor=supervisor, summary="早い",
                       due_on=dt.date(2030, 1, 1))  # fmt: skip
    assert list(task_queue(supervisor)) == [soon, late]
    task_transition(actor=supervisor, task=soon, to=TaskStatus.CANCELLED, note="重複")
    page = logged_in_client(supervisor).get(reverse("task_queue")).content.decode()
    assert 'data-count="cancelled">1<' in page and 'data-count="open">1<' in page
    assert "tasks.js" in page  # j/k navigation


def test_a_task_about_a_payer_shows_on_the_payer_page(payers, supervisor):
    task_create(
        kind=TaskKind.REISSUE_SLIP, actor=supervisor, summary="x", payer_id=payers[calls.AOKI]
    )
    page = logged_in_client(supervisor).get(reverse("payer", args=[payers[calls.AOKI]]))
    assert "data-payer-task" in page.content.decode() and "納付書の再発行" in page.content.decode()
