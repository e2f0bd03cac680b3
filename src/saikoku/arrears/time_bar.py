"""Time bar (消滅時効) of a bill: the last day on which the ward can still collect it.

Pure Python (no Django). Sources in docs/domain/late-charge.md:

- RT, LV: 地方税法第18条第1項: the right to collect lapses when not exercised for 5
  years counted from the day after the 法定納期限.
- NH: 国民健康保険法第110条第1項: 2 years from when the right could be exercised, i.e.
  again from the day after the due date.
- A demand notice (督促) renews the period (地方税法第18条の2第1項第2号; for the NH
  premium 国民健康保険法第110条第2項 and 地方自治法第236条第4項): it starts anew once
  10 days counted from the day the notice was sent have passed, i.e. the new period's
  first day is sent_on + 11 days.
- An acknowledgement (承認: a payment, a payment plan, a written admission) renews it
  too (民法第152条第1項, applied by 地方税法第18条第3項 and 地方自治法第236条第3項 /
  国民健康保険法): the new period is counted from the day after (初日不算入, 民法第140条).
- Years are counted as the Civil Code counts them (民法第143条): the period ends the day
  before the same-numbered day N years later (28 Feb when it started on 29 Feb).

Only renewals that happen before the bar is complete count: once the period has run
out the claim is extinguished (地方税法第18条第2項: no 援用 needed, no waiver).
Suspensions of completion (完成猶予: 差押, 交付要求, 猶予 …) are not modelled here; the
ward's own data carries them and the caller must not rely on this date for those bills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from saikoku.arrears.calendar import period_end

__all__ = ["DEMAND_DELAY_DAYS", "TIME_BAR_YEARS", "time_bar_date", "time_bar_start"]

TIME_BAR_YEARS: dict[str, int] = {"RT": 5, "LV": 5, "NH": 2}
# 地方税法第18条の2第1項第2号: "督促状…を発した日から起算して十日を経過した日までの期間"
# — the sending day is day 1, so the tenth day is sent_on + 9 and "the day on which ten
# days have passed" is sent_on + 10; the period runs anew from the day after.
DEMAND_DELAY_DAYS = 10

_ONE_DAY = dt.timedelta(days=1)


def _years_end(start: dt.date, years: int) -> dt.date:
    return period_end(start, years * 12)


def time_bar_start(
    *,
    due_date: dt.date,
    demand_sent_on: dt.date | None = None,
    renewals: Iterable[dt.date] = (),
    years: int,
) -> dt.date:
    """The first day of the limitation period that is running (after every renewal)."""
    # (the day the event happened, the first day of the period it starts)
    events: list[tuple[dt.date, dt.date]] = []
    if demand_sent_on is not None:
        restart = demand_sent_on + dt.timedelta(days=DEMAND_DELAY_DAYS + 1)
        events.append((demand_sent_on, restart))
    events.extend((day, day + _ONE_DAY) for day in renewals)
    start = due_date + _ONE_DAY
    for happened_on, restart in sorted(events):
        # An event after the bar is complete renews nothing (the claim is gone); one
        # that would start the period earlier than the running one does not shorten it.
        if happened_on > _years_end(start, years):
            break
        start = max(start, restart)
    return start


def time_bar_date(
    *,
    levy: str,
    due_date: dt.date,
    demand_sent_on: dt.date | None = None,
    renewals: Iterable[dt.date] = (),
) -> dt.date:
    """The last day of the limitation period: the claim is extinguished at its end.

    due_date: the 法定納期限 of the bill. demand_sent_on: the day the 督促状 was sent.
    renewals: days of acknowledgements (payments, payment plans). Raises KeyError for
    an unknown levy.
    """
    years = TIME_BAR_YEARS[levy]
    start = time_bar_start(
        due_date=due_date, demand_sent_on=demand_sent_on, renewals=renewals, years=years
    )
    return _years_end(start, years)
