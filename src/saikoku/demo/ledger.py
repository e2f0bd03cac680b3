"""The arrears part of the synthetic package: notices, bills, payments, direct debit,
and the ward's case records (plans, measures, negotiation history)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import jaconv

from saikoku.demo import data
from saikoku.demo.common import (
    ONE_DAY,
    Part,
    Weighted,
    demand_date,
    levy_schedule,
    month_end,
    notice_date,
    open_day_on_or_after,
    open_day_on_or_before,
)
from saikoku.demo.register import Payer
from saikoku.interchange import spec

NOTICE_PREFIX = {"RT": ("R", 100_001), "LV": ("L", 100_001), "NH": ("N", 700_001)}
PAYMENT_METHODS = Weighted(
    ("conbini", "bank", "counter", "qr", "card", "other"), (35, 22, 10, 15, 10, 3)
)
PROFILES = Weighted(("early", "mid", "old", "paid_up"), (50, 30, 17, 3))
LV_KINDS = Weighted(data.LV_KINDS, [k[4] for k in data.LV_KINDS])
PLAN_STATUSES = Weighted(("active", "completed", "broken", "cancelled"), (55, 20, 20, 5))
MEASURE_KINDS = Weighted(tuple(data.MEASURE_NOTES), (30, 15, 10, 20, 10, 15))
# Days from payment to 消込 by channel: a counter books at once, convenience stores
# report in batches a few days later.
RECORDING_LAG = {
    "counter": (0, 0), "bank": (2, 4), "conbini": (3, 7), "debit": (3, 3),
    "qr": (2, 5), "card": (2, 5), "other": (3, 10),
}  # fmt: skip


class Ledger(Part):
    def __init__(self, *, rng: random.Random, today: date) -> None:
        super().__init__(rng=rng, today=today)
        # The package's rows, each a `spec.<FILE>.row(...)`.
        self.assessments: list[tuple] = []
        self.bills: list[tuple] = []
        self.payments: list[tuple] = []
        self.plans: list[tuple] = []
        self.measures: list[tuple] = []
        self.history: list[tuple] = []
        self.accounts: list[tuple] = []
        self.notice_counters: dict[tuple[str, int], int] = {}
        self.payment_seq = 0

    # -- levies -------------------------------------------------------------------------

    def latest_fiscal_year(self, levy: str) -> int:
        """The newest year whose notices have gone out."""
        fy = self.fiscal_year
        first_due = levy_schedule(levy, fy)[0][1]
        return fy if notice_date(levy, fy, first_due, full_year=True) <= self.asof else fy - 1

    def notice_no(self, levy: str, fiscal_year: int) -> str:
        letter, start = NOTICE_PREFIX[levy]
        key = (levy, fiscal_year)
        number = self.notice_counters.get(key, start)
        self.notice_counters[key] = number + 1
        return f"{letter}{fiscal_year % 100:02d}-{number:06d}"

    def split(self, levy: str, annual: int, periods: int) -> list[int]:
        """Period amounts as notices print them: whole thousands (resident tax) or
        hundreds (NHI) per period, the remainder added to the first period."""
        unit = 1000 if levy == "RT" else 100
        base = (annual // periods) // unit * unit
        return [annual - base * (periods - 1)] + [base] * (periods - 1)

    def account_for(self, payer: Payer, levy: str, latest: int) -> tuple | None:
        rng = self.rng
        if rng.random() >= 0.10:
            return None
        bank = rng.choice(data.BANKS)
        start = date(rng.randint(latest - 6, latest), rng.choice((4, 4, 5, 6, 7, 10)), 1)
        start = min(start, self.asof)
        end = ""
        if rng.random() < 0.05:
            end_day = start + timedelta(days=rng.randint(200, 1500))
            end = end_day.isoformat() if end_day < self.asof else ""
        row = spec.ACCOUNTS.row(
            payer_resident_no=payer.resident_no,
            levy=levy,
            bank_code=bank,
            branch_code=f"{rng.randint(1, 899):03d}",
            account_type="当座" if rng.random() < 0.05 else "普通",
            account_no=f"{rng.randint(1, 9_999_999):07d}",
            holder_kana=jaconv.z2h(payer.kana, kana=True, ascii=False, digit=False),
            start_on=start.isoformat(),
            end_on=end,
        )
        self.accounts.append(row)
        return (start, date.fromisoformat(end) if end else None)

    def levy_for(self, payer: Payer, levy: str, *, insured: int = 1) -> None:
        """Writes one payer's notices, bills and payments of one levy."""
        rng = self.rng
        latest = self.latest_fiscal_year(levy)
        # early: only the newest one or two periods are unpaid (the center's main
        # target); mid: a longer run; old: arrears of earlier years; paid_up: settled
        # after the demand notice.
        profile = PROFILES.pick(rng)
        if profile == "old":
            years = list(range(max(latest - rng.randint(1, 3), self.fiscal_year - 4), latest + 1))
        elif profile == "mid" and rng.random() < 0.3:
            years = [latest - 1, latest]
        else:
            years = [latest]
        # Early in the fiscal year the newest notice has nothing past due yet: the
        # arrears the ward sends are then last year's.
        if levy_schedule(levy, latest)[0][1] >= self.today and years[0] == latest:
            years.insert(0, latest - 1)
        debit = self.account_for(payer, levy, latest)
        bills = self.notices(payer, levy, years, insured=insured)
        unpaid = self.unpaid_bills(profile, bills, latest)
        self.settle(payer, levy, bills, unpaid, profile=profile, debit=debit)

    def notices(self, payer: Payer, levy: str, years: list[int], *, insured: int) -> list[tuple]:
        """Assessment rows; returns their bills as (fy, notice_no, period, amount, due,
        notice_issued_on)."""
        rng = self.rng
        plate = vehicle_kind = ""
        if levy == "RT":
            base = min(600_000, max(20_000, int(rng.lognormvariate(11.4, 0.6)) // 100 * 100))
        elif levy == "NH":
            median = 55_000 + 25_000 * (insured - 1)
            base = min(500_000, max(10_000, int(median * rng.lognormvariate(0, 0.45))))
        else:
            kind = LV_KINDS.pick(rng)
            base, vehicle_kind = kind[0], kind[1]
            plate = (
                f"練馬 {kind[2]} {rng.choice(kind[3])} "
                f"{rng.randint(1, 99):>2}-{rng.randint(0, 99):02d}"
            )
        bills: list[tuple] = []
        for fy in years:
            whole = levy_schedule(levy, fy)
            schedule = whole
            # Notices with fewer periods: moving in mid-year, or resident tax that
            # switches from payroll deduction to paying oneself.
            if levy != "LV" and rng.random() < (0.08 if levy == "NH" else 0.04):
                candidate = whole[rng.randint(2, len(whole)) - 1 :]
                if notice_date(levy, fy, candidate[0][1], full_year=False) <= self.asof:
                    schedule = candidate
            full = len(schedule) == len(whole)
            issued = notice_date(levy, fy, schedule[0][1], full_year=full)
            annual = base
            if levy != "LV":
                annual = int(base * rng.uniform(0.9, 1.1)) // 100 * 100
                if not full:
                    annual = annual * len(schedule) // len(whole) // 100 * 100
                    annual = max(100 * len(schedule), annual)
            notice_no = self.notice_no(levy, fy)
            self.assessments.append(
                spec.ASSESSMENTS.row(
                    levy=levy,
                    fiscal_year=fy,
                    notice_no=notice_no,
                    payer_resident_no=payer.resident_no,
                    annual_amount=annual,
                    notice_issued_on=issued.isoformat(),
                    vehicle_plate=plate,
                    vehicle_kind=vehicle_kind,
                    insured_count=insured if levy == "NH" else "",
                )
            )
            amounts = self.split(levy, annual, len(schedule))
            for (period, due), amount in zip(schedule, amounts, strict=True):
                bills.append((fy, notice_no, period, amount, due, issued))
        return bills

    def unpaid_bills(self, profile: str, bills: list[tuple], latest: int) -> set[int]:
        """Indexes of the past-due bills left (wholly or partly) unpaid."""
        rng = self.rng
        past = [i for i, bill in enumerate(bills) if bill[4] < self.today]
        unpaid: set[int] = set()
        if profile == "early":
            unpaid = set(past[-rng.choice((1, 1, 1, 2)) :])
        elif profile == "mid":
            unpaid = set(past[-rng.randint(min(2, len(past)), len(past)) :])
        elif profile == "old":
            for i in past:
                if bills[i][0] < latest and rng.random() < 0.75:
                    unpaid.add(i)
            latest_past = [i for i in past if bills[i][0] == latest]
            # Some keep up with this year's bills and owe only older years.
            if latest_past and rng.random() < 0.7:
                unpaid.update(latest_past[rng.randrange(len(latest_past)) :])
            if not unpaid:
                unpaid.add(past[-1])
        if profile != "paid_up" and len(past) > 2 and rng.random() < 0.05:
            unpaid.add(rng.choice(past[:-1]))  # a period missed in the middle
        return unpaid

    def settle(self, payer: Payer, levy: str, bills: list[tuple], unpaid: set[int], *,
               profile: str, debit: tuple | None) -> None:  # fmt: skip
        """Payments, paid amounts and demand notices of one payer's bills."""
        rng = self.rng
        asof = self.asof
        partial_first = rng.random() < 0.2
        first_unpaid = min(unpaid) if unpaid else None
        last_past = max((i for i, b in enumerate(bills) if b[4] < self.today), default=None)
        for i, (fy, notice_no, period, amount, due, issued) in enumerate(bills):
            paid = 0
            paid_dates: list[date] = []
            if due >= self.today:
                pass  # not yet due
            elif i in unpaid:
                if partial_first and i == first_unpaid and amount >= 2000:
                    part = amount * rng.randint(1, 9) // 10 // 100 * 100
                    paid_on = self.day_between(min(due + ONE_DAY, asof), asof)
                    paid += self.pay(levy, fy, notice_no, period, part, paid_on, None)
                    paid_dates.append(paid_on)
            elif debit and debit[0] <= due and (debit[1] is None or debit[1] >= due):
                paid += self.pay(levy, fy, notice_no, period, amount, due, "debit")
                paid_dates.append(due)
            else:
                late = (profile == "paid_up" and i == last_past) or rng.random() < 0.12
                if late and due + ONE_DAY <= asof:
                    paid_on = self.day_between(due + ONE_DAY, min(due + timedelta(90), asof))
                else:
                    earliest = max(issued + timedelta(days=3), due - timedelta(days=25))
                    paid_on = self.day_between(earliest, due)
                if amount >= 20_000 and rng.random() < 0.04:
                    first = amount // 2 // 100 * 100
                    paid += self.pay(levy, fy, notice_no, period, first, paid_on, None)
                    paid += self.pay(levy, fy, notice_no, period, amount - first, paid_on, None)
                else:
                    paid += self.pay(levy, fy, notice_no, period, amount, paid_on, None)
                paid_dates.append(paid_on)
            demand = late_charge = ""
            if due < self.today:
                sent = demand_date(due)
                if sent <= asof and (paid < amount or max(paid_dates) > sent):
                    demand = sent.isoformat()
                    if paid == amount:
                        late_charge = self.late_charge(amount, due, max(paid_dates))
                if paid < amount:
                    payer.balance += amount - paid
                    if payer.earliest_unpaid is None or due < payer.earliest_unpaid:
                        payer.earliest_unpaid = due
            self.bills.append(
                spec.BILLS.row(
                    levy=levy,
                    fiscal_year=fy,
                    notice_no=notice_no,
                    period=period,
                    amount=amount,
                    due_date=due,
                    paid_amount=paid,
                    demand_sent_on=demand,
                    late_charge_paid=late_charge,
                )
            )

    def pay(self, levy: str, fy: int, notice_no: str, period: int, amount: int,
            paid_on: date, method: str | None) -> int:  # fmt: skip
        rng = self.rng
        if method is None:
            method = PAYMENT_METHODS.pick(rng)
        low, high = RECORDING_LAG[method]
        recorded = open_day_on_or_after(paid_on + timedelta(days=rng.randint(low, high)))
        self.payment_seq += 1
        self.payments.append(
            spec.PAYMENTS.row(
                payment_id=f"X{self.payment_seq:08d}",
                levy=levy,
                fiscal_year=fy,
                notice_no=notice_no,
                period=period,
                amount=amount,
                paid_on=paid_on,
                recorded_on=min(recorded, self.asof),
                method=method,
            )
        )
        return amount

    @staticmethod
    def late_charge(amount: int, due: date, paid_on: date) -> str:
        """延滞金 on a bill paid after its demand: the reduced rate for the first month
        and the full rate after (2025 rates, 2.4% and 8.7%), on the tax rounded down to
        1,000 yen; the charge is rounded down to 100 yen and not levied below 1,000."""
        days = (paid_on - due).days
        base = amount // 1000 * 1000
        charge = base * (min(days, 30) * 0.024 + max(days - 30, 0) * 0.087) / 365
        charge = int(charge) // 100 * 100
        return str(charge) if charge >= 1000 else ""

    # -- case records -------------------------------------------------------------------

    def case_records(self, payers: list[Payer]) -> None:
        rng = self.rng
        asof = self.asof
        for payer in payers:
            start = payer.earliest_unpaid
            if start is None:
                continue
            if rng.random() < 0.10:
                self.history_for(payer, start)
            if rng.random() < 0.03:
                agreed = self.day_between(start + timedelta(days=20), asof)
                status = PLAN_STATUSES.pick(rng)
                monthly = max(3000, payer.balance // rng.randint(6, 24) // 1000 * 1000)
                next_due = ""
                if status == "active":
                    month = asof.month % 12 + 1
                    year = asof.year + (asof.month == 12)
                    next_due = open_day_on_or_after(month_end(year, month)).isoformat()
                note = rng.choice(data.PLAN_NOTES[status]).format(day=rng.choice((10, 25, 27)))
                self.plans.append(
                    spec.PLANS.row(
                        plan_id=f"PL{len(self.plans) + 1:06d}",
                        payer_resident_no=payer.resident_no,
                        agreed_on=agreed.isoformat(),
                        status=status,
                        monthly_amount=monthly,
                        next_due_on=next_due,
                        note=note,
                    )
                )
            if rng.random() < 0.02:
                kind = MEASURE_KINDS.pick(rng)
                begin = self.day_between(start + timedelta(days=40), asof)
                end = ""
                if rng.random() < 0.3:
                    end_day = begin + timedelta(days=rng.randint(180, 365))
                    end = end_day.isoformat() if end_day <= asof else ""
                self.measures.append(
                    spec.MEASURES.row(
                        measure_id=f"MS{len(self.measures) + 1:06d}",
                        payer_resident_no=payer.resident_no,
                        kind=kind,
                        start_on=begin.isoformat(),
                        end_on=end,
                        note=rng.choice(data.MEASURE_NOTES[kind]),
                    )
                )

    def history_for(self, payer: Payer, start: date) -> None:
        rng = self.rng
        first = start + timedelta(days=20)
        if first > self.asof:
            return
        span = (self.asof - first).days
        days = sorted(rng.randint(0, span) for _ in range(rng.randint(1, 4)))
        for offset in days:
            day = open_day_on_or_after(first + timedelta(days=offset))
            if day > self.asof:
                day = open_day_on_or_before(self.asof)
            channel, template = rng.choice(data.HISTORY_TEMPLATES)
            summary = template.format(
                month=day.month % 12 + 1,
                amount=f"{rng.choice((3000, 5000, 10000, 20000)):,}",
                family=rng.choice(("妻", "夫", "母", "父", "子")),
            )
            if rng.random() < 0.1:
                at = day.isoformat()
            else:
                at = f"{day.isoformat()} {rng.randint(9, 18):02d}:{rng.randrange(60):02d}"
            self.history.append(
                spec.HISTORY.row(
                    record_id=f"W{len(self.history) + 1:07d}",
                    payer_resident_no=payer.resident_no,
                    at=at,
                    channel=channel,
                    summary=summary,
                )
            )
