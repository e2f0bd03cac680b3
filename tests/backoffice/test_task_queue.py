"""The ward staff queue: tasks of their department oldest first, accept and close;
the other department never sees them; supervisors read all; operators see the
verifications they created."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

import support.calls as support
from saikoku.backoffice.models import Task
from saikoku.core.models import AuditEntry
from support.personas import logged_in_client, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, tmp_path):
    payers = support.import_payers(tmp_path)
    op = make_user("op", "operator")
    people = {
        "op": op,
        "op2": make_user("op2", "operator"),
        "tax": make_user("tax", "ward_staff", "tax"),
        "nhi": make_user("nhi", "ward_staff", "nhi"),
        "sv": make_user("sv", "supervisor"),
    }
    # UEDA owes RT and NH: one escalation per department.
    support.record_contact(
        actor=op, payer_id=payers[support.UEDA], outcome="hardship", now=support.NOW,
        identity_verified=True, note="失業中で支払いが難しい",
    )  # fmt: skip
    support.record_contact(
        actor=op, payer_id=payers[support.AOKI], outcome="claims_paid",
        now=support.NOW + dt.timedelta(minutes=1), identity_verified=True,
        note="先週コンビニで納付",
    )  # fmt: skip
    return payers, people


def test_tax_staff_see_their_department_oldest_first(world):
    _payers, people = world
    page = logged_in_client(people["tax"]).get(reverse("task_queue")).content.decode()
    assert page.count("data-task-row") == 2
    assert page.index("失業中") < page.index("先週コンビニ")
    nhi_page = logged_in_client(people["nhi"]).get(reverse("task_queue")).content.decode()
    assert nhi_page.count("data-task-row") == 1 and "失業中" in nhi_page


def test_other_department_gets_404(world):
    _payers, people = world
    tax_task = Task.objects.get(department="tax", reason="hardship")
    client = logged_in_client(people["nhi"])
    assert client.get(reverse("task_detail", args=[tax_task.pk])).status_code == 404
    assert client.post(reverse("task_accept", args=[tax_task.pk])).status_code == 404


def test_ward_staff_accept_then_close_with_the_result(world):
    payers, people = world
    task = Task.objects.get(department="tax", reason="hardship")
    client = logged_in_client(people["tax"])
    detail = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert reverse("payer", args=[payers[support.UEDA]]) in detail  # the payer is one click away
    client.post(reverse("task_accept", args=[task.pk]))
    task.refresh_from_db()
    assert (task.status, task.accepted_by) == ("in_progress", people["tax"])
    empty = client.post(reverse("task_close", args=[task.pk]), {"result": ""})
    assert empty.status_code == 400 and "対応結果を入力してください" in empty.content.decode()
    client.post(reverse("task_close", args=[task.pk]), {"result": "分納誓約の面談を予約"})
    task.refresh_from_db()
    assert (task.status, task.result) == ("done", "分納誓約の面談を予約")
    assert AuditEntry.objects.filter(action="task_close", object_id=str(task.pk)).exists()
    assert "失業中" not in client.get(reverse("task_queue")).content.decode()


def test_supervisor_reads_all_but_cannot_act(world):
    _payers, people = world
    client = logged_in_client(people["sv"])
    assert client.get(reverse("task_queue")).content.decode().count("data-task-row") == 3
    task = Task.objects.first()
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "受け付ける" not in page
    assert client.post(reverse("task_accept", args=[task.pk])).status_code == 403


def test_operators_see_only_the_verifications_they_created(world):
    _payers, people = world
    mine = logged_in_client(people["op"]).get(reverse("task_queue")).content.decode()
    assert mine.count("data-task-row") == 1 and "先週コンビニ" in mine
    other = logged_in_client(people["op2"]).get(reverse("task_queue")).content.decode()
    assert other.count("data-task-row") == 0
