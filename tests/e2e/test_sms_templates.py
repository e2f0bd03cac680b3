"""SMS templates in a real browser: the live UCS-2 counter agrees with the server's
(hypothesis), a template is written with the counter, 𠮷 and a URL are refused, and a
ward_admin approves what a supervisor wrote (four eyes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import saikoku
from saikoku.sms.models import SmsTemplate
from saikoku.sms.policy import LONGEST_VALUES, char_label, footer_units, longest_units
from saikoku.sms.text import sms_count
from support.personas import browser_login

pytestmark = pytest.mark.e2e

COUNTER = Path(saikoku.__file__).parent / "static" / "saikoku" / "sms_counter.js"


@pytest.fixture
def counter_page(page):
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(COUNTER))
    return page


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from(["𠮷", "😀", "\r\n", "\r", "\n", "あ", "ｱ", "~"]),
        ),
        max_size=200,
    ).map("".join)
)
def test_the_page_counter_and_the_server_agree(counter_page, text):
    page_count = counter_page.evaluate("t => smsCount(t)", text)
    server = sms_count(text)
    assert page_count["units"] == server.units
    assert page_count["parts"] == server.parts
    assert [tuple(p) for p in page_count["unsendable"]] == list(server.unsendable)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["{" + name + "}" for name in LONGEST_VALUES] + ["{nope}", "{ deadline }"]
            ),
            st.sampled_from(["あ", "a", " ", "\n", "\r\n", "{", "}", "𠮷"]),
        ),
        max_size=60,
    ).map("".join)
)
def test_the_page_counts_placeholders_at_their_longest_as_the_server_does(counter_page, text):
    units = counter_page.evaluate(
        "([t, longest]) => smsCount(smsFillLongest(t, longest)).units", [text, LONGEST_VALUES]
    )
    assert units + footer_units("ja") == longest_units(text, language="ja")


@pytest.mark.parametrize(
    "char", ["𠮷", "😀", "\U000e0100", "\U000e01ef", "\U000f0000", "\U000e0001"]
)
def test_the_page_names_refused_characters_as_the_server_does(counter_page, char):
    label = counter_page.evaluate("c => smsCharLabel(c, '異体字セレクタ')", char)
    assert label == char_label(char)


def test_writing_a_template_with_the_live_counter(page, live_server, supervisor):
    browser_login(page, live_server, "sv1")
    page.goto(live_server.url + "/sms/templates/new/")
    counter = page.locator("[data-for=id_text_ja]")
    extra = int(counter.get_attribute("data-extra"))
    page.fill("#id_name", "督促後のお知らせ")
    page.fill("#id_text_ja", "あ" * 10)
    assert counter.locator("[data-units]").inner_text() == str(10 + extra)
    page.fill("#id_text_ja", "あ" * (71 - extra))
    assert counter.locator("[data-parts]").inner_text() == "2"
    page.fill("#id_text_ja", "𠮷田様へのお知らせ")
    unsendable = counter.locator("[data-unsendable]")
    assert unsendable.is_visible()
    assert "1文字目" in unsendable.inner_text() and "𠮷" in unsendable.inner_text()
    # The server refuses it too, naming the position.
    page.click("[data-save]")
    assert "1文字目「𠮷」" in page.locator("p.field-error[role=alert]").first.inner_text()
    page.fill("#id_text_ja", "お支払いは https://pay.example.com/ から")
    page.click("[data-save]")
    assert "URL" in page.locator("p.field-error[role=alert]").first.inner_text()
    page.fill("#id_text_ja", "{department}からのお知らせです。{callback_number}へお電話ください。")
    page.click("[data-save]")
    page.wait_for_url(lambda url: "/sms/templates/new/" not in url)
    assert page.locator("[data-status]").get_attribute("data-status") == "pending"
    # The author sees no approval button.
    assert page.locator("[data-approve]").count() == 0


def test_a_ward_admin_approves_what_a_supervisor_wrote(
    page, browser, live_server, supervisor, ward_admin
):
    from saikoku.sms.templates import sms_template_save

    template = sms_template_save(
        actor=supervisor, name="t", department="nhi", texts={"ja": "{department}です。"}
    )
    browser_login(page, live_server, "admin1")
    page.goto(live_server.url + f"/sms/templates/{template.pk}/")
    page.click("[data-approve]")
    assert page.locator("[data-status]").get_attribute("data-status") == "approved"
    template.refresh_from_db()
    assert template.status == SmsTemplate.Status.APPROVED
    assert template.approved_by == ward_admin


def test_the_counter_says_an_empty_variant_is_not_used_and_names_a_variation_selector(
    page, live_server, supervisor
):
    browser_login(page, live_server, "sv1")
    page.goto(live_server.url + "/sms/templates/new/")
    english = page.locator("[data-for=id_text_en]")
    assert english.locator("[data-unused]").is_visible()
    assert "日本語の本文を送ります" in english.inner_text()
    assert not english.locator("[data-count]").is_visible()
    page.fill("#id_text_en", "Notice from the {department}.")
    assert not english.locator("[data-unused]").is_visible()
    assert english.locator("[data-units]").inner_text() == str(
        longest_units("Notice from the {department}.", language="en")
    )
    # The Japanese text is counted with its placeholders at their longest, as saved.
    body = "{department}からのお知らせです。{callback_number}へ。"
    page.fill("#id_text_ja", body)
    japanese = page.locator("[data-for=id_text_ja]")
    assert japanese.locator("[data-units]").inner_text() == str(longest_units(body, language="ja"))
    assert page.locator("[data-longest-note]").is_visible()
    page.fill("#id_name", "異体字")
    page.fill("#id_text_ja", "辻\U000e0100様")
    refused = japanese.locator("[data-unsendable]")
    assert "2文字目「U+E0100（異体字セレクタ）」" in refused.inner_text()
    page.click("[data-save]")
    assert (
        "2文字目「U+E0100（異体字セレクタ）」"
        in page.locator("p.field-error[role=alert]").first.inner_text()
    )
