"""The phone system's events in: the signed webhook's check (`cti_event_accept`), its
body as an Event (`event_from_json`) and `call_event_apply`, which stores an event and
brings the call up to date with everything known of it (webhook and AMI alike).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from saikoku.core.dates import TOKYO
from saikoku.inbound.events import KINDS, Event, call_state, caller_digits
from saikoku.inbound.models import CtiEvent, InboundCall, SeenSignature, Transfer, TransferStatus
from saikoku.inbound.services.transfers import transfer_accept
from saikoku.inbound.signature import WINDOW_SECONDS, signature_problem
from saikoku.inbound.wakeup import wake

if TYPE_CHECKING:
    from saikoku.core.models import User


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
