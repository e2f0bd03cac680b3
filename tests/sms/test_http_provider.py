"""The http provider against the fake gateway process, and the signed delivery
reports at POST /sms/callback."""

from __future__ import annotations

import json
import time

import pytest
from django.utils import timezone

from saikoku.core.models import AuditEntry
from saikoku.outreach.models import PhoneStatus
from saikoku.sms.models import SmsMessage
from saikoku.sms.providers.base import ProviderError
from saikoku.sms.providers.http import HttpProvider
from saikoku.sms.reports import callback_signature
from support.fake_gateway import TOKEN
from support.gateway_process import fake_gateway


@pytest.fixture(scope="module")
def gateway():
    with fake_gateway() as running:
        yield running


@pytest.fixture
def provider(gateway, settings):
    settings.SAIKOKU_SMS_HTTP_TIMEOUT = 5
    provider = HttpProvider(url=gateway.url, token=TOKEN)
    yield provider
    provider.close()


def test_a_message_is_accepted_with_its_id_and_parts(provider):
    result = provider.send(to="+819011110001", text="あ" * 71, idempotency_key="k1", sender="03")
    assert result.provider_id.startswith("gw-")
    assert result.segments == 2


def test_the_same_key_sends_once_at_a_key_honouring_gateway(provider, gateway):
    before = gateway.stats()
    first = provider.send(to="+819011110002", text="x", idempotency_key="same", sender="03")
    again = provider.send(to="+819011110002", text="x", idempotency_key="same", sender="03")
    assert first.provider_id == again.provider_id
    after = gateway.stats()
    assert after["sent"] - before["sent"] == 1
    assert after["duplicates"] == before["duplicates"]


def test_an_unknown_number_is_a_permanent_error(provider):
    with pytest.raises(ProviderError) as error:
        provider.send(to="+819011119999", text="x", idempotency_key="k3", sender="03")
    assert error.value.permanent and error.value.code == "unknown_number"


def test_429_and_503_are_temporary_and_retry_after_is_read(provider):
    with pytest.raises(ProviderError) as error:
        provider.send(to="+819011119998", text="x", idempotency_key="k4", sender="03")
    assert not error.value.permanent and error.value.retry_after == 0
    with pytest.raises(ProviderError) as error:
        provider.send(to="+819011119997", text="x", idempotency_key="k5", sender="03")
    assert not error.value.permanent
    assert provider.send(to="+819011119997", text="x", idempotency_key="k5", sender="03")


def test_a_wrong_token_is_a_permanent_error(gateway):
    with pytest.raises(ProviderError) as error:
        HttpProvider(url=gateway.url, token="wrong").send(
            to="+819011110009", text="x", idempotency_key="k6", sender="03"
        )
    assert error.value.permanent


def test_a_gateway_that_is_down_is_a_temporary_error(settings):
    provider = HttpProvider(url="http://127.0.0.1:9", token=TOKEN)
    with pytest.raises(ProviderError) as error:
        provider.send(to="+819011110010", text="x", idempotency_key="k7", sender="03")
    assert not error.value.permanent


# --- delivery reports ---------------------------------------------------------------

SECRET = "callback-secret-for-tests"


@pytest.fixture
def approved_campaign(sms_payers, supervisor, supervisor2, approved_template, settings):
    """A campaign built and approved (four eyes), its reports signed with SECRET."""
    from saikoku.sms.campaigns import sms_campaign_approve, sms_campaign_create

    settings.SAIKOKU_SMS_CALLBACK_SECRET = SECRET
    campaign = sms_campaign_create(
        actor=supervisor,
        name="c",
        template=approved_template,
        filters={"levies": ["RT"]},
        scheduled_at=timezone.now(),
    )
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    return campaign


@pytest.fixture
def sent_campaign(approved_campaign):
    from saikoku.sms.dispatch import sms_dispatch_run

    campaign = approved_campaign

    class Accepting:
        name = "http"
        honours_idempotency_key = True

        def send(self, *, to, text, idempotency_key, sender):
            from saikoku.sms.providers.base import SendResult

            return SendResult(provider_id="gw-" + idempotency_key[:8], segments=1)

        def close(self):
            return None

    sms_dispatch_run(campaign.pk, worker_id="t", provider=Accepting())
    return campaign


def _post(client, body: dict, *, timestamp: int | None = None, secret: str = SECRET):
    raw = json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    return client.post(
        "/sms/callback",
        data=raw,
        content_type="application/json",
        headers={"X-Timestamp": stamp, "X-Signature": callback_signature(secret, stamp, raw)},
    )


def _report(message: SmsMessage, status: str = "delivered") -> dict:
    return {
        "id": message.provider_id,
        "client_ref": message.idempotency_key,
        "status": status,
        "carrier": "docomo",
        "segments": 1,
        "at": "2025-11-20T10:00:05+09:00",
    }


def test_a_signed_report_marks_the_message_delivered(client, sent_campaign):
    message = sent_campaign.messages.filter(status=SmsMessage.Status.SENT).first()
    response = _post(client, _report(message))
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.DELIVERED
    assert message.carrier == "docomo"


def test_a_replayed_report_is_refused_and_logged(client, sent_campaign):
    message = sent_campaign.messages.filter(status=SmsMessage.Status.SENT).first()
    raw = json.dumps(_report(message)).encode()
    stamp = str(int(time.time()))
    headers = {"X-Timestamp": stamp, "X-Signature": callback_signature(SECRET, stamp, raw)}
    assert client.post("/sms/callback", raw, "application/json", headers=headers).status_code == 200
    again = client.post("/sms/callback", raw, "application/json", headers=headers)
    assert again.status_code == 401
    assert again.json() == {"error": "replay"}
    assert AuditEntry.objects.filter(action="sms_callback_refused").exists()


def test_a_bad_signature_is_refused(client, sent_campaign):
    message = sent_campaign.messages.first()
    response = _post(client, _report(message), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json() == {"error": "bad_signature"}
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.SENT


def test_a_report_more_than_300_seconds_off_is_refused(client, sent_campaign):
    message = sent_campaign.messages.first()
    response = _post(client, _report(message), timestamp=int(time.time()) - 301)
    assert response.json() == {"error": "stale"}


def test_an_unknown_number_report_marks_the_phone_invalid(client, sent_campaign):
    message = sent_campaign.messages.first()
    assert _post(client, _report(message, "unknown_number")).status_code == 200
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.FAILED
    assert PhoneStatus.objects.get(phone_id=message.phone_id).status == "not_in_service"


def test_the_campaign_page_shows_progress(sent_campaign, supervisor):
    from support.personas import logged_in_client

    page = logged_in_client(supervisor).get(f"/sms/campaigns/{sent_campaign.pk}/")
    html = page.content.decode()
    assert "data-sent>5<" in html.replace(" ", "")


def test_an_undelivered_report_is_counted_once_as_a_delivery_failure(client, sent_campaign):
    from prometheus_client import REGISTRY

    def failed() -> float:
        return REGISTRY.get_sample_value("saikoku_sms_failed_total", {"stage": "delivery"}) or 0

    before = failed()
    message = sent_campaign.messages.filter(status=SmsMessage.Status.SENT).first()
    assert _post(client, _report(message, "failed")).status_code == 200
    # The same outcome reported again (a new signed request) is not a second failure.
    assert _post(
        client, _report(message, "failed"), timestamp=int(time.time()) - 1
    ).status_code == (200)
    assert failed() == before + 1


@pytest.mark.parametrize("honours_key", [True, False], ids=["written_with_records", "at_once"])
def test_a_report_faster_than_the_acceptance_still_gets_the_message_recorded(
    client, approved_campaign, honours_key
):
    """The gateway's report can reach us before the worker has written the acceptance
    (it is written with the records, or just after the POST): the message ends
    delivered, with the provider's id, and on the payer's timeline once."""
    from saikoku.outreach.models import ContactRecord
    from saikoku.sms.dispatch import sms_dispatch_run
    from saikoku.sms.providers.base import SendResult

    campaign = approved_campaign

    class ReportingFirst:
        name = "http"
        honours_idempotency_key = honours_key

        def send(self, *, to, text, idempotency_key, sender):
            message = SmsMessage.objects.get(idempotency_key=idempotency_key)
            report = {"client_ref": idempotency_key, "status": "delivered", "carrier": "au"}
            assert _post(client, report).status_code == 200
            assert SmsMessage.objects.get(pk=message.pk).status == SmsMessage.Status.DELIVERED
            return SendResult(provider_id="gw-" + idempotency_key[:8], segments=1)

        def close(self):
            return None

    sms_dispatch_run(campaign.pk, worker_id="t", provider=ReportingFirst())
    messages = list(campaign.messages.all())
    assert messages
    for message in messages:
        assert message.status == SmsMessage.Status.DELIVERED
        assert message.provider_id == "gw-" + message.idempotency_key[:8]
        assert message.contact_record_id is not None
    records = ContactRecord.objects.filter(
        channel="sms", payer_id__in=[m.payer_id for m in messages]
    )
    assert records.count() == len(messages)
