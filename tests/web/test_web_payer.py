"""The payer page (名寄せ): banners, what is owed per levy, bills, side panels, the
audited account reveal, and what each role may read on it."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from saikoku.arrears.models import Account
from saikoku.arrears.selectors import payer_overview
from saikoku.core.models import AuditEntry
from saikoku.core.phones import parse_phone
from saikoku.people.models import Phone, Resident
from support.console_package import CAUTION_NOTE, SATO, SUZUKI, TAKAHASHI, WATANABE

TOKYO = ZoneInfo("Asia/Tokyo")


def _bookkeeping(sql: str) -> bool:
    """Savepoints and PostgreSQL's audit-chain lock: not data queries."""
    return "SAVEPOINT" in sql or "pg_advisory_xact_lock" in sql


def page_of(client, payers, resident_no: str) -> str:
    response = client.get(reverse("payer", args=[payers[resident_no]]))
    assert response.status_code == 200
    return response.content.decode()


def banners_of(html: str) -> str:
    return html[html.index('class="banners"') : html.index('class="payer-header"')]


def test_caution_banner_has_icon_and_word_and_shows_the_reason_to_ward_staff_only(
    client_for, operator, supervisor, ward_staff_tax, ward_admin, payers
):
    for user in (ward_staff_tax, ward_admin):
        banners = banners_of(page_of(client_for(user), payers, TAKAHASHI))
        assert "banner-red" in banners and "処理注意" in banners and '<svg class="icon"' in banners
        assert CAUTION_NOTE in banners
    for user in (operator, supervisor):
        html = page_of(client_for(user), payers, TAKAHASHI)
        assert "処理注意" in banners_of(html)
        assert CAUTION_NOTE not in html
        assert "区の承認が必要" in banners_of(html)


def test_public_notice_deceased_plan_and_measure_banners(client_for, operator, payers):
    client = client_for(operator)
    sato = banners_of(page_of(client, payers, SATO))
    assert "banner-amber" in sato and "公示送達中" in sato
    watanabe = banners_of(page_of(client, payers, WATANABE))
    assert "死亡" in watanabe and "令和7年3月1日 (2025)" in watanabe
    assert "徴収猶予" in watanabe and "banner-blue" in watanabe
    suzuki = banners_of(page_of(client, payers, SUZUKI))
    assert "分納誓約 履行中" in suzuki and "¥10,000" in suzuki
    assert "処理注意" not in suzuki


def test_header_strip_shows_name_kana_number_birth_date_age_address_and_role(
    client_for, operator, payers
):
    with time_machine.travel(datetime.datetime(2025, 11, 1, 10, 0, tzinfo=TOKYO)):
        html = page_of(client_for(operator), payers, SUZUKI)
    header = html[html.index('class="payer-header"') : html.index('class="payer-grid"')]
    for text in [
        "鈴木 一郎",
        "スズキ イチロウ",
        SUZUKI,
        "昭和50年4月12日 (1975)",
        "50歳",
        "東京都新宿区西新宿二丁目8-1",
        "世帯主",
    ]:
        assert text in header


def test_tax_staff_see_only_the_tax_bills_of_a_payer_who_owes_both(
    client_for, operator, ward_staff_tax, ward_staff_nhi, payers
):
    everything = page_of(client_for(operator), payers, SUZUKI)
    assert "国民健康保険料" in everything and "特別区民税" in everything
    assert "¥140,000" in everything
    tax = page_of(client_for(ward_staff_tax), payers, SUZUKI)
    assert "特別区民税" in tax and "国民健康保険料" not in tax
    assert "N25-000003" not in tax and "¥140,000" not in tax
    nhi = page_of(client_for(ward_staff_nhi), payers, SUZUKI)
    assert "国民健康保険料" in nhi and "R25-000003" not in nhi


def test_days_overdue_and_totals_as_of_today(operator, payers):
    resident = Resident.objects.get(resident_no=TAKAHASHI)
    overview = payer_overview(operator, resident, today=datetime.date(2025, 11, 1))
    (group,) = overview.groups
    assert (group.levy, group.fiscal_year) == ("RT", 2025)
    assert [(r.period, r.balance, r.days_overdue) for r in group.rows] == [
        (1, 0, 0),  # paid: never overdue
        (2, 30000, 61),  # due 2025-09-01
        (3, 20000, 1),  # due 2025-10-31
    ]
    assert group.rows[1].demand_sent_on == datetime.date(2025, 9, 19)
    (total,) = overview.totals
    assert (total.amount, total.paid, total.balance, total.overdue_bills) == (
        90000,
        40000,
        50000,
        2,
    )
    assert overview.total_balance == 50000
    before = payer_overview(operator, resident, today=datetime.date(2025, 8, 1))
    assert [r.days_overdue for r in before.groups[0].rows] == [0, 0, 0]


def test_time_bar_counts_from_the_demand_and_payments_and_warns_when_near(operator, payers):
    takahashi = Resident.objects.get(resident_no=TAKAHASHI)
    rows = payer_overview(operator, takahashi, today=datetime.date(2025, 11, 1)).groups[0].rows
    assert rows[0].time_bar_on is None  # paid: nothing can lapse
    # Demand sent 2025-09-19: the 5 years run anew from 2025-09-30 (地方税法18条の2).
    assert rows[1].time_bar_on == datetime.date(2030, 9, 29)
    # A part payment before the due date renews nothing beyond the due date itself.
    assert rows[2].time_bar_on == datetime.date(2030, 10, 31)
    assert not any(r.time_bar_near for r in rows)
    sato = Resident.objects.get(resident_no=SATO)
    later = payer_overview(operator, sato, today=datetime.date(2027, 4, 1)).groups[0].rows
    # NHI: 2 years (国民健康保険法110条), from 2025-08-31 after the demand of 2025-08-20.
    assert later[0].time_bar_on == datetime.date(2027, 8, 30)
    assert later[0].time_bar_near


def test_near_time_bar_is_marked_with_a_word_not_only_colour(client_for, operator, payers):
    with time_machine.travel(datetime.datetime(2027, 4, 1, 10, 0, tzinfo=TOKYO)):
        html = page_of(client_for(operator), payers, SATO)
    assert 'class="nowrap time-bar-near"' in html
    assert "間近" in html and "令和9年8月30日 (2027)" in html


def test_paid_periods_are_folded_away(client_for, operator, payers):
    html = page_of(client_for(operator), payers, TAKAHASHI)
    start = html.index('<details class="paid-rows"')
    folded = html[start : html.index("</details>", start)]
    assert "第1期" in folded and "第2期" not in folded
    assert "納付済みの 1 期を表示" in folded


def test_amounts_are_yen_and_right_aligned(client_for, operator, payers):
    html = page_of(client_for(operator), payers, TAKAHASHI)
    assert '<td class="num">¥30,000</td>' in html


def test_household_member_without_assessment_is_listed_by_relation_only(
    client_for, operator, payers
):
    # 鈴木 葵 is no payer: outside everyone's scope (payers_visible_to), so the page says
    # who she is to the payer, not her name, and offers no link.
    html = page_of(client_for(operator), payers, SUZUKI)
    household = html[html.index('id="household-h"') :]
    household = household[: household.index("</section>")]
    assert "鈴木 葵" not in html
    assert "<li data-member>子</li>" in household
    child_id = Resident.objects.get(resident_no="100000000004").pk
    assert reverse("payer", args=[child_id]) not in html


def test_phones_show_kind(client_for, operator, payers):
    html = page_of(client_for(operator), payers, TAKAHASHI)
    phones = html[html.index('id="phones-h"') : html.index('id="household-h"')]
    assert "090-1111-2222" in phones and "携帯" in phones
    assert "03-3333-0001" in phones and "固定" in phones


def test_a_phone_is_shown_hyphenated_whatever_form_the_ward_wrote(client_for, operator, payers):
    info = parse_phone("０３ ３３３３ ０００９")
    Phone.objects.create(
        resident_id=payers[TAKAHASHI],
        raw=info.raw,
        e164=info.e164,
        digits=info.digits,
        kind=info.kind,
        is_valid=info.is_valid,
        source="center",
    )
    html = page_of(client_for(operator), payers, TAKAHASHI)
    phones = html[html.index('id="phones-h"') : html.index('id="household-h"')]
    assert ">03-3333-0009</span>" in phones
    assert 'title="区のデータでの表記: ０３ ３３３３ ０００９"' in phones


def test_history_timeline_shows_the_ward_records(client_for, operator, payers):
    html = page_of(client_for(operator), payers, SUZUKI)
    assert "本人と通話。分納の相談を希望。" in html
    assert "令和7年7月25日 (2025) 14:10" in html


def test_opening_a_payer_page_is_audited_with_its_purpose(client_for, operator, payers):
    page_of(client_for(operator), payers, TAKAHASHI)
    entry = AuditEntry.objects.filter(action="payer_view").latest("seq")
    assert (entry.user, entry.object_type, entry.object_id) == (operator, "resident", TAKAHASHI)
    assert entry.detail == {"purpose": "payer_page"}


def test_a_refused_payer_page_writes_no_view_entry(client_for, ward_staff_nhi, payers):
    client_for(ward_staff_nhi).get(reverse("payer", args=[payers[TAKAHASHI]]))
    assert not AuditEntry.objects.filter(action="payer_view").exists()


def test_account_is_masked_until_revealed_and_the_reveal_is_audited(client_for, operator, payers):
    client = client_for(operator)
    html = page_of(client, payers, TAKAHASHI)
    assert "****567" in html and "1234567" not in html
    account = Account.objects.get(payer_id=payers[TAKAHASHI])
    url = reverse("account_reveal", args=[payers[TAKAHASHI], account.pk])
    assert f'hx-post="{url}"' in html
    fragment = client.post(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "1234567" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()  # an htmx fragment, not a page
    entry = AuditEntry.objects.filter(action="account_reveal").latest("seq")
    assert entry.user == operator and entry.object_id == str(account.pk)
    assert entry.detail == {"resident_no": TAKAHASHI, "levy": "RT"}


def test_reveal_without_htmx_is_a_whole_page(client_for, operator, payers):
    account = Account.objects.get(payer_id=payers[TAKAHASHI])
    url = reverse("account_reveal", args=[payers[TAKAHASHI], account.pk])
    html = client_for(operator).post(url).content.decode()
    assert "<html" in html and "1234567" in html


def test_accounts_of_other_departments_are_not_even_listed(client_for, ward_staff_tax, payers):
    html = page_of(client_for(ward_staff_tax), payers, TAKAHASHI)
    assert "****567" in html
    nhi_account = Account.objects.get(payer_id=payers[SATO])
    assert nhi_account.masked_account_no not in html


@pytest.mark.parametrize("resident_no", [TAKAHASHI, SUZUKI, WATANABE])
def test_payer_page_runs_a_handful_of_queries(client_for, operator, payers, resident_no):
    client = client_for(operator)
    page_of(client, payers, resident_no)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        page_of(client, payers, resident_no)
    sql = [q["sql"] for q in queries.captured_queries if not _bookkeeping(q["sql"])]
    # session, user, payer (with household), audit append (read head, insert), bills,
    # payments, late-charge rates, accounts, phones, household, plans, measures,
    # history, contact records, and the back office's tasks, returned mail and
    # inquiries (backoffice/_payer_history.html): 18 whatever the number of bills (the
    # session row is not written on every request:
    # core.middleware.SlidingSessionMiddleware). The rates are read on every page (not
    # cached in the process) so a rate a ward_admin enters is used at once by every
    # app server.
    assert len(sql) == 18, sql
