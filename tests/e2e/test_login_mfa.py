"""The first login in a real browser: the password, the QR page, a code typed from the
key the page shows (as an authenticator app would compute it), the recovery codes
once, then the user's work; every request stays on the console's own origin."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP

from support.personas import PASSWORD, login, make_user

pytestmark = pytest.mark.e2e


def _code_from(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_new_user_enrols_with_the_qr_page_and_lands_on_their_work(
    page, live_server, transactional_db
):
    make_user("newop", "operator", enrolled=False)
    origins: set[str] = set()
    page.on("request", lambda r: origins.add(r.url.split("/")[2]))
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "newop")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/mfa/setup/")
    assert page.locator("[data-qr] svg").is_visible()
    assert page.locator("h1").inner_text() == "認証アプリの登録"
    page.fill("#id_token", _code_from(page.locator("[data-secret]").inner_text()))
    page.press("#id_token", "Enter")
    page.wait_for_url("**/mfa/recovery-codes/")
    assert page.locator("[data-recovery-codes] li").count() == 10
    page.get_by_role("link", name="書き取りました。続ける").click()
    page.wait_for_url("**/calls/")
    assert origins == {live_server.url.split("/")[2]}


def test_the_menu_is_not_offered_before_the_code(page, live_server, transactional_db):
    make_user("op1", "operator")
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "op1")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/mfa/")
    assert page.locator("nav.sidenav").count() == 0
    page.goto(live_server.url + "/search/")
    assert page.url.endswith("/mfa/")


def test_the_login_helper_goes_through_both_steps(page, live_server, transactional_db):
    user = make_user("aud1", "auditor")
    login(page, live_server, user)
    assert page.url.endswith("/audit/")
