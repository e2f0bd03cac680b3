"""The supervisor's call list pages, by URL and persona."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from saikoku.core.models import AuditEntry
from saikoku.outreach.lists.services import call_list_build
from saikoku.outreach.models import WORKABLE, CallList, CallListEntry, ContactApproval
from support.lists_package import CAUTION, NOW, PLAIN
from support.personas import verified_client


def client_for(user) -> Client:
    client = Client()
    verified_client(user, client)
    return client


@pytest.fixture
def call_list(ids, supervisor) -> CallList:
    return call_list_build(actor=supervisor, name="11月 初回", filters={}, now=NOW)


def urls(call_list: CallList) -> list[str]:
    entry = CallListEntry.objects.filter(call_list=call_list, status="excluded").first()
    return [
        reverse("call_list_index"),
        reverse("call_list_new"),
        reverse("call_list_detail", args=[call_list.pk]),
        reverse("contact_approve", args=[call_list.pk, entry.pk]),
    ]


@pytest.mark.parametrize("persona", ["operator", "ward_staff_tax", "auditor", "outsider"])
def test_other_roles_are_refused_every_list_page(request, call_list, persona):
    client = client_for(request.getfixturevalue(persona))
    for url in urls(call_list):
        assert client.get(url).status_code == 403, url
    assign = reverse("call_list_assign", args=[call_list.pk])
    assert client.post(assign, {"count": 1}).status_code == 403


def test_anonymous_is_sent_to_login(call_list):
    response = Client().get(reverse("call_list_index"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["supervisor", "ward_admin"])
def test_supervisor_and_ward_admin_see_index_builder_and_detail(request, call_list, persona):
    client = client_for(request.getfixturevalue(persona))
    index = client.get(reverse("call_list_index"))
    assert index.status_code == 200
    assert "11月 初回" in index.content.decode()
    assert client.get(reverse("call_list_new")).status_code == 200
    detail = client.get(reverse("call_list_detail", args=[call_list.pk]), {"status": "all"})
    body = detail.content.decode()
    assert body.count("<h1>") == 1
    assert "処理注意者" in body.split("<h2>明細</h2>")[1]  # the caution-flagged payer's reason
    assert "納期限後まもない" in body  # the parts of the priority
    assert 'href="/lists/"' in body  # the navigation link


def _entry_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-entry="(\d+)"', html)}


def test_the_detail_opens_on_the_entries_still_to_be_called(call_list, supervisor):
    client = client_for(supervisor)
    url = reverse("call_list_detail", args=[call_list.pk])
    entries = CallListEntry.objects.filter(call_list=call_list)
    callable_ids = set(entries.filter(status__in=WORKABLE).values_list("pk", flat=True))
    excluded_ids = set(entries.filter(status="excluded").values_list("pk", flat=True))
    assert callable_ids and excluded_ids
    opened = client.get(url).content.decode()
    assert _entry_ids(opened) == callable_ids
    assert '<option value="callable" selected>架電対象（未架電・再架電待ち）</option>' in opened
    assert _entry_ids(client.get(url, {"status": "excluded"}).content.decode()) == excluded_ids
    everything = client.get(url, {"status": "all"}).content.decode()
    assert _entry_ids(everything) == callable_ids | excluded_ids
    # A forged status says so in Japanese and still shows the callable entries.
    forged = client.get(url, {"status": "deleted"}).content.decode()
    assert "正しく選択してください" in forged
    assert _entry_ids(forged) == callable_ids


def test_the_assign_dropdowns_prompt_in_japanese(call_list, supervisor):
    html = client_for(supervisor).get(reverse("call_list_detail", args=[call_list.pk]))
    html = html.content.decode()
    assert "---------" not in html
    assert html.count('<option value="" selected>選択してください</option>') == 2


def test_htmx_refresh_returns_only_the_live_counts(ids, supervisor):
    client = client_for(supervisor)
    response = client.get(reverse("call_list_new"), {"levies": "NH"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>" not in body
    assert "data-matched>1<" in body


def test_saving_builds_the_list_and_shows_it(ids, supervisor):
    client = client_for(supervisor)
    response = client.post(reverse("call_list_new"), {"name": "国保のみ", "levies": "NH"})
    call_list = CallList.objects.get(name="国保のみ")
    assert response.status_code == 302
    assert response["Location"] == reverse("call_list_detail", args=[call_list.pk])
    assert call_list.filters == {"levies": ["NH"]}
    assert AuditEntry.objects.filter(action="call_list_build").count() == 1


def test_saving_without_a_name_says_so_in_japanese(ids, supervisor):
    response = client_for(supervisor).post(reverse("call_list_new"), {"levies": "NH"})
    assert "リスト名を入力してください。" in response.content.decode()
    assert not CallList.objects.exists()


def test_assign_form_gives_the_top_entries_to_an_operator(call_list, supervisor, operator):
    client = client_for(supervisor)
    url = reverse("call_list_assign", args=[call_list.pk])
    response = client.post(url, {"operator": operator.pk, "count": 3})
    assert response.status_code == 302
    assert CallListEntry.objects.filter(call_list=call_list, assigned_to=operator).count() == 3
    refused = client.post(url, {"count": 3})
    assert refused.status_code == 400
    assert "どちらか一方" in refused.content.decode()


def test_ward_admin_approves_contact_only_with_a_reason(call_list, ids, ward_admin):
    entry = CallListEntry.objects.get(call_list=call_list, payer_id=ids[CAUTION])
    url = reverse("contact_approve", args=[call_list.pk, entry.pk])
    client = client_for(ward_admin)
    missing = client.post(url, {"rule": "caution", "reason": "  "})
    assert missing.status_code == 400
    assert "承認理由を入力してください。" in missing.content.decode()
    assert not ContactApproval.objects.exists()
    done = client.post(url, {"rule": "caution", "reason": "区の担当課と協議済み"})
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "pending"
    assert AuditEntry.objects.filter(action="contact_approval").count() == 1


def test_supervisor_cannot_approve_contact(call_list, ids, supervisor):
    entry = CallListEntry.objects.get(call_list=call_list, payer_id=ids[CAUTION])
    url = reverse("contact_approve", args=[call_list.pk, entry.pk])
    assert client_for(supervisor).post(url, {"rule": "caution", "reason": "x"}).status_code == 403
    assert not ContactApproval.objects.exists()


def test_pending_entry_cannot_be_approved(call_list, ids, ward_admin):
    entry = CallListEntry.objects.get(call_list=call_list, payer_id=ids[PLAIN])
    url = reverse("contact_approve", args=[call_list.pk, entry.pk])
    assert client_for(ward_admin).get(url).status_code == 404


def test_detail_page_reads_a_fixed_number_of_queries(
    call_list, supervisor, django_assert_max_num_queries
):
    client = client_for(supervisor)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("call_list_detail", args=[call_list.pk])).status_code == 200


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("ward_admin", True), ("supervisor", False), ("operator", False), ("auditor", False)],
)
def test_contact_rules_and_teams_are_edited_by_the_ward_admin_only(request, persona, allowed):
    from django.contrib import admin
    from django.test import RequestFactory

    from saikoku.outreach.models import ContactSettings, Team

    user = request.getfixturevalue(persona)
    http = RequestFactory().get("/admin/")
    http.user = user
    for model in (ContactSettings, Team):
        model_admin = admin.site._registry[model]
        assert model_admin.has_module_permission(http) is allowed
        assert model_admin.has_change_permission(http) is allowed
    assert admin.site._registry[ContactSettings].has_delete_permission(http) is False
