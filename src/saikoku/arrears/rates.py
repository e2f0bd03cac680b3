"""The late-charge rate table in force: the shipped CSV, overridden by the database.

A ward_admin enters next year's rates (published each December by the Ministry of
Finance's notice of the 平均貸付割合) on the console's rate page (/rates/, or the
admin); those rows win over the CSV rows of the same year, so no release is needed for
a new year.

Until then, a day in a year after the last known rate is computed with that last rate
and marked as an estimate (見込み): 地方税法附則第3条の2 fixes each year's rate from a
figure published only in the preceding December, so in December an operator quoting a
January promise has no final rate yet, and must say the figure is an estimate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from saikoku.arrears.late_charge import RateTable, RateYear, shipped_rate_table
from saikoku.arrears.models import LateChargeRate

__all__ = ["RateRow", "current_rate_table", "rate_rows"]


def current_rate_table() -> RateTable:
    """Shipped rates merged with the LateChargeRate rows (database rows win); a later
    year without a rate uses the last known one, marked estimated (see the docstring)."""
    overrides = [
        RateYear(
            year=row.year,
            lower=row.lower_percent,
            higher=row.higher_percent,
            tokurei_kijun=None,
            source=row.source,
        )
        for row in LateChargeRate.objects.order_by("year")
    ]
    return shipped_rate_table().merged(overrides).estimating()


@dataclass(frozen=True)
class RateRow:
    """One year of the rate page: the rates in force and where they come from."""

    year: int
    lower: Decimal
    higher: Decimal
    source: str
    registered_by: str  # "" for a row shipped with the release
    registered_at: dt.datetime | None
    shipped: bool  # the release's CSV has this year
    overrides_shipped: bool  # a registered row that replaces the CSV's


def rate_rows() -> list[RateRow]:
    """Every year with a known rate, newest first: registered rows (with who entered
    them, when) over the shipped ones. One query."""
    shipped = shipped_rate_table().years
    registered = {
        row.year: row for row in LateChargeRate.objects.select_related("created_by").all()
    }
    rows = []
    for year in sorted(set(shipped) | set(registered), reverse=True):
        entry = registered.get(year)
        if entry is not None:
            rows.append(
                RateRow(
                    year=year,
                    lower=entry.lower_percent,
                    higher=entry.higher_percent,
                    source=entry.source,
                    registered_by=entry.created_by.get_username() if entry.created_by else "",
                    registered_at=entry.created_at,
                    shipped=False,
                    overrides_shipped=year in shipped,
                )
            )
        else:
            row = shipped[year]
            rows.append(
                RateRow(
                    year=year,
                    lower=row.lower,
                    higher=row.higher,
                    source=row.source,
                    registered_by="",
                    registered_at=None,
                    shipped=True,
                    overrides_shipped=False,
                )
            )
    return rows
