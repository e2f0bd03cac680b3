"""Late charges (延滞金) of one bill on any date, to the yen.

Pure Python (no Django), so that the CLI, the payer page and the tests compute with
the same code. Every rule and its source is in docs/domain/late-charge.md; in short:

- 地方税法第326条 (RT), 第463条の24 (LV), the ward's 国民健康保険条例 (NH): the charge
  runs from the day after the due date to the payment day, both inclusive, at the lower
  rate during the first period (1 month; 3 months for NH in the Tokyo wards) and the
  higher rate afterwards. 地方税法附則第3条の2 fixes the rate of each calendar year.
- Each day uses the rate of its own calendar year; the year has 365 days even when it
  is a leap year (附則第3条の2 / the wards' ordinances: "閏年の日を含む期間についても、
  365日当たりの割合").
- 地方税法第20条の4の2第2項: the base is rounded down to 1,000 yen; a bill under 2,000
  yen carries no charge. 第5項: a total under 1,000 yen is not charged, the rest is
  rounded down to 100 yen. Each segment is truncated to the yen before summing, as the
  wards' published worked examples do.
- Partial payments: the paid part accrues up to and including its payment day; from
  the next day the remaining principal (rounded down to 1,000 yen again) accrues.
- A year's special rate is published only in December of the year before
  (附則第3条の2, 租税特別措置法第93条第2項). A table built with `estimating()` stands
  in the latest known rate for a year after it and marks every segment that uses it
  (`Segment.estimated`, `LateChargeResult.estimated_years`): such a figure is an
  estimate (見込み) until the year's rate is registered. A plain table refuses
  (RateNotPublished).

Amounts are exact: each segment is computed as a Fraction and reported as a Decimal
truncated to 6 decimal places (its integer part, which is what counts, is exact).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path

from saikoku.arrears.calendar import add_months_first_period

__all__ = [
    "DEFAULT_RULES",
    "LEVIES",
    "LateChargeResult",
    "LevyRules",
    "Payment",
    "RateNotPublished",
    "RateTable",
    "RateYear",
    "Segment",
    "compute_late_charge",
    "estimated_years_of",
    "round_charge",
    "shipped_rate_table",
]

LEVIES = ("RT", "LV", "NH")
RATES_CSV = Path(__file__).resolve().parent / "data" / "late_charge_rates.csv"

_ONE_DAY = dt.timedelta(days=1)
_DAYS_IN_YEAR = 365  # also in leap years: the rate is "per 365 days"
_BASE_UNIT = 1000  # 地方税法第20条の4の2第2項: base rounded down to 1,000 yen
_BASE_MINIMUM = 2000  # … and no charge on a bill under 2,000 yen
_CHARGE_MINIMUM = 1000  # 第5項: a late charge under 1,000 yen is not charged
_CHARGE_UNIT = 100  # … and the rest is rounded down to 100 yen
_AMOUNT_PLACES = Decimal("0.000001")

# 地方税法第326条 etc.: the rates written in the Act itself (本則), which apply to the
# days before the first special rate (1999 and earlier).
STATUTORY_LOWER = Decimal("7.3")
STATUTORY_HIGHER = Decimal("14.6")


class RateNotPublished(LookupError):
    """No rate is known for a year (the next year's rate is published each December).

    args[0] is the year."""


@dataclass(frozen=True)
class Payment:
    """A payment toward one bill: `amount` whole yen paid on `paid_on`."""

    paid_on: dt.date
    amount: int


@dataclass(frozen=True)
class LevyRules:
    """How one levy's late charge is computed where the wards differ.

    first_period_months: length of the lower-rate period (1; 3 for NH in the Tokyo
        wards' 国民健康保険条例).
    split_every_new_year: start a new segment on every 1 January (default), or only
        where the rate changes; the difference is at most a yen of truncation per year.
    threshold_on_original: judge the 2,000-yen threshold on the original bill amount
        (default) or again on what remains after each partial payment.
    payments_to_principal_first: a payment reduces the principal before the late
        charge (default); otherwise it first covers the late charge accrued so far.
    first_fiscal_year_charged: bills of earlier fiscal years carry no late charge
        (e.g. 世田谷区 charges NH late charges from 平成30年度, 墨田区 from 令和3年度);
        None: every year.
    """

    first_period_months: int = 1
    split_every_new_year: bool = True
    threshold_on_original: bool = True
    payments_to_principal_first: bool = True
    first_fiscal_year_charged: int | None = None


DEFAULT_RULES: dict[str, LevyRules] = {
    "RT": LevyRules(),
    "LV": LevyRules(),
    "NH": LevyRules(first_period_months=3),
}


@dataclass(frozen=True)
class RateYear:
    """The two rates (percent a year) of one calendar year, with where they come from."""

    year: int
    lower: Decimal
    higher: Decimal
    tokurei_kijun: Decimal | None = None
    source: str = ""
    # True: not this year's published rate but the latest known one standing in for it.
    estimated: bool = False


@dataclass(frozen=True)
class RateTable:
    """Rates by calendar year. Years before the first row use the statutory 7.3 / 14.6.

    A year without a row after the first one raises RateNotPublished, unless the table
    is `estimate_unpublished` (see `estimating()`): then the latest earlier row stands
    in for it, marked `estimated`, so that a figure for a day next January can be
    quoted as an estimate (見込み) before the rate is published."""

    years: Mapping[int, RateYear]
    estimate_unpublished: bool = False

    def rate_year(self, year: int) -> RateYear:
        found = self.years.get(year)
        if found is not None:
            return found
        if self.years and year < min(self.years):
            return RateYear(year, STATUTORY_LOWER, STATUTORY_HIGHER, None, "地方税法 本則")
        if self.estimate_unpublished and self.years:
            latest = self.years[max(known for known in self.years if known < year)]
            return replace(
                latest, year=year, source=f"見込み ({latest.year}年の割合)", estimated=True
            )
        raise RateNotPublished(year)

    def estimating(self) -> RateTable:
        """The same rates, standing in the latest known rate for a later year."""
        return replace(self, estimate_unpublished=True)

    @property
    def last_year(self) -> int | None:
        """The latest year with a known rate (None for an empty table)."""
        return max(self.years) if self.years else None

    def rates(self, year: int) -> tuple[Decimal, Decimal]:
        """(lower, higher) in percent a year."""
        entry = self.rate_year(year)
        return entry.lower, entry.higher

    def merged(self, overrides: Iterable[RateYear]) -> RateTable:
        """A new table where each of `overrides` replaces the row of its year."""
        years = dict(self.years)
        for entry in overrides:
            years[entry.year] = entry
        return replace(self, years=years)

    @classmethod
    def from_csv(cls, path: Path = RATES_CSV) -> RateTable:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        years = {}
        for row in rows:
            year = int(row["year"])
            kijun = row.get("tokurei_kijun_percent") or ""
            years[year] = RateYear(
                year=year,
                lower=Decimal(row["lower_percent"]),
                higher=Decimal(row["higher_percent"]),
                tokurei_kijun=Decimal(kijun) if kijun else None,
                source=row.get("source", ""),
            )
        return cls(years=years)


@functools.cache
def shipped_rate_table() -> RateTable:
    """The rates shipped with the release (data/late_charge_rates.csv), read once."""
    return RateTable.from_csv()


@dataclass(frozen=True)
class Segment:
    """A stretch of days with one base, one rate and one phase."""

    start: dt.date
    end: dt.date
    days: int
    rate_percent: Decimal
    base: int
    amount: Decimal  # exact amount before truncation (6 decimal places)
    first_period: bool
    estimated: bool = False  # the rate is an estimate: the year's rate is not known yet

    @property
    def yen(self) -> int:
        """The segment's amount truncated to the yen, as it enters the sum."""
        return int(self.amount)  # non-negative, so int() truncates toward zero = floor


@dataclass(frozen=True)
class LateChargeResult:
    """The answer to "if paid on `on`, how much is it?" for one bill.

    principal: what remains unpaid on `on`. late_charge: the chargeable late charge up
    to `on` after every rounding, less what was already paid toward it. final: the
    principal is paid in full, so the late charge no longer grows.
    """

    levy: str
    on: dt.date
    due_date: dt.date
    first_period_end: dt.date
    principal: int
    late_charge: int
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    accrued: int = 0  # sum of the segments' yen, before the 1,000 / 100 yen rule
    late_charge_paid: int = 0
    final: bool = False

    @property
    def total(self) -> int:
        return self.principal + self.late_charge

    @property
    def estimated_years(self) -> tuple[int, ...]:
        """The years whose rate was estimated (見込み); empty when every rate is known.

        A segment is only ever joined with pieces of the same estimated state, so every
        year an estimated segment spans is an estimated year."""
        return estimated_years_of(self.segments)


def estimated_years_of(segments: Iterable[Segment]) -> tuple[int, ...]:
    """The calendar years covered by the estimated segments, in order."""
    years = {
        year
        for segment in segments
        if segment.estimated
        for year in range(segment.start.year, segment.end.year + 1)
    }
    return tuple(sorted(years))


def _floor_unit(amount: int, unit: int) -> int:
    return amount // unit * unit


def round_charge(accrued: int) -> int:
    """The chargeable late charge of `accrued` yen (the segments' yen summed):
    地方税法第20条の4の2第5項, under 1,000 yen nothing, otherwise rounded down to 100 yen.

    Public so that a breakdown (arrears/owed.py) rounds exactly as the engine does."""
    if accrued < _CHARGE_MINIMUM:
        return 0
    return _floor_unit(accrued, _CHARGE_UNIT)


def _segment_amount(base: int, rate: Decimal, days: int) -> Fraction:
    return Fraction(base) * Fraction(rate) * days / (100 * _DAYS_IN_YEAR)


def _to_decimal(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(_AMOUNT_PLACES, rounding=ROUND_DOWN)


def _validate(
    *, levy: str, principal: int, due_date: dt.date, on: dt.date, payments: list[Payment]
) -> None:
    if levy not in LEVIES:
        raise ValueError(f"unknown levy {levy!r}")
    if principal < 0:
        raise ValueError("the principal must not be negative")
    for payment in payments:
        if payment.amount < 0:
            raise ValueError("a payment must not be negative")
        if payment.paid_on > on:
            raise ValueError(f"payment on {payment.paid_on} is after {on}")


def _boundaries(
    *, start: dt.date, end: dt.date, first_end: dt.date, payments: list[Payment]
) -> list[dt.date]:
    """First days of the pieces [start, end] is cut into before merging."""
    cuts = {start}
    if start <= first_end < end:
        cuts.add(first_end + _ONE_DAY)
    for year in range(start.year + 1, end.year + 1):
        cuts.add(dt.date(year, 1, 1))
    for payment in payments:
        # The paid part accrues up to and including its payment day.
        following = payment.paid_on + _ONE_DAY
        if start < following <= end:
            cuts.add(following)
    return sorted(cuts)


def compute_late_charge(
    *,
    levy: str,
    principal: int,
    due_date: dt.date,
    on: dt.date,
    payments: Iterable[Payment] = (),
    rules: LevyRules | None = None,
    rates: RateTable | None = None,
    fiscal_year: int | None = None,
    late_charge_paid: int = 0,
) -> LateChargeResult:
    """Late charge of one bill (one levy, one period) if the rest is paid on `on`.

    principal: the period amount in yen (for RT the combined 区民税・都民税・森林環境税
    amount of the period). due_date: the 納期限 that applies (already moved off a
    closed day, see calendar.effective_due_date). payments: earlier payments toward the
    bill, none after `on`. late_charge_paid: what the payer already paid toward the late
    charge (the ward's late_charge_paid column). Raises ValueError on wrong input and
    RateNotPublished when a day falls in a year without a known rate (unless `rates`
    is an estimating table: then the result names its `estimated_years`).
    """
    rules = rules or DEFAULT_RULES.get(levy, LevyRules())
    rates = rates or shipped_rate_table()
    ordered = sorted(payments, key=lambda p: p.paid_on)
    _validate(levy=levy, principal=principal, due_date=due_date, on=on, payments=ordered)
    first_end = add_months_first_period(due_date, rules.first_period_months)

    # Split every payment between the late charge and the principal, in date order.
    to_principal: list[Payment] = []
    covered_charge = late_charge_paid
    if rules.payments_to_principal_first:
        to_principal = ordered
    else:
        for payment in ordered:
            accrued_so_far = _accrue(
                principal=principal,
                due_date=due_date,
                until=payment.paid_on,
                first_end=first_end,
                payments=to_principal,
                rules=rules,
                rates=rates,
            )
            owed = max(sum(s.yen for s in accrued_so_far) - covered_charge, 0)
            to_charge = min(owed, payment.amount)
            covered_charge += to_charge
            if payment.amount > to_charge:
                to_principal.append(replace(payment, amount=payment.amount - to_charge))
    paid = sum(p.amount for p in to_principal)
    if paid > principal:
        raise ValueError("the payments exceed the principal")
    remaining = principal - paid

    charged = fiscal_year is None or (
        rules.first_fiscal_year_charged is None or fiscal_year >= rules.first_fiscal_year_charged
    )
    segments = (
        _accrue(
            principal=principal,
            due_date=due_date,
            until=on,
            first_end=first_end,
            payments=to_principal,
            rules=rules,
            rates=rates,
        )
        if charged
        else []
    )
    accrued = sum(s.yen for s in segments)
    late_charge = max(round_charge(accrued) - covered_charge, 0)
    return LateChargeResult(
        levy=levy,
        on=on,
        due_date=due_date,
        first_period_end=first_end,
        principal=remaining,
        late_charge=late_charge,
        segments=tuple(segments),
        accrued=accrued,
        late_charge_paid=covered_charge,
        final=remaining == 0,
    )


def _accrue(
    *,
    principal: int,
    due_date: dt.date,
    until: dt.date,
    first_end: dt.date,
    payments: list[Payment],
    rules: LevyRules,
    rates: RateTable,
) -> list[Segment]:
    """The segments from the day after the due date to `until`, both inclusive."""
    start = due_date + _ONE_DAY
    if until < start or principal < _BASE_MINIMUM:
        return []
    cuts = _boundaries(start=start, end=until, first_end=first_end, payments=payments)
    pieces: list[tuple[dt.date, dt.date, int, Decimal, bool, bool]] = []
    for index, piece_start in enumerate(cuts):
        piece_end = cuts[index + 1] - _ONE_DAY if index + 1 < len(cuts) else until
        # Payments made up to the day before this piece have stopped accruing.
        remaining = principal - sum(p.amount for p in payments if p.paid_on < piece_start)
        if remaining < _BASE_MINIMUM and not rules.threshold_on_original:
            base = 0
        else:
            base = _floor_unit(max(remaining, 0), _BASE_UNIT)
        in_first = piece_start <= first_end
        rate_year = rates.rate_year(piece_start.year)
        rate = rate_year.lower if in_first else rate_year.higher
        pieces.append((piece_start, piece_end, base, rate, in_first, rate_year.estimated))

    segments: list[Segment] = []
    for piece_start, piece_end, base, rate, in_first, estimated in pieces:
        if base == 0:
            continue
        previous = segments[-1] if segments else None
        joinable = (
            previous is not None
            and not rules.split_every_new_year
            and previous.end + _ONE_DAY == piece_start
            and previous.base == base
            and previous.rate_percent == rate
            and previous.first_period == in_first
            and previous.estimated == estimated
        )
        if joinable:
            assert previous is not None
            piece_start = previous.start
            segments.pop()
        days = (piece_end - piece_start).days + 1
        segments.append(
            Segment(
                start=piece_start,
                end=piece_end,
                days=days,
                rate_percent=rate,
                base=base,
                amount=_to_decimal(_segment_amount(base, rate, days)),
                first_period=in_first,
                estimated=estimated,
            )
        )
    return segments
