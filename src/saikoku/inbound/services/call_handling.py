"""What the operator does on an inbound call: choose the payer it is about
(`inbound_payer_choose`), record it as a contact record (`inbound_call_record`) and
hand the back office a request from the guidance panel (`inbound_task_request`).
Only the operator who answered the call may (`own_call_required`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.models import TaskKind, TaskReason
from saikoku.core.audit import audit_record
from saikoku.core.permissions import payer_for_user
from saikoku.inbound.handoff import handoff_task_create
from saikoku.inbound.models import InboundCall
from saikoku.outreach.models import Channel, ContactRecord
from saikoku.outreach.records.selectors import departments_owed, unpaid_balance
from saikoku.outreach.records.services import CallOutcome, contact_record_create

if TYPE_CHECKING:
    from saikoku.core.models import User


def own_call_required(actor: User, call: InboundCall) -> None:
    """PermissionDenied unless `actor` is the operator who answered `call`."""
    if call.operator_id != actor.pk:
        raise PermissionDenied


def inbound_payer_choose(
    *, actor: User, call: InboundCall, payer_id: int, client_addr: str = ""
) -> InboundCall:
    """The payer this call is about (the operator chose among the matches or found
    them by hand); the access is audited through payer_for_user."""
    own_call_required(actor, call)
    with transaction.atomic():
        payer_for_user(actor, payer_id, purpose="inbound_call")
        call.payer_id = payer_id
        call.save(update_fields=["payer"])
    return call


def inbound_call_record(
    *,
    actor: User,
    call: InboundCall,
    said: CallOutcome,
    identity_verified: bool,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> ContactRecord:
    """The call as a contact record of channel inbound_call, with the outcome codes
    of outbound calls (promises, callbacks and tasks follow as they do there). Start,
    end and duration are the call's own (InboundCall, linked one to one)."""
    own_call_required(actor, call)
    if call.payer_id is None:
        raise ValidationError(_("先に納付義務者を選んでください。"), code="payer")
    if call.contact_record_id is not None:
        raise ValidationError(_("この受電はすでに記録されています。"), code="recorded")
    record = contact_record_create(
        actor=actor,
        payer_id=call.payer_id,
        said=CallOutcome(**{**said.__dict__, "channel": Channel.INBOUND_CALL}),
        identity_verified=identity_verified,
        now=now or timezone.now(),
        client_addr=client_addr,
    )
    InboundCall.objects.filter(pk=call.pk, contact_record__isnull=True).update(
        contact_record=record
    )
    call.contact_record = record
    return record


# What the guidance panel's two buttons hand to the back office.
TASK_REQUESTS = {
    # The back office's own kind: the center reissues the slip of the department's levy.
    "reissue": (TaskKind.REISSUE_SLIP, "", _("納付書の再発行依頼")),
    "already_paid": (TaskKind.VERIFY_PAYMENT, TaskReason.CLAIMS_PAID, _("納付済みとの申出")),
}


def inbound_task_request(
    *,
    actor: User,
    call: InboundCall,
    request: str,
    identity_verified: bool,
    note: str = "",
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> list[int]:
    """ "Reissue a payment slip" or "already paid": one task per department of the
    levies owed (or billed), as an outcome's tasks are. Only after the identity gate:
    the request is about the debt."""
    own_call_required(actor, call)
    if not identity_verified:
        raise ValidationError(_("本人確認の後で依頼してください。"), code="identity")
    if call.payer_id is None or request not in TASK_REQUESTS:
        raise ValidationError(_("先に納付義務者を選んでください。"), code="payer")
    kind, reason, label = TASK_REQUESTS[request]
    now = now or timezone.now()
    summary = f"{label}（{_('受電')}）" + (f"\n{note.strip()}" if note.strip() else "")
    with transaction.atomic(durable=True):
        owed = unpaid_balance(call.payer_id)
        tasks = [
            handoff_task_create(
                actor=actor,
                payer_id=call.payer_id,
                kind=kind,
                reason=reason,
                summary=summary,
                department=department,
                now=now,
            ).pk
            for department in departments_owed(owed, call.payer_id)
        ]
        audit_record(
            actor=actor,
            action="inbound_task",
            object_type="inbound_call",
            object_id=str(call.pk),
            client_addr=client_addr,
            detail={"request": request, "tasks": tasks, "payer_id": call.payer_id},
        )
    return tasks
