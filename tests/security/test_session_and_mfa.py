"""Session fixation and attempts to get past the second factor.

- Fixation: a session key planted before login is worth nothing after the password,
  and the key after the password is worth nothing after the code.
- MFA bypass: after the password alone, every URL of the URL configuration (GET or
  POST, page or htmx) leads to the code step; a code is accepted once; a recovery
  code is accepted once."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from saikoku.core.mfa import recovery_codes_issue, totp_code, totp_device_enrolled
from support.personas import PASSWORD, next_code
from test_guards import PATTERNS, _url

pytestmark = pytest.mark.django_db

# What a session may reach before the code (core/middleware.py), and why.
OPEN_BEFORE_THE_CODE = {
    "login", "logout", "mfa_verify", "mfa_enrol", "mfa_recovery_codes", "set_language",
    "healthz", "readyz", "metrics", "favicon",
}  # fmt: skip


def _password_step(user, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_verify")
    return client


def _key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.attack("session fixation")
def test_a_planted_session_key_is_replaced_at_login_and_again_at_the_code(operator):
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    _password_step(operator, client)
    after_password = _key(client)
    assert after_password != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()

    client.post(reverse("mfa_verify"), {"token": next_code(operator)})
    after_code = _key(client)
    assert after_code not in (after_password, planted.session_key)
    assert client.get(reverse("call_screen")).status_code == 200
    for stale_key in (planted.session_key, after_password):
        stale = Client()
        stale.cookies[settings.SESSION_COOKIE_NAME] = stale_key
        assert stale.get(reverse("call_screen")).status_code == 302


@pytest.mark.attack("session fixation")
def test_a_made_up_session_key_is_never_adopted(operator):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "attackerchosenkey0123456789abcdef"
    _password_step(operator, client)
    assert _key(client) != "attackerchosenkey0123456789abcdef"


BEHIND_THE_CODE = [(n, p) for n, p in PATTERNS if n not in OPEN_BEFORE_THE_CODE]


@pytest.mark.attack("MFA bypass")
@pytest.mark.parametrize("name,pattern", BEHIND_THE_CODE, ids=[n for n, _ in BEHIND_THE_CODE])
def test_after_the_password_alone_every_url_leads_to_the_code(ward_admin, name, pattern):
    client = _password_step(ward_admin)
    url = _url(name, pattern)
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"] == reverse("mfa_verify"), name
    # An htmx request is told to take the whole page there, and is given nothing else.
    htmx = client.get(url, headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx["HX-Redirect"]) == (200, reverse("mfa_verify")), name
    assert htmx.content == b"" and not htmx.has_header("Location"), name
    assert client.get("/admin/")["Location"] == reverse("mfa_verify")


@pytest.mark.attack("MFA bypass")
def test_a_code_used_once_is_refused_the_second_time(operator):
    device = totp_device_enrolled(operator)
    with time_machine.travel(1_900_000_000, tick=False):
        code = totp_code(device)
        assert (
            _password_step(operator).post(reverse("mfa_verify"), {"token": code}).status_code == 302
        )
        replay = _password_step(operator)
        assert replay.post(reverse("mfa_verify"), {"token": code}).status_code == 200
        assert replay.get(reverse("call_screen"))["Location"] == reverse("mfa_verify")


@pytest.mark.attack("MFA bypass")
def test_a_recovery_code_is_refused_the_second_time(operator):
    code = recovery_codes_issue(operator)[0]
    assert _password_step(operator).post(reverse("mfa_verify"), {"token": code}).status_code == 302
    replay = _password_step(operator)
    assert replay.post(reverse("mfa_verify"), {"token": code}).status_code == 200
    assert replay.get(reverse("call_screen"))["Location"] == reverse("mfa_verify")


@pytest.mark.attack("MFA bypass")
def test_the_enrolment_page_cannot_replace_an_enrolled_authenticator(operator):
    client = _password_step(operator)
    response = client.get(reverse("mfa_enrol"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_verify")
