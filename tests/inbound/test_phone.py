"""The transfer request for a hosted PBX (a signed POST to its URL), the fallback when
nobody takes a transfer (`saikoku inbound-unanswered`), and the simulator's refusal
without a secret."""

from __future__ import annotations

import datetime as dt
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from saikoku.backoffice.selectors import tasks_visible_to
from saikoku.core.models import AuditEntry
from saikoku.inbound.events import Event
from saikoku.inbound.handoff import handoff_task_create
from saikoku.inbound.models import Transfer, TransferStatus
from saikoku.inbound.phone import phone_transfer
from saikoku.inbound.services import call_event_apply, transfers_expire
from saikoku.inbound.signature import signature_problem
from support.cti import SECRET, Pbx

pytestmark = pytest.mark.django_db


def _call():
    return call_event_apply(
        event=Event(kind="answered", call_id="w-1", at=timezone.now(), extension="201"),
        source="webhook",
    )


def test_a_hosted_pbx_gets_a_signed_transfer_request(pbx, settings):
    settings.SAIKOKU_CTI_SECRET = SECRET
    settings.SAIKOKU_CTI_TRANSFER = "webhook"
    settings.SAIKOKU_CTI_TRANSFER_URL = f"http://127.0.0.1:{pbx.server_address[1]}/transfer"
    assert phone_transfer(call=_call(), extension="301") is True
    headers, body = Pbx.received[0]
    assert b'"to": "301"' in body and b'"call_id": "w-1"' in body
    problem = signature_problem(
        secret=SECRET,
        timestamp=headers["X-Saikoku-Timestamp"],
        signature=headers["X-Saikoku-Signature"],
        body=body,
        now=time.time(),
    )
    assert problem == ""


def test_an_unreachable_pbx_leaves_the_task_as_the_fallback(settings):
    settings.SAIKOKU_CTI_TRANSFER = "webhook"
    settings.SAIKOKU_CTI_TRANSFER_URL = "http://127.0.0.1:9/transfer"
    assert phone_transfer(call=_call(), extension="301") is False


def test_a_transfer_nobody_takes_becomes_a_call_back(inbound_ward, operator, settings):
    settings.SAIKOKU_CTI_TRANSFER_TIMEOUT = 30
    call = _call()
    now = timezone.now()
    task = handoff_task_create(
        actor=operator,
        payer_id=next(iter(inbound_ward.values())),
        kind="escalation",
        reason="wants_plan",
        summary="分納の相談",
        department="tax",
        now=now,
    )
    transfer = Transfer.objects.create(
        call=call,
        payer_id=task.payer_id,
        department="tax",
        reason="wants_plan",
        summary="分納の相談",
        extension="301",
        task=task,
        created_by=operator,
        created_at=now - dt.timedelta(seconds=31),
    )
    assert transfers_expire(now=now) == 1
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CALLBACK
    task.refresh_from_db()
    assert task.status == "open"  # still in the department's queue


def test_the_simulator_needs_the_secret(settings):
    settings.SAIKOKU_CTI_SECRET = ""
    with pytest.raises(CommandError):
        call_command("cti", "simulate", "--extension", "201", "--url", "http://127.0.0.1:9/")


def _waiting_transfer(inbound_ward, operator, *, seconds_ago: int, task: bool = True) -> Transfer:
    call = _call()
    now = timezone.now()
    made = (
        handoff_task_create(
            actor=operator,
            payer_id=next(iter(inbound_ward.values())),
            kind="escalation",
            reason="wants_plan",
            summary="分納の相談",
            department="nhi",
            now=now,
        )
        if task
        else None
    )
    return Transfer.objects.create(
        call=call,
        payer_id=next(iter(inbound_ward.values())),
        department="nhi",
        reason="wants_plan",
        summary="分納の相談",
        extension="302",
        task=made,
        created_by=operator,
        created_at=now - dt.timedelta(seconds=seconds_ago),
    )


def test_the_periodic_job_turns_unanswered_transfers_into_call_back_tasks(
    inbound_ward, operator, settings
):
    settings.SAIKOKU_CTI_TRANSFER_TIMEOUT = 30
    late = _waiting_transfer(inbound_ward, operator, seconds_ago=90)
    recent = _waiting_transfer(inbound_ward, operator, seconds_ago=10)
    out = StringIO()
    call_command("inbound_unanswered", stdout=out)
    assert "1件" in out.getvalue()
    late.refresh_from_db()
    recent.refresh_from_db()
    assert (late.status, recent.status) == (TransferStatus.CALLBACK, TransferStatus.RINGING)
    # The department's queue holds it as a call-back, with the operator's summary.
    assert late.task.status == "open" and late.task.department == "nhi"
    assert late.task.summary.startswith("【折返し】")
    assert late.task.summary.endswith("分納の相談")
    entry = AuditEntry.objects.get(action="inbound_transfer_unanswered")
    assert entry.detail["task"] == late.task_id
    # Once: a second run changes nothing; a shorter time catches the recent one.
    call_command("inbound_unanswered", stdout=StringIO())
    late.task.refresh_from_db()
    assert late.task.summary.count("【折返し】") == 1
    call_command("inbound_unanswered", "--after", "5", stdout=StringIO())
    recent.refresh_from_db()
    assert recent.status == TransferStatus.CALLBACK


def test_a_transfer_without_a_task_gets_its_call_back_task(
    inbound_ward, operator, ward_staff_nhi, settings
):
    settings.SAIKOKU_CTI_TRANSFER_TIMEOUT = 30
    transfer = _waiting_transfer(inbound_ward, operator, seconds_ago=60, task=False)
    assert transfers_expire() == 1
    transfer.refresh_from_db()
    assert transfer.task.kind == "escalation" and transfer.task.department == "nhi"
    assert "分納の相談" in transfer.task.summary
    assert transfer.task in tasks_visible_to(ward_staff_nhi)
