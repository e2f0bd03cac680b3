"""Who may open what, by URL, for every persona (BRIEF.md roles, enforced on the server)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from saikoku.arrears.models import Account
from support.console_package import SATO, SUZUKI, SUZUKI_CHILD, TAKAHASHI

PERSONAS = [
    "operator",
    "supervisor",
    "ward_staff_tax",
    "ward_staff_nhi",
    "ward_admin",
    "auditor",
    "outsider",
]


def _get(request, client_for, persona: str, url: str, method: str = "get"):
    user = request.getfixturevalue(persona) if persona else None
    return getattr(client_for(user), method)(url)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("ward_staff_tax", 200),
        ("ward_staff_nhi", 200),
        ("ward_admin", 200),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_search_page_is_for_roles_that_work_with_payers(
    request, client_for, payers, persona, status
):
    response = _get(request, client_for, persona, reverse("search") + "?q=スズキ")
    assert response.status_code == status


def test_anonymous_visitor_is_sent_to_login(client_for, payers):
    for url in [
        reverse("search"),
        reverse("payer", args=[payers[TAKAHASHI]]),
        reverse("audit_log"),
    ]:
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("ward_staff_tax", 200),
        ("ward_staff_nhi", 404),
        ("ward_admin", 200),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_resident_tax_only_payer_is_hidden_from_nhi_staff(
    request, client_for, payers, persona, status
):
    url = reverse("payer", args=[payers[TAKAHASHI]])
    assert _get(request, client_for, persona, url).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("ward_staff_tax", 404),
        ("ward_staff_nhi", 200),
        ("ward_admin", 200),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_nhi_only_payer_is_hidden_from_tax_staff(request, client_for, payers, persona, status):
    url = reverse("payer", args=[payers[SATO]])
    assert _get(request, client_for, persona, url).status_code == status


@pytest.mark.parametrize("persona", ["operator", "ward_admin", "ward_staff_tax"])
def test_a_resident_without_assessments_is_no_payer_page(request, client_for, payers, persona):
    url = reverse("payer", args=[payers[SUZUKI_CHILD]])
    assert _get(request, client_for, persona, url).status_code == 404


def test_unknown_payer_id_is_404(client_for, operator, payers):
    response = client_for(operator).get(reverse("payer", args=[max(payers.values()) + 100]))
    assert response.status_code == 404


def _reveal_url(payers, resident_no: str, levy: str) -> str:
    account = Account.objects.get(payer_id=payers[resident_no], levy=levy)
    return reverse("account_reveal", args=[payers[resident_no], account.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 200),
        ("supervisor", 200),
        ("ward_staff_tax", 200),
        ("ward_staff_nhi", 404),
        ("ward_admin", 200),
        ("auditor", 403),
        ("outsider", 403),
    ],
)
def test_reveal_of_a_resident_tax_account(request, client_for, payers, persona, status):
    response = _get(
        request, client_for, persona, _reveal_url(payers, TAKAHASHI, "RT"), method="post"
    )
    assert response.status_code == status
    assert (b"1234567" in response.content) is (status == 200)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("ward_staff_tax", 404), ("ward_staff_nhi", 200), ("operator", 200)],
)
def test_reveal_of_an_nhi_account_follows_the_department(
    request, client_for, payers, persona, status
):
    response = _get(request, client_for, persona, _reveal_url(payers, SATO, "NH"), method="post")
    assert response.status_code == status


def test_reveal_needs_post(client_for, operator, payers):
    response = client_for(operator).get(_reveal_url(payers, TAKAHASHI, "RT"))
    assert response.status_code == 405


def test_account_of_another_payer_cannot_be_revealed_through_this_payer(
    client_for, operator, payers
):
    other = Account.objects.get(payer_id=payers[SATO])
    url = reverse("account_reveal", args=[payers[SUZUKI], other.pk])
    assert client_for(operator).post(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("operator", 403),
        ("supervisor", 403),
        ("ward_staff_tax", 403),
        ("ward_staff_nhi", 403),
        ("ward_admin", 200),
        ("auditor", 200),
        ("outsider", 403),
    ],
)
def test_audit_log_is_for_auditor_and_ward_admin(request, client_for, payers, persona, status):
    assert _get(request, client_for, persona, reverse("audit_log")).status_code == status


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("auditor", "audit_log"),
        ("operator", "call_screen"),
        ("supervisor", "call_list_index"),
        ("ward_staff_tax", "task_queue"),
        ("ward_admin", "overview"),
    ],
)
def test_home_sends_each_role_to_its_first_screen(request, client_for, persona, target):
    response = _get(request, client_for, persona, reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_home_tells_a_user_without_role_that_nothing_is_available(client_for, outsider):
    response = client_for(outsider).get(reverse("home"))
    assert response.status_code == 403
    assert "役割が設定されていません" in response.content.decode()


def test_healthz_answers_without_login_and_without_data(client_for):
    response = client_for(None).get("/healthz")
    assert response.status_code == 200
    assert response.content == b"OK"


def test_navigation_shows_only_what_the_role_may_use(client_for, operator, auditor, ward_admin):
    operator_page = client_for(operator).get(reverse("search")).content.decode()
    assert reverse("audit_log") not in operator_page
    auditor_page = client_for(auditor).get(reverse("audit_log")).content.decode()
    assert 'href="/search/"' not in auditor_page
    assert 'name="q"' not in auditor_page
    admin_page = client_for(ward_admin).get(reverse("audit_log")).content.decode()
    assert reverse("audit_log") in admin_page and 'href="/search/"' in admin_page
