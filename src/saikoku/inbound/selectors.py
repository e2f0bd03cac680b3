"""Reads of the inbound app: the operator's current call and its matches (the screen
pop), the ward staff's transfers, and the supervisor's live board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from saikoku.core.roles import Capability, user_can
from saikoku.inbound.models import (
    CallState,
    InboundCall,
    PaymentGuidance,
    Transfer,
    TransferStatus,
)
from saikoku.people.models import Phone
from saikoku.people.selectors import SearchResult, search_payers

# How long after it was answered a call stays the operator's (to record it).
CALL_HOLD = dt.timedelta(hours=2)

__all__ = [
    "Board",
    "answered_a_call_from",
    "board",
    "call_for_user",
    "call_matches",
    "current_call",
    "current_transfer",
    "department_transfers",
    "payment_guidance",
    "transfer_for_user",
]


def answered_a_call_from(user: Any, resident_id: int) -> bool:
    """Work source (core.permissions): the payer is the one chosen on, or whose number
    rang, a call this user answered in the last CALL_HOLD."""
    since = timezone.now() - CALL_HOLD
    calls = InboundCall.objects.filter(operator_id=user.pk, answered_at__gte=since)
    if calls.filter(payer_id=resident_id).exists():
        return True
    digits = Phone.objects.filter(resident_id=resident_id).exclude(digits="").values("digits")
    return calls.filter(caller__in=digits).exists()


def current_call(user: Any) -> int | None:
    """The id of the call answered at the user's extension that is still to be
    recorded, newest first: what the poll asks every half second (one indexed query)."""
    if not getattr(user, "extension", ""):
        return None
    return (
        InboundCall.objects.filter(
            operator_id=user.pk,
            contact_record__isnull=True,
            answered_at__gte=timezone.now() - CALL_HOLD,
        )
        .exclude(state=CallState.ABANDONED)
        .order_by("-answered_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def call_for_user(user: Any, call_id: int) -> InboundCall:
    """One of the user's own calls (another operator's is a 404)."""
    call = InboundCall.objects.filter(pk=call_id, operator_id=user.pk).first()
    if call is None:
        raise Http404
    return call


def call_matches(user: Any, call: InboundCall, *, client_addr: str = "") -> SearchResult | None:
    """The payers the caller's number belongs to, through the payer search (its scope,
    its audit entry); None for a withheld number (search by hand)."""
    if not call.caller:
        return None
    return search_payers(user, call.caller, client_addr=client_addr)


def payment_guidance(levies: list[str]) -> list[PaymentGuidance]:
    """The how-to-pay texts of these levies, in the levies' order."""
    texts = {g.levy: g for g in PaymentGuidance.objects.filter(levy__in=levies)}
    return [texts[levy] for levy in levies if levy in texts]


def department_transfers(user: Any) -> QuerySet[Transfer]:
    """The transfers of the user's department still waiting, oldest first; ward staff
    of another department see none."""
    if not user_can(user, Capability.WORK_DEPARTMENT_QUEUE):
        return Transfer.objects.none()
    return (
        Transfer.objects.filter(
            department=user.department,
            status__in=[TransferStatus.RINGING, TransferStatus.CALLBACK],
        )
        .select_related("payer", "call", "created_by")
        .order_by("created_at", "pk")
    )


def current_transfer(user: Any) -> int | None:
    """The id of the transfer the ward clerk took last (at their phone, which the phone
    system reported, or with "accept") in the last CALL_HOLD: what their screen pops."""
    if not user_can(user, Capability.WORK_DEPARTMENT_QUEUE):
        return None
    return (
        Transfer.objects.filter(
            accepted_by_id=user.pk,
            department=user.department,
            accepted_at__gte=timezone.now() - CALL_HOLD,
        )
        .order_by("-accepted_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def transfer_for_user(user: Any, transfer_id: int) -> Transfer:
    transfer = (
        Transfer.objects.filter(pk=transfer_id, department=getattr(user, "department", ""))
        .select_related("payer", "call")
        .first()
    )
    if transfer is None or not user_can(user, Capability.WORK_DEPARTMENT_QUEUE):
        raise Http404
    return transfer


@dataclass
class Board:
    ringing: list[InboundCall] = field(default_factory=list)
    answered: list[InboundCall] = field(default_factory=list)
    abandoned_today: int = 0
    answered_today: int = 0
    transfers_waiting: list[Transfer] = field(default_factory=list)
    now: dt.datetime = field(default_factory=timezone.now)


def board(*, now: dt.datetime | None = None) -> Board:
    """The supervisor's live board: calls ringing (with their waiting time), calls in
    progress per operator, today's abandoned and answered counts, transfers waiting.
    No payer data: numbers and names stay on the operators' screens."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today = InboundCall.objects.filter(Q(ringing_at__gte=start) | Q(answered_at__gte=start))
    return Board(
        ringing=list(
            InboundCall.objects.filter(
                state=CallState.RINGING, updated_at__gte=now - CALL_HOLD
            ).order_by("ringing_at")
        ),
        answered=list(
            InboundCall.objects.filter(state=CallState.ANSWERED, updated_at__gte=now - CALL_HOLD)
            .select_related("operator")
            .order_by("answered_at")
        ),
        abandoned_today=today.filter(state=CallState.ABANDONED).count(),
        answered_today=today.filter(answered_at__isnull=False).count(),
        transfers_waiting=list(
            Transfer.objects.filter(
                status__in=[TransferStatus.RINGING, TransferStatus.CALLBACK]
            ).order_by("created_at")
        ),
        now=now,
    )
