"""Writes of SMS campaigns: the build (the audience through the one eligibility
function, one message per number), the four-eyes approval that starts the sending
(dispatch/, through tasks.py), pause, resume and cancel.

Every write is one transaction with its audit entry; the roles are checked here again,
not only by the views.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.arrears.models import Levy
from saikoku.core.audit import audit_record
from saikoku.core.models import DEPARTMENT_LEVIES
from saikoku.core.roles import Capability, user_can
from saikoku.interchange.upsert import datetime_value, upsert
from saikoku.outreach.eligibility import callable_phones
from saikoku.outreach.lists.selectors import call_list_preview, normalise_filters
from saikoku.outreach.models import Channel
from saikoku.people.models import Resident
from saikoku.sms.models import SmsCampaign, SmsMessage, SmsPayerPreference, SmsTemplate
from saikoku.sms.policy import (
    PERSONAL_PLACEHOLDERS,
    SAFE_PLACEHOLDERS,
    language_for_nationality,
    render,
    unfilled_placeholders,
)
from saikoku.sms.templates import template_values
from saikoku.sms.text import sms_count

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "campaign_approval_refusals",
    "sms_campaign_approve",
    "sms_campaign_cancel",
    "sms_campaign_create",
    "sms_campaign_pause",
    "sms_campaign_resume",
]


def _require(actor: Any, capability: Capability) -> None:
    if not user_can(actor, capability):
        raise PermissionDenied


# The columns a new message is written with (interchange's upsert: COPY on PostgreSQL,
# one prepared INSERT on SQLite; model instances cost more than the database here).
MESSAGE_COLUMNS = (
    "campaign_id",
    "payer_id",
    "phone_id",
    "to",
    "language",
    "text",
    "segments",
    "status",
    "idempotency_key",
    "attempts",
    "next_attempt_at",
    "claimed_by",
    "claimed_until",
    "provider",
    "provider_id",
    "error",
    "carrier",
    "sent_at",
    "delivered_at",
    "contact_record_id",
)


def _campaign_problems(
    template: SmsTemplate, *, filters: dict[str, Any], deadline: dt.date | None
) -> dict[str, list[str]]:
    """Why this template cannot be sent with these filters and values, by form field
    (empty: it can). Checked at creation and again at approval."""
    problems: dict[str, list[str]] = {}
    # Every placeholder of every variant must get a value, through the same values and
    # pattern the messages are rendered with (a stand-in payer for the per-payer ones).
    stand_in = Resident(name="-")
    missing: dict[str, None] = {}
    for text in template.texts.all():
        values = template_values(
            template, language=text.language, deadline=deadline, payer=stand_in
        )
        missing.update(dict.fromkeys(unfilled_placeholders(text.body, values=values)))
    if "deadline" in missing:
        problems.setdefault("deadline", []).append(
            _("テンプレートの本文に {deadline}（期限日）があります。期限日を入力してください。")
        )
    labels = {**SAFE_PLACEHOLDERS, **PERSONAL_PLACEHOLDERS}
    others = [name for name in missing if name != "deadline"]
    if others:
        problems.setdefault("template", []).append(
            _("差込項目 %(names)s に入れる値がありません。テンプレートを直してください。")
            % {"names": "、".join(f"{{{n}}}（{labels.get(n, n)}）" for n in others)}
        )
    # The template's department signs the message and gives the callback number: the
    # levies (none chosen: all of them) must all be that department's.
    owned = DEPARTMENT_LEVIES.get(template.department, ())
    chosen = filters.get("levies") or list(Levy.values)
    if not set(chosen) <= set(owned):
        problems.setdefault("levies", []).append(
            _(
                "テンプレート「%(name)s」は%(department)sのものです。"
                "税目は%(levies)sだけを選んでください。"
            )
            % {
                "name": template.name,
                "department": template.get_department_display(),
                "levies": "、".join(str(Levy(code).label) for code in owned),
            }
        )
    return problems


def _first_phones(payer_ids: list[int]) -> dict[int, tuple[int, str, str]]:
    """payer -> (phone id, E.164, nationality): the first usable mobile number of each
    payer, in one pass over the ward's usable numbers (no list of ids sent to the
    database: tens of thousands of parameters cost more than reading them all)."""
    wanted = set(payer_ids)
    phones: dict[int, tuple[int, str, str]] = {}
    for payer_id, phone_id, e164, nationality in (
        callable_phones(channel=Channel.SMS)
        .order_by("resident_id", "position", "pk")
        .values_list("resident_id", "pk", "e164", "resident__nationality")
        .iterator(chunk_size=10000)
    ):
        if payer_id in wanted and payer_id not in phones:
            phones[payer_id] = (phone_id, e164, nationality or "")
    return phones


def sms_campaign_create(
    *,
    actor: User,
    name: str,
    template: SmsTemplate,
    filters: dict[str, Any],
    scheduled_at: dt.datetime | None,
    deadline: dt.date | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> SmsCampaign:
    """Builds a campaign: the audience from the call lists' filters through the one
    eligibility function (channel "sms": mobile numbers, the wish not to be texted),
    one message per number (a number shared in a household gets one), the exclusions
    counted by rule. It waits for a second person's approval. No start time: as soon
    as the send window allows after the approval."""
    _require(actor, Capability.RUN_SMS_CAMPAIGNS)
    now = now or timezone.now()
    if scheduled_at is None:
        scheduled_at = now
    # The form gives minutes: the minute that is running now is not in the past.
    elif scheduled_at < now.replace(second=0, microsecond=0):
        raise ValidationError(
            {
                "scheduled_at": _(
                    "送信開始日時が過去です。これからの日時を入力するか、空欄にしてください。"
                )
            }
        )
    if template.status != SmsTemplate.Status.APPROVED:
        raise ValidationError(_("承認済みのテンプレートを選んでください。"))
    if not name.strip():
        raise ValidationError(_("キャンペーン名を入力してください。"))
    f = normalise_filters(filters)
    problems = _campaign_problems(template, filters=f, deadline=deadline)
    if problems:
        raise ValidationError(problems)
    preview = call_list_preview(filters=f, now=now, channel=Channel.SMS)
    excluded = {code: n for code, n in preview.excluded.items() if n}
    # Highest priority first: when a household shares a number, the payer the call
    # lists would call first gets the message.
    eligible = sorted(
        ((pk, parts) for pk, codes, parts in preview.rows if not codes),
        key=lambda row: (-row[1].total, row[0]),
    )
    ids = [pk for pk, _parts in eligible]
    phones = _first_phones(ids)
    # Few payers have a recorded language: the whole table is smaller than a list of ids.
    preferred = dict(SmsPayerPreference.objects.values_list("payer_id", "language"))
    texts = {t.language: t.body for t in template.texts.all()}
    personal = bool(template.allowed_personal)
    payers = (
        Resident.objects.only("pk", "name").in_bulk([pk for pk in ids if pk in phones])
        if personal
        else {}
    )
    rendered: dict[str, tuple[str, int]] = {}
    seen: set[str] = set()
    shared = 0
    rows = []
    queued = SmsMessage.Status.QUEUED.value
    next_attempt_at = datetime_value(scheduled_at)
    # Unique keys: one random part per campaign and the message's number in it (a
    # uuid4 per message costs a system call each).
    key_base = uuid.uuid4().hex
    with transaction.atomic(durable=True):
        campaign = SmsCampaign.objects.create(
            name=name.strip(),
            template=template,
            template_version=template.version,
            filters=f,
            deadline=deadline,
            scheduled_at=scheduled_at,
            matched=preview.matched,
            created_by=actor,
            created_at=now,
        )
        for pk in ids:
            found = phones.get(pk)
            if found is None:
                continue
            phone_id, e164, nationality = found
            if e164 in seen:
                shared += 1
                continue
            seen.add(e164)
            lang = preferred.get(pk) or language_for_nationality(nationality)
            if lang not in texts:
                lang = "ja"
            if personal:
                text = render(
                    texts[lang],
                    language=lang,
                    values=template_values(
                        template, language=lang, deadline=deadline, payer=payers[pk]
                    ),
                )
                parts = sms_count(text).parts
            else:
                if lang not in rendered:
                    text = render(
                        texts[lang],
                        language=lang,
                        values=template_values(template, language=lang, deadline=deadline),
                    )
                    rendered[lang] = (text, sms_count(text).parts)
                text, parts = rendered[lang]
            rows.append(
                (
                    campaign.pk,
                    pk,
                    phone_id,
                    e164,
                    lang,
                    text,
                    parts,
                    queued,
                    f"{key_base}{len(rows):06x}",
                    0,
                    next_attempt_at,
                    "",
                    None,
                    "",
                    "",
                    "",
                    "",
                    None,
                    None,
                    None,
                )
            )
        if not rows:
            # Raised inside the transaction: the campaign row is not kept.
            raise ValidationError(_("送信対象が0件です。抽出条件を見直してください。"))
        upsert(SmsMessage, MESSAGE_COLUMNS, rows, unique=("campaign", "to"), fresh=True)
        if shared:
            excluded["shared_number"] = shared
        campaign.excluded_counts = excluded
        campaign.save(update_fields=["excluded_counts"])
        audit_record(
            actor=actor,
            action="sms_campaign_create",
            object_type="sms_campaign",
            object_id=str(campaign.pk),
            client_addr=client_addr,
            detail={
                "template": template.pk,
                "version": template.version,
                "filters": f,
                "messages": len(rows),
                "excluded": excluded,
            },
        )
    return campaign


def _enqueue_dispatch(campaign_id: int) -> None:
    # Imported here: tasks.py imports the dispatch, which imports these services' models.
    from saikoku.sms.tasks import sms_dispatch_start

    transaction.on_commit(lambda: sms_dispatch_start(campaign_id))


def campaign_approval_refusals(actor: Any, campaign: SmsCampaign) -> list[str]:
    """Why `actor` cannot approve this campaign now, in Japanese (empty: they can). The
    approval refuses with these; the campaign page shows them instead of its button."""
    if not user_can(actor, Capability.APPROVE_SMS_CAMPAIGNS):
        return [_("キャンペーンを承認する権限がありません。")]
    if campaign.created_by_id == actor.pk:
        return [_("自分が作成したキャンペーンは承認できません（二者確認）。")]
    if campaign.status != SmsCampaign.Status.PENDING:
        return [_("承認待ちのキャンペーンではありません。")]
    template = campaign.template
    if (
        template.status != SmsTemplate.Status.APPROVED
        or template.version != campaign.template_version
    ):
        return [_("テンプレートが作成後に変更されました。キャンペーンを作り直してください。")]
    problems = _campaign_problems(template, filters=campaign.filters, deadline=campaign.deadline)
    if problems:
        return [m for messages in problems.values() for m in messages] + [
            _("キャンペーンを作り直してください。")
        ]
    return []


def sms_campaign_approve(
    *, actor: User, campaign: SmsCampaign, now: dt.datetime | None = None, client_addr: str = ""
) -> SmsCampaign:
    """A second person (another supervisor or a ward_admin) approves: four eyes. The
    messages go out from the scheduled time, inside the send window."""
    _require(actor, Capability.APPROVE_SMS_CAMPAIGNS)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        refusals = campaign_approval_refusals(actor, campaign)
        if refusals:
            raise ValidationError(refusals)
        campaign.status = SmsCampaign.Status.RUNNING
        campaign.approved_by = actor
        campaign.approved_at = now
        campaign.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor,
            action="sms_campaign_approve",
            object_type="sms_campaign",
            object_id=str(campaign.pk),
            client_addr=client_addr,
            detail={"messages": campaign.messages.count()},
        )
        _enqueue_dispatch(campaign.pk)
    return campaign


def _control(
    *,
    actor: User,
    campaign: SmsCampaign,
    to: str,
    allowed_from: tuple[str, ...],
    capability: Capability,
    client_addr: str,
) -> SmsCampaign:
    _require(actor, capability)
    with transaction.atomic(durable=True):
        campaign = SmsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in allowed_from:
            raise ValidationError(_("この状態のキャンペーンには行えません。"))
        before = campaign.status
        campaign.status = to
        fields = ["status"]
        if to == SmsCampaign.Status.CANCELLED:
            # What was not handed to the provider yet is never sent.
            campaign.messages.filter(status=SmsMessage.Status.QUEUED).update(
                status=SmsMessage.Status.CANCELLED
            )
            campaign.finished_at = timezone.now()
            fields.append("finished_at")
        campaign.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="sms_campaign_control",
            object_type="sms_campaign",
            object_id=str(campaign.pk),
            client_addr=client_addr,
            detail={"from": before, "to": to},
        )
        if to == SmsCampaign.Status.RUNNING:
            _enqueue_dispatch(campaign.pk)
    return campaign


def sms_campaign_pause(*, actor: User, campaign: SmsCampaign, client_addr: str = "") -> SmsCampaign:
    return _control(
        actor=actor,
        campaign=campaign,
        to=SmsCampaign.Status.PAUSED,
        capability=Capability.STOP_SMS_CAMPAIGNS,
        allowed_from=(SmsCampaign.Status.RUNNING,),
        client_addr=client_addr,
    )


def sms_campaign_resume(
    *, actor: User, campaign: SmsCampaign, client_addr: str = ""
) -> SmsCampaign:
    return _control(
        actor=actor,
        campaign=campaign,
        to=SmsCampaign.Status.RUNNING,
        capability=Capability.RUN_SMS_CAMPAIGNS,
        allowed_from=(SmsCampaign.Status.PAUSED,),
        client_addr=client_addr,
    )


def sms_campaign_cancel(
    *, actor: User, campaign: SmsCampaign, client_addr: str = ""
) -> SmsCampaign:
    return _control(
        actor=actor,
        campaign=campaign,
        to=SmsCampaign.Status.CANCELLED,
        capability=Capability.STOP_SMS_CAMPAIGNS,
        allowed_from=(
            SmsCampaign.Status.PENDING,
            SmsCampaign.Status.RUNNING,
            SmsCampaign.Status.PAUSED,
        ),
        client_addr=client_addr,
    )
