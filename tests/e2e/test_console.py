"""The console in a real browser at 1366×768: keyboard search, the payer page, its
banners, the audited reveal through htmx, and no horizontal scrolling."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from support.personas import PASSWORD, login, next_code

pytestmark = pytest.mark.e2e


def log_in(page, live_server, username: str) -> None:
    login(page, live_server, get_user_model().objects.get(username=username))


def has_no_horizontal_scrollbar(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_operator_finds_a_payer_by_kana_with_the_keyboard_and_sees_the_caution_banner(
    page, live_server, operator, imported_payers
):
    log_in(page, live_server, "op1")
    page.locator("h1").click()  # focus on the page, not in a field
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("たかはし")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator("[data-result-row]").count() == 1
    assert page.get_attribute("html", "lang") == "ja"
    assert page.locator("h1").count() == 1
    assert has_no_horizontal_scrollbar(page)

    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.matches('[data-result-link]')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/payers/*/")

    banner = page.locator(".banner-red")
    assert banner.is_visible()
    assert "処理注意" in banner.inner_text()
    assert "DV等支援措置" not in page.content()  # the reason is for ward staff only
    assert page.locator("h1").count() == 1
    assert "髙橋 花子" in page.locator("h1").inner_text()
    assert page.get_attribute("html", "lang") == "ja"
    assert has_no_horizontal_scrollbar(page)
    # Paid periods are folded away until asked for.
    assert not page.locator("details.paid-rows table").is_visible()


def test_account_reveal_swaps_in_the_number_without_leaving_the_page(
    page, live_server, operator, imported_payers
):
    log_in(page, live_server, "op1")
    url = f"{live_server.url}/payers/{imported_payers['100000000001']}/"
    page.goto(url)
    assert "****567" in page.content()
    page.get_by_role("button", name="番号を表示").click()
    page.locator("[data-revealed]").wait_for()
    assert page.locator("[data-revealed]").inner_text() == "1234567"
    assert page.url == url


def test_ward_staff_payer_page_with_plan_and_history_fits_the_screen(
    page, live_server, ward_staff_tax, imported_payers
):
    log_in(page, live_server, "tax1")
    page.goto(f"{live_server.url}/payers/{imported_payers['100000000001']}/")
    assert "DV等支援措置" in page.locator(".banner-red").inner_text()
    assert has_no_horizontal_scrollbar(page)
    page.goto(f"{live_server.url}/payers/{imported_payers['100000000003']}/")
    assert page.locator(".banner-blue").is_visible()
    assert has_no_horizontal_scrollbar(page)


def test_language_switch_changes_the_lang_attribute(page, live_server, operator, imported_payers):
    log_in(page, live_server, "op1")
    page.goto(f"{live_server.url}/search/")
    page.select_option("#language", "en")
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator("h1").inner_text() == "Search payers"
    assert has_no_horizontal_scrollbar(page)


def test_a_reveal_after_the_session_ended_takes_the_whole_page_to_login_and_back(
    page, live_server, operator, imported_payers
):
    from django.contrib.sessions.models import Session

    log_in(page, live_server, "op1")
    path = f"/payers/{imported_payers['100000000001']}/"
    page.goto(live_server.url + path)
    Session.objects.all().delete()  # the server ended the session (a timeout)
    page.get_by_role("button", name="番号を表示").click()
    # The whole page goes to the login, remembering the payer page, not the POST.
    page.wait_for_url(lambda url: "/login/" in url)
    assert page.locator("h1").count() == 1
    assert page.locator("[data-revealed]").count() == 0
    assert page.url == f"{live_server.url}/login/?next={path}"


def test_when_the_timeout_ends_the_session_the_page_goes_to_login_and_back_here(
    page, live_server, operator, imported_payers, settings
):
    log_in(page, live_server, "op1")
    settings.SESSION_COOKIE_AGE = 3  # the next page counts down from three seconds
    path = "/search/?q=%E3%81%9F%E3%81%8B%E3%81%AF%E3%81%97"  # たかはし
    page.goto(live_server.url + path)
    page.wait_for_url(lambda url: "/login/" in url, timeout=15_000)
    assert page.url.endswith("/login/?next=" + quote(path, safe=""))
    settings.SESSION_COOKIE_AGE = 15 * 60
    Session.objects.all().delete()  # the server ended it at the same moment
    # Logging in again on that page returns to the search, not to the landing page.
    user = get_user_model().objects.get(username="op1")
    page.fill("#id_username", "op1")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/mfa/")
    page.fill("#id_token", next_code(user))
    page.press("#id_token", "Enter")
    page.wait_for_url(lambda url: "/search/" in url)
    assert page.url == live_server.url + path
