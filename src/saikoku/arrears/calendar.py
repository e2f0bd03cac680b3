"""Business days, due dates and periods counted in months, for the ward's levies.

Pure Python (no Django): the late-charge engine, the importer's checks and the demo
generator all use it. Sources are listed in docs/domain/late-charge.md.

- A day is closed (閉庁日) on Saturday, Sunday, a national holiday or substitute
  holiday (国民の祝日に関する法律, via jpholiday) and 29 December – 3 January
  (地方自治法第4条の2第1項; the ward's 休日条例). 地方税法第20条の5第2項 with
  地方税法施行令第6条の18 name the same days for tax deadlines.
- A 納期限 that falls on a closed day moves to the next open day (地方税法第20条の5
  第2項 for RT and LV; 地方自治法第4条の2第4項 for the NH premium, a 地方自治法
  第231条の3 revenue).
- "納期限の翌日から1月（3月）を経過する日" is counted as the Civil Code counts periods
  in months (民法第140条, 第143条, applied through 地方税法第18条第3項 / 地方自治法):
  the period starts on the day after the due date and ends the day before the
  same-numbered day of the month one (three) month(s) later, or on that month's last
  day when it has no such day.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
from dataclasses import dataclass

import jpholiday

__all__ = [
    "SCHEDULES",
    "PeriodDue",
    "add_months_first_period",
    "effective_due_date",
    "is_business_day",
    "is_closed_day",
    "is_holiday",
    "is_overdue",
    "is_year_end_closure",
    "next_business_day",
    "overdue_through",
    "period_end",
    "standard_due_dates",
]

_ONE_DAY = dt.timedelta(days=1)


def is_year_end_closure(d: dt.date) -> bool:
    """29 December – 3 January: the year-end closure of every Tokyo ward office."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


def is_holiday(d: dt.date) -> bool:
    """A national or substitute holiday, or the year-end closure, on any day of the
    week (the contact rules treat weekends apart from holidays)."""
    return jpholiday.is_holiday(d) or is_year_end_closure(d)


def is_closed_day(d: dt.date) -> bool:
    """True on Saturday, Sunday, a national (or substitute) holiday and 12/29–1/3."""
    return d.weekday() >= 5 or is_holiday(d)


def is_business_day(d: dt.date) -> bool:
    return not is_closed_day(d)


def next_business_day(d: dt.date) -> dt.date:
    """The first business day strictly after d."""
    d += _ONE_DAY
    while is_closed_day(d):
        d += _ONE_DAY
    return d


# jpholiday is slow next to everything else and bills share a handful of due dates; the
# answer for a date never changes within a process.
@functools.lru_cache(maxsize=4096)
def effective_due_date(d: dt.date) -> dt.date:
    """The due date as it applies: d itself, or the next business day when d is closed.

    地方税法第20条の5第2項 (taxes) and 地方自治法第4条の2第4項 (the NH premium): a
    deadline on a closed day is deemed to be the following open day.
    """
    return d if is_business_day(d) else next_business_day(d)


@functools.lru_cache(maxsize=1024)
def overdue_through(on: dt.date) -> dt.date:
    """The latest due date (as the ward records it) that has passed on `on`: the last
    business day before `on`.

    A bill is overdue (滞納) on `on` exactly when its due date is on or before this day:
    its due date as it applies (effective_due_date, moved off a closed day) lies
    before `on`. A due date between this day and `on` falls on closed days and
    moves to `on` or later. The call lists filter their SQL on it; `is_overdue`
    asks it for one bill. Every screen and every sum that says 滞納 or 未到来 goes
    through one of the two, so they never disagree about a bill due on a weekend.
    """
    d = on - _ONE_DAY
    while is_closed_day(d):
        d -= _ONE_DAY
    return d


def is_overdue(due_date: dt.date, on: dt.date) -> bool:
    """Whether a bill due on `due_date` (as recorded) is overdue (滞納) on `on`, i.e.
    `effective_due_date(due_date) < on`; otherwise it is not yet due (未到来)."""
    return due_date <= overdue_through(on)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_end(start: dt.date, months: int) -> dt.date:
    """Last day of a period of `months` months whose first day is `start` (民法第143条).

    The period ends the day before the same-numbered day `months` months later; when
    that month has no such day (31 → 30-day month, 29–31 → February) it ends on the
    month's last day.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    year, month = _add_months(start.year, start.month, months)
    last_day = _calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return dt.date(year, month, last_day)
    return dt.date(year, month, start.day) - _ONE_DAY


def add_months_first_period(due: dt.date, months: int) -> dt.date:
    """ "納期限の翌日から{months}月を経過する日": the last day of the first period.

    Due 31 May → 30 June; due 31 Jan → 28 (29) Feb; due 30 Jan → start 31 Jan, no
    31 Feb → last day of February; due 30 Apr with 3 months → 31 July.
    """
    return period_end(due + _ONE_DAY, months)


@dataclass(frozen=True)
class PeriodDue:
    """One period of the standard schedule: the period number, the statutory 納期限
    (the last day of the month named by the ordinance) and the date that applies."""

    period: int
    nominal: dt.date
    due: dt.date


# The standard schedule per levy: (month, year offset from the fiscal year) of each
# period's 納期限, always the last day of that month.
# RT 特別区民税・都民税 普通徴収: 6月, 8月, 10月, 翌年1月 (地方税法第320条; 新宿区特別区税
#   条例). LV 軽自動車税（種別割）: 5月 (地方税法第463条の18 / 区条例). NH 国民健康
#   保険料: 6月 – 翌年3月 の10回 (新宿区国民健康保険条例; 「納期限は納期月の末日」).
SCHEDULES: dict[str, tuple[tuple[int, int], ...]] = {
    "RT": ((6, 0), (8, 0), (10, 0), (1, 1)),
    "LV": ((5, 0),),
    "NH": ((6, 0), (7, 0), (8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (1, 1), (2, 1), (3, 1)),
}


def standard_due_dates(levy: str, fiscal_year: int) -> list[PeriodDue]:
    """The standard periods of a levy for a fiscal year, with holiday-shifted due dates.

    Raises KeyError for an unknown levy code.
    """
    result = []
    for number, (month, offset) in enumerate(SCHEDULES[levy], start=1):
        year = fiscal_year + offset
        nominal = dt.date(year, month, _calendar.monthrange(year, month)[1])
        result.append(PeriodDue(period=number, nominal=nominal, due=effective_due_date(nominal)))
    return result
