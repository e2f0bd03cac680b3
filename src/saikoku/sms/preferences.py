"""The payer's wishes for texts, recorded on the payer page: not to be texted
(outreach's ContactPreference, which eligibility reads for every channel) and the
language of their texts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.core.roles import Capability, user_can
from saikoku.outreach.models import ContactPreference
from saikoku.people.models import Resident
from saikoku.sms.models import SmsPayerPreference
from saikoku.sms.policy import LANGUAGES

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = ["sms_preference_record"]


def _require(actor: Any, capability: Capability) -> None:
    if not user_can(actor, capability):
        raise PermissionDenied


def sms_preference_record(
    *,
    actor: User,
    payer: Resident,
    do_not_text: bool,
    language: str,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> None:
    """Records on the payer page that the payer asked not to be texted (outreach's
    ContactPreference, which eligibility reads) and the language for their texts
    ("" = by nationality)."""
    _require(actor, Capability.RECORD_SMS_PREFERENCES)
    now = now or timezone.now()
    if language and language not in LANGUAGES:
        raise ValidationError(_("言語を一覧から選んでください。"))
    with transaction.atomic(durable=True):
        preference, _created = ContactPreference.objects.get_or_create(payer=payer)
        preference.do_not_text = do_not_text
        preference.save(update_fields=["do_not_text", "updated_at"])
        if language:
            SmsPayerPreference.objects.update_or_create(
                payer=payer,
                defaults={"language": language, "recorded_by": actor, "recorded_at": now},
            )
        else:
            SmsPayerPreference.objects.filter(payer=payer).delete()
        audit_record(
            actor=actor,
            action="sms_preference",
            object_type="resident",
            object_id=payer.resident_no,
            client_addr=client_addr,
            detail={"do_not_text": do_not_text, "language": language},
        )
