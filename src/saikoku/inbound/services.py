"""Writes of the inbound app: events in (cti_event_accept, call_event_apply), what the
operator does on the call (inbound_payer_choose, inbound_call_record,
inbound_task_request) and the transfer to ward staff (transfer_request,
transfer_accept, transfers_expire)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from saikoku.backoffice.models import Task, TaskKind, TaskReason
from saikoku.core.audit import audit_record
from saikoku.core.dates import TOKYO
from saikoku.core.models import DEPARTMENT_LEVIES
from saikoku.core.permissions import payer_for_user
from saikoku.inbound.events import KINDS, Event, call_state, caller_digits
from saikoku.inbound.handoff import handoff_task_create
from saikoku.inbound.models import (
    CtiEvent,
    InboundCall,
    SeenSignature,
    Transfer,
    TransferReason,
    TransferStatus,
)
from saikoku.inbound.phone import phone_transfer, transfer_target
from saikoku.inbound.signature import WINDOW_SECONDS, signature_problem
from saikoku.inbound.wakeup import wake
from saikoku.outreach.models import Channel, ContactRecord
from saikoku.outreach.records.selectors import departments_owed, unpaid_balance
from saikoku.outreach.records.services import CallOutcome, contact_record_create

if TYPE_CHECKING:
    from saikoku.core.models import User

logger = logging.getLogger(__name__)

__all__ = [
    "call_event_apply",
    "cti_event_accept",
    "event_from_json",
    "inbound_call_record",
    "inbound_payer_choose",
    "inbound_task_request",
    "transfer_accept",
    "transfer_request",
    "transfers_expire",
]


# --- events in --------------------------------------------------------------------


def cti_event_accept(
    *, timestamp: str, signature: str, body: bytes, now: dt.datetime | None = None
) -> str:
    """ "" when the webhook request may be believed, else why not (bad_signature,
    stale, bad_timestamp, no_secret, replay). A believed signature is stored for the
    window, so the same request again is refused as a replay."""
    now = now or timezone.now()
    problem = signature_problem(
        secret=settings.SAIKOKU_CTI_SECRET,
        timestamp=timestamp,
        signature=signature,
        body=body,
        now=now.timestamp(),
    )
    if problem:
        return problem
    # Twice the window: a timestamp may be up to WINDOW_SECONDS ahead of our clock.
    SeenSignature.objects.filter(
        seen_at__lt=now - dt.timedelta(seconds=2 * WINDOW_SECONDS)
    ).delete()
    try:
        with transaction.atomic():
            SeenSignature.objects.create(signature=signature.removeprefix("sha256="), seen_at=now)
    except IntegrityError:
        return "replay"
    return ""


def event_from_json(body: bytes) -> Event:
    """The webhook body as an Event; ValueError says what is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("body is not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("body is not a JSON object")
    kind = data.get("event")
    if kind not in KINDS:
        raise ValueError(f"event must be one of {', '.join(KINDS)}")
    call_id = data.get("call_id")
    if not isinstance(call_id, str) or not call_id or len(call_id) > 100:
        raise ValueError("call_id must be a string of 1 to 100 characters")
    fields = {}
    for name in ("from", "to", "extension", "transfer_to"):
        value = data.get(name, "")
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(f"{name} must be a string of at most 40 characters")
        fields[name] = value.strip()
    at = parse_datetime(data.get("at", "")) if isinstance(data.get("at"), str) else None
    if at is None:
        raise ValueError("at must be an ISO 8601 date and time")
    if timezone.is_naive(at):
        at = at.replace(tzinfo=TOKYO)  # the PBX's local time is Tokyo's
    if kind == "answered" and not fields["extension"]:
        raise ValueError("answered needs the extension")
    if kind == "transferred" and not fields["transfer_to"]:
        raise ValueError("transferred needs transfer_to")
    return Event(
        kind=kind,
        call_id=call_id,
        at=at,
        caller=caller_digits(fields["from"]),
        dialled=caller_digits(fields["to"]) or fields["to"][:20],
        extension=fields["extension"][:20],
        transfer_to=fields["transfer_to"][:20],
    )


def _answering_user(extension: str) -> User | None:
    from saikoku.core.models import User
    from saikoku.core.roles import Capability, roles_with

    if not extension:
        return None
    return (
        User.objects.filter(
            extension=extension, is_active=True, role__in=roles_with(Capability.ANSWER_INBOUND)
        )
        .order_by("pk")
        .first()
    )


def _ward_clerk(extension: str) -> User | None:
    """The ward staff member whose phone is this extension."""
    from saikoku.core.models import User
    from saikoku.core.roles import Capability, roles_with

    if not extension:
        return None
    return (
        User.objects.filter(
            extension=extension,
            is_active=True,
            role__in=roles_with(Capability.WORK_DEPARTMENT_QUEUE),
        )
        .exclude(department="")
        .order_by("pk")
        .first()
    )


def _transfers_answered(*, call: InboundCall, extension: str, now: dt.datetime) -> list[Transfer]:
    """The phone system says the call was answered at a ward clerk's extension (after
    a transfer, alone or in the ring group): the clerk takes their department's
    transfer of the call, and its task, as "accept" does; their screen pops it."""
    clerk = _ward_clerk(extension)
    if clerk is None:
        return []
    taken = []
    for transfer in Transfer.objects.filter(
        call=call,
        department=clerk.department,
        status__in=[TransferStatus.RINGING, TransferStatus.CALLBACK],
    ).select_related("task"):
        with contextlib.suppress(ValidationError):  # taken meanwhile by "accept"
            taken.append(transfer_accept(actor=clerk, transfer=transfer, now=now))
    return taken


def call_event_apply(*, event: Event, source: str, now: dt.datetime | None = None) -> InboundCall:
    """Stores the event (a repeat is stored once) and brings the call up to date with
    everything known of it. Safe under concurrent deliveries: the call row is locked
    while its state is recomputed from all its events. An answer at a ward clerk's
    extension hands them the call's transfer (_transfers_answered)."""
    now = now or timezone.now()
    with transaction.atomic():
        CtiEvent.objects.bulk_create(
            [
                CtiEvent(
                    call_id=event.call_id,
                    kind=event.kind,
                    caller=event.caller,
                    dialled=event.dialled,
                    extension=event.extension,
                    transfer_to=event.transfer_to,
                    channel=event.channel,
                    at=event.at,
                    received_at=now,
                    source=source,
                )
            ],
            ignore_conflicts=True,
        )
        call, _created = InboundCall.objects.get_or_create(
            call_id=event.call_id, defaults={"state": "ringing", "updated_at": now}
        )
        call = InboundCall.objects.select_for_update().get(pk=call.pk)
        facts = call_state(
            Event(
                kind=e.kind,
                call_id=e.call_id,
                at=e.at,
                caller=e.caller,
                dialled=e.dialled,
                extension=e.extension,
                transfer_to=e.transfer_to,
                channel=e.channel,
            )
            for e in CtiEvent.objects.filter(call_id=event.call_id)
        )
        operator = call.operator
        if facts.extension != call.extension or operator is None:
            operator = _answering_user(facts.extension)
        for name in (
            "state",
            "caller",
            "dialled",
            "extension",
            "channel",
            "ringing_at",
            "answered_at",
            "ended_at",
            "transferred_to",
        ):
            setattr(call, name, getattr(facts, name))
        call.operator = operator
        call.updated_at = now
        call.save()
        if operator is not None:
            wake(operator.pk)  # their pop, waiting on the server, answers on commit
        if event.kind == "transferred":
            # The ward staff's phone is ringing: their screen shows the transfer.
            Transfer.objects.filter(
                call=call, extension=event.transfer_to, status=TransferStatus.RINGING
            ).update(created_at=now)
    if event.kind == "answered" and event.extension != call.extension:
        # Not the operator's own answer: perhaps the ward staff's, after a transfer
        # (the task's acceptance is its own transaction, after the event's).
        _transfers_answered(call=call, extension=event.extension, now=now)
    return call


# --- the operator's call -------------------------------------------------------------


def _own_call(actor: User, call: InboundCall) -> None:
    if call.operator_id != actor.pk:
        raise PermissionDenied


def inbound_payer_choose(
    *, actor: User, call: InboundCall, payer_id: int, client_addr: str = ""
) -> InboundCall:
    """The payer this call is about (the operator chose among the matches or found
    them by hand); the access is audited through payer_for_user."""
    _own_call(actor, call)
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
    _own_call(actor, call)
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
    _own_call(actor, call)
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


# --- transfers to ward staff --------------------------------------------------------

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
    _own_call(actor, call)
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
