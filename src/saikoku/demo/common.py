"""Shared pieces of the synthetic package: the calendar, weighted draws, the context.

The calendar is production's (arrears/calendar.py): the generator's due dates are the
dates the importer and the late-charge engine expect.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import itertools
import random
from collections.abc import Sequence
from datetime import date, timedelta

from saikoku.arrears.calendar import effective_due_date, is_closed_day, standard_due_dates

ONE_DAY = timedelta(days=1)


class Weighted:
    """A weighted choice that is cheap to repeat (random.choices recomputes the
    cumulative weights on every call; the generator makes about a million picks)."""

    def __init__(self, items: Sequence, weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cum = tuple(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# Cached: the generator asks about the same few thousand days a million times.
open_day_on_or_after = functools.cache(effective_due_date)
is_closed = functools.cache(is_closed_day)


def open_day_on_or_before(day: date) -> date:
    while is_closed(day):
        day -= ONE_DAY
    return day


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def fiscal_year_of(day: date) -> int:
    """The Japanese fiscal year (年度) runs from April 1 to March 31."""
    return day.year if day.month >= 4 else day.year - 1


@functools.cache
def levy_schedule(levy: str, fiscal_year: int) -> tuple[tuple[int, date], ...]:
    """(period, due date) of a full-year notice."""
    return tuple((p.period, p.due) for p in standard_due_dates(levy, fiscal_year))


def notice_date(levy: str, fiscal_year: int, first_due: date, *, full_year: bool) -> date:
    if full_year:
        base = {"RT": (6, 10), "LV": (5, 1), "NH": (6, 15)}[levy]
        return open_day_on_or_after(date(fiscal_year, *base))
    # A notice issued mid-year (moving in, leaving an employer's payroll deduction)
    # reaches the payer about three weeks before its first due date.
    return open_day_on_or_after(first_due - timedelta(days=21))


@functools.cache
def demand_date(due: date) -> date:
    """督促状 go out within 20 days of the due date (地方税法第329条)."""
    return open_day_on_or_before(due + timedelta(days=19))


class Part:
    """What every part of the generator draws on: one random stream and one date."""

    def __init__(self, *, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        # The extract runs at 06:00: nothing of today is in it yet.
        self.asof = today - ONE_DAY
        self.fiscal_year = fiscal_year_of(today)

    def day_between(self, first: date, last: date) -> date:
        """A random day in [first, last], or `last` when the range is empty."""
        if first >= last:
            return last
        return first + timedelta(days=self.rng.randint(0, (last - first).days))
