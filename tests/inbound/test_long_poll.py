"""The screen pop's long-poll: a pop request that waits on the server answers as soon
as the call is answered at the operator's extension (PostgreSQL wakes it by
notification, SQLite within the process), and 204 when its wait ends with nothing new."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from saikoku.inbound import views, wakeup
from support.cti import event, post_event
from support.inbound_ward import build_inbound_ward
from support.personas import verified_client


@pytest.fixture
def ward(transactional_db, tmp_path, settings):
    return build_inbound_ward(tmp_path, settings)


@pytest.fixture
def operator_201(transactional_db, operator):
    operator.extension = "201"
    operator.save(update_fields=["extension"])
    return operator


def _answer_once_waiting(monkeypatch) -> threading.Thread:
    """The PBX's answered event, from another thread (its own database connection),
    sent once the pop request has looked and waits."""
    looked = threading.Event()
    real = views.wait_until

    def spied(user_id, changed, *, seconds):
        def look() -> bool:
            result = changed()
            looked.set()
            return result

        return real(user_id, look, seconds=seconds)

    monkeypatch.setattr(views, "wait_until", spied)

    def send() -> None:
        looked.wait(30)
        time.sleep(0.1)
        try:
            post_event(Client(), event("answered", "lp-1", caller="09012345678", extension="201"))
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_a_waiting_pop_answers_as_soon_as_the_call_is_answered(
    ward, operator_201, settings, monkeypatch
):
    settings.SAIKOKU_POP_WAIT_SECONDS = 20
    # No second look within the wait: only the wake (notification) can end it early.
    monkeypatch.setattr(wakeup, "RECHECK_SECONDS", 60.0)
    client = verified_client(operator_201)
    sender = _answer_once_waiting(monkeypatch)
    started = time.monotonic()
    response = client.get(reverse("inbound_pop"), {"shown": "", "wait": "1"})
    elapsed = time.monotonic() - started
    sender.join()
    assert response.status_code == 200
    assert "佐野 健一" in response.content.decode()
    assert elapsed < 15  # woken, not the wait's end (the bench times it)
    # The page asks again with the call shown, and waits again.
    assert "wait=1" in response.content.decode()


def test_a_wait_with_nothing_new_ends_in_204(ward, operator_201, settings):
    settings.SAIKOKU_POP_WAIT_SECONDS = 1
    client = verified_client(operator_201)
    started = time.monotonic()
    response = client.get(reverse("inbound_pop"), {"shown": "", "wait": "1"})
    assert response.status_code == 204
    assert time.monotonic() - started >= 1.0


def test_with_waiting_off_the_page_polls_every_half_second(ward, operator_201, settings):
    settings.SAIKOKU_POP_WAIT_SECONDS = 0
    client = verified_client(operator_201)
    page = client.get(reverse("inbound_screen")).content.decode()
    assert 'hx-trigger="every 500ms"' in page and "wait=1" not in page
    assert client.get(reverse("inbound_pop"), {"shown": "", "wait": "1"}).status_code == 204
