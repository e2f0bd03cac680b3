"""`saikoku cti ami-listen`'s work against a scripted AMI server: the mapping of
Asterisk's events to the internal events, the reconnect, and the transfer by
Redirect, all through the dialer's AMI client."""

from __future__ import annotations

import pytest

from saikoku.inbound.ami import ami_listen, backoff_delays, event_from_ami, extension_of
from saikoku.inbound.events import Event
from saikoku.inbound.models import CallState, InboundCall
from saikoku.inbound.phone import phone_transfer
from saikoku.inbound.services import call_event_apply
from saikoku.outreach.calls.dialer import AmiClient
from support.fake_ami import FakeAmi, Script

LINKED = "1733101200.101"
CALLER = "PJSIP/trunk-00000001"


def _call_script() -> list[dict[str, str]]:
    """One call as Asterisk reports it: a caller rings, extension 201 answers, the
    operator blind-transfers it to 301, the caller hangs up."""
    base = {"Linkedid": LINKED, "Privilege": "call,all"}
    return [
        {"Event": "Newchannel", "Channel": CALLER, "Uniqueid": LINKED, "CallerIDNum": "09012345678",
         "Exten": "0312345678", "Timestamp": "1733101200.000", **base},
        {"Event": "Newchannel", "Channel": "PJSIP/201-00000002", "Uniqueid": "1733101201.102",
         "CallerIDNum": "201", "Timestamp": "1733101201.000", **base},
        {"Event": "DialBegin", "Channel": CALLER, "Uniqueid": LINKED,
         "DestChannel": "PJSIP/201-00000002", "Timestamp": "1733101201.000", **base},
        {"Event": "BridgeEnter", "Channel": CALLER, "Uniqueid": LINKED,
         "Timestamp": "1733101205.000", **base},
        {"Event": "BridgeEnter", "Channel": "PJSIP/201-00000002", "Uniqueid": "1733101201.102",
         "Timestamp": "1733101205.000", **base},
        {"Event": "BlindTransfer", "TransfererChannel": "PJSIP/201-00000002",
         "TransfererLinkedid": LINKED, "TransfereeLinkedid": LINKED, "Extension": "301",
         "Timestamp": "1733101260.000", "Privilege": "call,all"},
        {"Event": "Hangup", "Channel": CALLER, "Uniqueid": LINKED, "Cause": "16",
         "Timestamp": "1733101320.000", **base},
        {"Event": "PeerStatus", "Peer": "PJSIP/201", "PeerStatus": "Reachable"},
    ]  # fmt: skip


def test_the_mapping_of_one_call():
    events = [e for e in map(event_from_ami, _call_script()) if e is not None]
    assert [e.kind for e in events] == [
        "ringing",
        "ringing",
        "answered",
        "transferred",
        "ended",
    ]
    ringing, _dial, answered, transferred, _ended = events
    assert (ringing.caller, ringing.dialled, ringing.channel) == (
        "09012345678",
        "0312345678",
        CALLER,
    )
    assert answered.extension == "201"
    assert (transferred.extension, transferred.transfer_to) == ("201", "301")
    assert {e.call_id for e in events} == {LINKED}


def test_an_attended_transfer_and_a_withheld_caller():
    transfer = event_from_ami(
        {"Event": "AttendedTransfer", "OrigTransfererLinkedid": LINKED,
         "OrigTransfererChannel": "PJSIP/201-00000002", "SecondTransfererExten": "302"}
    )  # fmt: skip
    assert transfer is not None
    assert (transfer.kind, transfer.transfer_to, transfer.extension) == (
        "transferred",
        "302",
        "201",
    )
    withheld = event_from_ami(
        {"Event": "Newchannel", "Uniqueid": "9.1", "Linkedid": "9.1", "CallerIDNum": "<unknown>"}
    )
    assert withheld is not None and withheld.caller == ""


def test_extensions_of_channel_names():
    assert extension_of("PJSIP/201-0000002a") == "201"
    assert extension_of("SIP/ward-301-0001") == "ward"
    assert extension_of("Local/301@from-internal-0001;1") == "301"
    assert extension_of("") == ""


def test_the_backoff_grows_to_thirty_seconds():
    delays = backoff_delays()
    assert [next(delays) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


@pytest.mark.django_db
def test_the_listener_reconnects_and_turns_the_call_into_one_inbound_call(operator):
    operator.extension = "201"
    operator.save(update_fields=["extension"])
    script = Script(events=_call_script(), drop_logins=1)
    received: list[Event] = []
    slept: list[float] = []
    with FakeAmi(script) as ami:

        def apply(event: Event) -> None:
            received.append(event)
            call_event_apply(event=event, source="ami")

        ami_listen(
            connect=lambda: AmiClient(host="127.0.0.1", port=ami.port, timeout=2.0),
            username="saikoku",
            secret=script.secret,
            on_event=apply,
            should_stop=lambda: len(received) >= 5,
            sleep=slept.append,
        )
    assert script.logins == 2
    assert slept == [1.0]  # one lost connection, one pause
    call = InboundCall.objects.get(call_id=LINKED)
    assert call.state == CallState.ENDED
    assert call.operator == operator
    assert call.transferred_to == "301"
    assert call.channel == CALLER
    assert call.duration_seconds == 115
    assert script.actions[-1]["Action"] == "Logoff"


@pytest.mark.django_db
def test_a_transfer_redirects_the_callers_channel(settings):
    script = Script()
    with FakeAmi(script) as ami:
        settings.SAIKOKU_CTI_TRANSFER = "ami"
        settings.SAIKOKU_AMI_PORT = ami.port
        settings.SAIKOKU_AMI_SECRET = script.secret
        settings.SAIKOKU_AMI_CONTEXT = "from-internal"
        call = call_event_apply(
            event=event_from_ami(_call_script()[0]),  # type: ignore[arg-type]
            source="ami",
        )
        assert phone_transfer(call=call, extension="301") is True
    redirect = next(a for a in script.actions if a["Action"] == "Redirect")
    assert (redirect["Channel"], redirect["Exten"], redirect["Context"]) == (
        CALLER,
        "301",
        "from-internal",
    )
