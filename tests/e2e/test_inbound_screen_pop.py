"""The inbound screen pop in a real browser: `saikoku cti simulate` sends signed events
to the live server and the operator's page shows the caller's payer by itself; a
withheld number ends in the manual search."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from saikoku.inbound import wakeup
from support.inbound_ward import build_inbound_ward
from support.personas import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def ward(transactional_db, tmp_path, settings):
    # A short long-poll: a request still waiting when the test ends is done soon after.
    settings.SAIKOKU_POP_WAIT_SECONDS = 3
    return build_inbound_ward(tmp_path, settings)


@pytest.fixture(autouse=True)
def _no_pop_left_waiting(transactional_db, page):
    """After each test the browser leaves, and the server's pop requests still waiting
    (for the long-poll's few seconds) end before the database is emptied: on SQLite
    their looks would meet the emptying's locks."""
    yield
    page.goto("about:blank")
    deadline = time.monotonic() + 10
    while wakeup._waiting and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def operator_201(transactional_db, operator):
    operator.extension = "201"
    operator.save(update_fields=["extension"])
    return operator


def _simulate(live_server, caller: str) -> None:
    call_command(
        "cti",
        "simulate",
        "--from",
        caller,
        "--extension",
        "201",
        "--url",
        f"{live_server.url}/cti/events",
        "--ring",
        "0",
        "--no-end",
    )


def test_cti_simulate_pops_the_callers_payer_on_the_operators_screen(
    ward, operator_201, live_server, page
):
    login(page, live_server, operator_201)
    page.goto(f"{live_server.url}/inbound/")
    page.wait_for_selector("[data-waiting]")
    started = time.monotonic()
    _simulate(live_server, "090-1234-5678")
    page.wait_for_selector("[data-pop-name]:has-text('佐野 健一')", timeout=3000)
    # Well within the second: the waiting pop request answers on the event's commit
    # (the bench measures it; this includes the simulator's own start).
    assert time.monotonic() - started < 2.5
    page.click("[data-pop-name]")
    page.wait_for_selector("[data-confirm-identity]")
    assert page.locator("[data-amounts-hidden]").is_visible()
    page.check("#id_name")
    page.check("#id_birth_date")
    page.click("[data-confirm-identity]")
    page.wait_for_selector("[data-identity-verified]")
    # The payer page's own "if paid on" panel: what is overdue and the late charge.
    page.wait_for_selector("[data-owed-overdue]:has-text('¥60,000')", timeout=3000)
    assert page.locator("[data-owed-total]").inner_text() != "¥60,000"


def test_a_withheld_number_ends_in_a_manual_search(ward, operator_201, live_server, page):
    login(page, live_server, operator_201)
    page.goto(f"{live_server.url}/inbound/")
    page.wait_for_selector("[data-waiting]")
    _simulate(live_server, "")
    page.wait_for_selector("[data-withheld]", timeout=3000)
    page.click("text=通話の画面を開く")
    page.fill("#id_q", "オオモリ カズコ")
    page.press("#id_q", "Enter")
    page.click("[data-choose]:has-text('大森 和子')")
    page.wait_for_selector("[data-confirm-identity]")
    assert "大森 和子" in page.content()
