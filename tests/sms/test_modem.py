"""The modem provider: PDUs checked against the specification's published examples and
by a simulated modem on a pseudo-terminal that decodes every PDU it receives."""

from __future__ import annotations

import pytest
import serial
from hypothesis import given
from hypothesis import strategies as st

from saikoku.sms.providers.base import ProviderError
from saikoku.sms.providers.modem import ModemProvider
from saikoku.sms.providers.pdu import (
    decode_status_report,
    decode_submit,
    encode_address,
    encode_status_report,
    submit_pdus,
)
from support.fake_modem import FakeModem


def test_the_address_is_coded_as_the_published_example():
    # 3GPP TS 23.040 §9.1.2.5 and the widely published example PDU
    # "0011000B916407281553F80000AA0AE8329BFD4697D9EC37" to +46708251358.
    assert encode_address("+46708251358") == "0B916407281553F8"
    assert encode_address("+819012345678") == "0C91180921436587"


def test_a_short_japanese_message_is_one_ucs2_pdu():
    (pdu,) = submit_pdus("+819012345678", "テスト", reference=1)
    # SMSC 00, SUBMIT with status report and relative validity, MR 00, address,
    # PID 00, DCS 08 (UCS-2), VP one day, 6 octets of UTF-16BE.
    assert pdu == "003100" + "0C91180921436587" + "0008A7" + "06" + "30C630B930C8"


def test_a_long_message_is_split_into_parts_of_67_with_a_header():
    pdus = submit_pdus("+819012345678", "あ" * 140, reference=0x2A)
    assert len(pdus) == 3
    parts = [decode_submit(p) for p in pdus]
    assert [p.part for p in parts] == [(0x2A, 3, 1), (0x2A, 3, 2), (0x2A, 3, 3)]
    assert "".join(p.text for p in parts) == "あ" * 140
    assert pdus[0][2:4] == "71"  # UDHI set
    assert pdus[0].endswith("050003" + "2A0301" + "3042" * 67)


def test_a_character_outside_the_bmp_is_refused():
    with pytest.raises(ValueError):
        submit_pdus("+819012345678", "𠮷", reference=1)


@given(
    st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=700)
)
def test_every_text_survives_encoding(text):
    parts = [decode_submit(p) for p in submit_pdus("+818012345678", text, reference=7)]
    assert "".join(p.text for p in parts) == text
    assert all(len(p.text) <= 70 for p in parts)


def test_a_status_report_maps_to_a_delivery_status():
    assert decode_status_report(encode_status_report(9, "+819012345678", 0x00)).outcome == (
        "delivered"
    )
    assert decode_status_report(encode_status_report(9, "+819012345678", 0x46)).outcome == (
        "expired"
    )
    assert decode_status_report(encode_status_report(9, "+819012345678", 0x41)).outcome == (
        "failed"
    )


@pytest.fixture
def modem():
    with FakeModem() as running:
        yield running


@pytest.fixture
def provider(modem):
    port = serial.Serial(modem.port, 115200, timeout=0.2)
    provider = ModemProvider(port=port)
    yield provider
    provider.close()


def test_the_modem_sends_a_long_message_in_parts(provider, modem):
    result = provider.send(to="+819012345678", text="い" * 100, idempotency_key="k", sender="")
    assert result.segments == 2
    assert modem.errors == []
    assert modem.messages == [("+819012345678", "い" * 100)]
    assert "AT+CMGF=0" in modem.commands
    assert [r.outcome for r in provider.poll(0.5)] == ["delivered", "delivered"]


def test_an_unassigned_number_is_a_permanent_unknown_number(provider):
    with pytest.raises(ProviderError) as error:
        provider.send(to="+819012349999", text="x", idempotency_key="k", sender="")
    assert error.value.permanent and error.value.code == "unknown_number"


def test_network_congestion_is_temporary(provider, modem):
    with pytest.raises(ProviderError) as error:
        provider.send(to="+819012349997", text="x", idempotency_key="k", sender="")
    assert not error.value.permanent
    provider.send(to="+819012349997", text="x", idempotency_key="k", sender="")
    assert modem.messages == [("+819012349997", "x")]


def test_a_campaign_through_the_modem_is_delivered_by_its_status_reports(
    sms_payers, supervisor, supervisor2, approved_template, provider, modem
):
    from saikoku.sms.campaigns import sms_campaign_approve, sms_campaign_create
    from saikoku.sms.dispatch import sms_dispatch_run
    from saikoku.sms.models import SmsMessage
    from support.sms_package import NOW

    campaign = sms_campaign_create(
        actor=supervisor,
        name="m",
        template=approved_template,
        filters={"levies": ["RT"]},
        scheduled_at=NOW,
    )
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    sms_dispatch_run(campaign.pk, worker_id="t", provider=provider)
    assert modem.errors == []
    assert len(modem.messages) == campaign.messages.count()
    statuses = set(campaign.messages.values_list("status", flat=True))
    assert statuses == {SmsMessage.Status.DELIVERED}
