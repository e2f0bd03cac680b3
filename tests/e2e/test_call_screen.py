"""The call screen in a real browser at 1366×768: Next, identity, a promise, and the
next payer's screen at once."""

from __future__ import annotations

import pytest
import time_machine

import support.calls as support
from support.personas import login, make_user

pytestmark = pytest.mark.e2e


def test_operator_takes_next_verifies_identity_records_a_promise_and_gets_the_next_payer(
    page, live_server, transactional_db, tmp_path
):
    from saikoku.outreach.models import CallListEntry, Promise

    with time_machine.travel(support.NOW, tick=True):
        payers = support.import_payers(tmp_path)
        sv = make_user("sv", "supervisor")
        op = make_user("op1", "operator")
        support.build_list(sv, operator=op)
        CallListEntry.objects.filter(payer_id=payers[support.AOKI]).update(priority=999)

        login(page, live_server, op)
        assert page.url.endswith("/calls/")
        page.goto(live_server.url + "/calls/")
        assert "N" in page.locator("[data-next]").inner_text()
        page.locator("h1").click()
        page.keyboard.press("n")
        page.wait_for_selector("[data-outcome-form]")
        assert "青木 一郎" in page.locator("h1").inner_text()
        assert "¥" not in page.content()
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )

        page.check("#id_name")
        page.check("#id_birth_date")
        page.click("[data-confirm-identity]")
        page.wait_for_selector("[data-identity-verified]")
        assert "¥120,000" in page.locator("[data-owed]").inner_text()

        # Keys 1–9 pick an outcome; promise_to_pay is number 5.
        page.locator("h1").click()
        page.keyboard.press("5")
        assert page.is_checked("#outcome-promise_to_pay")
        page.fill("#id_promise_on", "+7")
        page.fill("#id_promise_amount", "60000")
        page.press("#id_promise_amount", "Enter")
        page.wait_for_function("() => !document.querySelector('h1').innerText.includes('青木')")
        assert "記録しました" in page.content()
        assert page.locator("[data-outcome-form]").count() == 1
        assert page.locator("h1").count() == 1

    promise = Promise.objects.get(payer_id=payers[support.AOKI])
    assert promise.amount == 60000 and str(promise.promised_on) == "2025-11-12"
