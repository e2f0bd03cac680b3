"""The one registry of activity figures: each figure is one entry saying what it
counts (model, condition, the moment that places it in a period, the payer and the
operator it belongs to) and how (count, sum, mean duration). Its value, its series by
day, week or month, its split by operator and the list of records behind it are all
computed from the same queryset, so a number and its records always agree.

A new channel is one `register_figure` call per figure in `definitions.py` (and a key
in CHANNELS, `registry.py`). docs/reports.md defines every figure in Japanese and
English.

The package, by what each module holds:

- `registry.py`: `Figure`, `Ratio`, the channels, FIGURES and RATIOS;
- `computing.py`: a figure's queryset in a scope, its value, series, split by operator
  and records;
- `definitions.py`: every figure and rate, by channel.

Import from `saikoku.reports.figures`; the modules are its parts.
"""

# Imported for what it does: each of its entries registers a figure, in order.
from saikoku.reports.figures import definitions  # noqa: F401
from saikoku.reports.figures.computing import (
    TRUNC,
    figure_by_operator,
    figure_queryset,
    figure_records,
    figure_series,
    figure_value,
    ratio_value,
    record_moment,
)
from saikoku.reports.figures.registry import (
    CHANNELS,
    COUNT,
    FIGURES,
    MEAN_SECONDS,
    RATIOS,
    SUM,
    Figure,
    Ratio,
    figure,
    figures_for,
    register_figure,
    register_ratio,
)

__all__ = [
    "CHANNELS",
    "COUNT",
    "FIGURES",
    "MEAN_SECONDS",
    "RATIOS",
    "SUM",
    "TRUNC",
    "Figure",
    "Ratio",
    "figure",
    "figure_by_operator",
    "figure_queryset",
    "figure_records",
    "figure_series",
    "figure_value",
    "figures_for",
    "ratio_value",
    "record_moment",
    "register_figure",
    "register_ratio",
]
