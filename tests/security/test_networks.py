"""Requests from a disallowed network (core/networks.py): each organisation's users
work only from its networks; elsewhere every page is a plain Japanese 403, a login is
refused with the generic failure, and the refusal is audited once, not per request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from saikoku.core.models import AuditEntry
from support.personas import PASSWORD, client_login, make_user, verified_client
from test_guards import PATTERNS, _url

pytestmark = [pytest.mark.django_db, pytest.mark.attack("disallowed network")]

WARD_NET, CONTRACTOR_NET = "10.20.0.0/16", "10.30.0.0/16"
WARD_PC, CONTRACTOR_PC, ELSEWHERE = "10.20.1.5", "10.30.1.5", "203.0.113.9"
REFUSED = "この場所からは利用できません"


@pytest.fixture(autouse=True)
def networks(settings):
    settings.SAIKOKU_ALLOWED_NETWORKS_WARD = [WARD_NET]
    settings.SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR = [CONTRACTOR_NET]
    cache.clear()  # the once-an-hour memory of audited refusals
    yield
    cache.clear()


# Monitoring answers outside the console's networks: /healthz and /readyz anywhere, /metrics to its
# own networks or token (tests/core/test_metrics.py).
PAGES = [(n, p) for n, p in PATTERNS if n not in ("healthz", "readyz", "metrics")]


@pytest.mark.parametrize("name,pattern", PAGES, ids=[n for n, _ in PAGES])
def test_every_url_refuses_an_address_outside_every_network(name, pattern):
    response = Client(REMOTE_ADDR=ELSEWHERE).get(_url(name, pattern))
    assert response.status_code == 403, name
    page = response.content.decode()
    assert REFUSED in page and '<html lang="ja">' in page


def test_the_health_checks_answer_anywhere():
    assert Client(REMOTE_ADDR=ELSEWHERE).get(reverse("healthz")).status_code == 200
    assert Client(REMOTE_ADDR=ELSEWHERE).get(reverse("readyz")).status_code == 200


def test_a_contractor_user_is_refused_on_the_ward_network_and_audited_once(operator):
    client = verified_client(operator, Client(REMOTE_ADDR=WARD_PC))
    for _ in range(5):
        response = client.get(reverse("call_screen"))
        assert response.status_code == 403 and REFUSED in response.content.decode()
    entries = AuditEntry.objects.filter(action="network_refused")
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.username, entry.client_addr) == ("op1", WARD_PC)
    assert entry.detail == {"login": False, "organisation": "contractor", "path": "/calls/"}
    # From the contractor's office the same session works.
    client.defaults["REMOTE_ADDR"] = CONTRACTOR_PC
    assert client.get(reverse("call_screen")).status_code == 200


def test_each_organisation_works_from_its_own_network(operator, ward_admin, auditor):
    for user, address in ((operator, CONTRACTOR_PC), (ward_admin, WARD_PC), (auditor, WARD_PC)):
        assert client_login(Client(REMOTE_ADDR=address), user).status_code == 302, user


def test_a_login_from_the_wrong_organisations_network_gets_the_generic_failure(ward_admin):
    client = Client(REMOTE_ADDR=CONTRACTOR_PC)
    response = client.post(reverse("login"), {"username": "admin1", "password": PASSWORD})
    assert response.status_code == 200
    assert "利用者IDまたはパスワードが正しくありません" in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="network_refused")
    assert entry.detail["login"] is True and entry.username == "admin1"


def test_the_users_own_organisation_field_decides_before_the_role(db):
    # A ward official seconded to the contractor's office, registered as contractor.
    user = make_user("seconded", "ward_staff", "tax", organisation="contractor")
    assert client_login(Client(REMOTE_ADDR=CONTRACTOR_PC), user).status_code == 302
    refused = Client(REMOTE_ADDR=WARD_PC)
    refused.post(reverse("login"), {"username": "seconded", "password": PASSWORD})
    assert "_auth_user_id" not in refused.session


def test_the_trusted_proxy_decides_the_address(settings, operator):
    settings.SAIKOKU_TRUSTED_PROXIES = ["10.0.0.2"]
    via_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=CONTRACTOR_PC)
    assert client_login(via_proxy, operator).status_code == 302
    forged = Client(REMOTE_ADDR=ELSEWHERE, HTTP_X_FORWARDED_FOR=CONTRACTOR_PC)
    assert forged.get(reverse("login")).status_code == 403
