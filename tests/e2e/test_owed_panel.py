"""The payer page's "if paid on …" panel in a real browser: typing a date (和暦 too)
and pressing Enter swaps in the new figures through htmx, without a page reload."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from saikoku.arrears.late_charge import shipped_rate_table
from saikoku.arrears.models import LateChargeRate
from support.personas import login

pytestmark = pytest.mark.e2e


def log_in(page, live_server, username: str) -> None:
    login(page, live_server, get_user_model().objects.get(username=username))


def has_no_horizontal_scrollbar(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_changing_the_payment_date_updates_the_total_without_reloading(
    page, live_server, operator, imported_payers
):
    # Today and the date asked about must have a rate; after the shipped table ends a
    # ward_admin would have entered the new year's (published each December).
    today = timezone.localdate()
    later = today + datetime.timedelta(days=120)
    for year in {today.year, later.year} - set(shipped_rate_table().years):
        LateChargeRate.objects.create(
            year=year, lower_percent="2.8", higher_percent="9.1", source="e2e"
        )

    log_in(page, live_server, "op1")
    url = f"{live_server.url}/payers/{imported_payers['100000000003']}/"
    page.goto(url)
    page.evaluate("window.__notReloaded = true")
    total = page.locator("[data-owed-total]")
    before = total.inner_text()
    assert "延滞金は本税完納時に確定します" in page.locator("#owed").inner_text()

    era = later.year - 2018  # 令和
    page.fill("#id_on", f"令和{era}年{later.month}月{later.day}日")
    page.press("#id_on", "Enter")
    page.wait_for_function(
        "before => document.querySelector('[data-owed-total]').innerText !== before", arg=before
    )
    assert total.inner_text() != before
    assert f"({later.year})" in page.locator("[data-owed-on]").inner_text()
    assert page.evaluate("window.__notReloaded") is True  # same document: no reload
    assert page.url == url
    assert page.locator("h1").count() == 1
    assert has_no_horizontal_scrollbar(page)

    # A wrong date is reported next to the field, in Japanese, still without a reload.
    page.fill("#id_on", "2026-02-30")
    page.press("#id_on", "Enter")
    page.locator("#on-error").wait_for()
    assert "日付として読めません" in page.locator("#on-error").inner_text()
    assert page.evaluate("window.__notReloaded") is True
    # The breakdown opens on demand.
    page.fill("#id_on", f"令和{era}年{later.month}月{later.day}日")
    page.press("#id_on", "Enter")
    page.locator("[data-owed-total]").wait_for()
    first = page.locator("details.breakdown").first
    assert not first.locator("[data-breakdown]").is_visible()
    first.locator("summary").click()
    assert "%" in first.locator("[data-breakdown]").inner_text()


def test_the_arrears_and_what_is_not_yet_due_are_shown_apart(
    page, live_server, operator, imported_payers
):
    # 100000000001 owes RT 第2期 30,000 yen (due 2025-09-01) and 20,000 yen of 第3期 (due
    # 2025-10-31). Paid on 1 October 2025, the second is overdue, the third not yet due.
    log_in(page, live_server, "op1")
    page.goto(f"{live_server.url}/payers/{imported_payers['100000000001']}/")
    page.fill("#id_on", "令和7年10月1日")
    page.press("#id_on", "Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-owed-not-due]').innerText === '¥20,000'"
    )
    owed = page.locator("#owed")
    assert owed.locator("[data-owed-overdue]").inner_text() == "¥30,000"
    assert owed.locator("[data-owed-not-due]").inner_text() == "¥20,000"
    headers = owed.locator("table.summary thead").inner_text()
    assert "滞納額" in headers and "未到来" in headers and "総額" in headers
    overdue_total = owed.locator("[data-owed-overdue-total]").inner_text()
    total = owed.locator("[data-owed-total]").inner_text()
    assert int(total.strip("¥").replace(",", "")) == (
        int(overdue_total.strip("¥").replace(",", "")) + 20_000
    )
    # The third period's line says it is not yet due; the second's does not.
    assert owed.locator("tr[data-bill] [data-not-due]").count() == 1
    assert owed.locator("[data-not-due]").first.is_visible()
    assert has_no_horizontal_scrollbar(page)
