"""The payer page's "if paid on …" panel: principal, late charge and total per bill, per
levy and overall, the same to the yen as `saikoku late-charge`; the htmx fragment;
the date field's errors; the warning that a late charge is not final."""

from __future__ import annotations

import datetime
import json
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from saikoku.arrears.late_charge import Payment, compute_late_charge
from saikoku.arrears.models import Bill
from saikoku.arrears.rates import current_rate_table
from saikoku.arrears.selectors import payer_overview
from saikoku.core.models import AuditEntry
from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.owed_package import KOBAYASHI, NAKAMURA, build_owed_package

TOKYO = ZoneInfo("Asia/Tokyo")
WARNING = "延滞金は本税完納時に確定します"


@pytest.fixture(scope="session")
def owed_package_path(tmp_path_factory):
    return build_owed_package(tmp_path_factory.mktemp("packages") / "owed.zip")


@pytest.fixture
def owed_payers(db, owed_package_path) -> dict[str, int]:
    result = package_import(path=owed_package_path, password=None, handler="test")
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))


def bill_id(levy: str, period: int, resident_no: str = NAKAMURA) -> int:
    return Bill.objects.get(payer__resident_no=resident_no, levy=levy, period=period).pk


def owed_html(client, payers, resident_no: str = NAKAMURA, *, on: str | None = None, **headers):
    url = reverse("payer", args=[payers[resident_no]])
    response = client.get(url, {"on": on} if on is not None else {}, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _yen(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def row_of(html: str, bill: int) -> dict[str, int]:
    """The principal, late charge and total the page shows for one bill."""
    row = re.search(rf'<tr data-bill="{bill}">(.*?)</tr>', html, re.S)
    assert row is not None, f"bill {bill} is not listed"
    cells = dict(re.findall(r"data-(principal|late-charge|total)>(¥[\d,]+)", row.group(1)))
    return {name: _yen(value) for name, value in cells.items()}


def totals_of(html: str) -> dict[str, int]:
    cells = re.findall(
        r"data-owed-(overdue|late-charge|overdue-total|not-due|total)>(¥[\d,]+)<", html
    )
    return {name: _yen(value) for name, value in cells}


def form_of(html: str) -> str:
    start = html.index('<form class="owed-on"')
    return html[start : html.index("</form>", start)]


def cli(*args: str) -> dict:
    out = StringIO()
    call_command("late_charge", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("levy", "period", "resident_no", "cli_args"),
    [
        # Part paid after the due date: the paid part accrues up to its payment day.
        ("RT", 1, NAKAMURA, ["--amount", "123456", "--due", "2025-06-30",
                             "--payment", "2025-09-10:50000"]),
        # Paid in full late: the late charge is final and still owed.
        ("RT", 2, NAKAMURA, ["--amount", "200000", "--due", "2025-09-01",
                             "--payment", "2025-10-20:200000"]),
        # Due on Saturday 2025-05-31: the law's due date is Monday 2 June.
        ("LV", 1, NAKAMURA, ["--amount", "10800", "--due", "2025-06-02"]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("on", ["2025-11-01", "2026-01-15", "2026-06-30"])
def test_the_payer_page_and_the_cli_agree_to_the_yen(
    client_for, operator, owed_payers, levy, period, resident_no, cli_args, on
):
    html = owed_html(client_for(operator), owed_payers, resident_no, on=on)
    expected = cli("--levy", levy, "--on", on, *cli_args)
    shown = row_of(html, bill_id(levy, period, resident_no))
    assert shown == {
        "principal": expected["principal"],
        "late-charge": expected["late_charge"],
        "total": expected["total"],
    }


def test_the_worked_numbers_of_one_bill(client_for, operator, owed_payers):
    # 200,000 yen due 2025-09-01, paid 2025-10-20: 9/2–10/1 30 days at 2.4% = 394.52,
    # 10/2–10/20 19 days at 8.7% = 905.75; 394 + 905 = 1,299 → 1,200 yen.
    html = owed_html(client_for(operator), owed_payers, on="2026-01-15")
    assert row_of(html, bill_id("RT", 2)) == {"principal": 0, "late-charge": 1200, "total": 1200}
    row = re.search(rf'<tr data-bill="{bill_id("RT", 2)}">(.*?)</tr>', html, re.S).group(1)
    assert "2025-09-02〜2025-10-01 30日 2.4% ¥200,000 → ¥394" in row
    assert "2025-10-02〜2025-10-20 19日 8.7% ¥200,000 → ¥905" in row
    assert "計 ¥1,299 → 延滞金 ¥1,200（100円未満切捨て）" in row
    assert "未確定" not in row  # paid in full: final


def test_totals_per_levy_and_overall_add_up_the_bills(client_for, operator, owed_payers):
    html = owed_html(client_for(operator), owed_payers, on="2026-03-31")
    bills = [row_of(html, bill_id("RT", p)) for p in (1, 2, 4)] + [row_of(html, bill_id("LV", 1))]
    totals = totals_of(html)
    # Every bill is past its due date on 2026-03-31: all of it is overdue (滞納額).
    assert totals["overdue"] == sum(b["principal"] for b in bills) == 73456 + 70000 + 10800
    assert totals["not-due"] == 0
    assert totals["late-charge"] == sum(b["late-charge"] for b in bills)
    assert totals["overdue-total"] == totals["overdue"] + totals["late-charge"]
    assert totals["total"] == totals["overdue-total"] + totals["not-due"]
    levy_rt = re.search(r'<tr data-levy="RT">(.*?)</tr>', html, re.S).group(1)
    rt = [_yen(v) for v in re.findall(r"¥[\d,]+", levy_rt)]
    principal, charge = (
        sum(b["principal"] for b in bills[:3]),
        sum(b["late-charge"] for b in bills[:3]),
    )
    assert rt == [principal, charge, principal + charge, 0, principal + charge]


def test_an_instalment_not_yet_due_is_shown_apart_from_the_arrears(
    client_for, operator, owed_payers
):
    # On 2026-01-15 RT 第4期 (70,000 yen left, due 2026-02-02) is not yet due (未到来):
    # it is no arrear and carries no late charge, but the total owed still holds it.
    html = owed_html(client_for(operator), owed_payers, on="2026-01-15")
    totals = totals_of(html)
    assert totals["overdue"] == 73456 + 10800
    assert totals["not-due"] == 70000
    assert totals["total"] == totals["overdue"] + totals["late-charge"] + 70000
    fourth = re.search(rf'<tr data-bill="{bill_id("RT", 4)}">(.*?)</tr>', html, re.S).group(1)
    assert "data-not-due" in fourth and "未到来" in fourth
    assert row_of(html, bill_id("RT", 4))["late-charge"] == 0
    first = re.search(rf'<tr data-bill="{bill_id("RT", 1)}">(.*?)</tr>', html, re.S).group(1)
    assert "data-not-due" not in first
    levy_rt = re.search(r'<tr data-levy="RT">(.*?)</tr>', html, re.S).group(1)
    assert next(_yen(v) for v in re.findall(r"¥[\d,]+", levy_rt)) == 73456


def test_the_bills_show_what_is_overdue_and_what_is_not_yet_due(client_for, operator, owed_payers):
    with time_machine.travel(datetime.datetime(2026, 1, 15, 10, 0, tzinfo=TOKYO)):
        html = owed_html(client_for(operator), owed_payers)
    header = re.search(r'<span class="group-balance">(.*?)</span></h3>', html, re.S).group(1)
    assert "滞納額" in header and "未到来" in header
    assert re.search(r"data-group-overdue>¥73,456<", header)
    assert re.search(r"data-group-not-due>¥70,000<", header)
    bills = html[html.index("期別の明細") :]
    assert bills.count("data-not-due") == 1  # only 第4期 is not yet due


def test_a_due_date_on_a_saturday_is_overdue_only_after_the_next_business_day(
    client_for, operator, owed_payers
):
    # LV is due Saturday 2025-05-31, which the law moves to Monday 2 June: on that Monday
    # the bill is not yet overdue, on Tuesday it is.
    client = client_for(operator)
    monday = totals_of(owed_html(client, owed_payers, on="2025-06-02"))
    tuesday = totals_of(owed_html(client, owed_payers, on="2025-06-03"))
    assert (monday["overdue"], monday["not-due"] - tuesday["not-due"]) == (0, 10800)
    assert tuesday["overdue"] == 10800


def test_a_bill_whose_late_charge_was_paid_is_not_listed(client_for, operator, owed_payers):
    html = owed_html(client_for(operator), owed_payers, on="2026-01-15")
    assert f'data-bill="{bill_id("RT", 3)}"' not in html


def test_changing_the_date_changes_the_late_charge_as_the_engine_says(
    client_for, operator, owed_payers
):
    client = client_for(operator)
    dates = ("2025-12-31", "2026-09-30")
    shown = [row_of(owed_html(client, owed_payers, on=on), bill_id("RT", 1)) for on in dates]
    expected = [
        compute_late_charge(
            levy="RT",
            principal=123456,
            due_date=datetime.date(2025, 6, 30),
            on=datetime.date.fromisoformat(on),
            payments=[Payment(paid_on=datetime.date(2025, 9, 10), amount=50000)],
            rates=current_rate_table(),
        ).late_charge
        for on in dates
    ]
    shown = [row["late-charge"] for row in shown]
    assert shown == expected
    assert shown[0] < shown[1]


def test_a_japanese_era_date_gives_the_same_answer_as_iso(client_for, operator, owed_payers):
    client = client_for(operator)
    iso = owed_html(client, owed_payers, on="2026-01-15")
    for typed in ("令和8年1月15日", "R8.1.15", "２０２６／０１／１５"):
        assert totals_of(owed_html(client, owed_payers, on=typed)) == totals_of(iso)
    assert "令和8年1月15日 (2026) に納付した場合" in iso


def test_the_htmx_request_returns_only_the_owed_fragment(client_for, operator, owed_payers):
    html = owed_html(client_for(operator), owed_payers, on="2026-01-15", HTTP_HX_REQUEST="true")
    assert html.lstrip().startswith('<section class="owed" id="owed"')
    assert html.rstrip().endswith("</section>")
    assert "<html" not in html and "期別の明細" not in html and "電話番号" not in html
    assert totals_of(html)["total"] > 0
    entry = AuditEntry.objects.filter(action="payer_view").latest("seq")
    assert entry.detail == {"purpose": "payer_owed"}


def test_the_form_works_without_script_as_a_plain_get(client_for, operator, owed_payers):
    html = owed_html(client_for(operator), owed_payers, on="2026-01-15")
    url = reverse("payer", args=[owed_payers[NAKAMURA]])
    assert f'<form class="owed-on" method="get" action="{url}" hx-get="{url}"' in html
    assert 'hx-target="#owed"' in html
    assert "<html" in html and "期別の明細" in html
    assert 'value="2026-01-15"' in html  # what was typed stays in the field


def test_an_invalid_date_shows_a_japanese_error_next_to_the_field(
    client_for, operator, owed_payers
):
    client = client_for(operator)
    for typed in ("2026-02-30", "明日", "令和8年13月1日"):
        html = owed_html(client, owed_payers, on=typed, HTTP_HX_REQUEST="true")
        form = form_of(html)
        assert 'aria-invalid="true"' in form and 'id="on-error"' in form
        assert "日付として読めません。2025-06-30 や 令和7年6月30日 の形で入力してください。" in form
        assert "data-owed-total" not in html  # no figure for a date that was not asked


def test_a_date_in_a_year_without_a_published_rate_is_an_estimate(
    client_for, operator, owed_payers
):
    # The shipped table ends with 2026: 2027 onwards are computed with 2026's rate and
    # marked as an estimate (見込み) beside the figure, instead of emptying the table.
    html = owed_html(client_for(operator), owed_payers, on="2031-01-10")
    assert 'aria-invalid="true"' not in form_of(html)
    assert "data-owed-total" in html
    assert "延滞金は見込みです" in html
    assert "2027、2028、2029、2030、2031年の延滞金の割合がまだ登録されていないため" in html


def test_without_a_rate_for_this_year_the_page_shows_an_estimate(client_for, operator, owed_payers):
    with time_machine.travel(datetime.datetime(2031, 1, 10, 10, 0, tzinfo=TOKYO)):
        html = owed_html(client_for(operator), owed_payers)
    assert "延滞金を計算できません" not in html
    assert "延滞金は見込みです" in html
    assert "期別の明細" in html  # the bills are still there


def test_the_empty_field_means_today_in_tokyo(client_for, operator, owed_payers):
    # 2026-01-14 23:30 UTC is already 15 January in Tokyo.
    with time_machine.travel(datetime.datetime(2026, 1, 14, 23, 30, tzinfo=datetime.UTC)):
        default = owed_html(client_for(operator), owed_payers)
        empty = owed_html(client_for(operator), owed_payers, on="")
    explicit = owed_html(client_for(operator), owed_payers, on="2026-01-15")
    assert totals_of(default) == totals_of(empty) == totals_of(explicit)
    assert 'value="2026-01-15"' in default
    assert "令和8年1月15日 (2026) に納付した場合" in default


def test_the_warning_appears_while_a_late_charge_is_still_running(
    client_for, operator, owed_payers
):
    client = client_for(operator)
    open_bills = owed_html(client, owed_payers, NAKAMURA, on="2026-01-15")
    assert WARNING in open_bills and "data-provisional" in open_bills
    row = re.search(rf'<tr data-bill="{bill_id("RT", 1)}">(.*?)</tr>', open_bills, re.S)
    assert "未確定" in row.group(1)
    # Paid in full (late): the late charge is final, nothing can grow.
    settled = owed_html(client, owed_payers, KOBAYASHI, on="2026-01-15")
    assert WARNING not in settled
    assert row_of(settled, bill_id("RT", 1, KOBAYASHI)) == {
        "principal": 0,
        "late-charge": 1200,
        "total": 1200,
    }


def test_no_warning_and_no_charge_before_the_due_date(client_for, operator, owed_payers):
    html = owed_html(client_for(operator), owed_payers, KOBAYASHI, on="2025-08-01")
    assert WARNING not in html
    assert "この日に納付すべき額はありません。" in html


def test_a_bill_whose_history_does_not_add_up_is_marked_approximate(
    client_for, operator, owed_payers
):
    html = owed_html(client_for(operator), owed_payers, on="2026-06-30")
    row = re.search(rf'<tr data-bill="{bill_id("RT", 4)}">(.*?)</tr>', html, re.S).group(1)
    assert "概算" in row
    assert row_of(html, bill_id("RT", 4))["principal"] == 70000  # the bill row wins
    assert "日付の分からない収納は納期限に納付されたものとして計算しています" in html


def test_the_breakdown_says_why_there_is_no_charge(client_for, operator, owed_payers):
    html = owed_html(client_for(operator), owed_payers, on="2026-01-15")
    row = re.search(rf'<tr data-bill="{bill_id("RT", 4)}">(.*?)</tr>', html, re.S).group(1)
    assert "<details" in row and "納期限内のため延滞金はかかりません" in row
    lv = re.search(rf'<tr data-bill="{bill_id("LV", 1)}">(.*?)</tr>', html, re.S).group(1)
    assert "1,000円未満は徴収しません" in lv  # 10,000 yen for 7 months: under 1,000


def test_the_panel_is_in_english_for_english_users(client_for, operator, owed_payers):
    client = client_for(operator)
    client.cookies["django_language"] = "en"
    html = owed_html(client, owed_payers, on="2026-01-15", HTTP_ACCEPT_LANGUAGE="en")
    assert "The late charge becomes final only when the principal is paid in full" in html
    assert "Recompute" in html and "Late charge" in html


def test_time_bar_counts_from_the_moved_due_date_the_demand_and_the_payments(operator, owed_payers):
    resident = Resident.objects.get(resident_no=NAKAMURA)
    overview = payer_overview(operator, resident, today=datetime.date(2026, 1, 15))
    rows = {(g.levy, r.period): r for g in overview.groups for r in g.rows}
    # RT 第1期: demand 2025-07-18 restarts on 07-29; the payment of 2025-09-10 is an
    # acknowledgement (民法第152条) and restarts it on 09-11: 5 years → 2030-09-10.
    assert rows[("RT", 1)].time_bar_on == datetime.date(2030, 9, 10)
    # LV: due Saturday 2025-05-31, in law Monday 2 June; the demand of 2025-06-20
    # restarts the period on 2025-07-01: 5 years → 2030-06-30.
    assert rows[("LV", 1)].time_bar_on == datetime.date(2030, 6, 30)
    # RT 第4期: no demand, the bill row's payment has no date: from the due date.
    assert rows[("RT", 4)].time_bar_on == datetime.date(2031, 2, 2)
    assert rows[("RT", 2)].time_bar_on is None  # paid: nothing can lapse


def test_days_overdue_count_from_the_moved_due_date(operator, owed_payers):
    resident = Resident.objects.get(resident_no=NAKAMURA)
    on_monday = payer_overview(operator, resident, today=datetime.date(2025, 6, 2))
    lv = next(g for g in on_monday.groups if g.levy == "LV").rows[0]
    assert lv.days_overdue == 0  # due Saturday, payable without delay on Monday
    tuesday = payer_overview(operator, resident, today=datetime.date(2025, 6, 3))
    assert next(g for g in tuesday.groups if g.levy == "LV").rows[0].days_overdue == 1


def test_the_htmx_fragment_runs_a_handful_of_queries(client_for, operator, owed_payers):
    client = client_for(operator)
    owed_html(client, owed_payers, on="2026-01-15", HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        owed_html(client, owed_payers, on="2026-01-15", HTTP_HX_REQUEST="true")
    sql = [
        q["sql"]
        for q in queries.captured_queries
        if "SAVEPOINT" not in q["sql"] and "pg_advisory_xact_lock" not in q["sql"]
    ]
    # session, user, payer, audit append (read head, insert), payments, bills, rates,
    # session save.
    assert len(sql) == 9, sql


def test_the_examples_under_the_day_field_are_a_week_ahead_not_a_fixed_day(
    client_for, operator, owed_payers
):
    client = client_for(operator)
    at = datetime.datetime(2026, 12, 3, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    with time_machine.travel(at, tick=False):
        html = owed_html(client, owed_payers, on="")
    assert "例: 2026-12-10、令和8年12月10日、R8.12.10（空欄は今日）" in html
