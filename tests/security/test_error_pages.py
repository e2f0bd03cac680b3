"""The error pages with debug off: Japanese, generic, never a traceback, SQL or a path
(the traceback goes to the log only)."""

from __future__ import annotations

import pytest
from django.test import Client

from security.failing_urls import SERVER_PATH, SQL
from support.personas import verified_client

pytestmark = [pytest.mark.django_db, pytest.mark.attack("error disclosure")]


@pytest.fixture
def failing(settings):
    assert settings.DEBUG is False
    settings.ROOT_URLCONF = "security.failing_urls"


@pytest.mark.parametrize("url", ["/fails/database/", "/fails/file/"])
@pytest.mark.parametrize("logged_in", [True, False], ids=["operator", "anonymous"])
def test_a_server_error_shows_nothing_of_the_server(failing, operator, url, logged_in):
    client = verified_client(operator if logged_in else None, raise_request_exception=False)
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 500
    assert "システムエラーが発生しました" in page
    for secret in ("Traceback", "OperationalError", "FileNotFoundError", "SELECT", SQL,
                   SERVER_PATH, "/srv/", "site-packages", ".py"):  # fmt: skip
        assert secret not in page, secret


@pytest.mark.parametrize("url", ["/payers/999999/", "/no/such/page/", "/audit/?page=x"])
def test_refusals_and_unknown_pages_show_nothing_of_the_server(operator, url):
    response = verified_client(operator, raise_request_exception=False).get(url)
    assert response.status_code < 500
    page = response.content.decode()
    assert "Traceback" not in page and "site-packages" not in page and "urls.py" not in page
    assert Client().get(url).status_code in (302, 404)
