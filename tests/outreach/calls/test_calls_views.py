"""The call screen over HTTP: no amounts before the server has recorded the identity
check, a save returns to Next, and purpose-bound access to other payers."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from saikoku.core.models import AuditEntry
from saikoku.outreach.models import CallListEntry, ContactRecord, Promise
from support.calls import AOKI, ISHII, NOW, build_list
from support.personas import make_user, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def op_client(calls_payers):
    sv = make_user("sv", "supervisor")
    op = make_user("op", "operator")
    build_list(sv, operator=op)
    CallListEntry.objects.filter(payer_id=calls_payers[AOKI]).update(priority=999)
    client = Client()
    verified_client(op, client)
    return client


@time_machine.travel(NOW, tick=False)
def test_screen_shows_no_amount_until_identity_is_confirmed_on_the_server(op_client):
    idle = op_client.get(reverse("call_screen"))
    assert "次へ" in idle.content.decode() and "<kbd>N</kbd>" in idle.content.decode()
    op_client.post(reverse("call_next"))
    page = op_client.get(reverse("call_screen")).content.decode()
    assert "青木 一郎" in page
    assert "¥" not in page
    assert 'value="promise_to_pay"' not in page  # only the outcomes that need no identity
    assert 'value="contacted_other_party"' in page
    # A hidden field or a query string cannot unlock the amounts.
    assert "¥" not in op_client.get(reverse("call_screen") + "?verified=1").content.decode()
    assert op_client.post(reverse("call_identity"), {"name": "on"}).status_code == 400
    op_client.post(reverse("call_identity"), {"name": "on", "birth_date": "on"})
    page = op_client.get(reverse("call_screen")).content.decode()
    assert "¥120,000" in page
    assert 'value="promise_to_pay"' in page


@time_machine.travel(NOW, tick=False)
def test_promise_saved_from_the_screen_returns_to_next(op_client, calls_payers):
    op_client.post(reverse("call_next"))
    op_client.post(reverse("call_identity"), {"name": "on", "address": "on"})
    response = op_client.post(
        reverse("call_record"),
        {"outcome": "promise_to_pay", "promise_on": "+7", "promise_amount": "60,000"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("call_screen")
    promise = Promise.objects.get(payer_id=calls_payers[AOKI])
    assert str(promise.promised_on) == "2025-11-12" and promise.amount == 60000
    idle = op_client.get(reverse("call_screen")).content.decode()
    assert "data-next" in idle and "記録しました" in idle


@time_machine.travel(NOW, tick=False)
def test_a_forged_promise_without_identity_is_refused_in_japanese(op_client):
    op_client.post(reverse("call_next"))
    response = op_client.post(
        reverse("call_record"),
        {"outcome": "promise_to_pay", "promise_on": "令和7年11月20日", "promise_amount": "5000"},
    )
    assert response.status_code == 400
    assert "本人確認" in response.content.decode()
    assert not ContactRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_ward_staff_cannot_use_the_call_screen(calls_payers):
    client = Client()
    verified_client(make_user("tax", "ward_staff", "tax"), client)
    assert client.get(reverse("call_screen")).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_operator_opening_a_payer_outside_their_work_gives_a_reason_and_is_flagged(
    calls_payers,
):
    op = make_user("op", "operator")
    client = Client()
    verified_client(op, client)
    url = reverse("payer", args=[calls_payers[ISHII]])
    form = client.get(url).content.decode()
    assert "閲覧の理由" in form and "石井" not in form
    assert not AuditEntry.objects.filter(action="payer_view").exists()
    page = client.get(url, {"purpose": "inbound_call"}).content.decode()
    assert "石井 二郎" in page
    entry = AuditEntry.objects.filter(action="payer_view").last()
    assert entry.detail == {"purpose": "inbound_call", "flagged": True}


@time_machine.travel(NOW, tick=False)
def test_operator_opening_a_payer_on_their_list_needs_no_reason(op_client, calls_payers):
    page = op_client.get(reverse("payer", args=[calls_payers[AOKI]])).content.decode()
    assert "青木 一郎" in page
    entry = AuditEntry.objects.filter(action="payer_view").last()
    assert entry.detail == {"purpose": "payer_page"}


# What "Next" costs in queries, pinned: the operator waits for the claim (POST) and the
# screen (GET) after every call. Both include the session and the user; the session row
# is no longer written on every request (core.middleware.SlidingSessionMiddleware: 3
# fewer statements each, counting the test's savepoint). PostgreSQL adds the audit
# chain's advisory lock to the screen (the payer_view entry) and to the save (the
# contact_record entry).
# Claim, 23 before: rules row, current lock, 2 sources, eligibility 2 (the bills, then
# every other rule in one query: 6 fewer), contact rules,
# claim 2, the durable transaction's savepoint in the test (2).
NEXT_QUERIES = 14
SCREEN_QUERIES = {"postgresql": 16, "sqlite": 15}  # 19 and 18 before: the session save
SAVE_QUERIES = {"postgresql": 17, "sqlite": 16}  # 20 and 19 before: the session save


@time_machine.travel(NOW, tick=False)
def test_next_and_its_screen_read_a_fixed_number_of_queries_and_no_bills(
    op_client, calls_payers, django_assert_num_queries
):
    # A long history does not make the screen read more: it shows the latest only.
    op = get_user_model().objects.get(username="op")
    for day in range(12):
        ContactRecord.objects.create(
            payer_id=calls_payers[AOKI],
            at=NOW - dt.timedelta(days=30 + day),
            channel="outbound_call",
            operator=op,
            party="none",
            outcome="no_answer",
        )
    # The first request after the login stamps the session (its expiry starts sliding).
    op_client.get(reverse("call_screen"))
    with django_assert_num_queries(NEXT_QUERIES):
        op_client.post(reverse("call_next"))
    with CaptureQueriesContext(connection) as screen:
        page = op_client.get(reverse("call_screen")).content.decode()
    timeline = page.split('class="timeline', 1)[1].split("</ol>", 1)[0]
    assert "青木 一郎" in page and timeline.count("不在（応答なし）") == 8
    assert len(screen) == SCREEN_QUERIES[connection.vendor]
    # Identity not confirmed: no amount is shown, so none is even read.
    assert not [q["sql"] for q in screen.captured_queries if "arrears_bill" in q["sql"]]
    with django_assert_num_queries(SAVE_QUERIES[connection.vendor]):
        op_client.post(reverse("call_record"), {"outcome": "no_answer"})
    assert ContactRecord.objects.filter(payer_id=calls_payers[AOKI]).count() == 13


@time_machine.travel(dt.datetime(2025, 11, 8, 20, 30, tzinfo=dt.UTC), tick=False)
def test_next_outside_the_contact_hours_says_when_calling_opens(op_client):
    # 2025-11-09 05:30 in Tokyo, a Sunday: the next window is Monday 09:00.
    response = op_client.post(reverse("call_next"), follow=True)
    text = response.content.decode()
    assert "連絡可能時間外です。令和7年11月10日（月）09:00 から架電できます。" in text
    assert not CallListEntry.objects.filter(locked_by__isnull=False).exists()
