"""What a campaign must have before it is created or approved: a value for every
placeholder, levies of the template's department, recipients, a start not in the past;
and what its page tells the person who approves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from saikoku.sms.campaigns import sms_campaign_approve, sms_campaign_create
from saikoku.sms.models import SmsCampaign
from saikoku.sms.templates import sms_template_approve, sms_template_save
from support.personas import logged_in_client
from support.sms_package import NOW

DEADLINE_BODY = (
    "{department}からのお知らせです。{deadline}までにお支払いがない場合は{callback_number}へ。"
)


def _template(supervisor, ward_admin, *, department="tax", texts=None):
    template = sms_template_save(
        actor=supervisor,
        name="期限つき",
        department=department,
        texts=texts or {"ja": DEADLINE_BODY},
    )
    return sms_template_approve(actor=ward_admin, template=template, version=template.version)


def _create(actor, template, **kwargs):
    return sms_campaign_create(
        actor=actor,
        name="12月のお知らせ",
        template=template,
        filters=kwargs.pop("filters", {"levies": ["RT"]}),
        scheduled_at=kwargs.pop("scheduled_at", NOW),
        **kwargs,
    )


def test_a_deadline_placeholder_needs_the_campaign_deadline(sms_payers, supervisor, ward_admin):
    template = _template(supervisor, ward_admin)
    with pytest.raises(ValidationError) as refused:
        _create(supervisor, template)
    assert "期限日を入力してください" in str(refused.value.message_dict["deadline"])
    campaign = _create(supervisor, template, deadline=dt.date(2025, 12, 10))
    assert "令和7年12月10日までに" in campaign.messages.first().text


def test_a_placeholder_of_any_variant_counts(sms_payers, supervisor, ward_admin):
    template = _template(
        supervisor,
        ward_admin,
        texts={"ja": "{department}からです。", "en": "Pay by {deadline}. {department}"},
    )
    with pytest.raises(ValidationError) as refused:
        _create(supervisor, template)
    assert "deadline" in refused.value.message_dict


def test_a_personal_placeholder_never_filled_is_refused(sms_payers, supervisor, ward_admin):
    from saikoku.sms.templates import sms_template_policy

    template = sms_template_save(
        actor=supervisor, name="額", department="tax", texts={"ja": "{department}です。"}
    )
    template = sms_template_policy(
        actor=ward_admin, template=template, allowed_personal=["amount"], allowed_domain=""
    )
    template = sms_template_save(
        actor=supervisor,
        template=template,
        name="額",
        department="tax",
        texts={"ja": "{department}です。未納額は{amount}です。"},
    )
    template = sms_template_approve(actor=ward_admin, template=template, version=template.version)
    with pytest.raises(ValidationError) as refused:
        _create(supervisor, template)
    assert "{amount}（未納額）" in str(refused.value.message_dict["template"])


def test_approval_refuses_a_campaign_whose_placeholders_lack_values(
    sms_payers, supervisor, supervisor2, ward_admin
):
    # A campaign written before the rule: the approval is the backstop.
    template = _template(supervisor, ward_admin)
    campaign = _create(supervisor, template, deadline=dt.date(2025, 12, 10))
    SmsCampaign.objects.filter(pk=campaign.pk).update(deadline=None)
    campaign.refresh_from_db()
    with pytest.raises(ValidationError, match="期限日"):
        sms_campaign_approve(actor=supervisor2, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.PENDING


@pytest.mark.parametrize("levies", [["NH"], ["RT", "NH"], []])
def test_a_tax_template_is_only_for_tax_levies(sms_payers, supervisor, approved_template, levies):
    with pytest.raises(ValidationError) as refused:
        _create(supervisor, approved_template, filters={"levies": levies})
    message = str(refused.value.message_dict["levies"])
    assert "税務課のものです" in message
    assert "特別区民税・都民税・森林環境税、軽自動車税（種別割）" in message


def test_an_nhi_template_is_refused_for_resident_tax(sms_payers, supervisor, ward_admin):
    template = _template(
        supervisor, ward_admin, department="nhi", texts={"ja": "{department}です。"}
    )
    with pytest.raises(ValidationError, match="医療保険年金課のものです"):
        _create(supervisor, template, filters={"levies": ["RT"]})


def test_the_form_shows_the_refusals_next_to_their_fields(sms_payers, supervisor, ward_admin):
    template = _template(supervisor, ward_admin)
    client = logged_in_client(supervisor)
    response = client.post(
        "/sms/campaigns/new/", {"name": "x", "template": template.pk, "levies": ["NH"]}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "期限日を入力してください" in str(form.errors["deadline"])
    assert "税務課のものです" in str(form.errors["levies"])
    assert not SmsCampaign.objects.exists()


def test_the_campaign_page_shows_what_will_be_sent(sms_payers, supervisor, supervisor2, ward_admin):
    template = _template(supervisor, ward_admin)
    campaign = _create(
        supervisor,
        template,
        filters={"levies": ["RT"], "first_time": True, "balance_min": 10000},
        deadline=dt.date(2025, 12, 10),
    )
    page = logged_in_client(supervisor2).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "特別区民税・都民税・森林環境税" in page
    assert "初めての滞納者" in page
    assert "滞納額（円以上）</dt><dd>10,000" in page
    assert "令和7年12月10日" in page
    assert "期限つき" in page
    sent = campaign.messages.filter(language="ja").first().text
    assert f'<pre class="sms-preview" data-sample>{sent}</pre>' in page
    assert f"/ {campaign.messages.first().segments} 通分" in page


def test_the_template_page_shows_every_variant_before_the_approval(supervisor, ward_admin):
    template = sms_template_save(
        actor=supervisor,
        name="二言語",
        department="tax",
        texts={"ja": "{department}からです。", "en": "From the {department}."},
    )
    page = logged_in_client(ward_admin).get(f"/sms/templates/{template.pk}/").content.decode()
    texts = page.index("data-texts")
    assert page.index("{department}からです。", texts) < page.index("data-approve")
    assert page.index("From the {department}.", texts) < page.index("data-approve")
    assert page.index("英語", texts) < page.index("data-approve")


def test_a_campaign_with_no_recipients_is_refused(sms_payers, supervisor, approved_template):
    with pytest.raises(ValidationError, match="送信対象が0件です"):
        _create(supervisor, approved_template, filters={"levies": ["RT"], "balance_min": 10**8})
    assert not SmsCampaign.objects.exists()


def test_a_start_in_the_past_is_refused(sms_payers, supervisor, approved_template):
    with pytest.raises(ValidationError) as refused:
        _create(supervisor, approved_template, scheduled_at=NOW - dt.timedelta(hours=1))
    assert "過去です" in str(refused.value.message_dict["scheduled_at"])


def test_no_start_time_means_as_soon_as_the_window_allows_and_the_page_says_so(
    sms_payers, supervisor, approved_template
):
    campaign = _create(supervisor, approved_template, scheduled_at=None)
    page = logged_in_client(supervisor).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "指定なし（承認後、送信時間帯に入りしだい）" in page


def test_an_approved_campaign_outside_the_window_says_when_it_starts(
    sms_payers, supervisor, supervisor2, approved_template, clock
):
    campaign = _create(supervisor, approved_template)
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    clock.move_to(dt.datetime(2025, 11, 21, 20, 30, tzinfo=NOW.tzinfo))  # a Friday evening
    page = logged_in_client(supervisor).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    # Saturday, Sunday and the 24th (振替休日) are closed.
    assert "送信時間帯外のため待機中（次の開始: 11月25日 9:00）" in page


def test_an_approved_campaign_before_its_start_says_so(
    sms_payers, supervisor, supervisor2, approved_template
):
    campaign = _create(supervisor, approved_template, scheduled_at=NOW + dt.timedelta(hours=2))
    sms_campaign_approve(actor=supervisor2, campaign=campaign)
    page = logged_in_client(supervisor).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "送信開始日時まで待機中（次の開始: 11月20日 12:00）" in page


def test_cancel_asks_first_and_names_the_texts_not_sent(
    sms_payers, supervisor, supervisor2, approved_template
):
    campaign = _create(supervisor, approved_template)
    queued = campaign.messages.count()
    client = logged_in_client(supervisor)
    url = f"/sms/campaigns/{campaign.pk}/cancel/"
    first = client.post(url)
    assert first.status_code == 200
    assert f"まだ送信していない{queued}通は送信されません" in first.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.PENDING
    client.post(url, {"confirm": "1"})
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.CANCELLED
    assert set(campaign.messages.values_list("status", flat=True)) == {"cancelled"}


def test_a_ward_admin_who_approves_can_pause_and_cancel(
    sms_payers, supervisor, ward_admin, approved_template
):
    campaign = _create(supervisor, approved_template)
    client = logged_in_client(ward_admin)
    sms_campaign_approve(actor=ward_admin, campaign=campaign)
    page = client.get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "data-pause" in page and "data-cancel" in page
    client.post(f"/sms/campaigns/{campaign.pk}/pause/")
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.PAUSED
    # Resuming stays the supervisors' (the ones who run campaigns).
    assert client.post(f"/sms/campaigns/{campaign.pk}/resume/").status_code == 403
    client.post(f"/sms/campaigns/{campaign.pk}/cancel/", {"confirm": "1"})
    campaign.refresh_from_db()
    assert campaign.status == SmsCampaign.Status.CANCELLED


def test_an_operator_cannot_stop_a_campaign(sms_payers, supervisor, operator, approved_template):
    from saikoku.sms.campaigns import sms_campaign_pause

    campaign = _create(supervisor, approved_template)
    with pytest.raises(PermissionDenied):
        sms_campaign_pause(actor=operator, campaign=campaign)


def test_the_sms_builder_speaks_of_texts_and_mobile_numbers(sms_payers, supervisor):
    client = logged_in_client(supervisor)
    page = client.get("/sms/campaigns/new/").content.decode()
    assert "送信対象" in page and "優先度の分布（送信対象）" in page
    assert "架電対象" not in page
    assert "携帯番号なし" in page and "有効な電話番号なし" not in page
    calls = client.get(reverse("call_list_new")).content.decode()
    assert "架電対象" in calls and "有効な電話番号なし" in calls


def test_the_campaign_page_names_mobile_numbers_and_explains_its_counts(
    sms_payers, supervisor, approved_template
):
    campaign = _create(supervisor, approved_template)
    page = logged_in_client(supervisor).get(f"/sms/campaigns/{campaign.pk}/").content.decode()
    assert "携帯番号なし" in page and "有効な電話番号なし" not in page
    assert "抽出件数は条件に合う納付義務者の数" in page
