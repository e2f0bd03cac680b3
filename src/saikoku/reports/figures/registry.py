"""The registry of activity figures: what a figure (`Figure`) and a rate between two
(`Ratio`) say, the channels they belong to, and `register_figure`/`register_ratio`,
which fill FIGURES and RATIOS in the order the dashboard shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from saikoku.reports.scope import Scope

# The channels a figure belongs to, in the dashboard's order.
CHANNELS: dict[str, LazyText] = {
    "calls": _("架電"),
    "sms": _("SMS"),
    "inbound": _("受電"),
    "backoffice": _("事務処理"),
}

COUNT, SUM, MEAN_SECONDS = "count", "sum", "mean_seconds"


@dataclass(frozen=True)
class Figure:
    key: str
    label: LazyText
    definition: LazyText
    channel: str
    model: type[Model]
    # The moment placing a record in a period: a field path, or an expression.
    time: str | Callable[[], Any]
    # Whether `time` is a date (a due date) rather than a datetime.
    time_is_date: bool = False
    condition: Callable[[], Q | Any] | None = None
    payer: str = "payer"  # path to the payer's id ("" when the records have none)
    operator: str = ""  # path to the user the record counts for
    measure: str = COUNT
    # SUM: the field summed; MEAN_SECONDS: (from, to) datetime fields.
    fields: tuple[str, ...] = ()
    unit: str = "count"  # count | yen | seconds
    # Columns shown in the list of records behind the figure (field paths).
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ratio:
    """A rate between two figures of the same channel; its records are the
    numerator's."""

    key: str
    label: LazyText
    definition: LazyText
    numerator: str
    denominator: str
    channel: str = field(default="")


FIGURES: dict[str, Figure] = {}
RATIOS: dict[str, Ratio] = {}


def register_figure(figure: Figure) -> Figure:
    if figure.channel not in CHANNELS:
        raise ValueError(f"unknown channel {figure.channel!r}")
    FIGURES[figure.key] = figure
    return figure


def register_ratio(ratio: Ratio) -> Ratio:
    channel = FIGURES[ratio.numerator].channel
    RATIOS[ratio.key] = Ratio(
        ratio.key, ratio.label, ratio.definition, ratio.numerator, ratio.denominator, channel
    )
    return RATIOS[ratio.key]


def figure(key: str) -> Figure:
    return FIGURES[key]


def figures_for(scope: Scope) -> list[Figure]:
    """The figures of the scope's channel (every channel when none is chosen)."""
    return [f for f in FIGURES.values() if not scope.channel or f.channel == scope.channel]
