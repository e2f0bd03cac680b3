"""Computing a figure over a scope: its value, its series by day, week or month, its
split by operator and the records behind it, all from the one queryset
`figure_queryset` builds, so that a number and its records always agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, Model, OuterRef, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek

from saikoku.arrears.models import Assessment
from saikoku.core.dates import TOKYO
from saikoku.outreach.models import Team
from saikoku.reports.figures.registry import COUNT, FIGURES, MEAN_SECONDS, RATIOS, SUM, Figure
from saikoku.reports.scope import Scope


def _time_field(fig: Figure) -> str:
    return fig.time if isinstance(fig.time, str) else "_moment"


def _base(fig: Figure) -> QuerySet:
    qs = fig.model._default_manager.all()
    if not isinstance(fig.time, str):
        qs = qs.annotate(_moment=fig.time())
    if fig.condition is not None:
        qs = qs.filter(fig.condition())
    return qs


def figure_queryset(fig: Figure, scope: Scope) -> QuerySet:
    """The records the figure counts in the scope (the one place a scope applies)."""
    qs = _base(fig)
    moment = _time_field(fig)
    if fig.time_is_date:
        qs = qs.filter(**{f"{moment}__gte": scope.start, f"{moment}__lte": scope.end})
    else:
        first, after = scope.moments()
        qs = qs.filter(**{f"{moment}__gte": first, f"{moment}__lt": after})
    if scope.restricts_levies:
        if not fig.payer or not scope.levies:
            return qs.none()
        qs = qs.filter(
            Exists(Assessment.objects.filter(payer=OuterRef(fig.payer), levy__in=scope.levies))
        )
    if scope.team_id is not None or scope.operator_id is not None:
        if not fig.operator:
            return qs.none()
        if scope.team_id is not None:
            members = Team.members.through.objects.filter(team_id=scope.team_id).values("user_id")
            qs = qs.filter(**{f"{fig.operator}__in": members})
        if scope.operator_id is not None:
            qs = qs.filter(**{fig.operator: scope.operator_id})
    return qs


def _measure(fig: Figure, qs: QuerySet) -> int | float | None:
    if fig.measure == COUNT:
        return qs.count()
    if fig.measure == SUM:
        return qs.aggregate(v=Coalesce(Sum(fig.fields[0]), 0))["v"]
    return _mean_seconds(qs.values_list(*fig.fields))


def _mean_seconds(pairs: Iterable[tuple[dt.datetime | None, dt.datetime | None]]) -> float | None:
    # In Python rather than SQL: a duration's average differs between the two engines.
    seconds = [(b - a).total_seconds() for a, b in pairs if a is not None and b is not None]
    return round(sum(seconds) / len(seconds), 1) if seconds else None


def figure_value(key: str, scope: Scope) -> int | float | None:
    """The figure over the scope (None: a mean over no record)."""
    if key in RATIOS:
        return ratio_value(key, scope)
    fig = FIGURES[key]
    return _measure(fig, figure_queryset(fig, scope))


def ratio_value(key: str, scope: Scope) -> float | None:
    ratio = RATIOS[key]
    top = figure_value(ratio.numerator, scope)
    bottom = figure_value(ratio.denominator, scope)
    if not bottom:
        return None
    return round(100 * float(top or 0) / float(bottom), 1)


TRUNC = {"day": TruncDate, "week": TruncWeek, "month": TruncMonth}


def figure_series(key: str, scope: Scope, *, by: str = "day") -> dict[dt.date, int | float]:
    """The figure per day, week (from Monday) or month of the scope, in Tokyo time:
    every bucket present, zero where nothing happened."""
    fig = FIGURES[key]
    qs = figure_queryset(fig, scope)
    moment = _time_field(fig)
    out: dict[dt.date, int | float] = dict.fromkeys(_buckets(scope, by), 0)
    if fig.time_is_date and fig.measure != MEAN_SECONDS:
        # Dates are bucketed here: SQLite cannot truncate a date column to its week.
        for day, *values in qs.values_list(moment, *fig.fields[:1]):
            key = _bucket_of(day, by)
            out[key] += 1 if fig.measure == COUNT else (values[0] or 0)
        return out
    bucket = TRUNC[by](moment, tzinfo=TOKYO)
    rows = qs.annotate(_bucket=bucket).values("_bucket").order_by()
    if fig.measure == COUNT:
        grouped = rows.annotate(v=Count("pk")).values_list("_bucket", "v")
    elif fig.measure == SUM:
        grouped = rows.annotate(v=Sum(fig.fields[0])).values_list("_bucket", "v")
    else:
        pairs: dict[dt.date, list] = defaultdict(list)
        for b, a, z in qs.annotate(_bucket=bucket).values_list("_bucket", *fig.fields):
            pairs[_as_date(b)].append((a, z))
        grouped = [(b, _mean_seconds(p) or 0) for b, p in pairs.items()]
    for b, v in grouped:
        out[_as_date(b)] = v or 0
    return out


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(TOKYO) if value.tzinfo else value).date()
    return value


def _bucket_of(day: dt.date, by: str) -> dt.date:
    if by == "week":
        return day - dt.timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _buckets(scope: Scope, by: str) -> list[dt.date]:
    seen: list[dt.date] = []
    for day in scope.days():
        day = _bucket_of(day, by)
        if not seen or seen[-1] != day:
            seen.append(day)
    return seen


def figure_by_operator(key: str, scope: Scope) -> dict[int, int | float]:
    """The figure per operator (user id) in the scope; ratios from their parts."""
    if key in RATIOS:
        ratio = RATIOS[key]
        top = figure_by_operator(ratio.numerator, scope)
        bottom = figure_by_operator(ratio.denominator, scope)
        return {user: round(100 * top.get(user, 0) / n, 1) for user, n in bottom.items() if n}
    fig = FIGURES[key]
    if not fig.operator:
        return {}
    if fig.measure == MEAN_SECONDS:
        by_user: dict[int, list] = defaultdict(list)
        for user, a, z in figure_queryset(fig, scope).values_list(fig.operator, *fig.fields):
            by_user[user].append((a, z))
        return {u: _mean_seconds(p) or 0 for u, p in by_user.items() if u is not None}
    qs = figure_queryset(fig, scope).values(fig.operator).order_by()
    total = Count("pk") if fig.measure == COUNT else Sum(fig.fields[0])
    rows = qs.annotate(v=total).values_list(fig.operator, "v")
    return {user: v or 0 for user, v in rows if user is not None}


def figure_records(key: str, scope: Scope) -> QuerySet:
    """The records behind a figure (a ratio's: its numerator's), newest first."""
    fig = FIGURES[RATIOS[key].numerator] if key in RATIOS else FIGURES[key]
    return figure_queryset(fig, scope).order_by(f"-{_time_field(fig)}", "-pk")


def record_moment(key: str, record: Model) -> dt.date | dt.datetime | None:
    fig = FIGURES[RATIOS[key].numerator] if key in RATIOS else FIGURES[key]
    value: Any = record
    for part in _time_field(fig).split("__"):
        value = getattr(value, part, None)
    return value
