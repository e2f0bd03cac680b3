"""Page conventions every screen keeps: one <h1>, a lang attribute that follows the
language switch, never cached, the login page, and the audit log viewer."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from saikoku.core.models import AuditEntry
from support.console_package import TAKAHASHI
from support.personas import client_login


def pages_for(payers):
    return [
        ("operator", reverse("search")),
        ("operator", reverse("search") + "?q=たかはし"),
        ("operator", reverse("search") + "?q=該当なし"),
        ("operator", reverse("payer", args=[payers[TAKAHASHI]])),
        ("auditor", reverse("audit_log")),
        ("ward_admin", reverse("audit_log") + "?action=search"),
        ("outsider", reverse("home")),
        (None, reverse("login")),
        ("ward_admin", reverse("overview")),
        # The error pages: a payer outside the department, a page the role may not use,
        # a page nobody has (logged in and not).
        ("ward_staff_nhi", reverse("payer", args=[payers[TAKAHASHI]])),
        ("auditor", reverse("search")),
        ("operator", "/no-such-page/"),
        (None, "/no-such-page/"),
    ]


def test_every_page_has_one_h1_a_lang_attribute_and_no_store(request, client_for, payers):
    for persona, url in pages_for(payers):
        user = request.getfixturevalue(persona) if persona else None
        response = client_for(user).get(url)
        html = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, url
        assert '<html lang="ja">' in html, url
        assert "no-store" in response["Cache-Control"], url
        assert "style=" not in html and "onclick" not in html, url


def test_language_switch_turns_the_console_english(client_for, operator, payers):
    client = client_for(operator)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("search")})
    html = client.get(reverse("search")).content.decode()
    assert '<html lang="en">' in html
    assert "Search payers" in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def test_a_browser_set_to_english_still_gets_japanese(client_for, operator):
    html = (
        client_for(operator)
        .get(reverse("search"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        .content.decode()
    )
    assert '<html lang="ja">' in html


def test_login_page_logs_in_and_reports_a_wrong_password_in_japanese(client_for, operator):
    client = client_for(None)
    wrong = client.post(reverse("login"), {"username": "op1", "password": "wrong"})
    assert wrong.status_code == 200
    html = wrong.content.decode()
    # The field says 利用者ID, and so does the error.
    assert "利用者IDまたはパスワードが正しくありません" in html
    assert "ユーザー名" not in html
    right = client_login(client, operator)
    assert right.status_code == 302 and right["Location"] == reverse("call_screen")


def test_top_bar_names_user_role_and_department(client_for, ward_staff_tax):
    html = client_for(ward_staff_tax).get(reverse("search")).content.decode()
    assert "tax1" in html and "区職員" in html and "税務課" in html
    assert 'data-session-age="900"' in html


def test_keepalive_renews_a_session_and_refuses_anonymous(client_for, operator):
    assert client_for(operator).post(reverse("session_keepalive")).status_code == 204
    assert client_for(None).post(reverse("session_keepalive")).status_code == 401


def test_audit_log_lists_entries_filters_them_and_audits_the_viewing(
    client_for, operator, auditor, payers
):
    client_for(operator).get(reverse("search"), {"q": "たかはし"})
    client = client_for(auditor)
    html = client.get(reverse("audit_log"), {"user": "op1", "action": "search"}).content.decode()
    assert "op1" in html and "検索語</span> たかはし" in html
    assert "import" not in re.sub(r"<select.*?</select>", "", html, flags=re.S)
    viewed = AuditEntry.objects.filter(action="audit_view").latest("seq")
    assert viewed.user == auditor
    assert viewed.detail["filters"] == {"user": "op1", "action": "search"}


def test_audit_log_filter_by_date_accepts_wareki_and_explains_bad_input(
    client_for, auditor, payers
):
    client = client_for(auditor)
    ok = client.get(reverse("audit_log"), {"date_from": "令和元年5月1日"})
    assert ok.status_code == 200 and ok.context["form"].is_valid()
    bad = client.get(reverse("audit_log"), {"date_from": "きのう"})
    assert bad.status_code == 200
    assert "令和7年6月30日 の形で入力してください" in bad.content.decode()
    assert len(bad.context["page"].object_list) == 0


def test_audit_log_for_an_unknown_user_lists_nothing(client_for, auditor, payers):
    response = client_for(auditor).get(reverse("audit_log"), {"user": "nobody-at-all"})
    assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize("persona", ["auditor"])
def test_auditor_has_no_way_to_a_payer_page(request, client_for, payers, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("payer", args=[payers[TAKAHASHI]])).status_code == 403
    assert client.get(reverse("search"), {"q": TAKAHASHI}).status_code == 403
