"""Returned mail registered with the keyboard only, as a pile of envelopes: the code
(typed as a scanner types it, digits then Enter), the reason by one key, Enter. The
test measures how many envelopes per minute it registers and reports the figure."""

from __future__ import annotations

import time

import pytest

import support.calls as calls
from support.personas import browser_login, make_user

pytestmark = pytest.mark.e2e

CODES = ["R25-100001", "N25-100002", "R25-100003", "N25-100003", "L25-100004"] * 4


def test_a_pile_of_envelopes_by_keyboard_only(page, live_server, transactional_db, tmp_path):
    from saikoku.backoffice.models import ReturnedMail

    calls.import_payers(tmp_path)
    make_user("op1", "operator")
    browser_login(page, live_server, "op1")
    page.goto(live_server.url + "/tasks/returned-mail/")
    started = time.monotonic()
    for number, code in enumerate(CODES):
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.name === 'code'"
        )
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.keyboard.press(str(number % 5 + 1))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("[data-registered]").count() == 1
        # The same envelope again today (the pile repeats its five): flagged on screen.
        assert page.locator("[data-duplicate]").count() == (1 if number >= 5 else 0)
    minutes = (time.monotonic() - started) / 60
    per_minute = len(CODES) / minutes
    print(f"\nreturned mail by keyboard: {per_minute:.0f} envelopes per minute")
    assert ReturnedMail.objects.count() == len(CODES)
    assert ReturnedMail.objects.filter(duplicate=True).count() == len(CODES) - 5
    assert per_minute >= 30  # "dozens per minute"

    # An unknown number is refused at once, with the message (and the beep).
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'code'")
    page.keyboard.type("999999999999")
    page.keyboard.press("Enter")
    page.keyboard.press("1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "見つかりません" in page.locator("[data-refused]").inner_text()
    assert ReturnedMail.objects.count() == len(CODES)
