"""Reads of SMS reminders: templates and campaigns for the pages, a campaign's
progress, the preview of a template (with sample values or a real payer, audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record, client_address
from saikoku.core.dates import TOKYO
from saikoku.core.permissions import payer_for_user, payers_visible_to
from saikoku.outreach.facts import unpaid_facts
from saikoku.people.models import Resident
from saikoku.sms.dispatch.window import next_send_window
from saikoku.sms.models import SmsCampaign, SmsMessage, SmsTemplate
from saikoku.sms.policy import LANGUAGES, render
from saikoku.sms.templates import template_values
from saikoku.sms.text import sms_count

__all__ = [
    "CampaignProgress",
    "campaign_progress",
    "campaign_waiting",
    "sms_campaigns",
    "sms_template_preview",
    "sms_templates",
]


@dataclass(frozen=True)
class CampaignProgress:
    total: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    cancelled: int = 0
    remaining: int = 0
    # Not handed to the provider yet: what a cancel keeps from being sent.
    queued: int = 0


def campaign_waiting(campaign: SmsCampaign, *, now: dt.datetime) -> str:
    """Why an approved campaign sends nothing right now, with its next start (the send
    window of dispatch/window.py), or "" when it sends (or is not running)."""
    if campaign.status != SmsCampaign.Status.RUNNING:
        return ""
    start = next_send_window(max(now, campaign.scheduled_at))
    if start <= now:
        return ""
    local = start.astimezone(TOKYO)
    at = _("%(month)s月%(day)s日 %(hour)s:%(minute)02d") % {
        "month": local.month,
        "day": local.day,
        "hour": local.hour,
        "minute": local.minute,
    }
    if campaign.scheduled_at > now and start == campaign.scheduled_at:
        return _("送信開始日時まで待機中（次の開始: %(at)s）") % {"at": at}
    return _("送信時間帯外のため待機中（次の開始: %(at)s）") % {"at": at}


def campaign_progress(campaign_ids: list[int]) -> dict[int, CampaignProgress]:
    """Per campaign: messages sent (not yet reported), delivered, failed (expired
    counted as failed), dropped at send time, cancelled and remaining (one query)."""
    s = SmsMessage.Status
    rows = (
        SmsMessage.objects.filter(campaign_id__in=campaign_ids)
        .values_list("campaign_id")
        .annotate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=s.SENT)),
            delivered=Count("pk", filter=Q(status=s.DELIVERED)),
            failed=Count("pk", filter=Q(status__in=(s.FAILED, s.EXPIRED))),
            dropped=Count("pk", filter=Q(status=s.DROPPED)),
            cancelled=Count("pk", filter=Q(status=s.CANCELLED)),
            remaining=Count("pk", filter=Q(status__in=(s.QUEUED, s.SENDING))),
            queued=Count("pk", filter=Q(status=s.QUEUED)),
        )
        .order_by()
    )
    result = {pk: CampaignProgress() for pk in campaign_ids}
    for pk, *counts in rows:
        result[pk] = CampaignProgress(*counts)
    return result


def sms_templates() -> list[SmsTemplate]:
    return list(
        SmsTemplate.objects.select_related("updated_by", "approved_by").prefetch_related("texts")
    )


def sms_campaigns(
    *, now: dt.datetime, limit: int = 200
) -> list[tuple[SmsCampaign, CampaignProgress, str]]:
    """The campaigns of the list: each with its progress and, when approved but not
    sending now, why and until when (campaign_waiting, as on the campaign page)."""
    campaigns = list(SmsCampaign.objects.select_related("template", "created_by")[:limit])
    progress = campaign_progress([c.pk for c in campaigns])
    return [(c, progress[c.pk], campaign_waiting(c, now=now)) for c in campaigns]


@dataclass(frozen=True)
class Preview:
    language: str
    text: str
    units: int
    parts: int
    # The language asked for when the template has no text in it (Japanese is sent).
    missing_language: str = ""

    @property
    def fallback_note(self) -> str:
        if not self.missing_language:
            return ""
        return _("%(language)sの本文がないため、日本語の本文を送ります。") % {
            "language": LANGUAGES.get(self.missing_language, self.missing_language)
        }


def sms_template_preview(
    user: Any,
    template: SmsTemplate,
    *,
    language: str,
    deadline: dt.date | None,
    resident_no: str = "",
    request: HttpRequest | None = None,
) -> Preview:
    """The message as it would be sent: with sample values, or for a real payer (the
    payer fetched through the permission check, and the preview audited).

    A resident number that names no payer the user may see raises ValidationError on
    `resident_no`, one answer for unknown and not visible: the page says nothing about
    payers the user may not open."""
    texts = {t.language: t.body for t in template.texts.all()}
    missing = ""
    if language not in texts:
        missing = "" if language == "ja" else language
        language = "ja"
    if "ja" not in texts:
        raise Http404
    payer: Resident | None = None
    owed = None
    if resident_no:
        found = payers_visible_to(user).filter(resident_no=resident_no.strip()).first()
        if found is None:
            raise ValidationError(
                {
                    "resident_no": _(
                        "その住民番号の納付義務者は見つかりません（または閲覧できません）。"
                        "12桁の住民番号を確かめてください。"
                    )
                }
            )
        payer = payer_for_user(user, found.pk, purpose="sms_preview", request=request)
        facts = unpaid_facts({payer.pk}, today=timezone.localdate()).get(payer.pk)
        owed = facts.owed if facts else 0
        audit_record(
            actor=user,
            action="sms_template_preview",
            object_type="sms_template",
            object_id=str(template.pk),
            client_addr=client_address(request) if request is not None else "",
            detail={"resident_no": payer.resident_no, "language": language},
        )
    values = template_values(template, language=language, deadline=deadline, payer=payer, owed=owed)
    if payer is None:
        values.setdefault("name", "新宿 太郎")
        values.setdefault("amount", "¥12,300")
    text = render(texts[language], language=language, values=values)
    counted = sms_count(text)
    return Preview(
        language=language,
        text=text,
        units=counted.units,
        parts=counted.parts,
        missing_language=missing,
    )
