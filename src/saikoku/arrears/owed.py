"""What a payer owes if the rest is paid on a given day: principal, late charge (延滞金)
and their sum per bill, per levy and overall, the principal split into what is overdue
on that day (滞納額) and what is not yet due (未到来; calendar.is_overdue decides).

The payer page's "if paid on …" panel shows these numbers, and the inbound-call
guidance panel is to quote the very same ones: both call `owed_as_of`, neither computes
on its own, so the two screens and `saikoku late-charge` agree to the yen.

Nothing is stored: the late charge depends on the day asked about, so it is computed
each time by the engine (late_charge.compute_late_charge), and only for the bills that
can carry one (something still unpaid, or a payment made after the due date). The
engine is pure Python; a payer with ~56 bills costs about a millisecond.

How the ward's rows feed the engine:

- The due date is the bill's 納期限 moved off a closed day (calendar.effective_due_date;
  地方税法第20条の5第2項, 地方自治法第4条の2第4項). A date the ward already moved is
  left as it is.
- The bill row's paid_amount is authoritative (the loader never adds payments to it).
  The dated payments feed the engine; when they do not add up to paid_amount the
  difference is reconciled (see `_engine_payments`) and the line is marked
  `history_incomplete`, so the screen can say the late charge is approximate.
- A payment recorded after the day asked about counts as made on that day: the
  question is what settling the whole bill on that day costs.
- A day in a year whose rate is not registered yet is computed with the last known
  rate (arrears.rates); such lines name their `estimated_years` and the screen marks
  the figure as an estimate (見込み) until the rate is registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from saikoku.arrears.calendar import effective_due_date, is_overdue
from saikoku.arrears.late_charge import (
    DEFAULT_RULES,
    LateChargeResult,
    LevyRules,
    Payment,
    RateTable,
    Segment,
    compute_late_charge,
    estimated_years_of,
    round_charge,
)
from saikoku.arrears.models import Bill, Levy
from saikoku.arrears.models import Payment as PaymentRow

__all__ = [
    "BillFacts",
    "LevyOwed",
    "OwedLine",
    "OwedSummary",
    "bill_facts",
    "owed_as_of",
]

LEVY_ORDER: tuple[str, ...] = tuple(Levy.values)


@dataclass(frozen=True)
class BillFacts:
    """One bill (期別) as the ward sent it, with its dated payments in date order."""

    id: int
    levy: str
    fiscal_year: int
    period: int
    notice_no: str
    amount: int
    paid_amount: int
    due_date: dt.date  # as the ward recorded it (shown on screen)
    demand_sent_on: dt.date | None
    late_charge_paid: int
    payments: tuple[Payment, ...]

    @property
    def balance(self) -> int:
        return self.amount - self.paid_amount

    @property
    def effective_due_date(self) -> dt.date:
        """The 納期限 that counts in law: the next business day when it is a closed day."""
        return effective_due_date(self.due_date)

    def is_overdue(self, on: dt.date) -> bool:
        """Past its due date on `on` (滞納; calendar.is_overdue), else not yet due (未到来)."""
        return is_overdue(self.due_date, on)

    @property
    def paid_late(self) -> bool:
        due = self.effective_due_date
        return any(p.paid_on > due for p in self.payments)


def bill_facts(*, payer_id: int, levies: Iterable[str]) -> list[BillFacts]:
    """The payer's bills of `levies` with their payments: two queries, whatever the size.

    Ordered by levy, newest fiscal year first, then period (the payer page's order).
    """
    levies = tuple(levies)
    paid: dict[int, list[Payment]] = {}
    for bill_id, paid_on, amount in (
        PaymentRow.objects.filter(bill__payer_id=payer_id, bill__levy__in=levies)
        .order_by("paid_on", "id")
        .values_list("bill_id", "paid_on", "amount")
    ):
        paid.setdefault(bill_id, []).append(Payment(paid_on=paid_on, amount=amount))
    rows = (
        Bill.objects.filter(payer_id=payer_id, levy__in=levies)
        .order_by("levy", "-fiscal_year", "period", "assessment_id")
        .values_list(
            "id",
            "levy",
            "fiscal_year",
            "period",
            "assessment__notice_no",
            "amount",
            "paid_amount",
            "due_date",
            "demand_sent_on",
            "late_charge_paid",
        )
    )
    facts = []
    for row in rows:
        bill_id, levy, year, period, notice_no, amount, paid_amount, due, demand, late_paid = row
        facts.append(
            BillFacts(
                id=bill_id,
                levy=levy,
                fiscal_year=year,
                period=period,
                notice_no=notice_no,
                amount=amount,
                paid_amount=paid_amount,
                due_date=due,
                demand_sent_on=demand,
                late_charge_paid=late_paid or 0,
                payments=tuple(paid.get(bill_id, ())),
            )
        )
    return facts


@dataclass(frozen=True)
class OwedLine:
    """One bill's answer: what remains, the late charge up to `on`, and how it came about."""

    bill: BillFacts
    on: dt.date
    principal: int
    late_charge: int
    segments: tuple[Segment, ...]
    accrued: int  # the segments' yen summed, before the 1,000 / 100 yen rule
    late_charge_paid: int
    final: bool  # the principal is paid in full: the late charge no longer grows
    history_incomplete: bool  # the dated payments do not add up to paid_amount

    @property
    def total(self) -> int:
        return self.principal + self.late_charge

    @property
    def overdue(self) -> bool:
        """The bill is past its due date on `on` (滞納); otherwise not yet due (未到来),
        and then it carries no late charge."""
        return self.bill.is_overdue(self.on)

    @property
    def overdue_principal(self) -> int:
        return self.principal if self.overdue else 0

    @property
    def not_due(self) -> int:
        """What remains of a bill not yet due on `on` (未到来)."""
        return 0 if self.overdue else self.principal

    @property
    def estimated_years(self) -> tuple[int, ...]:
        """Years whose rate is not registered yet and was estimated (見込み)."""
        return estimated_years_of(self.segments)

    @property
    def rounded(self) -> int:
        """The accrued yen after 地方税法第20条の4の2第5項 (before what was paid)."""
        return round_charge(self.accrued)

    @property
    def provisional(self) -> bool:
        """A late charge is running and becomes final only once the principal is paid."""
        return not self.final and bool(self.segments)

    @property
    def why_no_charge(self) -> str:
        """Why the late charge is 0, for the breakdown: "in_time" (`on` is not past the
        due date), "small_bill" (under 2,000 yen, or a fiscal year the ward does not
        charge), "under_minimum" (accrued under 1,000 yen, 地方税法第20条の4の2第5項);
        "" when there is a charge or it was paid already."""
        if self.late_charge or self.late_charge_paid:
            return ""
        if not self.overdue:
            return "in_time"
        if not self.segments:
            return "small_bill"
        return "under_minimum"


@dataclass(frozen=True)
class LevyOwed:
    levy: str
    lines: tuple[OwedLine, ...]

    @property
    def levy_label(self) -> str:
        return str(Levy(self.levy).label)

    @property
    def principal(self) -> int:
        return sum(line.principal for line in self.lines)

    @property
    def overdue(self) -> int:
        """The principal of the bills past their due date (滞納額)."""
        return sum(line.overdue_principal for line in self.lines)

    @property
    def not_due(self) -> int:
        """The principal of the bills not yet due (未到来)."""
        return sum(line.not_due for line in self.lines)

    @property
    def late_charge(self) -> int:
        return sum(line.late_charge for line in self.lines)

    @property
    def overdue_total(self) -> int:
        """What is overdue with its late charge: what settles the arrears on `on`."""
        return self.overdue + self.late_charge

    @property
    def total(self) -> int:
        return self.principal + self.late_charge

    @property
    def estimated_years(self) -> tuple[int, ...]:
        return tuple(sorted({year for line in self.lines for year in line.estimated_years}))


@dataclass(frozen=True)
class OwedSummary:
    """Everything owed if paid on `on`. Lines are the bills with something to pay."""

    on: dt.date
    levies: tuple[LevyOwed, ...]

    @property
    def lines(self) -> list[OwedLine]:
        return [line for levy in self.levies for line in levy.lines]

    @property
    def principal(self) -> int:
        return sum(levy.principal for levy in self.levies)

    @property
    def overdue(self) -> int:
        """The principal past its due date on `on` (滞納額)."""
        return sum(levy.overdue for levy in self.levies)

    @property
    def not_due(self) -> int:
        """The principal not yet due on `on` (未到来)."""
        return sum(levy.not_due for levy in self.levies)

    @property
    def late_charge(self) -> int:
        return sum(levy.late_charge for levy in self.levies)

    @property
    def overdue_total(self) -> int:
        """What is overdue with its late charge (滞納額 + 延滞金)."""
        return self.overdue + self.late_charge

    @property
    def total(self) -> int:
        return self.principal + self.late_charge

    @property
    def provisional(self) -> bool:
        """Show "延滞金は本税完納時に確定します": some late charge is still running."""
        return any(line.provisional for line in self.lines)

    @property
    def history_incomplete(self) -> bool:
        return any(line.history_incomplete for line in self.lines)

    @property
    def estimated_years(self) -> tuple[int, ...]:
        """Years whose late-charge rate was estimated (見込み) in some line; empty when
        every figure uses a registered rate."""
        return tuple(sorted({year for line in self.lines for year in line.estimated_years}))


def _engine_payments(bill: BillFacts, on: dt.date) -> tuple[list[Payment], bool]:
    """The payments to give the engine, adding up to the bill's paid_amount.

    Returns (payments, history_incomplete). The ward's paid_amount wins over the
    payment history:
    - history short of paid_amount (older payments not sent): the unrecorded part is
      counted as paid on the due date, so no late charge is invented on money whose
      payment day is unknown;
    - history over paid_amount (a refund or a correction): the latest payments are
      trimmed until it fits.
    Payments after `on` are moved to `on` (see the module docstring).
    """
    due = bill.effective_due_date
    recorded = sum(p.amount for p in bill.payments)
    payments: list[Payment] = []
    if recorded < bill.paid_amount:
        payments.append(Payment(paid_on=min(due, on), amount=bill.paid_amount - recorded))
        payments.extend(bill.payments)
    else:
        left = bill.paid_amount
        for payment in bill.payments:
            if left <= 0:
                break
            payments.append(Payment(paid_on=payment.paid_on, amount=min(payment.amount, left)))
            left -= payment.amount
    clamped = [p if p.paid_on <= on else Payment(paid_on=on, amount=p.amount) for p in payments]
    return clamped, recorded != bill.paid_amount


def _line(bill: BillFacts, on: dt.date, *, rules: LevyRules, rates: RateTable) -> OwedLine | None:
    if bill.balance <= 0 and not bill.paid_late:
        return None  # paid in time: nothing to compute, nothing owed
    payments, incomplete = _engine_payments(bill, on)
    result: LateChargeResult = compute_late_charge(
        levy=bill.levy,
        principal=bill.amount,
        due_date=bill.effective_due_date,
        on=on,
        payments=payments,
        rules=rules,
        rates=rates,
        fiscal_year=bill.fiscal_year,
        late_charge_paid=bill.late_charge_paid,
    )
    if result.principal == 0 and result.late_charge == 0:
        return None
    return OwedLine(
        bill=bill,
        on=on,
        principal=result.principal,
        late_charge=result.late_charge,
        segments=result.segments,
        accrued=result.accrued,
        late_charge_paid=result.late_charge_paid,
        final=result.final,
        history_incomplete=incomplete,
    )


def owed_as_of(
    bills: Iterable[BillFacts],
    on: dt.date,
    *,
    rates: RateTable,
    rules: Mapping[str, LevyRules] | None = None,
) -> OwedSummary:
    """What each bill, each levy and the payer owe if everything is paid on `on`.

    bills: from `bill_facts` (or the payer page's overview). rates: the table in force,
    arrears.rates.current_rate_table(). rules: per-levy settings (default
    late_charge.DEFAULT_RULES). With a plain (not estimating) table, raises
    late_charge.RateNotPublished when `on` lies in a year whose rate is not known yet.
    """
    rules = rules or DEFAULT_RULES
    by_levy: dict[str, list[OwedLine]] = {}
    for bill in bills:
        line = _line(bill, on, rules=rules.get(bill.levy, LevyRules()), rates=rates)
        if line is not None:
            by_levy.setdefault(bill.levy, []).append(line)
    levies = tuple(
        LevyOwed(levy=levy, lines=tuple(by_levy[levy])) for levy in LEVY_ORDER if levy in by_levy
    )
    return OwedSummary(on=on, levies=levies)
