"""A new user's first minute in a real browser: each role lands on its work with the
menu, error pages are Japanese in the layout, and no page asks for a missing favicon."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from support.console_package import TAKAHASHI
from support.personas import login

pytestmark = pytest.mark.e2e


def log_in(page, live_server, username: str) -> None:
    login(page, live_server, get_user_model().objects.get(username=username))


def test_the_auditor_lands_on_the_audit_log_with_the_menu(page, live_server, auditor):
    log_in(page, live_server, "aud1")
    assert page.url.endswith("/audit/")
    assert page.locator("h1").count() == 1 and page.locator("h1").inner_text() == "監査ログ"
    assert page.locator("nav.sidenav").is_visible()
    assert page.get_by_role("button", name="ログアウト").is_visible()


def test_the_ward_admin_lands_on_the_overview(page, live_server, ward_admin, imported_payers):
    log_in(page, live_server, "admin1")
    assert page.url.endswith("/overview/")
    assert page.locator("h1").count() == 1
    assert "CONSOLE-TEST-0001" in page.locator("[data-imports]").inner_text()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_payer_of_another_department_is_a_japanese_page_with_the_menu(
    page, live_server, ward_staff_nhi, imported_payers
):
    log_in(page, live_server, "nhi1")
    assert page.url.endswith("/tasks/")
    response = page.goto(f"{live_server.url}/payers/{imported_payers[TAKAHASHI]}/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "ページが見つかりません"
    assert page.locator("nav.sidenav").is_visible()
    assert "Not Found" not in page.content()


def test_the_wrong_password_message_names_the_field_as_it_is_labelled(page, live_server, operator):
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "op1")
    page.fill("#id_password", "wrong")
    page.press("#id_password", "Enter")
    page.locator("#login-error").wait_for()
    assert "利用者ID" in page.locator("#login-error").inner_text()
    assert page.locator("label[for=id_username]").inner_text() == "利用者ID"


def test_no_page_answers_404_for_its_favicon(page, live_server, operator, imported_payers):
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    log_in(page, live_server, "op1")
    page.goto(f"{live_server.url}/search/")
    page.goto(f"{live_server.url}/favicon.ico")
    assert missing == []
