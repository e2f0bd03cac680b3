"""POST /cti/events: the signature, the timestamp window, replays, bad bodies."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from saikoku.inbound.models import CallState, InboundCall
from saikoku.inbound.signature import signature_of
from support.cti import SECRET, event, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SAIKOKU_CTI_SECRET = SECRET


def test_a_signed_event_is_accepted_and_starts_the_call():
    response = post_event(Client(), event("ringing", "c-1", caller="090-1234-5678"))
    assert response.status_code == 204
    call = InboundCall.objects.get(call_id="c-1")
    assert call.state == CallState.RINGING
    assert call.caller == "09012345678"


def test_a_wrong_signature_is_refused_and_logged(caplog):
    body = json.dumps(event("ringing", "c-2")).encode()
    timestamp = str(int(time.time()))
    response = post_event(
        Client(),
        body,
        headers={
            "X-Saikoku-Timestamp": timestamp,
            "X-Saikoku-Signature": signature_of("another secret", timestamp, body),
        },
    )
    assert response.status_code == 401
    assert "refused (bad_signature)" in caplog.text
    assert not InboundCall.objects.exists()


def test_a_body_changed_after_signing_is_refused():
    body = json.dumps(event("ringing", "c-3")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "X-Saikoku-Timestamp": timestamp,
        "X-Saikoku-Signature": signature_of(SECRET, timestamp, body),
    }
    tampered = body.replace(b"c-3", b"c-4")
    assert post_event(Client(), tampered, headers=headers).status_code == 401


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_more_than_300_seconds_off_is_refused(offset, caplog):
    response = post_event(Client(), event("ringing", "c-5"), now=time.time() + offset)
    assert response.status_code == 401
    assert "refused (stale)" in caplog.text


def test_a_timestamp_within_the_window_is_accepted():
    assert post_event(Client(), event("ringing", "c-6"), now=time.time() - 250).status_code == 204


def test_the_same_signed_request_again_is_a_replay(caplog):
    body = json.dumps(event("answered", "c-7", extension="201")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "X-Saikoku-Timestamp": timestamp,
        "X-Saikoku-Signature": signature_of(SECRET, timestamp, body),
    }
    assert post_event(Client(), body, headers=headers).status_code == 204
    assert post_event(Client(), body, headers=headers).status_code == 401
    assert "refused (replay)" in caplog.text


def test_missing_headers_and_an_unset_secret_are_refused(settings):
    body = json.dumps(event("ringing", "c-8")).encode()
    assert post_event(Client(), body, headers={"X-Other": "1"}).status_code == 401
    settings.SAIKOKU_CTI_SECRET = ""
    assert post_event(Client(), event("ringing", "c-9"), secret="").status_code == 401


def test_a_signed_body_that_is_no_event_is_a_bad_request():
    assert post_event(Client(), b"not json").status_code == 400
    assert post_event(Client(), event("hold", "c-10")).status_code == 400
    assert post_event(Client(), event("answered", "c-11")).status_code == 400  # no extension
    assert post_event(Client(), {**event("ringing", "c-12"), "at": "yesterday"}).status_code == 400


def test_the_webhook_takes_only_post():
    assert Client().get("/cti/events").status_code == 405


def test_a_withheld_number_is_stored_as_empty():
    post_event(Client(), event("ringing", "c-13", caller="anonymous"))
    assert InboundCall.objects.get(call_id="c-13").caller == ""
