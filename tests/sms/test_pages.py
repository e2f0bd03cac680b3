"""What the SMS pages show each role: the preview with a real payer, the actions a role
may use (and why an approval is not possible), numbers, dates and languages as people
read them, the counters, and the waiting state in the list."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from saikoku.core.models import AuditEntry
from saikoku.sms.selectors import sms_template_preview
from support.personas import logged_in_client
from support.sms_package import PLAIN, resident_no

NOT_FOUND = "その住民番号の納付義務者は見つかりません（または閲覧できません）。"


def _preview(client, template, resident):
    return client.get(f"/sms/templates/{template.pk}/", {"language": "ja", "resident_no": resident})


def test_an_unknown_resident_number_in_the_preview_is_said_next_to_the_field(
    sms_payers, supervisor, approved_template
):
    response = _preview(logged_in_client(supervisor), approved_template, "300000099999")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>督促後のお知らせ</h1>" in page
    assert NOT_FOUND in page
    assert 'value="300000099999"' in page
    assert "data-preview>" not in page


def test_a_payer_the_user_may_not_see_gets_the_same_answer_as_an_unknown_one(
    sms_payers, ward_staff_nhi, approved_template
):
    answers = []
    for number in (resident_no(PLAIN), "300000099999"):
        with pytest.raises(ValidationError) as refused:
            sms_template_preview(
                ward_staff_nhi, approved_template, language="ja", deadline=None,
                resident_no=number,
            )  # fmt: skip
        answers.append(refused.value.message_dict)
    assert answers[0] == answers[1]
    assert NOT_FOUND in answers[0]["resident_no"][0]
    assert not AuditEntry.objects.filter(user=ward_staff_nhi, action="payer_view").exists()


def test_a_real_payer_preview_is_still_audited(sms_payers, supervisor, approved_template):
    response = _preview(logged_in_client(supervisor), approved_template, resident_no(PLAIN))
    assert "data-preview>" in response.content.decode()
    assert AuditEntry.objects.filter(
        user=supervisor, action="payer_view", object_id=resident_no(PLAIN)
    ).exists()
    assert AuditEntry.objects.filter(user=supervisor, action="sms_template_preview").exists()


def test_the_sms_index_offers_each_role_only_the_actions_it_may_use(
    supervisor, ward_admin, approved_template
):
    admin_page = logged_in_client(ward_admin).get("/sms/").content.decode()
    assert "テンプレートを作成" not in admin_page
    assert "キャンペーンを作成" not in admin_page
    supervisor_page = logged_in_client(supervisor).get("/sms/").content.decode()
    assert 'href="/sms/templates/new/"' in supervisor_page
    assert 'href="/sms/campaigns/new/"' in supervisor_page
    # A ward_admin does not see the edit form they could not save either.
    template_page = logged_in_client(ward_admin).get(f"/sms/templates/{approved_template.pk}/")
    assert "data-save" not in template_page.content.decode()


def test_the_author_of_a_campaign_sees_why_they_cannot_approve_it(
    sms_payers, supervisor, supervisor2, approved_template
):
    from saikoku.sms.campaigns import sms_campaign_create
    from support.sms_package import NOW

    campaign = sms_campaign_create(
        actor=supervisor, name="12月", template=approved_template,
        filters={"levies": ["RT"]}, scheduled_at=NOW,
    )  # fmt: skip
    page = logged_in_client(supervisor).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "data-approve" not in page
    assert "自分が作成したキャンペーンは承認できません（二者確認）。" in page
    other = logged_in_client(supervisor2).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "data-approve" in other


def test_a_campaign_whose_template_changed_shows_why_instead_of_the_approve_button(
    sms_payers, supervisor, supervisor2, approved_template
):
    from saikoku.sms.campaigns import sms_campaign_create
    from saikoku.sms.templates import sms_template_save
    from support.sms_package import NOW

    campaign = sms_campaign_create(
        actor=supervisor, name="12月", template=approved_template,
        filters={"levies": ["RT"]}, scheduled_at=NOW,
    )  # fmt: skip
    sms_template_save(
        actor=supervisor, template=approved_template, name="督促後のお知らせ",
        department="tax", texts={"ja": "{department}からです。"},
    )  # fmt: skip
    page = logged_in_client(supervisor2).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "data-approve" not in page
    refused = page[page.index("data-approval-refused") :]
    assert "テンプレートが作成後に変更されました。キャンペーンを作り直してください。" in refused
    assert page.count("テンプレートが作成後に変更されました") == 1  # said once, where it matters
    response = logged_in_client(supervisor2).post(
        f"/sms/campaigns/{campaign.pk}/approve/", follow=True
    )
    assert "テンプレートが作成後に変更されました" in response.content.decode()


def test_a_template_author_who_became_an_approver_sees_why_they_cannot_approve(
    supervisor, ward_admin
):
    from saikoku.sms.templates import sms_template_save

    template = sms_template_save(
        actor=supervisor, name="昇任前", department="tax", texts={"ja": "{department}です。"}
    )
    supervisor.role = "ward_admin"
    supervisor.save(update_fields=["role"])
    page = logged_in_client(supervisor).get(f"/sms/templates/{template.pk}/").content.decode()
    assert "data-approve" not in page
    assert "自分が書いたテンプレートは承認できません。" in page
    assert (
        "data-approve"
        in logged_in_client(ward_admin).get(f"/sms/templates/{template.pk}/").content.decode()
    )


def test_sender_and_callback_numbers_are_written_with_hyphens(
    settings, sms_payers, supervisor, approved_template
):
    settings.SAIKOKU_SMS_SENDER = "0332094111"
    settings.SAIKOKU_SMS_CALLBACK_NUMBER = "0352734138"
    page = logged_in_client(supervisor).get(f"/sms/templates/{approved_template.pk}/?language=ja")
    preview = page.content.decode()
    assert "この番号（03-3209-4111）は区が公表している送信専用の番号です。" in preview
    assert "03-5273-4138（" in preview
    assert "0332094111" not in preview


def test_the_campaign_start_is_shown_in_wareki(sms_payers, supervisor, approved_template):
    import datetime as dt

    from saikoku.sms.campaigns import sms_campaign_create
    from support.sms_package import NOW

    campaign = sms_campaign_create(
        actor=supervisor, name="12月", template=approved_template,
        filters={"levies": ["RT"]}, scheduled_at=NOW + dt.timedelta(days=14, hours=1),
    )  # fmt: skip
    page = logged_in_client(supervisor).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "<dd data-scheduled>令和7年12月4日 (2025) 11:00</dd>" in page


def test_the_template_list_names_languages_in_japanese_and_states_use_no_emoji(
    supervisor, approved_template
):
    client = logged_in_client(supervisor)
    index = client.get("/sms/").content.decode()
    assert "<td>日本語、中国語</td>" in index
    detail = client.get(f"/sms/templates/{approved_template.pk}/").content.decode()
    form = client.get("/sms/templates/new/").content.decode()
    for page in (detail, form):
        assert not any(ch in page for ch in "⏳✔⚠")
    assert '<svg class="icon"' in detail


def test_a_refused_variation_selector_is_named_by_its_code_point(supervisor):
    from saikoku.sms.templates import sms_template_save

    with pytest.raises(ValidationError) as refused:
        sms_template_save(
            actor=supervisor, name="異体字", department="tax", texts={"ja": "辻\U000e0100様"}
        )
    assert "2文字目「U+E0100（異体字セレクタ）」" in str(refused.value.message_dict["ja"])


def test_the_form_says_placeholders_are_counted_at_their_longest(supervisor):
    page = logged_in_client(supervisor).get("/sms/templates/new/").content.decode()
    assert "差込項目は最長の値で数えています" in page


def test_a_preview_in_a_language_without_text_says_the_japanese_text_is_sent(
    supervisor, approved_template
):
    client = logged_in_client(supervisor)
    english = client.get(f"/sms/templates/{approved_template.pk}/", {"language": "en"})
    page = english.content.decode()
    assert "英語の本文がないため、日本語の本文を送ります。" in page
    assert page.index("data-preview-fallback") < page.index("data-preview>")
    chinese = client.get(f"/sms/templates/{approved_template.pk}/", {"language": "zh"})
    assert "data-preview-fallback" not in chinese.content.decode()


def test_the_sms_list_shows_why_an_approved_campaign_is_waiting(
    sms_payers, supervisor, supervisor2, approved_template, clock
):
    import datetime as dt

    from saikoku.sms.campaigns import sms_campaign_approve, sms_campaign_create
    from support.sms_package import NOW

    campaign = sms_campaign_create(
        actor=supervisor, name="12月", template=approved_template,
        filters={"levies": ["RT"]}, scheduled_at=NOW,
    )  # fmt: skip
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    clock.move_to(dt.datetime(2025, 11, 21, 20, 30, tzinfo=NOW.tzinfo))  # a Friday evening
    index = logged_in_client(supervisor).get("/sms/").content.decode()
    row = index[index.index(f"/sms/campaigns/{campaign.pk}/") :]
    assert "送信時間帯外のため待機中（次の開始: 11月25日 9:00）" in row[: row.index("</tr>")]


def test_the_campaign_page_states_the_send_window_as_configured(
    sms_payers, supervisor, approved_template, settings
):
    from saikoku.sms.campaigns import sms_campaign_create
    from support.sms_package import NOW

    campaign = sms_campaign_create(
        actor=supervisor, name="12月", template=approved_template,
        filters={"levies": ["RT"]}, scheduled_at=NOW,
    )  # fmt: skip
    client = logged_in_client(supervisor)
    url = f"/sms/campaigns/{campaign.pk}/"
    assert "送信は平日09:00〜20:00だけです" in client.get(url).content.decode()
    settings.SAIKOKU_SMS_WINDOW_START, settings.SAIKOKU_SMS_WINDOW_END = "00:00", "24:00"
    settings.SAIKOKU_SMS_WINDOW_EVERY_DAY = True
    assert "送信は毎日00:00〜24:00です" in client.get(url).content.decode()
