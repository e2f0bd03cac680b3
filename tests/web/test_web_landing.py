"""Each role lands where its work is, after login and on `/` (web/landing.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from support.personas import client_login

LANDINGS = [
    ("operator", "op1", "call_screen"),
    ("supervisor", "sv1", "call_list_index"),
    ("ward_staff_tax", "tax1", "task_queue"),
    ("ward_staff_nhi", "nhi1", "task_queue"),
    ("ward_admin", "admin1", "overview"),
    ("auditor", "aud1", "audit_log"),
]


@pytest.mark.parametrize(("persona", "username", "url_name"), LANDINGS)
def test_login_takes_each_role_straight_to_its_work(
    request, client_for, persona, username, url_name
):
    user = request.getfixturevalue(persona)
    response = client_login(client_for(None), user)
    assert response.status_code == 302
    assert response["Location"] == reverse(url_name)


@pytest.mark.parametrize(("persona", "username", "url_name"), LANDINGS)
def test_home_sends_each_role_to_its_landing_page_which_opens(
    request, client_for, persona, username, url_name
):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(url_name)
    assert client.get(response["Location"]).status_code == 200


def test_login_still_honours_the_page_the_user_was_sent_from(client_for, operator):
    # The page waits through the second factor.
    response = client_login(client_for(None), operator, next_path="/search/")
    assert response["Location"] == "/search/"


def test_a_user_without_a_role_is_told_so(client_for, outsider):
    response = client_for(outsider).get(reverse("home"))
    assert response.status_code == 403
    assert "利用できる機能がありません" in response.content.decode()
