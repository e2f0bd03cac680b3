"""The outcome keys and the formats the call screen and the amend form read back."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from saikoku.core.dates import format_wareki
from saikoku.core.money import format_yen, parse_yen
from saikoku.outreach.calls.forms import parse_promise_date
from saikoku.outreach.outcomes import OUTCOMES, RESERVED_KEYS, outcome_choices

TODAY = dt.date(2025, 11, 5)


def test_every_outcome_has_its_own_key_that_no_other_shortcut_takes():
    keys = [o.key for o in OUTCOMES.values()]
    assert all(len(k) == 1 and k == k.lower() for k in keys)
    assert len(set(keys)) == len(keys)
    assert not set(keys) & RESERVED_KEYS


def test_keys_and_order_do_not_change_with_the_identity_state():
    before = outcome_choices(identity_verified=False)
    after = outcome_choices(identity_verified=True)
    assert [(c.key, c.outcome.code) for c in before] == [(c.key, c.outcome.code) for c in after]
    assert all(c.enabled for c in after)
    assert {c.outcome.code for c in before if not c.enabled} == {
        code for code, o in OUTCOMES.items() if o.needs_identity
    }


@given(st.dates(min_value=dt.date(1989, 1, 8), max_value=dt.date(2099, 12, 31)))
def test_a_date_as_the_console_shows_it_reads_back_as_that_date(day):
    assert parse_promise_date(format_wareki(day), today=TODAY) == day
    assert parse_promise_date(format_wareki(day, western=False), today=TODAY) == day
    assert parse_promise_date(day.isoformat(), today=TODAY) == day


@given(st.integers(min_value=0, max_value=10**12))
def test_an_amount_as_the_console_shows_it_reads_back_as_that_amount(amount):
    assert parse_yen(format_yen(amount)) == amount
