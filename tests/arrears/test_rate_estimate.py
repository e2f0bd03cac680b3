"""A day in a year whose rate is not published yet: the engine computes it with the
last known rate and says which years are estimates (見込み), instead of refusing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saikoku.arrears.late_charge import (
    LevyRules,
    Payment,
    RateNotPublished,
    RateTable,
    RateYear,
    compute_late_charge,
    shipped_rate_table,
)

D = dt.date
LAST = max(shipped_rate_table().years)  # the last year shipped with the release


def charge(principal, due, on, **kwargs):
    return compute_late_charge(levy="RT", principal=principal, due_date=due, on=on, **kwargs)


def test_a_plain_table_still_refuses_a_year_without_a_rate():
    with pytest.raises(RateNotPublished) as caught:
        charge(100_000, D(LAST, 6, 30), D(LAST + 1, 1, 5))
    assert caught.value.args[0] == LAST + 1


def test_an_estimating_table_uses_the_last_known_rate_and_marks_the_year():
    estimating = shipped_rate_table().estimating()
    result = charge(100_000, D(LAST, 6, 30), D(LAST + 1, 1, 15), rates=estimating)
    last = shipped_rate_table().rate_year(LAST)
    assert result.estimated_years == (LAST + 1,)
    assert [s.estimated for s in result.segments] == [False, False, True]
    assert result.segments[-1].rate_percent == last.higher
    entry = estimating.rate_year(LAST + 1)
    assert entry.estimated and str(LAST) in entry.source


def test_known_years_are_never_estimates():
    result = charge(
        100_000, D(LAST - 1, 6, 30), D(LAST, 12, 31), rates=shipped_rate_table().estimating()
    )
    assert result.estimated_years == ()
    assert not any(s.estimated for s in result.segments)


def test_a_registered_year_ends_the_estimate():
    registered = RateYear(LAST + 1, Decimal("3.0"), Decimal("9.3"), source="告示")
    table = shipped_rate_table().estimating().merged([registered])
    result = charge(100_000, D(LAST, 6, 30), D(LAST + 2, 2, 1), rates=table)
    assert result.estimated_years == (LAST + 2,)
    assert table.last_year == LAST + 1
    assert table.rate_year(LAST + 2).higher == Decimal("9.3")


def test_years_far_ahead_are_all_named():
    result = charge(
        100_000, D(LAST, 6, 30), D(LAST + 3, 3, 1), rates=shipped_rate_table().estimating()
    )
    assert result.estimated_years == (LAST + 1, LAST + 2, LAST + 3)


def test_an_estimated_stretch_is_not_joined_with_a_known_one():
    # With segments joined where the rate is unchanged, the estimated year (same rate as
    # the last known one) still stands apart, so the mark covers exactly its days.
    rules = LevyRules(split_every_new_year=False)
    result = charge(
        100_000,
        D(LAST, 6, 30),
        D(LAST + 2, 1, 31),
        rates=shipped_rate_table().estimating(),
        rules=rules,
    )
    estimated = [s for s in result.segments if s.estimated]
    assert len(estimated) == 1
    assert (estimated[0].start, estimated[0].end) == (D(LAST + 1, 1, 1), D(LAST + 2, 1, 31))
    assert result.estimated_years == (LAST + 1, LAST + 2)


def test_an_empty_table_cannot_estimate():
    with pytest.raises(RateNotPublished):
        RateTable(years={}).estimating().rate_year(2030)


days = st.integers(min_value=0, max_value=3 * 366)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(min_value=0, max_value=50_000_000),
    due_offset=st.integers(min_value=-400, max_value=400),
    length=days,
    paid_share=st.integers(min_value=0, max_value=100),
    levy=st.sampled_from(["RT", "LV", "NH"]),
)
def test_an_estimate_is_the_figure_the_same_rate_would_give_once_registered(
    principal, due_offset, length, paid_share, levy
):
    """Registering the very rate that was estimated changes no yen, only the mark."""
    due = D(LAST, 12, 31) + dt.timedelta(days=due_offset)
    on = due + dt.timedelta(days=length)
    paid = principal * paid_share // 100
    payments = [Payment(paid_on=on, amount=paid)] if paid else []
    estimating = shipped_rate_table().estimating()
    last = shipped_rate_table().rate_year(LAST)
    registered = shipped_rate_table().merged(
        replace(last, year=year) for year in range(LAST + 1, on.year + 1)
    )
    guess = compute_late_charge(
        levy=levy, principal=principal, due_date=due, on=on, payments=payments, rates=estimating
    )
    known = compute_late_charge(
        levy=levy, principal=principal, due_date=due, on=on, payments=payments, rates=registered
    )
    assert (guess.principal, guess.late_charge, guess.accrued) == (
        known.principal,
        known.late_charge,
        known.accrued,
    )
    assert known.estimated_years == ()
    assert set(guess.estimated_years) <= set(range(LAST + 1, on.year + 1))
    if guess.segments and guess.segments[-1].end.year > LAST:
        assert guess.estimated_years
