"""Charts as plain SVG geometry for the templates (no script, no inline style: the
colours come from classes in console.css). Drawing only; the figures come in."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 180, 48, 22, 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    series: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    lines: list[tuple[int, str]]  # (series, SVG points)
    ticks: list[tuple[float, str]]  # (y, label) of the value axis
    labels: list[tuple[float, str]]  # (x, label) of the category axis
    width: int = WIDTH
    height: int = HEIGHT
    base: float = HEIGHT - PAD_BOTTOM


def _scale(top: float) -> float:
    """A round maximum for the value axis."""
    if top <= 0:
        return 1
    step = 10 ** (len(str(int(top))) - 1)
    return ((int(top) // step) + 1) * step


def bar_chart(categories: list[str], series: list[list[float]], *, every: int = 1) -> Chart:
    """Grouped bars: one group per category, one bar per series."""
    top = _scale(max([v for s in series for v in s] or [0]))
    plot_w = WIDTH - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    group = plot_w / max(len(categories), 1)
    bar_w = max(group * 0.8 / max(len(series), 1), 1)
    bars = []
    for i, category in enumerate(categories):
        for j, values in enumerate(series):
            value = values[i]
            h = plot_h * value / top
            x = PAD_LEFT + i * group + group * 0.1 + j * bar_w
            bars.append(
                Bar(
                    round(x, 1),
                    round(HEIGHT - PAD_BOTTOM - h, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    category,
                    value,
                    j,
                )
            )
    ticks = [
        (round(HEIGHT - PAD_BOTTOM - plot_h * k / 4, 1), _short(top * k / 4)) for k in range(5)
    ]
    labels = [
        (round(PAD_LEFT + i * group + group / 2, 1), c)
        for i, c in enumerate(categories)
        if i % every == 0
    ]
    return Chart(bars, [], ticks, labels)


def line_chart(
    categories: list[str], series: list[list[float | None]], *, top: float = 100
) -> Chart:
    """Lines over the categories (a rate in percent by default)."""
    plot_w = WIDTH - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(categories) - 1, 1)
    lines = []
    for j, values in enumerate(series):
        points = [
            f"{PAD_LEFT + i * step:.1f},{HEIGHT - PAD_BOTTOM - plot_h * min(v, top) / top:.1f}"
            for i, v in enumerate(values)
            if v is not None
        ]
        lines.append((j, " ".join(points)))
    ticks = [
        (round(HEIGHT - PAD_BOTTOM - plot_h * k / 4, 1), _short(top * k / 4)) for k in range(5)
    ]
    labels = [(round(PAD_LEFT + i * step, 1), c) for i, c in enumerate(categories)]
    return Chart([], lines, ticks, labels)


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
