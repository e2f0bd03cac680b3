"""Transfers of an inbound call to ward staff: `transfer_request` (a task in each
department's queue and one live transfer asked of the phone system),
`transfer_accept` (the clerk who picked up takes it, and its task) and
`transfers_expire` (a transfer nobody took becomes a call-back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.backoffice.models import Task, TaskKind, TaskReason
from saikoku.core.audit import audit_record
from saikoku.core.models import DEPARTMENT_LEVIES
from saikoku.inbound.handoff import handoff_task_create
from saikoku.inbound.models import InboundCall, Transfer, TransferReason, TransferStatus
from saikoku.inbound.phone import phone_transfer, transfer_target
from saikoku.inbound.services.call_handling import own_call_required
from saikoku.inbound.wakeup import wake

if TYPE_CHECKING:
    from saikoku.core.models import User

_TRANSFER_TASK_REASONS: dict[str, str] = {
    TransferReason.WANTS_PLAN: TaskReason.WANTS_PLAN,
    TransferReason.HARDSHIP: TaskReason.HARDSHIP,
    TransferReason.DISPUTE: TaskReason.DISPUTE,
}


def departments_for_levies(levies: list[str]) -> list[str]:
    """The departments of the levies concerned, both when both are (tax: RT, LV; nhi: NH)."""
    return [dept for dept, own in DEPARTMENT_LEVIES.items() if set(levies) & set(own)]


def transfer_request(
    *,
    actor: User,
    call: InboundCall,
    reason: str,
    summary: str,
    levies: list[str],
    identity_verified: bool,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> list[Transfer]:
    """Hands the call to the ward staff of the departments concerned: a task with the
    summary in each department's queue (the call-back when nobody picks up), and one
    live transfer asked of the phone system: to the department's extension, or for
    both departments to the ring group that rings both (phone.transfer_target)."""
    own_call_required(actor, call)
    if call.payer_id is None:
        raise ValidationError(_("先に納付義務者を選んでください。"), code="payer")
    if not identity_verified:
        raise ValidationError(
            _("本人確認ができていない相手は区職員へ転送できません。折返し依頼を記録してください。"),
            code="identity",
        )
    if reason not in TransferReason.values:
        raise ValidationError(_("転送の理由を選んでください。"), code="reason")
    if not summary.strip():
        raise ValidationError(_("区職員への引継ぎ内容を入力してください。"), code="summary")
    departments = departments_for_levies(levies)
    if not departments:
        raise ValidationError(_("関係する税目を選んでください。"), code="levies")
    now = now or timezone.now()
    label = TransferReason(reason).label
    target = transfer_target(departments)
    with transaction.atomic(durable=True):
        transfers = []
        for department in departments:
            task = handoff_task_create(
                actor=actor,
                payer_id=call.payer_id,
                kind=TaskKind.ESCALATION,
                reason=_TRANSFER_TASK_REASONS.get(reason, TaskReason.OTHER),
                summary=f"{label}（{_('受電からの転送')}）\n{summary.strip()}",
                department=department,
                now=now,
                contact_record=call.contact_record,
            )
            transfers.append(
                Transfer.objects.create(
                    call=call,
                    payer_id=call.payer_id,
                    department=department,
                    reason=reason,
                    summary=summary.strip(),
                    extension=target,
                    task=task,
                    created_by=actor,
                    created_at=now,
                )
            )
        audit_record(
            actor=actor,
            action="inbound_transfer",
            object_type="inbound_call",
            object_id=str(call.pk),
            client_addr=client_addr,
            detail={
                "departments": departments,
                "reason": reason,
                "tasks": [t.task_id for t in transfers],
                "payer_id": call.payer_id,
            },
        )
        # The phone: one live transfer, to the extension (or ring group) that rings
        # every department concerned.
        if target:
            transaction.on_commit(lambda: phone_transfer(call=call, extension=target))
    return transfers


def transfer_accept(
    *, actor: User, transfer: Transfer, now: dt.datetime | None = None, client_addr: str = ""
) -> Transfer:
    """The ward clerk who picked up takes the transfer, and with it its task."""
    from saikoku.backoffice.services import task_accept

    if getattr(actor, "department", "") != transfer.department:
        raise PermissionDenied
    now = now or timezone.now()
    taken = Transfer.objects.filter(
        pk=transfer.pk, status__in=[TransferStatus.RINGING, TransferStatus.CALLBACK]
    ).update(status=TransferStatus.ACCEPTED, accepted_by=actor, accepted_at=now)
    if not taken:
        raise ValidationError(_("この転送はすでに受け付けられています。"), code="taken")
    wake(actor.pk)  # the clerk's screen pops the transfer they took
    if transfer.task is not None:
        # The task may have been taken from the queue meanwhile: the transfer stands.
        with contextlib.suppress(ValidationError):
            task_accept(actor=actor, task=transfer.task, now=now, client_addr=client_addr)
    transfer.refresh_from_db()
    return transfer


def transfers_expire(*, now: dt.datetime | None = None, after_seconds: int | None = None) -> int:
    """Live transfers nobody took within `after_seconds` (SAIKOKU_CTI_TRANSFER_TIMEOUT)
    become call-backs: the task in the department's queue (made with the transfer, or
    made now when it has none) says so above the operator's summary. Each one once,
    in its own transaction with its audit entry (`saikoku inbound-unanswered`, and
    every look at the transfers page). The number turned."""
    now = now or timezone.now()
    seconds = settings.SAIKOKU_CTI_TRANSFER_TIMEOUT if after_seconds is None else after_seconds
    limit = now - dt.timedelta(seconds=seconds)
    turned = 0
    for transfer in Transfer.objects.filter(
        status=TransferStatus.RINGING, created_at__lt=limit
    ).select_related("task", "created_by"):
        with transaction.atomic():
            # Conditional: a clerk's "accept" or another sweep may come first.
            if not Transfer.objects.filter(pk=transfer.pk, status=TransferStatus.RINGING).update(
                status=TransferStatus.CALLBACK
            ):
                continue
            line = _("【折返し】転送に区職員が応答しませんでした（%(at)s）。") % {
                "at": timezone.localtime(transfer.created_at).strftime("%Y-%m-%d %H:%M")
            }
            task = transfer.task
            if task is None:
                task = handoff_task_create(
                    actor=transfer.created_by,
                    payer_id=transfer.payer_id,
                    kind=TaskKind.ESCALATION,
                    reason=_TRANSFER_TASK_REASONS.get(transfer.reason, TaskReason.OTHER),
                    summary=f"{line}\n{transfer.summary}",
                    department=transfer.department,
                    now=now,
                    contact_record=transfer.call.contact_record,
                )
                Transfer.objects.filter(pk=transfer.pk).update(task=task)
            elif not task.is_finished:
                Task.objects.filter(pk=task.pk).update(summary=f"{line}\n{task.summary}")
            audit_record(
                actor=None,
                action="inbound_transfer_unanswered",
                object_type="inbound_call",
                object_id=str(transfer.call_id),
                detail={"department": transfer.department, "task": task.pk, "seconds": seconds},
            )
            turned += 1
    return turned
