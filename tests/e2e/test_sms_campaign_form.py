"""The SMS campaign builder and the call list builder in a real browser: the live
count's request carries the filters and never the form's CSRF token (query strings land
in logs and history)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from support.personas import browser_login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("builder", ["/sms/campaigns/new/", "/lists/new/"])
def test_the_live_count_request_holds_no_csrf_token(page, live_server, supervisor, builder):
    browser_login(page, live_server, "sv1")
    page.goto(live_server.url + builder)
    with page.expect_request(
        lambda r: builder in r.url and r.method == "GET" and "?" in r.url
    ) as live:
        page.check("input[name=levies][value=RT]")
    query = parse_qs(urlsplit(live.value.url).query)
    assert query["levies"] == ["RT"]
    assert "csrfmiddlewaretoken" not in query
    assert "csrf" not in live.value.url.lower()
