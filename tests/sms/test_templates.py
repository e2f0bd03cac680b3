"""Templates: the placeholder policy, anti-phishing, language variants and four-eyes
approval."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from saikoku.core.models import AuditEntry
from saikoku.sms.models import SmsTemplate
from saikoku.sms.policy import render
from saikoku.sms.templates import sms_template_approve, sms_template_policy, sms_template_save

from .conftest import JA_BODY


def _save(actor, body, template=None, **texts):
    return sms_template_save(
        actor=actor, name="t", department="tax", texts={"ja": body, **texts}, template=template
    )


def _messages(error: ValidationError) -> str:
    return " ".join(m for ms in error.message_dict.values() for m in ms)


def test_a_new_template_waits_for_approval(supervisor):
    template = _save(supervisor, JA_BODY)
    assert template.status == SmsTemplate.Status.PENDING
    assert AuditEntry.objects.filter(action="sms_template_save").exists()


@pytest.mark.parametrize("placeholder", ["name", "amount", "levy"])
def test_personal_placeholders_are_refused_by_default(supervisor, placeholder):
    with pytest.raises(ValidationError) as error:
        _save(supervisor, f"{{{placeholder}}}様 お知らせです")
    assert "個人情報" in _messages(error.value)


def test_an_unknown_placeholder_is_refused(supervisor):
    with pytest.raises(ValidationError) as error:
        _save(supervisor, "{notice_no} のお知らせ")
    assert "{notice_no}" in _messages(error.value)


def test_a_ward_admin_may_allow_a_personal_placeholder_for_one_template(supervisor, ward_admin):
    template = _save(supervisor, JA_BODY)
    template = sms_template_policy(
        actor=ward_admin, template=template, allowed_personal=["name"], allowed_domain=""
    )
    assert AuditEntry.objects.filter(action="sms_template_policy").exists()
    template = _save(supervisor, "{name}様 " + JA_BODY, template=template)
    assert template.status == SmsTemplate.Status.PENDING


def test_a_supervisor_cannot_allow_personal_placeholders(supervisor):
    template = _save(supervisor, JA_BODY)
    with pytest.raises(PermissionDenied):
        sms_template_policy(
            actor=supervisor, template=template, allowed_personal=["name"], allowed_domain=""
        )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/pay",
        "www.example.com",
        "pay-now.example.jp/x",
        "ｅｘａｍｐｌｅ．ｃｏｍ",
    ],
)
def test_urls_are_refused(supervisor, url):
    with pytest.raises(ValidationError) as error:
        _save(supervisor, f"お支払いは {url} から")
    assert "URL" in _messages(error.value)


def test_the_published_domain_is_allowed_once_a_ward_admin_enables_it(supervisor, ward_admin):
    template = _save(supervisor, JA_BODY)
    template = sms_template_policy(
        actor=ward_admin,
        template=template,
        allowed_personal=[],
        allowed_domain="city.shinjuku.lg.jp",
    )
    _save(supervisor, "詳しくは https://www.city.shinjuku.lg.jp/zei/ へ", template=template)
    with pytest.raises(ValidationError):
        _save(supervisor, "詳しくは https://shinjuku-pay.example/ へ", template=template)


def test_an_unsendable_character_is_refused_with_its_position(supervisor):
    with pytest.raises(ValidationError) as error:
        _save(supervisor, "𠮷田様 お知らせ")
    assert "1文字目「𠮷」" in _messages(error.value)


def test_too_long_a_text_is_refused(supervisor, settings):
    settings.SAIKOKU_SMS_MAX_CHARS = 100
    with pytest.raises(ValidationError) as error:
        _save(supervisor, "あ" * 80)
    assert "長すぎます" in _messages(error.value)


def test_every_message_ends_with_the_sender_number_and_the_send_only_line(settings):
    settings.SAIKOKU_SMS_SENDER = "0312345678"
    text = render("お知らせ", language="ja", values={})
    assert "（03-1234-5678）" in text
    assert "送信専用" in text
    assert "send-only" in render("Notice", language="en", values={})


def test_the_author_cannot_approve_and_a_supervisor_may_not_at_all(supervisor, ward_admin):
    template = _save(supervisor, JA_BODY)
    with pytest.raises(PermissionDenied):
        sms_template_approve(actor=supervisor, template=template, version=template.version)
    approved = sms_template_approve(actor=ward_admin, template=template, version=template.version)
    assert approved.status == SmsTemplate.Status.APPROVED


def test_a_change_takes_the_approval_away(supervisor, approved_template):
    changed = _save(supervisor, JA_BODY + "よろしくお願いします。", template=approved_template)
    assert changed.status == SmsTemplate.Status.PENDING
    assert changed.version == approved_template.version + 1


def test_an_approval_of_an_older_version_is_refused(supervisor, ward_admin):
    template = _save(supervisor, JA_BODY)
    old = template.version
    template = _save(supervisor, JA_BODY + "。", template=template)
    with pytest.raises(ValidationError):
        sms_template_approve(actor=ward_admin, template=template, version=old)


def test_a_japanese_text_is_required(supervisor):
    with pytest.raises(ValidationError):
        sms_template_save(actor=supervisor, name="t", department="tax", texts={"en": "Hello"})
