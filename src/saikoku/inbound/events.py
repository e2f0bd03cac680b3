"""The internal events both ways in produce, and how a call's state follows from them.

`Event` is what the webhook's JSON and the AMI listener's mapping turn into. A call's
state is a function of the set of its events (`call_state`), never of their order:
an `ended` that arrives before its `answered`, or a delivery repeated by the PBX,
leads to the same call as the events in order would (tests/inbound/test_events.py
checks it over every ordering).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from saikoku.core.phones import phone_search_digits

KINDS = ("ringing", "answered", "ended", "transferred")


@dataclass(frozen=True)
class Event:
    kind: str  # one of KINDS
    call_id: str
    at: dt.datetime  # aware
    caller: str = ""  # national digits, "" when withheld (非通知)
    dialled: str = ""
    extension: str = ""  # who answered (answered), who transferred (transferred)
    transfer_to: str = ""
    channel: str = ""  # the caller's Asterisk channel (AMI only)


@dataclass(frozen=True)
class CallFacts:
    """What a call's events say, whatever order they came in."""

    state: str  # ringing | answered | ended | abandoned
    caller: str
    dialled: str
    extension: str
    channel: str
    ringing_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    transferred_to: str


def caller_digits(raw: str) -> str:
    """The caller's number as national digits; "" for a withheld or unreadable one
    ("anonymous", "非通知", "" all mean the same to the operator: search by hand)."""
    return phone_search_digits(raw or "") or ""


def _first(values: Iterable[str]) -> str:
    return next((v for v in values if v), "")


def call_state(events: Iterable[Event]) -> CallFacts:
    """The call the events describe. Ties are broken by the event's fields, so the
    result never depends on arrival order."""
    ordered = sorted(
        set(events),
        key=lambda e: (e.at, KINDS.index(e.kind), e.extension, e.transfer_to, e.caller),
    )
    if not ordered:
        raise ValueError("a call has at least one event")
    ringing = [e for e in ordered if e.kind == "ringing"]
    answered = [e for e in ordered if e.kind == "answered"]
    ended = [e for e in ordered if e.kind == "ended"]
    transferred = [e for e in ordered if e.kind == "transferred"]
    if ended:
        state = "ended" if answered else "abandoned"
    elif answered:
        state = "answered"
    else:
        state = "ringing"
    return CallFacts(
        state=state,
        caller=_first(e.caller for e in ordered),
        dialled=_first(e.dialled for e in ordered),
        # The first to answer is the operator whose screen pops.
        extension=answered[0].extension if answered else "",
        channel=_first(e.channel for e in ordered),
        # A call seen first as answered (no ringing event) rang when it was answered.
        ringing_at=ringing[0].at if ringing else (answered[0].at if answered else None),
        answered_at=answered[0].at if answered else None,
        ended_at=ended[-1].at if ended else None,
        transferred_to=transferred[-1].transfer_to if transferred else "",
    )


__all__ = ["KINDS", "CallFacts", "Event", "call_state", "caller_digits"]
