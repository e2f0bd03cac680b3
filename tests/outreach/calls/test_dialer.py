"""The dialer: tel: links by default, Asterisk AMI Originate when configured (against a
fake AMI server), and no dial at all when the number or the contact rules forbid it."""

from __future__ import annotations

import datetime
import json
import time
from zoneinfo import ZoneInfo

import pytest

from saikoku.core.models import AuditEntry
from saikoku.outreach.calls.dialer import dial
from saikoku.outreach.models import ContactPreference, PhoneStatus
from saikoku.people.models import Phone
from support.fake_ami import FakeAmi, Script
from support.results_package import NAKAMURA_MOBILE, YAMAMOTO, YAMAMOTO_LANDLINE, YAMAMOTO_MOBILE

TOKYO = ZoneInfo("Asia/Tokyo")
WEDNESDAY_10AM = datetime.datetime(2025, 11, 12, 10, 0, tzinfo=TOKYO)
SUNDAY_10AM = datetime.datetime(2025, 11, 16, 10, 0, tzinfo=TOKYO)


def dial_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="dial").order_by("seq"))


@pytest.fixture
def ami(settings):
    """A running fake AMI server the dialer is configured to use."""
    script = Script()
    with FakeAmi(script) as server:
        settings.SAIKOKU_DIALER = "ami"
        settings.SAIKOKU_AMI_HOST = "127.0.0.1"
        settings.SAIKOKU_AMI_PORT = server.port
        settings.SAIKOKU_AMI_USERNAME = "saikoku"
        settings.SAIKOKU_AMI_SECRET = "s3cret"
        settings.SAIKOKU_AMI_CONTEXT = "outbound"
        settings.SAIKOKU_AMI_CHANNEL = "PJSIP/{username}"
        settings.SAIKOKU_AMI_TIMEOUT = 5
        yield script


def test_default_dialer_hands_out_a_tel_link(payers, operator):
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert result.ok
    assert result.method == "tel"
    assert result.tel_uri == "tel:+819012345678"
    [entry] = dial_entries()
    assert entry.user == operator
    assert entry.object_id == YAMAMOTO
    assert entry.detail == {"method": "tel", "result": "tel", "phone": "…5678"}


def test_a_number_that_is_not_the_payers_is_not_dialled(payers, operator):
    result = dial(
        actor=operator, phone_e164=NAKAMURA_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert not result.ok
    assert result.code == "unknown_number"
    assert not result.tel_uri
    assert "登録済みの番号ではない" in result.message


def test_an_invalid_number_is_never_dialled(payers, operator):
    result = dial(actor=operator, phone_e164="123", payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM)
    assert (result.ok, result.code) == (False, "invalid_number")
    # Even a well-formed number the ward flagged invalid stays undialled.
    Phone.objects.filter(e164=YAMAMOTO_LANDLINE).update(is_valid=False)
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_LANDLINE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert (result.ok, result.code) == (False, "invalid_number")
    assert [e.detail["result"] for e in dial_entries()] == ["invalid_number", "invalid_number"]


def test_a_number_recorded_as_not_in_service_is_not_dialled(payers, operator):
    PhoneStatus.objects.create(
        phone=Phone.objects.get(e164=YAMAMOTO_MOBILE),
        status="not_in_service",
        recorded_at=WEDNESDAY_10AM,
        recorded_by=operator,
    )
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert (result.ok, result.code) == (False, "excluded_number")
    assert "現在使われていない" in result.message


def test_do_not_call_is_respected_unless_the_payer_asked_for_the_call(payers, operator):
    ContactPreference.objects.create(payer_id=payers[YAMAMOTO], do_not_call=True)
    refused = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert (refused.ok, refused.code) == (False, "do_not_call")
    asked = dial(
        actor=operator,
        phone_e164=YAMAMOTO_MOBILE,
        payer_id=payers[YAMAMOTO],
        callback_requested=True,
        now=WEDNESDAY_10AM,
    )
    assert asked.ok


def test_contact_rules_refuse_a_sunday_call_and_say_when(payers, operator, ami):
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=SUNDAY_10AM
    )
    assert not result.ok
    assert result.message  # the rules' own Japanese message: when a call becomes possible
    assert ami.actions == []  # Asterisk was never asked


def test_ami_originate_rings_the_operator_then_dials_the_national_number(payers, operator, ami):
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert result.ok, result.message
    assert (result.method, result.code) == ("ami", "originated")
    login, originate, logoff = ami.actions
    assert login["Action"] == "Login"
    assert (login["Username"], login["Secret"]) == ("saikoku", "s3cret")
    assert originate["Action"] == "Originate"
    assert originate["Channel"] == "PJSIP/op1"
    assert originate["Exten"] == "09012345678"
    assert originate["Context"] == "outbound"
    assert originate["Priority"] == "1"
    assert originate["Async"] == "true"
    assert originate["CallerID"] == "09012345678"
    assert originate["ActionID"] == result.action_id
    assert logoff["Action"] == "Logoff"
    [entry] = dial_entries()
    assert entry.detail["result"] == "originated"
    assert "s3cret" not in json.dumps(entry.detail)


def test_ami_login_failure_says_so_in_japanese(payers, operator, ami, settings):
    settings.SAIKOKU_AMI_SECRET = "wrong"
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert (result.ok, result.code) == (False, "ami_login_failed")
    assert "ログインできませんでした" in result.message
    assert [a["Action"] for a in ami.actions] == ["Login"]
    assert dial_entries()[0].detail["result"] == "ami_login_failed"


def test_ami_originate_error_is_reported_and_the_session_logged_off(payers, operator, ami):
    ami.originate = "Error"
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert (result.ok, result.code) == (False, "ami_error")
    assert "発信できませんでした" in result.message
    assert "Extension does not exist." in result.message
    assert [a["Action"] for a in ami.actions] == ["Login", "Originate", "Logoff"]


def test_a_silent_asterisk_times_out(payers, operator, ami, settings):
    ami.originate = "silent"
    settings.SAIKOKU_AMI_TIMEOUT = 0.3
    started = time.monotonic()
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert time.monotonic() - started < 1.5
    assert (result.ok, result.code) == (False, "ami_timeout")
    assert "0.3秒以内に応答しませんでした" in result.message


def test_an_unreachable_asterisk_is_reported(payers, operator, settings):
    with FakeAmi(Script()) as server:
        port = server.port  # a port that was just free and is closed again below
    settings.SAIKOKU_DIALER = "ami"
    settings.SAIKOKU_AMI_HOST = "127.0.0.1"
    settings.SAIKOKU_AMI_PORT = port
    settings.SAIKOKU_AMI_TIMEOUT = 1
    result = dial(
        actor=operator, phone_e164=YAMAMOTO_MOBILE, payer_id=payers[YAMAMOTO], now=WEDNESDAY_10AM
    )
    assert (result.ok, result.code) == (False, "ami_unreachable")
    assert "接続できませんでした" in result.message
