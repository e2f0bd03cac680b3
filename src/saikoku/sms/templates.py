"""Writes of SMS templates: a supervisor writes (any change takes the approval away), a
ward_admin approves the version they read (never its author) and allows personal
placeholders or the ward's published domain; the placeholders' values of one message.

Every write is one transaction with its audit entry; the roles are checked here again,
not only by the views.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.core.dates import format_wareki
from saikoku.core.roles import Capability, user_can
from saikoku.people.models import Resident
from saikoku.sms.models import SmsTemplate, SmsTemplateText
from saikoku.sms.policy import (
    LANGUAGES,
    PERSONAL_PLACEHOLDERS,
    display_number,
    template_problems,
)
from saikoku.sms.text import normalise_newlines

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "DEPARTMENT_NAMES",
    "sms_template_approve",
    "sms_template_policy",
    "sms_template_save",
    "template_approval_refusals",
    "template_values",
]

DEPARTMENT_NAMES = {
    "tax": {"ja": "税務課", "en": "Tax Division", "zh": "税务课", "ko": "세무과"},
    "nhi": {
        "ja": "医療保険年金課",
        "en": "Health Insurance and Pension Division",
        "zh": "医疗保险年金课",
        "ko": "의료보험연금과",
    },
}


def _require(actor: Any, capability: Capability) -> None:
    if not user_can(actor, capability):
        raise PermissionDenied


def _check_texts(template: SmsTemplate, texts: dict[str, str]) -> dict[str, str]:
    cleaned = {
        lang: normalise_newlines(body).strip()
        for lang, body in texts.items()
        if lang in LANGUAGES and body.strip()
    }
    if "ja" not in cleaned:
        raise ValidationError({"ja": _("日本語の本文を入力してください。")})
    errors: dict[str, list[str]] = {}
    for lang, body in cleaned.items():
        problems = template_problems(
            body,
            language=lang,
            allowed_personal=list(template.allowed_personal),
            allowed_domain=template.allowed_domain,
        )
        if problems:
            errors[lang] = [p.message for p in problems]
    if errors:
        raise ValidationError(errors)
    return cleaned


def sms_template_save(
    *,
    actor: User,
    name: str,
    department: str,
    texts: dict[str, str],
    template: SmsTemplate | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> SmsTemplate:
    """Writes a template (new, or a change of one): it waits for a ward_admin's
    approval again. Raises ValidationError per language (unsendable characters named
    by position, a personal placeholder, a URL, too long)."""
    _require(actor, Capability.WRITE_SMS_TEMPLATES)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        if template is None:
            template = SmsTemplate(created_by=actor, version=0)
        else:
            template = SmsTemplate.objects.select_for_update().get(pk=template.pk)
        cleaned = _check_texts(template, texts)
        template.name = name
        template.department = department
        template.version += 1
        template.status = SmsTemplate.Status.PENDING
        template.approved_by = None
        template.approved_at = None
        template.updated_by = actor
        template.updated_at = now
        template.save()
        template.texts.exclude(language__in=list(cleaned)).delete()
        for lang, body in cleaned.items():
            SmsTemplateText.objects.update_or_create(
                template=template, language=lang, defaults={"body": body}
            )
        audit_record(
            actor=actor,
            action="sms_template_save",
            object_type="sms_template",
            object_id=str(template.pk),
            client_addr=client_addr,
            detail={"version": template.version, "languages": sorted(cleaned)},
        )
    return template


def template_approval_refusals(actor: Any, template: SmsTemplate) -> list[str]:
    """Why `actor` cannot approve this template now, in Japanese (empty: they can). The
    approval refuses with these; the template page shows them instead of its button."""
    if not user_can(actor, Capability.APPROVE_SMS_TEMPLATES):
        return [_("テンプレートを承認する権限がありません。")]
    if actor.pk == template.updated_by_id:
        return [_("自分が書いたテンプレートは承認できません。")]
    if template.status != SmsTemplate.Status.PENDING:
        return [_("承認待ちのテンプレートではありません。")]
    return []


def sms_template_approve(
    *,
    actor: User,
    template: SmsTemplate,
    version: int,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> SmsTemplate:
    """A ward_admin approves the version they read (four eyes: never its author)."""
    _require(actor, Capability.APPROVE_SMS_TEMPLATES)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        template = SmsTemplate.objects.select_for_update().get(pk=template.pk)
        refusals = template_approval_refusals(actor, template)
        if refusals:
            raise ValidationError(refusals)
        if version != template.version:
            raise ValidationError(
                _("テンプレートが変更されました。最新の内容を確認してから承認してください。")
            )
        _check_texts(template, {t.language: t.body for t in template.texts.all()})
        template.status = SmsTemplate.Status.APPROVED
        template.approved_by = actor
        template.approved_at = now
        template.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action="sms_template_approve",
            object_type="sms_template",
            object_id=str(template.pk),
            client_addr=client_addr,
            detail={"version": template.version},
        )
    return template


def sms_template_policy(
    *,
    actor: User,
    template: SmsTemplate,
    allowed_personal: list[str],
    allowed_domain: str,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> SmsTemplate:
    """A ward_admin allows personal placeholders or the ward's published domain for
    one template (audited). The template then needs a new approval."""
    _require(actor, Capability.APPROVE_SMS_TEMPLATES)
    unknown = set(allowed_personal) - set(PERSONAL_PLACEHOLDERS)
    if unknown:
        raise ValidationError(_("許可できない差込項目です。"))
    domain = allowed_domain.strip().lower()
    if domain and ("/" in domain or "." not in domain or " " in domain):
        raise ValidationError(_("ドメインは city.shinjuku.lg.jp のように入力してください。"))
    with transaction.atomic(durable=True):
        template = SmsTemplate.objects.select_for_update().get(pk=template.pk)
        template.allowed_personal = sorted(set(allowed_personal))
        template.allowed_domain = domain
        template.status = SmsTemplate.Status.PENDING
        template.approved_by = None
        template.approved_at = None
        template.version += 1
        template.save()
        audit_record(
            actor=actor,
            action="sms_template_policy",
            object_type="sms_template",
            object_id=str(template.pk),
            client_addr=client_addr,
            detail={"allowed_personal": template.allowed_personal, "allowed_domain": domain},
        )
    return template


def template_values(
    template: SmsTemplate,
    *,
    language: str,
    deadline: dt.date | None,
    payer: Resident | None = None,
    owed: int | None = None,
) -> dict[str, str]:
    """The placeholders' values for one message (personal ones only when allowed)."""
    names = DEPARTMENT_NAMES.get(template.department, {})
    values = {
        "department": names.get(language, names.get("en" if language != "ja" else "ja", "")),
        "callback_number": display_number(settings.SAIKOKU_SMS_CALLBACK_NUMBER),
        "office_hours": settings.SAIKOKU_SMS_OFFICE_HOURS,
        "deadline": (
            (format_wareki(deadline, western=False) if language == "ja" else deadline.isoformat())
            if deadline
            else ""
        ),
    }
    allowed = set(template.allowed_personal)
    if payer is not None and "name" in allowed:
        values["name"] = payer.name
    if owed is not None and "amount" in allowed:
        values["amount"] = f"¥{owed:,}"
    return values
