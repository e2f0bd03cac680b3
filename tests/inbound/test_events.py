"""A call's state follows from the set of its events, whatever order and however many
times they arrive."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saikoku.inbound.events import Event, call_state
from saikoku.inbound.models import InboundCall
from saikoku.inbound.services import call_event_apply

T0 = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)


def _call(*kinds: str) -> list[Event]:
    fields = {
        "ringing": {"caller": "09012345678", "dialled": "0312345678"},
        "answered": {"extension": "201"},
        "ended": {},
        "transferred": {"extension": "201", "transfer_to": "301"},
    }
    return [
        Event(kind=k, call_id="c", at=T0 + dt.timedelta(seconds=10 * i), **fields[k])
        for i, k in enumerate(kinds)
    ]


CALLS = [
    _call("ringing"),
    _call("ringing", "answered"),
    _call("ringing", "answered", "ended"),
    _call("ringing", "ended"),  # abandoned before answer
    _call("ringing", "answered", "transferred", "ended"),
]


def test_states_in_order():
    assert [call_state(c).state for c in CALLS] == [
        "ringing",
        "answered",
        "ended",
        "abandoned",
        "ended",
    ]
    facts = call_state(CALLS[4])
    assert facts.transferred_to == "301"
    assert facts.extension == "201"
    assert (facts.ended_at - facts.answered_at).total_seconds() == 20


@st.composite
def deliveries(draw):
    """A call's events in any order, some delivered more than once."""
    events = draw(st.sampled_from(CALLS))
    repeated = events + draw(st.lists(st.sampled_from(events), max_size=4))
    return events, draw(st.permutations(repeated))


@given(deliveries())
def test_any_order_and_any_repeats_give_the_call_of_the_events_in_order(case):
    events, delivered = case
    assert call_state(delivered) == call_state(events)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None)
@given(deliveries())
def test_the_stored_call_is_the_same_whatever_the_delivery(case):
    events, delivered = case
    InboundCall.objects.all().delete()
    from saikoku.inbound.models import CtiEvent

    CtiEvent.objects.all().delete()
    for e in delivered:
        call = call_event_apply(event=e, source="webhook", now=T0)
    expected = call_state(events)
    assert call.state == expected.state
    assert call.answered_at == expected.answered_at
    assert call.ended_at == expected.ended_at
    assert call.caller == "09012345678"
    assert CtiEvent.objects.count() == len(events)  # a repeat is stored once


def test_an_ended_before_its_answered_still_gives_the_talk_time():
    ringing, answered, ended = _call("ringing", "answered", "ended")
    facts = call_state([ended, ringing, answered])
    assert facts.state == "ended"
    assert facts.answered_at == answered.at
