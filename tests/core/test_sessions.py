"""Sessions: the absolute timeout, logout everywhere on a password change or a
disabled account, one's own sessions listed and ended, the password policy."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from saikoku.core.handlers import handler_disable
from saikoku.core.models import AuditEntry, UserSession
from saikoku.core.sessions import browser_name, user_sessions_end
from support.personas import PASSWORD, client_login, verified_client

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 11, 5, 8, 0, tzinfo=dt.UTC)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36"
)


def test_a_session_ends_eight_hours_after_login_however_active(operator):
    with time_machine.travel(T0, tick=False) as clock:
        client = verified_client(operator)
        for minutes in range(10, 8 * 60, 10):  # a request every 10 minutes all day
            clock.move_to(T0 + dt.timedelta(minutes=minutes))
            assert client.get(reverse("search")).status_code == 200, minutes
        clock.move_to(T0 + dt.timedelta(hours=8, seconds=1))
        response = client.get(reverse("search"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert AuditEntry.objects.filter(action="session_expired", username="op1").exists()


def test_a_changed_password_ends_the_users_other_sessions_but_not_this_one(operator):
    other = verified_client(operator)
    client = verified_client(operator)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a quiet morning by the river",
            "new_password2": "a quiet morning by the river",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("search")).status_code == 200
    assert other.get(reverse("search")).status_code == 302
    assert UserSession.objects.filter(user=operator).count() == 1
    entry = AuditEntry.objects.get(action="password_change")
    assert entry.detail == {"other_sessions_ended": 1}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass", "このパスワードは短すぎます。最低 12 文字以上必要です。"),
        ("password1234", "このパスワードは一般的すぎます。"),
    ],
)
def test_the_password_policy_speaks_japanese(operator, password, message):
    client = verified_client(operator)
    page = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    ).content.decode()
    assert message in page


def test_a_long_passphrase_of_only_letters_or_digits_is_enough(operator):
    # No composition rules (ASVS 6.2): twelve digits nobody uses is a fine password.
    client = verified_client(operator)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "730519284617",
            "new_password2": "730519284617",
        },
    )
    assert response.status_code == 302


def test_disabling_a_user_ends_every_session_of_theirs(ward_admin, operator):
    first, second = verified_client(operator), verified_client(operator)
    handler_disable(actor=ward_admin, user=operator)
    assert first.get(reverse("search")).status_code == 302
    assert second.get(reverse("search")).status_code == 302
    assert not UserSession.objects.filter(user=operator).exists()


def test_user_sessions_end_keeps_the_named_one(operator):
    keep = verified_client(operator)
    verified_client(operator)
    ended = user_sessions_end(operator, except_key=keep.cookies["sessionid"].value)
    assert ended == 1
    assert keep.get(reverse("search")).status_code == 200


def test_one_lists_and_ends_ones_own_sessions(operator, supervisor):
    elsewhere = Client(HTTP_USER_AGENT=CHROME, REMOTE_ADDR="10.0.0.7")
    client_login(elsewhere, operator)
    here = verified_client(operator)
    theirs = verified_client(supervisor)
    page = here.get(reverse("account_sessions")).content.decode()
    assert page.count("data-session-row") == 2
    assert "Chrome / Windows" in page and "10.0.0.7" in page and "この端末" in page
    row = UserSession.objects.get(session_key=elsewhere.cookies["sessionid"].value)
    # Someone else's session is not one's own to end.
    foreign = UserSession.objects.get(user=supervisor)
    assert here.post(reverse("account_session_end", args=[foreign.pk])).status_code == 404
    assert theirs.get(reverse("search")).status_code == 200
    assert here.post(reverse("account_session_end", args=[row.pk])).status_code == 302
    assert elsewhere.get(reverse("search")).status_code == 302
    assert AuditEntry.objects.filter(action="session_end", username="op1").exists()


def test_logging_out_forgets_the_session(operator):
    client = verified_client(operator)
    assert UserSession.objects.filter(user=operator).count() == 1
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(user=operator).exists()


def test_browser_names_read_as_people_say_them():
    assert browser_name(CHROME) == "Chrome / Windows"
    assert browser_name(CHROME.replace("Safari/537.36", "Safari/537.36 Edg/130.0")) == (
        "Edge / Windows"
    )
    assert browser_name("") == ""
