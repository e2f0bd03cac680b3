"""What a figure is computed over: a period of days in Tokyo, the levies, a team, a
channel. A user's scope never reaches beyond the levies they may read (ward staff:
their department's), so every figure and every list of records behind it is
restricted in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from saikoku.arrears.models import Levy
from saikoku.core.dates import TOKYO
from saikoku.core.permissions import levies_visible_to

ALL_LEVIES: tuple[str, ...] = tuple(str(levy) for levy in Levy)


@dataclass(frozen=True)
class Scope:
    start: dt.date  # first day, inclusive
    end: dt.date  # last day, inclusive
    levies: tuple[str, ...] = ALL_LEVIES
    team_id: int | None = None
    channel: str = ""  # "" every channel, else a key of figures.CHANNELS
    operator_id: int | None = None

    @property
    def restricts_levies(self) -> bool:
        """Whether the figures count only payers of some levies. With every levy they
        also count what has no payer yet (an inbound call from an unknown number)."""
        return set(self.levies) != set(ALL_LEVIES)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware datetimes: from the first day's midnight in Tokyo up to,
        not including, the midnight after the last day."""
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=TOKYO)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=TOKYO)
        return first, after

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def with_(self, **changes: Any) -> Scope:
        return replace(self, **changes)


def scope_for(
    user: Any,
    *,
    start: dt.date,
    end: dt.date,
    levy: str = "",
    team_id: int | None = None,
    channel: str = "",
    operator_id: int | None = None,
) -> Scope:
    """The scope a user asked for, cut down to the levies they may read. A levy they
    may not read gives an empty set of levies (every figure is then zero)."""
    visible = levies_visible_to(user)
    levies = tuple(code for code in ALL_LEVIES if code in visible)
    if levy:
        levies = (levy,) if levy in levies else ()
    return Scope(
        start=start,
        end=end,
        levies=levies,
        team_id=team_id,
        channel=channel,
        operator_id=operator_id,
    )


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """'2025-06' -> (2025-06-01, 2025-06-30); ValueError on anything else."""
    year_text, _sep, month_text = month.partition("-")
    if len(year_text) != 4 or len(month_text) != 2:
        raise ValueError(month)
    first = dt.date(int(year_text), int(month_text), 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)
