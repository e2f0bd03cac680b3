"""What eligibility, priority and the list filters need to know about every payer's
overdue bills (滞納: unpaid and past their due date, arrears.calendar.is_overdue), read
in ONE aggregate query grouped by payer.

Only what is overdue counts: an instalment not yet due (未到来) is no arrear, so it
neither puts a payer on a list nor raises their priority nor meets a minimum amount.

A list is built over all ≈45,500 payers and ≈500,000 bills; a query per payer would
take minutes, so every reader here works on whole sets of payers at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, Case, F, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Cast

from saikoku.arrears.models import Assessment, Bill
from saikoku.arrears.selectors import overdue_q
from saikoku.arrears.time_bar import time_bar_date

# Above this many payer ids an `IN (...)` filter costs more than reading everything
# (and SQLite limits the number of bound parameters): read all and keep the asked ones.
IN_FILTER_LIMIT = 2000


class PayerFacts(NamedTuple):
    """One payer's overdue bills, summed up in SQL (a tuple: 45,000 per list build).

    The `scope_*` fields cover only the levies / fiscal years a list filters on (the
    same as the whole when there is no such filter); priority reads the whole."""

    owed: int  # overdue, unpaid (滞納額)
    levy_count: int  # levies with an overdue bill
    oldest_due: dt.date  # the oldest overdue bill's due date
    newest_overdue: dt.date  # the most recent due date that has passed unpaid
    time_bar_on: dt.date
    first_fiscal_year: int  # the earliest fiscal year with an overdue bill
    scope_owed: int
    scope_oldest_due: dt.date | None  # None: nothing overdue in scope
    scope_newest_overdue: dt.date | None

    def days_past_due(self, today: dt.date) -> int:
        """Days since the oldest overdue bill (in scope) fell due; 0 if none in scope."""
        if self.scope_oldest_due is None or self.scope_oldest_due >= today:
            return 0
        return (today - self.scope_oldest_due).days


@lru_cache(maxsize=16384)
def _time_bar(levy: str, due_date: dt.date, demand_sent_on: dt.date | None) -> dt.date:
    # Dates repeat across payers (each levy has a handful of due and demand dates a
    # year), so the cache turns ~90,000 calls into a few thousand computations.
    if demand_sent_on is not None and demand_sent_on < due_date:
        demand_sent_on = None  # a demand before the oldest due date is another bill's
    return time_bar_date(levy=levy, due_date=due_date, demand_sent_on=demand_sent_on)


@lru_cache(maxsize=8192)
def _date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def _opt_date(value: str | dt.date | None) -> dt.date | None:
    return None if value is None else _date(value)


def restrict(queryset, field: str, payer_ids: set[int] | None):
    """Adds `field IN payer_ids` when that is cheaper than reading every payer."""
    if payer_ids is not None and len(payer_ids) <= IN_FILTER_LIMIT:
        return queryset.filter(**{f"{field}__in": payer_ids})
    return queryset


def all_payer_ids() -> set[int]:
    """Every payer: a resident with at least one assessment."""
    return set(Assessment.objects.values_list("payer_id", flat=True).distinct())


# The two limitation periods (arrears/time_bar.py): 5 years for RT and LV, 2 for NH.
_FIVE_YEAR_LEVIES = ("RT", "LV")


def unpaid_facts(
    payer_ids: set[int] | None,
    *,
    today: dt.date,
    levies: Iterable[str] | None = None,
    fiscal_years: Iterable[int] | None = None,
) -> dict[int, PayerFacts]:
    """payer id -> facts about their overdue bills on `today`; payers with nothing
    overdue (paid up, or only instalments not yet due) are absent.

    One query grouped by payer and levy: it walks the partial index of unpaid bills
    (arrears bill_unpaid_by_payer) in order, keeping the overdue ones (overdue_q),
    and per levy each sum is a plain MIN or MAX, where grouping by payer alone needed
    a CASE per levy and per limitation period for every bill (twice the time on both
    engines). The levies of a payer (at most three rows) are combined here.

    The time bar (arrears/time_bar.py) is estimated per limitation period from the
    oldest overdue due date and the earliest demand notice (督促, which renews the
    period), ignoring the renewal a part payment brings. A demand goes to the oldest
    bill first, so this is the oldest bill's bar, never later than the real one by
    more than a part payment's renewal: "time bar near" errs towards calling early.
    """
    unpaid = F("amount") - F("paid_amount")
    scope = Q()
    if levies:
        scope &= Q(levy__in=list(levies))
    if fiscal_years:
        scope &= Q(fiscal_year__in=list(fiscal_years))
    scoped = bool(scope)
    # Overdue only: a range on the index's third column, so the aggregate still walks
    # the partial index alone, and reads fewer rows than every unpaid bill.
    overdue = Bill.objects.filter(overdue_q(today), amount__gt=F("paid_amount"))
    rows = (
        restrict(overdue, "payer_id", payer_ids)
        .values_list("payer_id", "levy")
        .annotate(
            # bigint, not PostgreSQL's numeric for a SUM: ints, not Decimals, in Python.
            owed=Cast(Sum(unpaid), BigIntegerField()),
            oldest=Min("due_date"),
            newest_overdue=Max("due_date"),
            first_year=Min("fiscal_year"),
            demand=Min("demand_sent_on"),
            scope_owed=Cast(Sum(Case(When(scope, then=unpaid))), BigIntegerField())
            if scoped
            else Value(0),
            scope_oldest=Min(Case(When(scope, then=F("due_date")))) if scoped else Value(0),
            scope_newest=Max(Case(When(scope, then=F("due_date")))) if scoped else Value(0),
        )
        # The index's order: free on both engines, and a payer's levies come together.
        .order_by("payer_id", "levy")
    )
    # Read through the cursor: the ORM's per-value converters (SQLite hands dates back
    # as text) cost more than the query itself on 45,000 rows; _date caches them.
    sql, params = rows.query.sql_with_params()
    result: dict[int, PayerFacts] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, group in groupby(cursor.fetchall(), key=itemgetter(0)):
            if payer_ids is not None and pk not in payer_ids:
                continue
            result[pk] = _combine(list(group), scoped)
    return result


def _earliest(a, b):
    return b if a is None or (b is not None and b < a) else a


def _latest(a, b):
    return b if a is None or (b is not None and b > a) else a


def _combine(levy_rows: list[tuple], scoped: bool) -> PayerFacts:
    """One payer's facts from their rows per levy (dates as the driver returns them:
    ISO text on SQLite, which orders the same way, dates on PostgreSQL). The scope
    columns are 0 when the list has no levy or year filter (`scoped` False)."""
    if len(levy_rows) == 1:  # most payers owe one levy: nothing to combine
        (_pk, levy, owed, oldest, newest, first_year, demand, *scope) = levy_rows[0]
        period = "RT" if levy in _FIVE_YEAR_LEVIES else "NH"
        bar = _time_bar(period, _date(oldest), _opt_date(demand))
        s_owed, s_oldest, s_newest = scope
    else:
        owed = s_owed = 0
        oldest = newest = first_year = s_oldest = s_newest = None
        # limitation period (the levy time_bar_date is asked with) -> (oldest due, demand)
        periods: dict[str, tuple] = {}
        for _pk, levy, l_owed, l_oldest, l_newest, l_first, l_demand, *l_scope in levy_rows:
            owed += l_owed
            oldest = _earliest(oldest, l_oldest)
            newest = _latest(newest, l_newest)
            first_year = _earliest(first_year, l_first)
            period = "RT" if levy in _FIVE_YEAR_LEVIES else "NH"
            due, demand = periods.get(period, (None, None))
            periods[period] = (_earliest(due, l_oldest), _earliest(demand, l_demand))
            s_owed += l_scope[0] or 0
            s_oldest = _earliest(s_oldest, l_scope[1])
            s_newest = _latest(s_newest, l_scope[2])
        bar = min(
            _time_bar(period, _date(due), _opt_date(demand))
            for period, (due, demand) in periods.items()
        )
    oldest_day, newest_day = _date(oldest), _date(newest)
    if scoped:
        s_oldest_day, s_newest_day = _opt_date(s_oldest), _opt_date(s_newest)
    else:
        s_owed, s_oldest_day, s_newest_day = owed, oldest_day, newest_day
    return PayerFacts(
        owed,
        len(levy_rows),
        oldest_day,
        newest_day,
        bar,
        first_year,
        s_owed or 0,
        s_oldest_day,
        s_newest_day,
    )


def fiscal_year_of(day: dt.date) -> int:
    """Japanese fiscal year (April to March)."""
    return day.year if day.month >= 4 else day.year - 1
