"""Transfers to ward staff as the phone system sees them: a transfer that concerns
both departments rings both (the ring group of the pair), and the answer at a ward
clerk's extension, reported by the webhook or by Asterisk, pops the payer and the
summary on that clerk's screen and hands them the transfer and its task."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from saikoku.inbound.ami import ami_listen
from saikoku.inbound.models import InboundCall, Transfer, TransferStatus
from saikoku.inbound.services import call_event_apply, transfer_request
from saikoku.outreach.calls.dialer import AmiClient
from support.cti import Pbx, event, post_event
from support.fake_ami import FakeAmi, Script
from support.inbound_ward import SHARED_NHI
from support.personas import verified_client

GROUPS = {"tax": "301", "nhi": "302", "nhi+tax": "309"}


def _answered_by_operator(call_id: str = "c-1") -> InboundCall:
    hook = Client()
    post_event(hook, event("ringing", call_id, caller="0333334444"))
    post_event(hook, event("answered", call_id, caller="0333334444", extension="201", seconds=2))
    return InboundCall.objects.get(call_id=call_id)


def _transfer_both(operator, call: InboundCall, payer_id: int) -> list[Transfer]:
    call.payer_id = payer_id
    call.save(update_fields=["payer"])
    return transfer_request(
        actor=operator,
        call=call,
        reason="wants_plan",
        summary="国保と住民税の分納の相談",
        levies=["RT", "NH"],
        identity_verified=True,
    )


@pytest.fixture
def hosted_pbx(pbx, settings):
    settings.SAIKOKU_CTI_TRANSFER = "webhook"
    settings.SAIKOKU_CTI_TRANSFER_URL = f"http://127.0.0.1:{pbx.server_address[1]}/transfer"
    return pbx


def test_both_departments_ring_through_the_ring_group_of_the_pair(
    inbound_ward, operator_201, hosted_pbx, settings, django_capture_on_commit_callbacks
):
    settings.SAIKOKU_CTI_TRANSFER_EXTENSIONS = GROUPS
    call = _answered_by_operator()
    with django_capture_on_commit_callbacks(execute=True):
        transfers = _transfer_both(operator_201, call, inbound_ward[SHARED_NHI])
    # One request to the phone system, to the extension that rings both departments.
    assert [json.loads(body)["to"] for _headers, body in Pbx.received] == ["309"]
    assert sorted((t.department, t.extension) for t in transfers) == [
        ("nhi", "309"),
        ("tax", "309"),
    ]
    # Both departments' queues hold the call's task with the summary.
    assert sorted(t.task.department for t in transfers) == ["nhi", "tax"]
    assert all(t.task.summary.endswith("国保と住民税の分納の相談") for t in transfers)


def test_without_a_ring_group_the_first_department_rings_and_the_log_says_so(
    inbound_ward, operator_201, hosted_pbx, settings, django_capture_on_commit_callbacks, caplog
):
    settings.SAIKOKU_CTI_TRANSFER_EXTENSIONS = {"tax": "301", "nhi": "302"}
    call = _answered_by_operator()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        transfers = _transfer_both(operator_201, call, inbound_ward[SHARED_NHI])
    assert [json.loads(body)["to"] for _headers, body in Pbx.received] == ["301"]
    assert "no ring group for nhi+tax" in caplog.text
    assert len(transfers) == 2  # the other department's task is its call-back


def _clerk(user, extension: str):
    user.extension = extension
    user.save(update_fields=["extension"])
    return user


def test_the_clerk_who_answers_gets_the_payer_and_summary_popped(
    inbound_ward, operator_201, ward_staff_tax, ward_staff_nhi, settings
):
    settings.SAIKOKU_CTI_TRANSFER_EXTENSIONS = GROUPS
    clerk = _clerk(ward_staff_nhi, "3021")
    _clerk(ward_staff_tax, "3011")
    call = _answered_by_operator()
    transfers = {
        t.department: t for t in _transfer_both(operator_201, call, inbound_ward[SHARED_NHI])
    }
    screen = verified_client(clerk)
    assert screen.get(reverse("inbound_transfer_pop"), {"shown": ""}).status_code == 204

    hook = Client()
    post_event(hook, event("transferred", "c-1", extension="201", transfer_to="309", seconds=30))
    assert screen.get(reverse("inbound_transfer_pop"), {"shown": ""}).status_code == 204
    # The ring group's phone 3021 (the nhi clerk's) picks up.
    post_event(hook, event("answered", "c-1", extension="3021", seconds=35))
    pop = screen.get(reverse("inbound_transfer_pop"), {"shown": ""}).content.decode()
    assert "大森 太郎" in pop and "国保と住民税の分納の相談" in pop
    nhi = transfers["nhi"]
    nhi.refresh_from_db()
    assert (nhi.status, nhi.accepted_by) == (TransferStatus.ACCEPTED, clerk)
    assert nhi.task.status == "in_progress" and nhi.task.accepted_by == clerk
    assert reverse("task_detail", args=[nhi.task_id]) in pop
    # The tax department's transfer still waits (its call-back if nobody takes it),
    # and the tax clerk's screen pops nothing.
    transfers["tax"].refresh_from_db()
    assert transfers["tax"].status == TransferStatus.RINGING
    tax_screen = verified_client(ward_staff_tax)
    assert tax_screen.get(reverse("inbound_transfer_pop"), {"shown": ""}).status_code == 204
    # The operator's call is still the operator's.
    call.refresh_from_db()
    assert call.operator == operator_201
    # Shown: the next look changes nothing; the transfers page carries the pop.
    assert screen.get(reverse("inbound_transfer_pop"), {"shown": str(nhi.pk)}).status_code == 204
    assert 'id="transfer-pop"' in screen.get(reverse("inbound_transfers")).content.decode()


def test_an_answer_at_a_clerks_phone_with_no_transfer_of_theirs_changes_nothing(
    inbound_ward, operator_201, ward_staff_tax
):
    _clerk(ward_staff_tax, "3011")
    call = _answered_by_operator()
    post_event(Client(), event("answered", "c-1", extension="3011", seconds=9))
    call.refresh_from_db()
    assert call.operator == operator_201
    screen = verified_client(ward_staff_tax)
    assert screen.get(reverse("inbound_transfer_pop"), {"shown": ""}).status_code == 204


LINKED = "1733101200.201"
CALLER = "PJSIP/trunk-00000011"


def _asterisk_call() -> list[dict[str, str]]:
    base = {"Linkedid": LINKED, "Privilege": "call,all"}
    return [
        {"Event": "Newchannel", "Channel": CALLER, "Uniqueid": LINKED, "CallerIDNum": "0333334444",
         "Exten": "0312345678", "Timestamp": "1733101200.000", **base},
        {"Event": "BridgeEnter", "Channel": "PJSIP/201-00000012", "Uniqueid": "1733101201.202",
         "Timestamp": "1733101205.000", **base},
    ]  # fmt: skip


def _asterisk_transfer_answered() -> list[dict[str, str]]:
    """After the Redirect to the ring group 309: the nhi clerk's phone 3021 answers."""
    base = {"Linkedid": LINKED, "Privilege": "call,all"}
    return [
        {"Event": "DialBegin", "Channel": CALLER, "Uniqueid": LINKED,
         "DestChannel": "PJSIP/3021-00000013", "Timestamp": "1733101260.000", **base},
        {"Event": "BridgeEnter", "Channel": "PJSIP/3021-00000013", "Uniqueid": "1733101260.203",
         "Timestamp": "1733101266.000", **base},
    ]  # fmt: skip


def _listen(ami: FakeAmi, script: Script, count: int) -> None:
    received: list[object] = []

    def apply(internal) -> None:
        received.append(internal)
        call_event_apply(event=internal, source="ami")

    ami_listen(
        connect=lambda: AmiClient(host="127.0.0.1", port=ami.port, timeout=2.0),
        username="saikoku",
        secret=script.secret,
        on_event=apply,
        should_stop=lambda: len(received) >= count,
        sleep=lambda _seconds: None,
    )


def test_asterisk_reports_the_clerk_answering_and_their_screen_pops(
    inbound_ward, operator_201, ward_staff_nhi, settings, django_capture_on_commit_callbacks
):
    clerk = _clerk(ward_staff_nhi, "3021")
    script = Script(events=_asterisk_call())
    with FakeAmi(script) as ami:
        settings.SAIKOKU_CTI_TRANSFER = "ami"
        settings.SAIKOKU_CTI_TRANSFER_EXTENSIONS = GROUPS
        settings.SAIKOKU_AMI_PORT = ami.port
        settings.SAIKOKU_AMI_SECRET = script.secret
        _listen(ami, script, 2)
        call = InboundCall.objects.get(call_id=LINKED)
        assert call.operator == operator_201
        with django_capture_on_commit_callbacks(execute=True):
            _transfer_both(operator_201, call, inbound_ward[SHARED_NHI])
        redirect = next(a for a in script.actions if a["Action"] == "Redirect")
        assert (redirect["Channel"], redirect["Exten"]) == (CALLER, "309")
        script.events = _asterisk_transfer_answered()
        _listen(ami, script, 2)
    pop = verified_client(clerk).get(reverse("inbound_transfer_pop"), {"shown": ""})
    assert "大森 太郎" in pop.content.decode()
    assert Transfer.objects.get(department="nhi").accepted_by == clerk
