"""CSRF: every URL of the URL configuration refuses a POST without the CSRF token (a
form posted from another site), for a persona who may use it, before the view acts:
nothing is written, not even an audit entry of the attempt's action."""

from __future__ import annotations

import pytest
from django.test import Client

from saikoku.core.models import AuditEntry, HandlerChange
from saikoku.core.roles import user_can
from support.personas import verified_client
from test_guards import PATTERNS, PERSONAS, _url

pytestmark = [pytest.mark.django_db, pytest.mark.attack("CSRF")]

CSRF_PAGE = "画面を開いてから時間がたったため、送信を受け付けられませんでした。"
# Endpoints that outside systems call with an HMAC signature, not a browser session:
# CSRF does not apply (no cookie is trusted); an unsigned post is refused all the same.
SIGNED = {"sms_callback", "cti_events"}


def _persona_for(request, pattern):
    capability = getattr(pattern.callback, "required_capability", None)
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        if capability is None or user_can(user, capability):
            return user
    raise AssertionError(f"no persona may use {pattern.name}")


@pytest.mark.parametrize("name,pattern", PATTERNS, ids=[name for name, _ in PATTERNS])
def test_a_post_without_the_csrf_token_is_refused(request, name, pattern):
    if name in SIGNED:
        unsigned = Client(enforce_csrf_checks=True).post(_url(name, pattern), {"anything": "1"})
        assert unsigned.status_code in (400, 401, 403), (name, unsigned.status_code)
        return
    user = _persona_for(request, pattern)
    client = verified_client(user, Client(enforce_csrf_checks=True))
    before = AuditEntry.objects.count(), HandlerChange.objects.count()
    response = client.post(_url(name, pattern), {"anything": "1"})
    assert response.status_code == 403, (name, response.status_code)
    assert CSRF_PAGE in response.content.decode(), name
    assert (AuditEntry.objects.count(), HandlerChange.objects.count()) == before, name


def test_the_login_form_needs_its_token_too(operator):
    response = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "op1", "password": "x"}
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="login_failed").exists()
