"""A supervisor records an incident with the keyboard: the register's new-incident
form by its shortcut, the fields typed, saved by Alt+S; an action added and the first
report to the ward recorded from the incident's page, each by its shortcut."""

from __future__ import annotations

import pytest

import support.calls as calls
from support.personas import browser_login, make_user

pytestmark = pytest.mark.e2e

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_a_supervisor_records_an_incident_and_reports_it_by_keyboard(
    page, live_server, transactional_db, tmp_path
):
    from saikoku.privacy.models import Incident

    calls.import_payers(tmp_path)
    make_user("sv1", "supervisor")
    browser_login(page, live_server, "sv1")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="インシデント管理簿").click()
    page.wait_for_url("**/incidents/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    with page.expect_navigation():
        page.keyboard.press("Alt+N")
    # The title has the focus: type, and move on with Tab.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.name === 'title'"
    )
    page.keyboard.type("催告書の誤送付")
    page.keyboard.press("Tab")
    page.keyboard.type("別の世帯の催告書を同封して発送した。")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # 種別: the first kind
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # 重大度: 軽微
    page.get_by_label("発見者（氏名）").focus()
    page.keyboard.type("佐藤")
    page.get_by_label("範囲").focus()
    page.keyboard.type("11月3日発送分のうち1通")
    page.get_by_label("影響を受けた人数").focus()
    page.keyboard.type("1")
    page.get_by_label("対象者の住民番号").focus()
    page.keyboard.type(calls.AOKI)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    with page.expect_navigation():
        page.keyboard.press("Alt+S")

    incident = Incident.objects.get()
    assert page.url.endswith(f"/incidents/{incident.pk}/")
    assert incident.kind == "leak" and incident.severity == "minor"
    assert page.locator("h1").count() == 1
    assert "青木 一郎" in page.locator("[data-incident-payers]").inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.get_by_label("実施した内容").focus()
    page.keyboard.type("誤送付先に電話し、回収を依頼した。")
    with page.expect_navigation():
        page.keyboard.press("Alt+A")
    assert "回収を依頼した" in page.locator("[data-incident-timeline]").inner_text()

    page.get_by_label("報告先（区の担当者）").focus()
    page.keyboard.type("税務課 山田")
    with page.expect_navigation():
        page.keyboard.press("Alt+R")
    assert page.locator("[data-incident-status]").get_attribute("data-incident-status") == (
        "reported"
    )
    assert "税務課 山田" in page.locator("[data-reported]").inner_text()
    incident.refresh_from_db()
    assert incident.status == "reported" and incident.actions.count() == 3
