"""The collection rate (収入率) per levy, current year (現年度分) and carried over
(滞納繰越分), as of any day, and its trend by month.

What was paid on a bill as of a day is the ward's paid amount less the payments it
recorded after that day (the bill's row is authoritative, the payments date it), so
the figures reconcile with both. See docs/reports.md for the definitions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncMonth

from saikoku.arrears.models import Bill, Payment

__all__ = [
    "CollectionLine",
    "collection_payments",
    "collection_rates",
    "collection_trend",
    "fiscal_year_of",
    "fiscal_year_start",
]

CURRENT, CARRIED = "current", "carried"


def fiscal_year_of(day: dt.date) -> int:
    """The Japanese fiscal year (年度) of a day: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(fiscal_year: int) -> dt.date:
    return dt.date(fiscal_year, 4, 1)


@dataclass(frozen=True)
class CollectionLine:
    levy: str
    part: str  # CURRENT | CARRIED
    charged: int  # 調定額
    collected: int  # 収入額

    @property
    def rate(self) -> float | None:
        """収入率 in percent, one decimal (None when nothing was charged)."""
        return round(100 * self.collected / self.charged, 1) if self.charged else None


Key = tuple[str, int]  # (levy, fiscal year)


def _bill_totals(levies: Iterable[str], fiscal_year: int) -> dict[Key, tuple[int, int]]:
    rows = (
        Bill.objects.filter(levy__in=list(levies), fiscal_year__lte=fiscal_year)
        .values("levy", "fiscal_year")
        .annotate(amount=Sum("amount"), paid=Sum("paid_amount"))
        .values_list("levy", "fiscal_year", "amount", "paid")
        .order_by()
    )
    return {(levy, fy): (amount or 0, paid or 0) for levy, fy, amount, paid in rows}


def _paid_after(levies: Iterable[str], fiscal_year: int, day: dt.date) -> dict[Key, int]:
    rows = (
        Payment.objects.filter(
            bill__levy__in=list(levies), bill__fiscal_year__lte=fiscal_year, paid_on__gt=day
        )
        .values("bill__levy", "bill__fiscal_year")
        .annotate(total=Sum("amount"))
        .values_list("bill__levy", "bill__fiscal_year", "total")
        .order_by()
    )
    return {(levy, fy): total or 0 for levy, fy, total in rows}


def _lines(
    levies: list[str],
    fiscal_year: int,
    totals: dict[Key, tuple[int, int]],
    after_day: dict[Key, int],
    after_year_start: dict[Key, int],
) -> list[CollectionLine]:
    def paid_as_of(key: Key, after: dict[Key, int]) -> int:
        amount, paid = totals[key]
        return min(amount, max(0, paid - after.get(key, 0)))

    lines = []
    for levy in levies:
        current = (levy, fiscal_year)
        charged = totals.get(current, (0, 0))[0]
        collected = paid_as_of(current, after_day) if current in totals else 0
        lines.append(CollectionLine(levy, CURRENT, charged, collected))
        carried_charged = carried_collected = 0
        for key in totals:
            if key[0] != levy or key[1] >= fiscal_year:
                continue
            at_start = paid_as_of(key, after_year_start)
            carried_charged += totals[key][0] - at_start
            carried_collected += paid_as_of(key, after_day) - at_start
        lines.append(CollectionLine(levy, CARRIED, carried_charged, carried_collected))
    return lines


def collection_rates(*, on: dt.date, levies: Iterable[str]) -> list[CollectionLine]:
    """Per levy, the current year's and the carried-over lines as of the day.

    Current year: charged is every bill of the day's fiscal year, collected what was
    paid on them by the day. Carried over: charged is what was still unpaid on bills
    of earlier years at the end of the previous fiscal year (31 March), collected what
    was paid on them from 1 April to the day."""
    levies = list(levies)
    fy = fiscal_year_of(on)
    totals = _bill_totals(levies, fy)
    after_day = _paid_after(levies, fy, on)
    after_year_start = _paid_after(levies, fy, fiscal_year_start(fy) - dt.timedelta(days=1))
    return _lines(levies, fy, totals, after_day, after_year_start)


def collection_trend(
    *, fiscal_year: int, until: dt.date, levies: Iterable[str]
) -> list[tuple[dt.date, list[CollectionLine]]]:
    """The lines at each month's end of the fiscal year up to `until` (the last point
    is `until` itself when it is not a month's end): three queries in all."""
    levies = list(levies)
    totals = _bill_totals(levies, fiscal_year)
    year_before = fiscal_year_start(fiscal_year) - dt.timedelta(days=1)
    monthly: dict[Key, dict[dt.date, int]] = defaultdict(dict)
    rows = (
        Payment.objects.filter(
            bill__levy__in=levies, bill__fiscal_year__lte=fiscal_year, paid_on__gt=year_before
        )
        .annotate(month=TruncMonth("paid_on"))
        .values("bill__levy", "bill__fiscal_year", "month")
        .annotate(total=Sum("amount"))
        .values_list("bill__levy", "bill__fiscal_year", "month", "total")
        .order_by()
    )
    for levy, fy, month, total in rows:
        monthly[(levy, fy)][month] = total or 0
    after_year_start = {key: sum(by_month.values()) for key, by_month in monthly.items()}
    points: list[dt.date] = []
    month = fiscal_year_start(fiscal_year)
    while month <= until and month.year < fiscal_year + 2:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        points.append(min(following - dt.timedelta(days=1), until))
        month = following
    out = []
    for point in points:
        if point.day == _month_end(point).day:
            after_point = {
                key: sum(v for m, v in by_month.items() if m > point)
                for key, by_month in monthly.items()
            }
        else:  # a day inside a month: the one case the month totals cannot answer
            after_point = _paid_after(levies, fiscal_year, point)
        out.append((point, _lines(levies, fiscal_year, totals, after_point, after_year_start)))
    return out


def _month_end(day: dt.date) -> dt.date:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def collection_payments(*, levy: str, part: str, on: dt.date) -> QuerySet[Payment]:
    """The payments behind a line's collected amount (less any refunds the ward's paid
    amount already reflects): current year, paid by the day; carried over, paid from
    1 April to the day on bills of earlier years."""
    fy = fiscal_year_of(on)
    qs = Payment.objects.filter(bill__levy=levy, paid_on__lte=on).select_related("bill")
    if part == CURRENT:
        qs = qs.filter(bill__fiscal_year=fy)
    else:
        qs = qs.filter(bill__fiscal_year__lt=fy, paid_on__gte=fiscal_year_start(fy))
    return qs.annotate(payer_id=F("bill__payer_id")).order_by("-paid_on", "-pk")
