"""The ward_admin's overview: imports with status and counts, users by role with the
inactive ones, contact approvals, open tasks per department, and links to each."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from saikoku.backoffice.models import Task, TaskKind, TaskReason
from saikoku.core.audit import audit_record
from saikoku.outreach.models import ContactApproval
from support.console_package import SATO, TAKAHASHI
from support.personas import make_user


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 403),
        ("supervisor", 403),
        ("ward_staff_tax", 403),
        ("ward_admin", 200),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_the_overview_is_the_ward_admins(request, client_for, persona, status):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("overview")).status_code == status


def test_overview_shows_imports_users_approvals_and_tasks_with_links(
    client_for, ward_admin, operator, payers
):
    audit_record(
        actor=None,
        action="import_rejected",
        object_type="package",
        object_id="BAD-0001",
        detail={"file": "bad.zip", "errors": 3, "codes": {"not_a_zip": 1}},
    )
    gone = make_user("gone1", "operator")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    ContactApproval.objects.create(
        payer_id=payers[TAKAHASHI],
        rule="caution",
        reason="区の判断",
        approved_by=ward_admin,
        approved_at=timezone.now(),
    )
    for dept in ("tax", "nhi", "nhi"):
        Task.objects.create(
            payer_id=payers[SATO],
            kind=TaskKind.ESCALATION,
            reason=TaskReason.WANTS_PLAN,
            summary="分納希望",
            department=dept,
            created_by=operator,
            created_at=timezone.now(),
        )
    response = client_for(ward_admin).get(reverse("overview"))
    html = response.content.decode()
    o = response.context["o"]

    assert [i.status for i in o.imports] == ["rejected", "imported"]
    assert o.imports[1].package_id == "CONSOLE-TEST-0001" and o.imports[1].persons == 5
    assert "BAD-0001" in html and "拒否" in html and "エラー 3" in html

    operators = next(r for r in o.roles if r.role == "operator")
    assert (operators.active, operators.inactive) == (1, 1)
    assert "gone1" in html

    assert o.approvals_recent_count == 1 and TAKAHASHI in html
    tasks = {t.department: t.open for t in o.tasks}
    assert tasks == {"tax": 1, "nhi": 2}

    for url in (
        reverse("audit_log") + "?action=import",
        reverse("admin:core_user_changelist"),
        reverse("call_list_index"),
        reverse("task_queue"),
    ):
        assert url in html


def test_the_overview_reads_a_fixed_number_of_queries(client_for, ward_admin, operator, payers):
    client = client_for(ward_admin)
    client.get(reverse("overview"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("overview"))
    for i in range(30):
        make_user(f"extra{i}", "operator")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("overview"))
    assert len(few) == len(many)
