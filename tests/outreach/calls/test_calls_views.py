"""The call screen over HTTP: no amounts before the server has recorded the identity
check, a save opens the next payer, the idle screen's day, and purpose-bound access to
other payers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from saikoku.core.models import AuditEntry
from saikoku.core.phones import parse_phone
from saikoku.outreach.models import Callback, CallListEntry, ContactRecord, Promise, Team
from saikoku.people.models import Phone
from support.calls import AOKI, ETO, ISHII, NOW, UEDA, build_list
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
    # The outcomes that need identity are shown with their key, and disabled.
    assert re.search(r'value="promise_to_pay" data-key="5"[^>]* disabled', page)
    assert not re.search(r'value="contacted_other_party"[^>]* disabled', page)
    # A hidden field or a query string cannot unlock the amounts.
    assert "¥" not in op_client.get(reverse("call_screen") + "?verified=1").content.decode()
    assert op_client.post(reverse("call_identity"), {"name": "on"}).status_code == 400
    op_client.post(reverse("call_identity"), {"name": "on", "birth_date": "on"})
    page = op_client.get(reverse("call_screen")).content.decode()
    assert "¥120,000" in page
    assert re.search(r'value="promise_to_pay" data-key="5"[^>]*>', page)
    assert not re.search(r'value="promise_to_pay"[^>]* disabled', page)


def _h1(page: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1]


@time_machine.travel(NOW, tick=False)
def test_a_saved_promise_opens_the_next_payer_at_once(op_client, calls_payers):
    op_client.post(reverse("call_next"))
    op_client.post(reverse("call_identity"), {"name": "on", "address": "on"})
    response = op_client.post(
        reverse("call_record"),
        {"outcome": "promise_to_pay", "promise_on": "+7", "promise_amount": "60,000"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("call_screen"), 302)]
    promise = Promise.objects.get(payer_id=calls_payers[AOKI])
    assert str(promise.promised_on) == "2025-11-12" and promise.amount == 60000
    page = response.content.decode()
    # The next payer is on the screen, locked, identity not yet confirmed; no N needed.
    assert "記録しました" in page and "data-outcome-form" in page
    assert "青木" not in _h1(page) and "¥" not in page
    locked = CallListEntry.objects.get(locked_by__username="op")
    assert locked.payer_id != calls_payers[AOKI]


@time_machine.travel(NOW, tick=False)
def test_the_last_save_of_the_day_lands_on_the_idle_screen_saying_so(op_client, calls_payers):
    CallListEntry.objects.exclude(payer_id=calls_payers[AOKI]).update(status="done")
    op_client.post(reverse("call_next"))
    response = op_client.post(reverse("call_record"), {"outcome": "refused"}, follow=True)
    page = response.content.decode()
    assert "記録しました。" in page and "いま架電できる対象はありません。" in page
    assert "data-next" in page and "data-outcome-form" not in page


@time_machine.travel(NOW, tick=False)
def test_every_outcome_shows_the_same_key_before_and_after_identity(op_client):
    from saikoku.outreach.outcomes import OUTCOMES

    op_client.post(reverse("call_next"))

    def keys(page: str) -> dict[str, str]:
        found = dict(re.findall(r'value="([a-z_]+)" data-key="(.)"', page))
        shown = dict(re.findall(r'for="outcome-([a-z_]+)"><kbd>(.)</kbd>', page))
        assert {code: key.upper() for code, key in found.items()} == shown
        return found

    before = keys(op_client.get(reverse("call_screen")).content.decode())
    op_client.post(reverse("call_identity"), {"name": "on", "birth_date": "on"})
    after = keys(op_client.get(reverse("call_screen")).content.decode())
    assert before == after == {code: o.key for code, o in OUTCOMES.items()}
    assert len(set(after.values())) == len(OUTCOMES)


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
# The save then claims the next payer in the same request (the operator's loop): the
# 16 of the save (20 and 19 before the session save), then the claim's 11 (the claim
# of NEXT_QUERIES without the session, the user and the rules row, read once).
SAVE_QUERIES = {"postgresql": 28, "sqlite": 27}


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


@time_machine.travel(NOW, tick=False)
def test_idle_screen_shows_todays_callbacks_and_the_operators_list_progress(
    op_client, calls_payers
):
    op = get_user_model().objects.get(username="op")
    team = Team.objects.create(name="第1班")
    team.members.add(op)
    mate = make_user("mate", "operator")
    team.members.add(mate)
    later = NOW + dt.timedelta(hours=8)  # 18:00 today
    Callback.objects.create(
        payer_id=calls_payers[ISHII], due_at=later, owner=op, created_by=op, created_at=NOW,
        requested_by_payer=True,
    )  # fmt: skip
    Callback.objects.create(
        payer_id=calls_payers[UEDA], due_at=NOW + dt.timedelta(hours=2), team=team,
        created_by=mate, created_at=NOW,
    )  # fmt: skip
    # Tomorrow's, and another operator's own: not on this operator's day.
    Callback.objects.create(
        payer_id=calls_payers[ETO], due_at=NOW + dt.timedelta(days=1), owner=op,
        created_by=op, created_at=NOW,
    )  # fmt: skip
    Callback.objects.create(
        payer_id=calls_payers[ETO], due_at=later, owner=mate, created_by=mate, created_at=NOW
    )
    page = op_client.get(reverse("call_screen")).content.decode()
    day = page.split("data-callbacks", 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><td[^>]*>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td></tr>", day, re.S)
    shown = [(t.strip()[-5:], re.sub(r"<[^>]+>", "", who).strip(), mine) for t, who, mine in rows]
    assert shown == [("12:00", "上田 三郎", "チーム"), ("18:00", "石井 二郎 相手方の依頼", "自分")]
    assert "江藤" not in day
    lists = page.split("data-my-lists", 1)[1].split("</section>", 1)[0]
    assert "11月 催告" in lists
    assert re.search(r'<td class="num">4</td><td class="num">0</td><td class="num">4</td>', lists)


@time_machine.travel(NOW, tick=False)
def test_the_call_screen_links_to_the_payer_page_which_opens_as_own_work(op_client, calls_payers):
    op_client.post(reverse("call_next"))
    page = op_client.get(reverse("call_screen")).content.decode()
    url = reverse("payer", args=[calls_payers[AOKI]])
    assert f'href="{url}" data-payer-page' in page
    assert "青木 一郎" in op_client.get(url).content.decode()
    entry = AuditEntry.objects.filter(action="payer_view").last()
    assert entry.detail == {"purpose": "payer_page"}  # no reason asked, not flagged


@time_machine.travel(NOW, tick=False)
def test_the_suggested_band_is_named_only_on_evidence_and_says_why(op_client, calls_payers):
    op_client.post(reverse("call_next"))
    page = op_client.get(reverse("call_screen")).content.decode()
    # Never called: a number is suggested, no time of day.
    assert "data-suggestion" in page and "data-suggested-band" not in page
    op = get_user_model().objects.get(username="op")
    evening = dt.datetime(2025, 10, 1, 18, 30, tzinfo=NOW.tzinfo)
    for day, party in enumerate(["self", "none", "self", "none", "self"]):
        ContactRecord.objects.create(
            payer_id=calls_payers[AOKI], at=evening - dt.timedelta(days=day),
            channel="outbound_call", operator=op, party=party, outcome="no_answer",
        )  # fmt: skip
    page = op_client.get(reverse("call_screen")).content.decode()
    band = re.search(r"data-suggested-band>(.*?)</span>", page)[1]
    assert band == "17:00〜19:00 に本人につながりやすい（この時間帯の架電 5回中 3回）"


@time_machine.travel(NOW, tick=False)
def test_the_reason_prompt_focuses_the_first_option_and_enter_without_one_says_what_to_do(
    calls_payers,
):
    client = verified_client(make_user("op", "operator"))
    url = reverse("payer", args=[calls_payers[ISHII]])
    form = client.get(url).content.decode()
    first = re.search(r'<input type="radio" name="purpose"[^>]*>', form)[0]
    assert 'data-key="1"' in first and "autofocus" in first
    assert "<kbd>4</kbd>" in form
    # What Enter sends with nothing chosen: the empty reason before the radios.
    page = client.get(url + "?purpose=").content.decode()
    assert (
        "閲覧の理由を選んでください。数字キー（1〜4）か矢印キーで選び、Enter で開きます。" in page
    )
    assert "石井" not in page
    # A choice comes after the empty one and wins.
    assert "石井 二郎" in client.get(url + "?purpose=&purpose=mail_or_visit").content.decode()


def _phones_of(payer_id: int, *written: str) -> None:
    Phone.objects.filter(resident_id=payer_id).delete()
    for position, text in enumerate(written, start=1):
        info = parse_phone(text)
        Phone.objects.create(
            resident_id=payer_id, position=position, raw=info.raw, e164=info.e164,
            digits=info.digits, kind=info.kind, is_valid=info.is_valid,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("phones", "hour", "said"),
    [
        (("0333330001", "09011112222"), 18, "履歴なし: 夕方以降は携帯を優先"),
        (("0333330001",), 18, "履歴なし: 区のデータの順"),  # no mobile to prefer
        (("0333330001", "09011112222"), 10, "履歴なし: 区のデータの順"),  # daytime
    ],
)
def test_without_history_the_suggestion_says_why_that_number_comes_first(
    op_client, calls_payers, phones, hour, said
):
    _phones_of(calls_payers[AOKI], *phones)
    at = NOW.replace(hour=hour, minute=0)
    with time_machine.travel(at, tick=False):
        op_client.post(reverse("call_next"))
        page = op_client.get(reverse("call_screen")).content.decode()
    suggestion = page.split("data-suggestion", 1)[1].split("</p>", 1)[0]
    assert said in suggestion
    # The number is shown as written in Japan, whatever form the ward used.
    first = "090-1111-2222" if said.endswith("携帯を優先") else "03-3333-0001"
    assert first in suggestion
