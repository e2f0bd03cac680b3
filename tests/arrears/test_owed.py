"""owed_as_of: what a payer owes if paid on a day, per bill, per levy and overall, from
the ward's bill rows and payment history (no database needed)."""

from __future__ import annotations

import datetime as dt

from saikoku.arrears.late_charge import Payment, compute_late_charge, shipped_rate_table
from saikoku.arrears.owed import BillFacts, owed_as_of

RATES = shipped_rate_table()


def bill(
    *,
    id: int = 1,
    levy: str = "RT",
    amount: int = 100_000,
    paid_amount: int = 0,
    due: str = "2025-06-30",
    payments: tuple[tuple[str, int], ...] = (),
    late_charge_paid: int = 0,
    fiscal_year: int = 2025,
    period: int = 1,
) -> BillFacts:
    return BillFacts(
        id=id,
        levy=levy,
        fiscal_year=fiscal_year,
        period=period,
        notice_no=f"N{id}",
        amount=amount,
        paid_amount=paid_amount,
        due_date=dt.date.fromisoformat(due),
        demand_sent_on=None,
        late_charge_paid=late_charge_paid,
        payments=tuple(Payment(dt.date.fromisoformat(d), a) for d, a in payments),
    )


def engine(levy: str, amount: int, due: str, on: dt.date, payments=()) -> int:
    return compute_late_charge(
        levy=levy,
        principal=amount,
        due_date=dt.date.fromisoformat(due),
        on=on,
        payments=[Payment(dt.date.fromisoformat(d), a) for d, a in payments],
        rates=RATES,
    ).late_charge


ON = dt.date(2026, 3, 31)


def test_each_bill_is_computed_on_its_own_and_the_totals_add_up():
    bills = [
        bill(id=1, levy="NH", amount=45_000, due="2025-07-31"),
        bill(id=2, levy="RT", amount=123_456, due="2025-06-30"),
        bill(id=3, levy="RT", amount=80_000, due="2025-09-01"),
    ]
    owed = owed_as_of(bills, ON, rates=RATES)
    assert [levy.levy for levy in owed.levies] == ["RT", "NH"]  # the page's levy order
    charges = {line.bill.id: line.late_charge for line in owed.lines}
    assert charges == {
        1: engine("NH", 45_000, "2025-07-31", ON),  # NH: three-month first period
        2: engine("RT", 123_456, "2025-06-30", ON),
        3: engine("RT", 80_000, "2025-09-01", ON),
    }
    # Never computed on the payer's total (地方税法第20条の4の2: per levy and period).
    assert owed.late_charge == sum(charges.values())
    assert owed.principal == 45_000 + 123_456 + 80_000
    assert owed.total == owed.principal + owed.late_charge
    assert owed.levies[0].total == 123_456 + 80_000 + charges[2] + charges[3]


def test_a_bill_paid_on_time_is_not_listed():
    paid = bill(paid_amount=100_000, payments=(("2025-06-27", 100_000),))
    assert owed_as_of([paid], ON, rates=RATES).lines == []


def test_a_bill_paid_late_keeps_its_final_late_charge_until_it_is_paid():
    late = bill(amount=200_000, paid_amount=200_000, payments=(("2025-10-20", 200_000),))
    (line,) = owed_as_of([late], ON, rates=RATES).lines
    assert (line.principal, line.late_charge, line.final, line.provisional) == (
        0,
        engine("RT", 200_000, "2025-06-30", ON, [("2025-10-20", 200_000)]),
        True,
        False,
    )
    settled = bill(
        amount=200_000,
        paid_amount=200_000,
        payments=(("2025-10-20", 200_000),),
        late_charge_paid=line.late_charge,
    )
    assert owed_as_of([settled], ON, rates=RATES).lines == []


def test_the_bill_row_wins_when_the_history_is_short_and_the_line_is_approximate():
    # 30,000 paid according to the ward, no dated payment: counted as paid on the due
    # date, so no late charge is invented on it.
    short = bill(amount=100_000, paid_amount=30_000)
    (line,) = owed_as_of([short], ON, rates=RATES).lines
    assert line.principal == 70_000 and line.history_incomplete
    assert line.late_charge == engine("RT", 100_000, "2025-06-30", ON, [("2025-06-30", 30_000)])


def test_the_bill_row_wins_when_the_history_is_long():
    long = bill(
        amount=100_000,
        paid_amount=50_000,
        payments=(("2025-07-10", 30_000), ("2025-08-10", 40_000)),
    )
    (line,) = owed_as_of([long], ON, rates=RATES).lines
    assert line.principal == 50_000 and line.history_incomplete
    assert line.late_charge == engine(
        "RT", 100_000, "2025-06-30", ON, [("2025-07-10", 30_000), ("2025-08-10", 20_000)]
    )


def test_a_payment_recorded_after_the_day_asked_counts_as_made_that_day():
    paid = bill(amount=100_000, paid_amount=100_000, payments=(("2025-12-20", 100_000),))
    on = dt.date(2025, 11, 30)
    (line,) = owed_as_of([paid], on, rates=RATES).lines
    assert line.late_charge == engine("RT", 100_000, "2025-06-30", on, [("2025-11-30", 100_000)])


def test_a_due_date_on_a_closed_day_counts_from_the_next_business_day():
    saturday = bill(levy="LV", amount=100_000, due="2025-05-31")
    (line,) = owed_as_of([saturday], ON, rates=RATES).lines
    assert line.late_charge == engine("LV", 100_000, "2025-06-02", ON)
    assert line.segments[0].start == dt.date(2025, 6, 3)
    on_monday = owed_as_of([saturday], dt.date(2025, 6, 2), rates=RATES)
    assert on_monday.late_charge == 0 and not on_monday.provisional
    assert on_monday.lines[0].why_no_charge == "in_time"


def test_a_running_charge_is_provisional_even_before_it_reaches_1000_yen():
    small = bill(amount=30_000, due="2026-02-02")
    (line,) = owed_as_of([small], dt.date(2026, 3, 10), rates=RATES).lines
    assert line.late_charge == 0 and line.why_no_charge == "under_minimum"
    assert line.provisional  # it is accruing and will be charged once it passes 1,000
    tiny = bill(amount=1_999)
    (line,) = owed_as_of([tiny], ON, rates=RATES).lines
    assert line.why_no_charge == "small_bill" and not line.provisional


def test_the_rounded_charge_and_the_sum_of_segments_agree_with_the_engine():
    (line,) = owed_as_of([bill(amount=65_000, due="2025-05-31")], ON, rates=RATES).lines
    assert line.accrued == sum(s.yen for s in line.segments)
    assert line.rounded == line.accrued // 100 * 100 == line.late_charge


def test_the_principal_is_split_into_overdue_and_not_yet_due_on_the_day_asked():
    bills = [
        bill(id=1, levy="NH", amount=5_300, due="2026-11-30", period=6),
        bill(id=2, levy="NH", amount=5_300, due="2026-12-28", period=7),
        bill(id=3, levy="NH", amount=5_300, due="2027-01-31", period=8),  # a Sunday
    ]
    owed = owed_as_of(bills, dt.date(2026, 12, 10), rates=RATES.estimating())
    assert (owed.overdue, owed.not_due, owed.principal) == (5_300, 10_600, 15_900)
    assert [line.overdue for line in owed.lines] == [True, False, False]
    assert owed.overdue_total == owed.overdue + owed.late_charge
    assert owed.total == owed.overdue_total + owed.not_due
    nh = owed.levies[0]
    assert (nh.overdue, nh.not_due) == (5_300, 10_600)
    # A due date on a Sunday applies on Monday 1 February: not overdue that day.
    february = owed_as_of(bills, dt.date(2027, 2, 1), rates=RATES.estimating())
    assert (february.overdue, february.not_due) == (10_600, 5_300)
    assert february.lines[2].why_no_charge == "in_time"
