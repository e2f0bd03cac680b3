"""The call screen and the call list builder in English, for a user who switched the
console's language (the English catalogue covers the outreach screens)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from support.calls import NOW, build_list
from support.personas import make_user, verified_client

pytestmark = pytest.mark.django_db


def english_client(user) -> Client:
    client = Client()
    verified_client(user, client)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    return client


@time_machine.travel(NOW, tick=False)
def test_call_screen_speaks_english_after_the_switch(calls_payers):
    supervisor = make_user("sv", "supervisor")
    operator = make_user("op", "operator")
    build_list(supervisor, operator=operator)
    client = english_client(operator)

    client.post(reverse("call_next"))
    page = client.get(reverse("call_screen")).content.decode()
    assert '<html lang="en">' in page
    for label in (
        "Identity check",
        "Amounts are shown after the identity check.",
        "Number to call",
        "Outcome (press the key shown)",
        "No answer",
        "Voicemail (no message left)",
        "Record and next",
        "Release without recording",
    ):
        assert label in page, label
    for japanese in ("本人確認", "記録して次へ", "不在（応答なし）", "架電する番号"):
        assert japanese not in page, japanese

    # A refusal from the rules reaches the operator in English too.
    client.post(reverse("call_identity"), {"name": "on", "birth_date": "on"})
    response = client.post(
        reverse("call_record"), {"outcome": "promise_to_pay", "promise_on": "+7"}
    )
    assert response.status_code == 400
    assert "A promise to pay needs a date and an amount." in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_list_builder_speaks_english_after_the_switch(calls_payers):
    client = english_client(make_user("sv", "supervisor"))

    page = client.get(reverse("call_list_new")).content.decode()
    assert '<html lang="en">' in page
    for label in (
        "<h1>Call list creation</h1>",
        "List name",
        "Days past due (at least)",
        "Has a valid phone number",
        "Counts (not saved yet)",
        "Payers matching",
        "Save with these filters",
    ):
        assert label in page, label
    for japanese in ("リスト名", "納期限経過日数", "この条件で保存"):
        assert japanese not in page, japanese

    response = client.post(reverse("call_list_new"), {"name": ""})
    assert "Enter a list name." in response.content.decode()
