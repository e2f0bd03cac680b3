"""The operator's loop in a real browser at 1366×768: Enter saves and the next payer's
screen opens, every outcome has its key, labels stay with their checkboxes, no symbol
a font may lack, and the view-reason prompt works from the keyboard."""

from __future__ import annotations

import re

import pytest
import time_machine

import support.calls as support
from support.personas import browser_login, make_user

pytestmark = pytest.mark.e2e

# Symbols some fonts lack (Debian's Noto CJK has no 🔒, ℹ, ↩, ⏱ …): letterlike symbols,
# arrows past ←↑→↓, technical symbols, dingbats and miscellaneous symbols, emoji, and
# the emoji presentation selector. Icons are inline SVG instead (templates/icons/).
SYMBOLS = re.compile(
    "[\u2100-\u214f\u2194-\u21ff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001ffff]"
)


def log_in(page, live_server, username: str) -> None:
    browser_login(page, live_server, username)


def no_symbols(page) -> None:
    found = sorted(set(SYMBOLS.findall(page.content())))
    assert not found, [f"U+{ord(c):04X}" for c in found]


def one_line(page, box_selector: str, label_selector: str) -> None:
    """The control and its label sit side by side on one line, the label just after."""
    box = page.locator(box_selector).bounding_box()
    label = page.locator(label_selector).bounding_box()
    box_middle = box["y"] + box["height"] / 2
    assert label["y"] <= box_middle <= label["y"] + label["height"], (box, label)
    gap = label["x"] - (box["x"] + box["width"])
    assert 0 <= gap <= 12, (box, label)


def test_enter_saves_and_the_next_payer_s_screen_opens(page, live_server, operator_with_list):
    from saikoku.outreach.models import ContactRecord

    with time_machine.travel(support.NOW, tick=True):
        log_in(page, live_server, "op1")
        page.goto(live_server.url + "/calls/")
        no_symbols(page)
        assert page.locator("[data-callbacks]").is_visible()
        page.keyboard.press("n")
        page.wait_for_selector("[data-outcome-form]")
        no_symbols(page)
        seen = [page.locator("h1").inner_text()]
        for _ in range(3):
            # The screen's script has run (it puts the focus on the first step): keys act.
            page.wait_for_function("() => document.activeElement.id === 'id_name'")
            # Before identity: K (応対拒否) is allowed; Enter from the chosen radio saves.
            page.keyboard.press("k")
            assert page.is_checked("#outcome-refused")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "h => document.querySelector('h1').innerText !== h", arg=seen[-1]
            )
            assert page.locator("[data-outcome-form]").count() == 1
            assert "記録しました" in page.locator(".messages").inner_text()
            seen.append(page.locator("h1").inner_text())
        # The fourth payer was the last: the save lands on the idle screen, saying so.
        page.wait_for_function("() => document.activeElement.id === 'id_name'")
        page.keyboard.press("k")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-next]")
        messages = page.locator(".messages").inner_text()
        assert "記録しました" in messages and "いま架電できる対象はありません" in messages
    assert len(set(seen)) == 4
    assert ContactRecord.objects.filter(outcome="refused").count() == 4


def test_every_outcome_shows_its_key_and_the_key_picks_it(page, live_server, operator_with_list):
    from saikoku.outreach.outcomes import OUTCOMES

    with time_machine.travel(support.NOW, tick=True):
        log_in(page, live_server, "op1")
        page.goto(live_server.url + "/calls/")
        page.keyboard.press("n")
        page.wait_for_selector("[data-outcome-form]")

        def pick_each(verified: bool) -> None:
            for code, outcome in OUTCOMES.items():
                label = page.locator(f'label[for="outcome-{code}"] kbd').inner_text()
                assert label == outcome.key.upper(), code
                page.locator("h1").click()  # no field focused: the keys act
                page.keyboard.press(outcome.key)
                allowed = verified or not outcome.needs_identity
                assert page.is_checked(f"#outcome-{code}") == allowed, code
                assert page.is_disabled(f"#outcome-{code}") == (not allowed), code

        pick_each(verified=False)
        page.check("#id_name")
        page.check("#id_birth_date")
        page.click("[data-confirm-identity]")
        page.wait_for_selector("[data-identity-verified]")
        pick_each(verified=True)
        no_symbols(page)
        # The checkbox "相手方の依頼" and its label stay on one line at 1366 px.
        one_line(page, "#id_callback_requested", 'label[for="id_callback_requested"]')
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )


@pytest.mark.purpose_bound
def test_the_reason_prompt_is_worked_from_the_keyboard(page, live_server, operator_with_list):
    payer_id = operator_with_list[support.ISHII]
    with time_machine.travel(support.NOW, tick=True):
        make_user("op2", "operator")  # no list: every payer is outside their work
        log_in(page, live_server, "op2")
        page.goto(f"{live_server.url}/payers/{payer_id}/")
        assert page.locator("h1").inner_text() == "閲覧の理由"
        no_symbols(page)
        # The first reason has the focus; Enter with nothing chosen says what to do.
        # The browser applies autofocus after the page has rendered, not at load.
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.dataset.key === '1'"
        )
        assert not page.is_checked("#id_purpose_0")
        page.keyboard.press("Enter")
        page.wait_for_selector("#purpose-error")
        assert "数字キー（1〜4）" in page.locator("#purpose-error").inner_text()
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.dataset.key === '1'"
        )
        one_line(page, "#id_purpose_0", 'label[for="id_purpose_0"]')
        # A number chooses; Enter opens the payer.
        page.keyboard.press("2")
        assert page.is_checked("#id_purpose_1")
        page.keyboard.press("Enter")
        page.wait_for_selector(".payer-header")
        assert "石井 二郎" in page.content()
