"""A session that ends while a screen is open (the idle or the absolute timeout) sends
the user to the login page with the screen they were on as `next`, never the URL of
the form's POST or of an htmx fragment; htmx requests redirect the whole page. A
POST-only URL opened as a page answers the console's Japanese 405 page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client

from support.personas import client_login, verified_client

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 11, 5, 10, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(minutes=15, seconds=1)  # SESSION_COOKIE_AGE and a second
SITE = "http://testserver"


def _expired(operator, after: dt.timedelta = IDLE):
    """A client whose session was live at T0 and has ended `after` later."""
    clock = time_machine.travel(T0, tick=False)
    traveller = clock.start()
    client = verified_client(operator)
    traveller.move_to(T0 + after)
    return client, clock


def test_a_form_posted_after_the_idle_timeout_returns_to_the_screen_after_login(operator):
    client, clock = _expired(operator)
    try:
        response = client.post(
            "/calls/record/", {"outcome": "refused"}, headers={"referer": f"{SITE}/calls/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/calls/"
        # Logging in again goes back to the call screen, not to the POST-only URL.
        answer = client_login(client, operator, next_path="/calls/")
        assert answer.status_code == 302 and answer["Location"] == "/calls/"
    finally:
        clock.stop()


def test_a_post_without_a_page_of_ours_behind_it_gets_no_next(operator):
    client, clock = _expired(operator)
    try:
        foreign = client.post(
            "/calls/record/", {}, headers={"referer": "https://elsewhere.example/calls/"}
        )
        none = client.post("/calls/next/", {})
        login_page = client.post("/calls/next/", {}, headers={"referer": f"{SITE}/login/"})
    finally:
        clock.stop()
    assert [r["Location"] for r in (foreign, none, login_page)] == ["/login/"] * 3


def test_a_page_opened_after_the_timeout_is_its_own_next(operator):
    client, clock = _expired(operator)
    try:
        response = client.get("/search/?q=%E4%BD%90%E8%97%A4")
    finally:
        clock.stop()
    assert response.status_code == 302
    path, query = response["Location"].split("?")
    assert path == "/login/"
    assert QueryDict(query)["next"] == "/search/?q=%E4%BD%90%E8%97%A4"


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_login(operator):
    client, clock = _expired(operator)
    try:
        response = client.post(  # the account number's audited reveal
            "/payers/1/accounts/1/reveal/",
            headers={"hx-request": "true", "hx-current-url": f"{SITE}/payers/1/"},
        )
    finally:
        clock.stop()
    # Not a 302: the browser would follow it inside the fragment request and htmx
    # would swap the login page into the fragment.
    assert response.status_code == 200
    assert "Location" not in response
    assert response["HX-Redirect"] == "/login/?next=/payers/1/"
    assert response.content == b""


def test_the_absolute_timeout_returns_to_the_screen_too(operator):
    client, clock = _expired(operator, after=dt.timedelta(hours=8, seconds=1))
    try:
        # Active all day: the idle timeout never struck, the absolute one does.
        session = client.session
        session.set_expiry(10 * 3600)
        session.save()
        posted = client.post("/calls/record/", {}, headers={"referer": f"{SITE}/calls/"})
    finally:
        clock.stop()
    assert posted.status_code == 302
    assert posted["Location"] == "/login/?next=/calls/"


@pytest.mark.parametrize("who", ["operator", "anonymous"])
def test_a_post_only_url_opened_as_a_page_says_so_in_japanese(who, operator):
    client = verified_client(operator) if who == "operator" else Client()
    response = client.get("/calls/record/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "この画面は直接開けません" in page
    assert page.count("<h1") == 1 and 'lang="ja"' in page
    way_back = "自分の業務の画面へ戻る" if who == "operator" else "ログイン画面へ"
    assert way_back in page and 'href="/"' in page
    assert "no-store" in response["Cache-Control"]
