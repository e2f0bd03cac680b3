"""Business days, due dates and month-counted periods."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saikoku.arrears.calendar import (
    add_months_first_period,
    effective_due_date,
    is_closed_day,
    is_overdue,
    next_business_day,
    overdue_through,
    standard_due_dates,
)

D = dt.date


@pytest.mark.parametrize(
    ("nominal", "effective"),
    [
        (D(2025, 6, 30), D(2025, 6, 30)),  # Monday
        (D(2025, 5, 31), D(2025, 6, 2)),  # Saturday
        (D(2026, 1, 31), D(2026, 2, 2)),  # Saturday
        (D(2025, 9, 15), D(2025, 9, 16)),  # 敬老の日
        (D(2025, 5, 3), D(2025, 5, 7)),  # 憲法記念日, then Sunday and two holidays
        (D(2024, 12, 29), D(2025, 1, 6)),  # year-end closure, then a weekend
        (D(2025, 1, 2), D(2025, 1, 6)),
    ],
)
def test_due_date_on_a_closed_day_moves_to_the_next_business_day(nominal, effective):
    assert effective_due_date(nominal) == effective


def test_year_end_days_are_closed_even_on_weekdays():
    assert is_closed_day(D(2025, 12, 29))  # Monday
    assert is_closed_day(D(2026, 1, 2))
    assert not is_closed_day(D(2025, 12, 26))
    assert next_business_day(D(2025, 12, 26)) == D(2026, 1, 5)


@pytest.mark.parametrize(
    ("due", "months", "end"),
    [
        (D(2025, 5, 31), 1, D(2025, 6, 30)),
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2025, 9, 1), 1, D(2025, 10, 1)),
        (D(2025, 1, 30), 1, D(2025, 2, 28)),
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2024, 1, 28), 1, D(2024, 2, 28)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 3, 30), 1, D(2025, 4, 30)),
        (D(2025, 12, 31), 1, D(2026, 1, 31)),
        (D(2021, 4, 30), 3, D(2021, 7, 31)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
    ],
)
def test_first_period_ends_per_the_civil_code(due, months, end):
    assert add_months_first_period(due, months) == end


def test_shinjuku_standard_schedules():
    rt = standard_due_dates("RT", 2025)
    assert [p.nominal for p in rt] == [
        D(2025, 6, 30),
        D(2025, 8, 31),
        D(2025, 10, 31),
        D(2026, 1, 31),
    ]
    # 2025-08-31 is a Sunday and 2026-01-31 a Saturday.
    assert [p.due for p in rt] == [D(2025, 6, 30), D(2025, 9, 1), D(2025, 10, 31), D(2026, 2, 2)]
    assert [p.due for p in standard_due_dates("LV", 2025)] == [D(2025, 6, 2)]
    nh = standard_due_dates("NH", 2025)
    assert len(nh) == 10
    assert (nh[0].nominal, nh[-1].nominal) == (D(2025, 6, 30), D(2026, 3, 31))
    with pytest.raises(KeyError):
        standard_due_dates("XX", 2025)


# --- overdue (滞納) or not yet due (未到来) ------------------------------------------

DAYS = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))


@given(due=DAYS, on=DAYS)
def test_a_bill_is_overdue_exactly_when_its_applicable_due_date_has_passed(due, on):
    assert is_overdue(due, on) == (effective_due_date(due) < on)


@given(on=DAYS)
def test_the_overdue_cut_off_is_the_last_business_day_before_the_day(on):
    cut = overdue_through(on)
    assert cut < on and not is_closed_day(cut)
    assert all(is_closed_day(cut + dt.timedelta(days=n)) for n in range(1, (on - cut).days))


@pytest.mark.parametrize(
    ("due", "on", "overdue"),
    [
        (D(2025, 6, 30), D(2025, 6, 30), False),  # on the due date itself: in time
        (D(2025, 6, 30), D(2025, 7, 1), True),
        (D(2025, 5, 31), D(2025, 6, 1), False),  # Saturday, moved to Monday 2 June
        (D(2025, 5, 31), D(2025, 6, 2), False),
        (D(2025, 5, 31), D(2025, 6, 3), True),
        (D(2024, 12, 30), D(2025, 1, 6), False),  # year-end closure, then a weekend
        (D(2024, 12, 30), D(2025, 1, 7), True),
    ],
)
def test_overdue_on_a_day(due, on, overdue):
    assert is_overdue(due, on) is overdue
