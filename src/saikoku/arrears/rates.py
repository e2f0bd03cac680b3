"""The late-charge rate table in force: the shipped CSV, overridden by the database.

A ward_admin enters next year's rates (published each December by the Ministry of
Finance's notice of the 平均貸付割合) in the admin; those rows win over the CSV rows of
the same year, so no release is needed for a new year.
"""

from __future__ import annotations

from saikoku.arrears.late_charge import RateTable, RateYear, shipped_rate_table
from saikoku.arrears.models import LateChargeRate

__all__ = ["current_rate_table"]


def current_rate_table() -> RateTable:
    """Shipped rates merged with the LateChargeRate rows (database rows win)."""
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
    return shipped_rate_table().merged(overrides)
