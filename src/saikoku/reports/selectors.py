"""What the dashboard shows, assembled from the registry, the collection rate and the
effect (reads only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.functional import Promise as LazyText

from saikoku.reports.charts import Chart, bar_chart, line_chart
from saikoku.reports.collection import (
    CollectionLine,
    collection_rates,
    collection_trend,
    fiscal_year_of,
    fiscal_year_start,
)
from saikoku.reports.effect import paid_after_contact_by_month
from saikoku.reports.figures import (
    CHANNELS,
    FIGURES,
    RATIOS,
    figure_by_operator,
    figure_series,
    figure_value,
)
from saikoku.reports.scope import Scope

# The daily chart's series, one per channel.
DAILY = ("calls_attempted", "sms_sent", "inbound_calls", "tasks_done")
# The per-operator table's columns.
PER_OPERATOR = (
    "calls_attempted",
    "calls_right_party",
    "calls_contact_rate",
    "promises_made",
    "inbound_answered",
    "tasks_done",
)


def scope_query(scope: Scope, **extra: Any) -> str:
    params = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
    if len(scope.levies) == 1:
        params["levy"] = scope.levies[0]
    if scope.team_id is not None:
        params["team"] = str(scope.team_id)
    if scope.channel:
        params["channel"] = scope.channel
    params.update({k: str(v) for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


def records_url(key: str, scope: Scope, **extra: Any) -> str:
    return f"{reverse('report_records', args=[key])}?{scope_query(scope, **extra)}"


@dataclass(frozen=True)
class FigureCell:
    key: str
    label: LazyText
    value: int | float | None
    unit: str
    url: str


def channel_figures(scope: Scope) -> list[tuple[str, LazyText, list[FigureCell]]]:
    """Per channel, its figures and rates over the scope, each with its records' link."""
    out = []
    for channel, label in CHANNELS.items():
        if scope.channel and scope.channel != channel:
            continue
        cells = []
        for key, fig in FIGURES.items():
            if fig.channel == channel:
                cells.append(
                    FigureCell(
                        key, fig.label, figure_value(key, scope), fig.unit, records_url(key, scope)
                    )
                )
        for key, ratio in RATIOS.items():
            if ratio.channel == channel:
                cells.append(
                    FigureCell(
                        key,
                        ratio.label,
                        figure_value(key, scope),
                        "percent",
                        records_url(key, scope),
                    )
                )
        out.append((channel, label, cells))
    return out


def series_grain(scope: Scope) -> str:
    days = (scope.end - scope.start).days + 1
    return "day" if days <= 62 else "week" if days <= 186 else "month"


def daily_chart(scope: Scope) -> tuple[Chart, list[LazyText], str]:
    grain = series_grain(scope)
    keys = [k for k in DAILY if not scope.channel or FIGURES[k].channel == scope.channel]
    series = [figure_series(k, scope, by=grain) for k in keys]
    buckets = list(series[0]) if series else []
    fmt = "%m/%d" if grain != "month" else "%Y/%m"
    categories = [b.strftime(fmt) for b in buckets]
    chart = bar_chart(
        categories,
        [[float(s[b]) for b in buckets] for s in series],
        every=max(1, len(buckets) // 10),
    )
    return chart, [FIGURES[k].label for k in keys], grain


def operator_table(scope: Scope) -> tuple[list[LazyText], list[tuple[Any, list]]]:
    keys = [
        k
        for k in PER_OPERATOR
        if not scope.channel
        or (FIGURES.get(k) or FIGURES[RATIOS[k].numerator]).channel == scope.channel
    ]
    columns = {k: figure_by_operator(k, scope) for k in keys}
    users = sorted({u for values in columns.values() for u in values})
    names = dict(get_user_model().objects.filter(pk__in=users).values_list("pk", "username"))
    labels = [(FIGURES[k].label if k in FIGURES else RATIOS[k].label) for k in keys]
    rows = []
    for user in users:
        cells = [(columns[k].get(user, 0), records_url(k, scope, operator=user)) for k in keys]
        rows.append((names.get(user, str(user)), cells))
    return labels, rows


@dataclass(frozen=True)
class CollectionRow:
    line: CollectionLine
    url: str


def collection_table(scope: Scope) -> list[CollectionRow]:
    on = scope.end
    return [
        CollectionRow(line, _collection_url(line, on))
        for line in collection_rates(on=on, levies=scope.levies)
    ]


def _collection_url(line: CollectionLine, on: dt.date) -> str:
    url = reverse("report_collection_records", args=[line.levy, line.part])
    return f"{url}?on={on.isoformat()}"


def collection_chart(scope: Scope) -> tuple[Chart, list[str]]:
    fy = fiscal_year_of(scope.end)
    trend = collection_trend(fiscal_year=fy, until=scope.end, levies=scope.levies)
    categories = [point.strftime("%Y/%m") for point, _lines in trend]
    names: list[str] = []
    series: list[list[float | None]] = []
    for levy in scope.levies:
        for part in ("current", "carried"):
            names.append(f"{levy}:{part}")
            series.append(
                [
                    next((ln.rate for ln in lines if ln.levy == levy and ln.part == part), None)
                    for _point, lines in trend
                ]
            )
    return line_chart(categories, series), names


def paid_after_contact_chart(scope: Scope) -> tuple[Chart, list[tuple[dt.date, int]]]:
    start = fiscal_year_start(fiscal_year_of(scope.end))
    months = paid_after_contact_by_month(start=start, end=scope.end, levies=scope.levies)
    chart = bar_chart([m.strftime("%Y/%m") for m in months], [[float(v) for v in months.values()]])
    return chart, list(months.items())
