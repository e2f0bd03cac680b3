"""Correcting a contact record from the payer page: who may, what the page shows after,
and that the original stays as it was."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from saikoku.core.models import AuditEntry
from saikoku.outreach.models import ContactRecord
from support.calls import AOKI, NOW, record_contact
from support.personas import make_user, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(calls_payers):
    return {
        "writer": make_user("writer", "operator"),
        "other": make_user("other", "operator"),
        "sv": make_user("sv", "supervisor"),
        "admin": make_user("admin", "ward_admin"),
        "tax": make_user("tax", "ward_staff", "tax"),
    }


@pytest.fixture
def original(people, calls_payers):
    return record_contact(
        actor=people["writer"],
        payer_id=calls_payers[AOKI],
        outcome="contacted_payer",
        identity_verified=True,
        note="制度を説明",
        now=NOW,
    )


def client_of(user) -> Client:
    client = Client()
    verified_client(user, client)
    return client


def amend_url(record) -> str:
    return reverse("contact_record_amend", args=[record.pk])


def payer_page(client, payer_id) -> str:
    # Operators outside their own work give a reason; the others open directly.
    response = client.get(reverse("payer", args=[payer_id]), {"purpose": "data_check"})
    assert response.status_code == 200
    return response.content.decode()


VALID = {
    "outcome": "promise_to_pay",
    "party": "self",
    "promise_on": "2025-11-20",
    "promise_amount": "60,000",
    "note": "20日に納付と約束",
    "reason": "結果の選び間違い",
}


@time_machine.travel(NOW, tick=False)
def test_writer_amends_and_the_original_stays_as_it_was(people, original, calls_payers):
    client = client_of(people["writer"])
    form = client.get(amend_url(original)).content.decode()
    assert "制度を説明" in form and 'value="contacted_payer" selected' in form

    response = client.post(amend_url(original), VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("payer", args=[calls_payers[AOKI]])

    original.refresh_from_db()
    assert (original.outcome, original.note, original.promise_amount) == (
        "contacted_payer",
        "制度を説明",
        None,
    )
    amendment = ContactRecord.objects.get(amends=original)
    assert amendment.outcome == "promise_to_pay" and amendment.promise_amount == 60000
    assert amendment.note == "訂正理由: 結果の選び間違い\n20日に納付と約束"
    assert amendment.operator == people["writer"]

    page = payer_page(client, calls_payers[AOKI])
    assert "訂正あり" in page  # on the original, still listed
    assert "制度を説明" in page and "20日に納付と約束" in page
    entry = AuditEntry.objects.get(action="contact_record_amend")
    assert entry.object_id == str(amendment.pk) and entry.detail["amends"] == original.pk
    assert entry.username == "writer"


@time_machine.travel(NOW, tick=False)
def test_another_operator_can_neither_see_the_link_nor_open_the_screen(
    people, original, calls_payers
):
    client = client_of(people["other"])
    assert f'href="{amend_url(original)}"' not in payer_page(client, calls_payers[AOKI])
    assert client.get(amend_url(original)).status_code == 404
    assert client.post(amend_url(original), VALID).status_code == 404
    assert not ContactRecord.objects.filter(amends=original).exists()
    assert not AuditEntry.objects.filter(action="contact_record_amend").exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("who", ["sv", "admin"])
def test_supervisor_and_ward_admin_may_amend_anyone_s_record(people, original, calls_payers, who):
    client = client_of(people[who])
    assert f'href="{amend_url(original)}"' in payer_page(client, calls_payers[AOKI])
    response = client.post(
        amend_url(original),
        {**VALID, "promise_on": "", "promise_amount": "", "outcome": "contacted_payer"},
    )
    assert response.status_code == 302
    amendment = ContactRecord.objects.get(amends=original)
    assert amendment.operator == people[who] and amendment.note.startswith("訂正理由")


@time_machine.travel(NOW, tick=False)
def test_ward_staff_see_the_history_but_may_not_amend(people, original, calls_payers):
    client = client_of(people["tax"])
    page = payer_page(client, calls_payers[AOKI])
    assert "制度を説明" in page
    assert amend_url(original) not in page
    assert client.get(amend_url(original)).status_code == 403
    assert client.post(amend_url(original), VALID).status_code == 403
    assert not ContactRecord.objects.filter(amends=original).exists()


@time_machine.travel(NOW, tick=False)
def test_invalid_input_is_explained_in_japanese_next_to_the_field(people, original):
    client = client_of(people["writer"])
    response = client.post(amend_url(original), {**VALID, "reason": "", "promise_on": "あした"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "訂正の理由を入力してください。" in html
    assert "日付として読めません。" in html
    # A promise dated before the call is refused by the rules, shown at the date.
    response = client.post(amend_url(original), {**VALID, "promise_on": "2025-11-01"})
    assert response.status_code == 400
    assert "約束日は今日以降の日付を入力してください。" in response.content.decode()
    assert not ContactRecord.objects.filter(amends=original).exists()


@time_machine.travel(NOW, tick=False)
def test_identity_cannot_be_added_when_correcting_an_unverified_call(people, calls_payers):
    record = record_contact(
        actor=people["writer"],
        payer_id=calls_payers[AOKI],
        outcome="contacted_other_party",
        party="family",
        now=NOW,
    )
    client = client_of(people["writer"])
    form = client.get(amend_url(record)).content.decode()
    assert 'value="promise_to_pay"' not in form and 'value="self"' not in form
    response = client.post(amend_url(record), {**VALID, "outcome": "promise_to_pay"})
    assert response.status_code == 400
    assert not ContactRecord.objects.filter(amends=record).exists()


@time_machine.travel(NOW, tick=False)
def test_the_form_starts_in_the_console_s_formats_and_the_call_screen_s_order(people, calls_payers):
    record = record_contact(
        actor=people["writer"],
        payer_id=calls_payers[AOKI],
        outcome="promise_to_pay",
        identity_verified=True,
        promise_on=dt.date(2026, 12, 9),
        promise_amount=143400,
        now=NOW,
    )
    client = client_of(people["writer"])
    form = client.get(amend_url(record)).content.decode()
    assert 'value="令和8年12月9日 (2026)"' in form and 'value="¥143,400"' in form
    assert "2026-12-09" not in form and 'value="143400"' not in form
    names = re.findall(r'name="(outcome|party|promise_on|promise_amount|note|reason)"', form)
    assert names == ["outcome", "party", "promise_on", "promise_amount", "note", "reason"]
    assert re.search(r'<textarea name="note" cols="60" rows="2"', form)
    # The starting values are read back as they are shown (and ISO, and +7, too).
    shown = {"outcome": "promise_to_pay", "party": "self", "promise_on": "令和8年12月9日 (2026)",
             "promise_amount": "¥143,400", "note": "", "reason": "金額の確認"}  # fmt: skip
    assert client.post(amend_url(record), shown).status_code == 302
    amendment = ContactRecord.objects.get(amends=record)
    assert (amendment.promise_on, amendment.promise_amount) == (dt.date(2026, 12, 9), 143400)


@time_machine.travel(NOW, tick=False)
def test_a_shown_date_whose_western_year_disagrees_is_refused(people, calls_payers, original):
    client = client_of(people["writer"])
    response = client.post(amend_url(original), {**VALID, "promise_on": "令和7年11月20日 (2026)"})
    assert response.status_code == 400
    assert "日付として読めません。" in response.content.decode()
