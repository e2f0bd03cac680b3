"""Thresholds, boundaries, settings and properties of the late-charge engine.

The hand-computed cases show their arithmetic in the docstring so that a reader can
check them with a calculator: amount = base × rate × days ÷ 365, truncated per segment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saikoku.arrears.late_charge import (
    LevyRules,
    Payment,
    RateNotPublished,
    RateYear,
    compute_late_charge,
    shipped_rate_table,
)

D = dt.date


def charge(principal, due, on, **kwargs):
    return compute_late_charge(levy="RT", principal=principal, due_date=due, on=on, **kwargs)


# --- the 2,000 / 1,000 yen thresholds on the base ------------------------------------


def test_bill_of_1999_yen_never_carries_a_late_charge():
    result = charge(1_999, D(2015, 6, 30), D(2026, 6, 30))
    assert result.segments == ()
    assert (result.late_charge, result.total) == (0, 1_999)


def test_bill_of_2000_yen_accrues_on_2000():
    """2,000円 from 2015-06-30 to 2026-06-30 accrues on the full 2,000 (11 years ≈
    2,000 × 8.8% × 11 ≈ 1,950円), so after all rounding it is charged 1,900円."""
    result = charge(2_000, D(2015, 6, 30), D(2026, 6, 30))
    assert {s.base for s in result.segments} == {2_000}
    assert result.accrued == 1_938
    assert result.late_charge == 1_900


def test_base_is_rounded_down_to_1000_yen():
    result = charge(152_999, D(2025, 6, 30), D(2025, 7, 1))
    assert result.segments[0].base == 152_000


# --- the 999 / 1,000 yen thresholds on the charge ------------------------------------


def test_charge_of_999_yen_is_not_charged_and_1000_is():
    """18,000円, 納期限 2024-05-31 (hand-computed):
    6/1–6/30 30日 2.4%: 18,000×0.024×30/365 = 35.50 → 35
    7/1–12/31 184日 8.7%: 18,000×0.087×184/365 = 789.43 → 789
    2025/1/1–2/10 41日 8.7%: 175.90 → 175; total 999 → 0円
    … to 2/11 42日: 180.19 → 180; total 1,004 → 1,000円."""
    before = charge(18_000, D(2024, 5, 31), D(2025, 2, 10))
    after = charge(18_000, D(2024, 5, 31), D(2025, 2, 11))
    assert [s.yen for s in before.segments] == [35, 789, 175]
    assert (before.accrued, before.late_charge) == (999, 0)
    assert (after.accrued, after.late_charge) == (1_004, 1_000)


def test_total_is_rounded_down_to_100_yen():
    result = charge(65_000, D(2021, 5, 31), D(2022, 1, 31))
    assert result.accrued == 3_496
    assert result.late_charge == 3_400


# --- days, months and years -------------------------------------------------------


def test_no_charge_when_paid_on_the_due_date():
    result = charge(500_000, D(2025, 6, 30), D(2025, 6, 30))
    assert result.segments == ()
    assert result.late_charge == 0


def test_29_february_counts_as_a_day_with_divisor_365():
    """Same bill, same calendar dates, in a leap year and in a common year:
    2024-02-01..03-31 is 60 days, 2023-02-01..03-31 is 59; the divisor stays 365, so
    the leap year's first segment (1,000,000 × 2.4% × 29 / 365 = 1,906.84) is exactly
    29/28 of the common year's (1,000,000 × 2.4% × 28 / 365 = 1,841.09)."""
    leap = charge(1_000_000, D(2024, 1, 31), D(2024, 3, 31))
    common = charge(1_000_000, D(2023, 1, 31), D(2023, 3, 31))
    assert sum(s.days for s in leap.segments) == 60
    assert sum(s.days for s in common.segments) == 59
    assert leap.segments[0].amount == Decimal("1906.849315")
    assert common.segments[0].amount == Decimal("1841.095890")


def test_first_month_ends_on_the_last_day_of_february_when_there_is_no_31st():
    """Due 30 January: the period starts 31 January; February has no 31st, so the month
    ends on the last day of February (民法第143条第2項)."""
    assert charge(10_000, D(2025, 1, 30), D(2025, 3, 1)).first_period_end == D(2025, 2, 28)
    assert charge(10_000, D(2024, 1, 30), D(2024, 3, 1)).first_period_end == D(2024, 2, 29)


def test_first_month_boundary_after_a_due_date_on_the_31st():
    """Due 31 May: 6/1–6/30 lower rate, 7/1 onwards the higher rate."""
    result = charge(100_000, D(2025, 5, 31), D(2025, 7, 1))
    assert [(s.start, s.end, str(s.rate_percent)) for s in result.segments] == [
        (D(2025, 6, 1), D(2025, 6, 30), "2.4"),
        (D(2025, 7, 1), D(2025, 7, 1), "8.7"),
    ]


def test_rate_changes_on_1_january_inside_the_first_month():
    """Due 2025-12-15: the first month is 12/16–1/15; the 2025 part runs at 2.4% and the
    2026 part at 2.8%; from 1/16 the 2026 higher rate 9.1%."""
    result = charge(300_000, D(2025, 12, 15), D(2026, 1, 20))
    assert [(s.start, s.end, str(s.rate_percent)) for s in result.segments] == [
        (D(2025, 12, 16), D(2025, 12, 31), "2.4"),
        (D(2026, 1, 1), D(2026, 1, 15), "2.8"),
        (D(2026, 1, 16), D(2026, 1, 20), "9.1"),
    ]


def test_split_only_where_the_rate_changes_is_a_setting():
    """2022–2025 all run at 8.7%: split every 1 January gives one segment a year
    (each truncated), split on rate change gives one long segment."""
    every = charge(1_234_000, D(2021, 12, 31), D(2025, 12, 31))
    on_change = charge(
        1_234_000,
        D(2021, 12, 31),
        D(2025, 12, 31),
        rules=LevyRules(split_every_new_year=False),
    )
    assert [s.start.year for s in every.segments] == [2022, 2022, 2023, 2024, 2025]
    assert len(on_change.segments) == 2
    assert sum(s.days for s in every.segments) == sum(s.days for s in on_change.segments)
    assert on_change.accrued >= every.accrued


def test_holiday_due_date_moved_to_the_next_business_day_charges_nothing_until_then():
    from saikoku.arrears.calendar import effective_due_date

    due = effective_due_date(D(2025, 5, 31))  # Saturday
    assert due == D(2025, 6, 2)
    assert charge(3_000_000, due, D(2025, 6, 2)).late_charge == 0
    assert charge(3_000_000, due, D(2025, 6, 3)).segments[0].days == 1


# --- partial payments ---------------------------------------------------------------


def test_partial_payment_rebases_the_remaining_principal_from_the_next_day():
    """123,456円 due 2025-06-30, 50,000円 paid 2025-09-10, asked for 2026-01-15:
    7/1–7/31 31日 2.4% on 123,000 = 250.71 → 250
    8/1–9/10 41日 8.7% on 123,000 = 1,202.03 → 1,202 (the paid day still accrues)
    9/11–12/31 112日 8.7% on 73,000 (73,456 rounded down) = 1,948.80 → 1,948
    2026/1/1–1/15 15日 9.1% on 73,000 = 273.00 → 273
    total 3,673 → 3,600円; 73,456 still unpaid, so the charge is not final."""
    result = charge(
        123_456, D(2025, 6, 30), D(2026, 1, 15), payments=[Payment(D(2025, 9, 10), 50_000)]
    )
    assert [(s.base, s.days, s.yen) for s in result.segments] == [
        (123_000, 31, 250),
        (123_000, 41, 1_202),
        (73_000, 112, 1_948),
        (73_000, 15, 273),
    ]
    assert (result.principal, result.late_charge, result.total) == (73_456, 3_600, 77_056)
    assert result.final is False


def test_paid_in_full_makes_the_charge_final():
    result = charge(
        65_000, D(2021, 5, 31), D(2022, 3, 1), payments=[Payment(D(2022, 1, 31), 65_000)]
    )
    assert result.final is True
    assert (result.principal, result.late_charge) == (0, 3_400)


def test_remaining_principal_under_2000_keeps_accruing_by_default():
    rules_original = LevyRules()
    rules_remaining = LevyRules(threshold_on_original=False)
    payments = [Payment(D(2022, 6, 30), 8_500)]
    kept = charge(10_000, D(2022, 5, 31), D(2025, 5, 31), payments=payments, rules=rules_original)
    dropped = charge(
        10_000, D(2022, 5, 31), D(2025, 5, 31), payments=payments, rules=rules_remaining
    )
    assert kept.segments[-1].base == 1_000
    assert all(s.base == 10_000 for s in dropped.segments)


def test_payment_to_the_late_charge_first_is_a_setting():
    """With payments_to_principal_first off, a payment first covers the late charge
    accrued so far, and only the rest reduces the principal."""
    payments = [Payment(D(2025, 6, 30), 100_000)]
    principal_first = charge(1_000_000, D(2024, 5, 31), D(2025, 6, 30), payments=payments)
    charge_first = charge(
        1_000_000,
        D(2024, 5, 31),
        D(2025, 6, 30),
        payments=payments,
        rules=LevyRules(payments_to_principal_first=False),
    )
    assert principal_first.principal == 900_000
    assert charge_first.principal > 900_000
    assert charge_first.late_charge_paid == charge_first.principal - 900_000


def test_late_charge_already_paid_is_deducted():
    result = charge(65_000, D(2021, 5, 31), D(2022, 1, 31), late_charge_paid=3_000)
    assert result.late_charge == 400


def test_nh_uses_a_three_month_first_period_and_the_first_fiscal_year_setting():
    nh = compute_late_charge(
        levy="NH", principal=50_000, due_date=D(2025, 6, 30), on=D(2025, 12, 31)
    )
    assert nh.first_period_end == D(2025, 9, 30)
    rules = LevyRules(first_period_months=3, first_fiscal_year_charged=2021)
    old = compute_late_charge(
        levy="NH",
        principal=50_000,
        due_date=D(2020, 6, 30),
        on=D(2025, 12, 31),
        rules=rules,
        fiscal_year=2020,
    )
    assert old.late_charge == 0


# --- rates ---------------------------------------------------------------------------


def test_shipped_rates_match_the_published_history():
    table = shipped_rate_table()
    expected = {
        2000: ("4.5", "14.6"),
        2008: ("4.7", "14.6"),
        2013: ("4.3", "14.6"),
        2014: ("2.9", "9.2"),
        2015: ("2.8", "9.1"),
        2016: ("2.8", "9.1"),
        2017: ("2.7", "9.0"),
        2018: ("2.6", "8.9"),
        2020: ("2.6", "8.9"),
        2021: ("2.5", "8.8"),
        2022: ("2.4", "8.7"),
        2025: ("2.4", "8.7"),
        2026: ("2.8", "9.1"),
    }
    for year, (lower, higher) in expected.items():
        assert table.rates(year) == (Decimal(lower), Decimal(higher)), year
    assert all(table.rate_year(year).source for year in range(2000, 2027))


def test_a_year_without_a_published_rate_is_refused_not_guessed():
    with pytest.raises(RateNotPublished):
        charge(100_000, D(2026, 6, 30), D(2027, 1, 5))
    table = shipped_rate_table().merged([RateYear(2027, Decimal("3.0"), Decimal("9.3"))])
    result = charge(100_000, D(2026, 6, 30), D(2027, 1, 5), rates=table)
    assert str(result.segments[-1].rate_percent) == "9.3"


@pytest.mark.parametrize(
    ("payments", "on", "message"),
    [
        ([Payment(D(2025, 7, 1), -1)], D(2025, 8, 1), "must not be negative"),
        ([Payment(D(2025, 9, 1), 10)], D(2025, 8, 1), "is after"),
        ([Payment(D(2025, 7, 1), 200_000)], D(2025, 8, 1), "exceed the principal"),
    ],
)
def test_wrong_payments_are_refused(payments, on, message):
    with pytest.raises(ValueError, match=message):
        charge(100_000, D(2025, 6, 30), on, payments=payments)


# --- properties ------------------------------------------------------------------------

principals = st.integers(min_value=0, max_value=5_000_000)
dues = st.dates(min_value=D(2014, 1, 1), max_value=D(2025, 12, 31))
levies = st.sampled_from(["RT", "LV", "NH"])


def _days(max_days=1_800):
    return st.integers(min_value=0, max_value=max_days)


@settings(max_examples=150, deadline=None)
@given(levy=levies, principal=principals, due=dues, a=_days(), b=_days())
def test_charge_never_decreases_as_the_payment_date_moves_later(levy, principal, due, a, b):
    early, late = sorted((a, b))
    last = D(2026, 12, 31)
    on_early = min(due + dt.timedelta(days=early), last)
    on_late = min(due + dt.timedelta(days=late), last)
    first = compute_late_charge(levy=levy, principal=principal, due_date=due, on=on_early)
    second = compute_late_charge(levy=levy, principal=principal, due_date=due, on=on_late)
    assert 0 <= first.late_charge <= second.late_charge
    assert first.accrued <= second.accrued


@settings(max_examples=150, deadline=None)
@given(
    levy=levies,
    principal=principals,
    due=dues,
    paid_after=_days(),
    part=st.floats(min_value=0, max_value=1),
    extra=_days(400),
)
def test_paying_part_or_earlier_never_raises_the_charge(
    levy, principal, due, paid_after, part, extra
):
    last = D(2026, 12, 31)
    paid_on = min(due + dt.timedelta(days=paid_after), last)
    on = min(paid_on + dt.timedelta(days=extra), last)
    amount = int(principal * part)
    unpaid = compute_late_charge(levy=levy, principal=principal, due_date=due, on=on)
    partly = compute_late_charge(
        levy=levy,
        principal=principal,
        due_date=due,
        on=on,
        payments=[Payment(paid_on, amount)],
    )
    in_full_earlier = compute_late_charge(
        levy=levy,
        principal=principal,
        due_date=due,
        on=on,
        payments=[Payment(paid_on, principal)],
    )
    assert partly.late_charge <= unpaid.late_charge
    assert in_full_earlier.late_charge <= partly.late_charge
    assert in_full_earlier.final


@settings(max_examples=200, deadline=None)
@given(levy=levies, principal=principals, due=dues, days=_days(4_000))
def test_rounding_invariants(levy, principal, due, days):
    on = min(due + dt.timedelta(days=days), D(2026, 12, 31))
    result = compute_late_charge(levy=levy, principal=principal, due_date=due, on=on)
    assert result.late_charge >= 0
    assert result.late_charge % 100 == 0
    assert (result.late_charge == 0) == (result.accrued < 1_000)
    assert result.late_charge <= result.accrued < result.late_charge + 1_000 or (
        result.late_charge == 0
    )
    assert all(s.base % 1_000 == 0 and s.base >= 1_000 for s in result.segments)
    assert sum(s.days for s in result.segments) == (
        max((on - due).days, 0) if principal >= 2_000 else 0
    )
    assert result.total == result.principal + result.late_charge
