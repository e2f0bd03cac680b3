"""403, 404 and 500 in Japanese in the console's layout, never a traceback; a 403 is one
line in the server log. Tests run with DEBUG off, as production does."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from support.console_package import TAKAHASHI
from support.personas import verified_client


def test_debug_is_off_in_tests(settings):
    assert settings.DEBUG is False


def test_a_payer_of_another_department_is_a_japanese_404_with_menu_and_logout(
    client_for, ward_staff_nhi, payers
):
    response = client_for(ward_staff_nhi).get(reverse("payer", args=[payers[TAKAHASHI]]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in html and "Not Found" not in html
    assert 'class="sidenav"' in html and 'action="/logout/"' in html
    assert "髙橋" not in html  # not a word about whether the payer exists


def test_a_page_the_role_may_not_use_is_a_japanese_403_with_the_menu(client_for, auditor):
    response = client_for(auditor).get(reverse("search"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "この操作は許可されていません" in html and "Forbidden" not in html
    assert 'class="sidenav"' in html and reverse("audit_log") in html


def test_an_unknown_page_for_a_visitor_has_no_menu_and_offers_the_login(client_for):
    response = client_for(None).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in html
    assert 'class="sidenav"' not in html and 'action="/logout/"' not in html
    assert "ログイン画面へ" in html


def test_a_403_is_one_line_in_the_server_log(client_for, auditor, caplog):
    # The project's LOGGING puts its filter on django.request; caplog's handler sits on
    # the root logger, so it sees records as they leave that logger.
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client_for(auditor).get(reverse("search"))
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage() == "Forbidden (Permission denied): /search/"
    assert records[0].exc_info is None and not records[0].exc_text


def test_a_form_posted_without_its_token_gets_the_japanese_page(operator):
    client = Client(enforce_csrf_checks=True)
    verified_client(operator, client)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "ページを読み込み直してから" in html and "CSRF" not in html


@pytest.fixture
def failing_url(settings):
    """A URLconf with one view that fails, on top of the project's."""
    settings.ROOT_URLCONF = "support.failing_urls"
    return "/fails/"


def test_a_server_error_is_a_japanese_page_in_the_layout_without_a_traceback(
    client_for, operator, failing_url
):
    client = client_for(operator)
    client.raise_request_exception = False
    response = client.get(failing_url)
    html = response.content.decode()
    assert response.status_code == 500
    assert "システムエラーが発生しました" in html
    assert "Traceback" not in html and "ZeroDivisionError" not in html
    assert 'class="sidenav"' in html and 'action="/logout/"' in html
