"""The inactivity timeout slides without a write of the session row on every request
(core.middleware.SlidingSessionMiddleware), and a session still ends at most
SESSION_COOKIE_AGE (15 minutes) after the operator's last request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from support.personas import verified_client

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 11, 5, 10, 0, tzinfo=dt.UTC)
AGE = dt.timedelta(minutes=15)


def _expiry(client: Client) -> dt.datetime:
    return Session.objects.get(pk=client.cookies["sessionid"].value).expire_date


def _logged_in(operator) -> Client:
    client = Client()
    verified_client(operator, client)
    return client


def test_the_row_is_written_again_only_once_half_the_age_has_passed(operator):
    client = _logged_in(operator)
    with time_machine.travel(T0, tick=False) as clock:
        client.get(reverse("search"))
        assert _expiry(client) == T0 + AGE
        clock.move_to(T0 + dt.timedelta(minutes=5))
        page = client.get(reverse("search")).content.decode()
        assert _expiry(client) == T0 + AGE  # not written
        # The page's timeout warning counts down what is really left.
        assert 'data-session-age="600"' in page
        # A renewal (htmx, keep-alive) restarts the warning from the full age.
        assert 'data-session-max="900"' in page
        clock.move_to(T0 + dt.timedelta(minutes=8))
        page = client.get(reverse("search")).content.decode()
        assert _expiry(client) == T0 + dt.timedelta(minutes=8) + AGE
        assert 'data-session-age="900"' in page


def test_a_session_ends_at_most_its_age_after_the_last_request(operator):
    client = _logged_in(operator)
    with time_machine.travel(T0, tick=False) as clock:
        client.get(reverse("search"))
        clock.move_to(T0 + dt.timedelta(minutes=5))
        assert client.get(reverse("search")).status_code == 200
        clock.move_to(T0 + AGE + dt.timedelta(seconds=1))
        response = client.get(reverse("search"))
        assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("how", ["keepalive", "htmx"])
def test_the_keepalive_and_htmx_requests_renew_at_once(operator, how):
    # The page's timer restarts from the full age after these, so the server must too.
    client = _logged_in(operator)
    with time_machine.travel(T0, tick=False) as clock:
        client.get(reverse("search"))
        clock.move_to(T0 + dt.timedelta(minutes=5))
        if how == "keepalive":
            assert client.post(reverse("session_keepalive")).status_code == 204
        else:
            client.get(reverse("search"), headers={"HX-Request": "true"})
        assert _expiry(client) == T0 + dt.timedelta(minutes=5) + AGE


def test_a_stale_cookie_creates_no_session(client):
    client.cookies["sessionid"] = "nosuchsession0000000000000000000"
    client.get(reverse("login"))
    assert not Session.objects.exists()
