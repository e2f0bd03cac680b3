"""In a real browser: a payment day in a year whose late-charge rate is not registered
yet still gives figures, with "見込み" (estimate) beside the late charge and a banner that
says why; registering the rate takes the mark away."""

from __future__ import annotations

import pytest

from saikoku.arrears.late_charge import shipped_rate_table
from saikoku.arrears.models import LateChargeRate
from support.personas import login

pytestmark = pytest.mark.e2e

NEXT = max(shipped_rate_table().years) + 1  # the first year without a shipped rate


def test_a_january_promise_is_quoted_as_an_estimate(page, live_server, operator, imported_payers):
    login(page, live_server, operator)
    url = f"{live_server.url}/payers/{imported_payers['100000000003']}/"
    page.goto(url)
    owed = page.locator("#owed")
    assert "延滞金は見込みです" not in owed.inner_text()
    page.evaluate("window.__notReloaded = true")

    page.fill("#id_on", f"令和{NEXT - 2018}年1月15日")
    page.press("#id_on", "Enter")
    page.locator("[data-rate-estimated]").wait_for()
    assert page.evaluate("window.__notReloaded") is True  # htmx swap, no reload
    banner = page.locator("[data-rate-estimated]").inner_text()
    assert f"{NEXT}年の延滞金の割合がまだ登録されていないため" in banner
    # The mark sits in the same cell as the total late charge, visible beside it.
    cell = page.locator("[data-owed-late-charge]").locator("xpath=..")
    assert "見込み" in cell.inner_text()
    assert page.locator("[data-estimated]").is_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    figure = page.locator("[data-owed-total]").inner_text()

    LateChargeRate.objects.create(
        year=NEXT, lower_percent="2.8", higher_percent="9.1", source="e2e"
    )
    page.press("#id_on", "Enter")
    page.locator("[data-rate-estimated]").wait_for(state="detached")
    assert page.locator("[data-estimated]").count() == 0
    assert page.locator("[data-owed-total]").inner_text()  # figures still shown
    assert figure
