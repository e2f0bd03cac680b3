"""Where the keyboard is on the call screen at 1366×768: on the first step of each new
payer, on the outcome list once identity is confirmed, on the first field in error
(its message in view), and kept where it was when Enter is pressed with no outcome.

The browser applies focus after the page has rendered: the tests wait for it."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model

import support.calls as support
from support.personas import PASSWORD, browser_login, next_code

pytestmark = pytest.mark.e2e

FOCUSED_ID = "id => document.activeElement && document.activeElement.id === id"


def focused_on(page, element_id: str) -> None:
    page.wait_for_function(FOCUSED_ID, arg=element_id)


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 768


def test_the_keyboard_follows_the_call_from_payer_to_payer(page, live_server, operator_with_list):
    with time_machine.travel(support.NOW, tick=True):
        browser_login(page, live_server, "op1")
        page.goto(live_server.url + "/calls/")
        page.keyboard.press("n")
        page.wait_for_selector("[data-outcome-form]")
        # A new payer: the first identity question has the focus.
        focused_on(page, "id_name")

        # Identity ticked from the keyboard: the focus goes on to the outcome list.
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-identity-verified]")
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.name === 'outcome'"
            " && !document.activeElement.disabled"
        )
        first_outcome = page.evaluate("document.activeElement.id")

        # Enter with no outcome chosen: a message says what to do, the focus stays.
        heading = page.locator("h1").inner_text()
        page.keyboard.press("Enter")
        message = page.locator("[data-outcome-required]")
        message.wait_for(state="visible")
        assert "結果を一覧から選んでください" in message.inner_text()
        assert page.evaluate("document.activeElement.id") == first_outcome
        assert page.locator("h1").inner_text() == heading

        # A callback time the screen cannot read: the field in error has the focus and
        # its message is on the screen, not below the fold.
        page.keyboard.press("1")  # 不在
        page.fill("#id_callback_at", "そのうち")
        page.keyboard.press("Enter")
        page.wait_for_selector("#callback_at-error")
        assert "日時として読めません" in page.locator("#callback_at-error").inner_text()
        focused_on(page, "id_callback_at")
        assert in_view(page, "#callback_at-error")
        assert in_view(page, "#id_callback_at")
        # The refusal was answered at /calls/record/; the address bar shows the screen.
        assert page.url == live_server.url + "/calls/"

        # Record and next: the next payer starts at the first identity question again.
        page.fill("#id_callback_at", "")
        page.keyboard.press("Enter")
        page.wait_for_function("h => document.querySelector('h1').innerText !== h", arg=heading)
        assert "記録しました" in page.locator(".messages").inner_text()
        focused_on(page, "id_name")


def test_identity_refused_keeps_the_ticks_and_focuses_what_is_missing(
    page, live_server, operator_with_list
):
    with time_machine.travel(support.NOW, tick=True):
        browser_login(page, live_server, "op1")
        page.goto(live_server.url + "/calls/")
        page.keyboard.press("n")
        focused_on(page, "id_name")
        page.keyboard.press("Space")  # the name only: a second question is missing
        page.keyboard.press("Enter")
        page.wait_for_selector("#identity-error")
        assert "生年月日または住所" in page.locator("#identity-error").inner_text()
        assert page.is_checked("#id_name")
        focused_on(page, "id_birth_date")
        assert in_view(page, "#identity-error")


def test_a_save_after_the_session_ended_comes_back_to_the_call_screen(
    page, live_server, operator_with_list
):
    from django.contrib.sessions.models import Session

    with time_machine.travel(support.NOW, tick=True):
        browser_login(page, live_server, "op1")
        page.goto(live_server.url + "/calls/")
        page.keyboard.press("n")
        focused_on(page, "id_name")
        page.keyboard.press("k")  # 応対拒否
        page.fill("#id_callback_at", "そのうち")  # refused first: the page is a POST's answer
        page.keyboard.press("Enter")
        page.wait_for_selector("#callback_at-error")
        page.wait_for_url(live_server.url + "/calls/")
        page.fill("#id_callback_at", "")
        Session.objects.all().delete()  # the server ended the session (a timeout)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login/" in url)
        assert page.url == live_server.url + "/login/?next=/calls/"
        # Logging in again opens the call screen, not a blank 405.
        page.fill("#id_username", "op1")
        page.fill("#id_password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/mfa/" in url)
        page.fill("#id_token", next_code(get_user_model().objects.get(username="op1")))
        page.keyboard.press("Enter")
        page.wait_for_url(live_server.url + "/calls/")
        assert page.locator("[data-outcome-form]").count() == 1
