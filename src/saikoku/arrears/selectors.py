"""Reads for the payer page (名寄せ): everything owed by one payer, in a few queries.

The caller has already fetched the payer through `payer_for_user` (permission and
audit); this module only narrows what is shown to the user's levies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from saikoku.arrears.models import (
    Account,
    Assessment,
    Bill,
    Levy,
    Measure,
    Payment,
    Plan,
    PlanStatus,
    WardHistory,
)
from saikoku.arrears.time_bar import time_bar_date
from saikoku.core.permissions import levies_visible_to
from saikoku.people.models import Phone, Resident

LEVY_ORDER: tuple[str, ...] = tuple(Levy.values)
# A time bar this close is highlighted on the payer page: time enough to act (a demand
# or an acknowledgement renews it, arrears/time_bar.py).
TIME_BAR_WARNING = timedelta(days=182)
# The ward history is shown newest first; older entries are rarely needed at the phone.
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class BillRow:
    id: int
    period: int
    amount: int
    paid: int
    balance: int
    due_date: date
    days_overdue: int
    demand_sent_on: date | None
    time_bar_on: date | None  # None once paid: nothing left to lapse
    time_bar_near: bool

    @property
    def is_paid(self) -> bool:
        return self.balance <= 0


@dataclass
class BillGroup:
    """The periods of one levy and fiscal year."""

    levy: str
    fiscal_year: int
    notice_nos: list[str] = field(default_factory=list)
    rows: list[BillRow] = field(default_factory=list)

    @property
    def levy_label(self) -> str:
        return str(Levy(self.levy).label)

    @property
    def open_rows(self) -> list[BillRow]:
        return [r for r in self.rows if not r.is_paid]

    @property
    def paid_rows(self) -> list[BillRow]:
        return [r for r in self.rows if r.is_paid]

    @property
    def amount(self) -> int:
        return sum(r.amount for r in self.rows)

    @property
    def paid(self) -> int:
        return sum(r.paid for r in self.rows)

    @property
    def balance(self) -> int:
        return sum(r.balance for r in self.rows)


@dataclass(frozen=True)
class LevyTotal:
    levy: str
    amount: int
    paid: int
    balance: int
    overdue_bills: int

    @property
    def levy_label(self) -> str:
        return str(Levy(self.levy).label)


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    name_kana: str
    relationship: str
    is_householder: bool
    visible: bool  # the user may open this member's payer page


@dataclass
class PayerOverview:
    resident: Resident
    today: date
    levies: tuple[str, ...]
    age: int
    groups: list[BillGroup]
    totals: list[LevyTotal]
    total_balance: int
    total_overdue: int
    phones: list[Phone]
    members: list[MemberRow]
    plans: list[Plan]
    measures: list[Measure]
    history: list[WardHistory]
    accounts: list[Account]

    @property
    def active_plans(self) -> list[Plan]:
        return [p for p in self.plans if p.status == PlanStatus.ACTIVE]

    @property
    def active_measures(self) -> list[Measure]:
        return [m for m in self.measures if measure_is_active(m, self.today)]


def measure_is_active(measure: Measure, today: date) -> bool:
    return measure.start_on <= today and (measure.end_on is None or measure.end_on >= today)


def age_on(birth: date, day: date) -> int:
    """Completed years (年齢計算ニ関スル法律: a year is completed the day before the
    birthday; for display the calendar birthday is close enough)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def days_overdue(*, balance: int, due_date: date, today: date) -> int:
    """Days past the due date while something is still owed; 0 otherwise."""
    if balance > 0 and due_date < today:
        return (today - due_date).days
    return 0


def _groups(resident: Resident, levies: tuple[str, ...], today: date) -> list[BillGroup]:
    bills = (
        Bill.objects.filter(payer=resident, levy__in=levies)
        .values_list(
            "id",
            "levy",
            "fiscal_year",
            "period",
            "amount",
            "paid_amount",
            "due_date",
            "demand_sent_on",
            "assessment__notice_no",
        )
        .order_by("levy", "-fiscal_year", "period", "assessment_id")
    )
    # Payments acknowledge the debt and renew the time bar (民法第152条), so their days
    # are needed for the time-bar column: one query for all of the payer's bills.
    paid_days: dict[int, list[date]] = {}
    for bill_id, paid_on in Payment.objects.filter(
        bill__payer=resident, bill__levy__in=levies
    ).values_list("bill_id", "paid_on"):
        paid_days.setdefault(bill_id, []).append(paid_on)
    groups: dict[tuple[str, int], BillGroup] = {}
    for bill_id, levy, year, period, amount, paid, due, demand, notice_no in bills:
        group = groups.setdefault((levy, year), BillGroup(levy=levy, fiscal_year=year))
        if notice_no not in group.notice_nos:
            group.notice_nos.append(notice_no)
        balance = amount - paid
        bar = (
            time_bar_date(
                levy=levy, due_date=due, demand_sent_on=demand, renewals=paid_days.get(bill_id, ())
            )
            if balance > 0
            else None
        )
        group.rows.append(
            BillRow(
                id=bill_id,
                period=period,
                amount=amount,
                paid=paid,
                balance=balance,
                due_date=due,
                days_overdue=days_overdue(balance=balance, due_date=due, today=today),
                demand_sent_on=demand,
                time_bar_on=bar,
                time_bar_near=bar is not None and bar - today <= TIME_BAR_WARNING,
            )
        )
    return sorted(groups.values(), key=lambda g: (LEVY_ORDER.index(g.levy), -g.fiscal_year))


def _totals(groups: list[BillGroup]) -> list[LevyTotal]:
    totals = []
    for levy in LEVY_ORDER:
        mine = [g for g in groups if g.levy == levy]
        if not mine:
            continue
        totals.append(
            LevyTotal(
                levy=levy,
                amount=sum(g.amount for g in mine),
                paid=sum(g.paid for g in mine),
                balance=sum(g.balance for g in mine),
                overdue_bills=sum(1 for g in mine for r in g.rows if r.days_overdue),
            )
        )
    return totals


def _members(resident: Resident, levies: tuple[str, ...]) -> list[MemberRow]:
    members = (
        Resident.objects.filter(household_id=resident.household_id)
        .exclude(pk=resident.pk)
        .annotate(
            visible=Exists(
                Assessment.objects.filter(payer=OuterRef("pk"), levy__in=levies or ("",))
            )
        )
        .only("id", "name", "name_kana", "relationship", "is_householder")
        .order_by("-is_householder", "resident_no")
    )
    return [
        MemberRow(
            id=m.pk,
            name=m.name,
            name_kana=m.name_kana,
            relationship=m.relationship,
            is_householder=m.is_householder,
            visible=bool(m.visible),
        )
        for m in members
    ]


def payer_overview(user: Any, resident: Resident, *, today: date | None = None) -> PayerOverview:
    """Everything the payer page shows, limited to the user's levies.

    Eight small queries whatever the payer's size: bills, payments, phones, household,
    plans, measures, history, accounts (indexes on Bill(payer, levy) and the foreign keys).
    """
    today = today or timezone.localdate()
    levies = levies_visible_to(user)
    groups = _groups(resident, levies, today)
    totals = _totals(groups)
    accounts = list(Account.objects.filter(payer=resident, levy__in=levies).order_by("levy", "id"))
    end = resident.deceased_on if resident.deceased_on and resident.deceased_on < today else today
    return PayerOverview(
        resident=resident,
        today=today,
        levies=levies,
        age=age_on(resident.birth_date, end),
        groups=groups,
        totals=totals,
        total_balance=sum(t.balance for t in totals),
        total_overdue=sum(r.balance for g in groups for r in g.rows if r.days_overdue),
        phones=list(resident.phones.order_by(F("position").asc(nulls_last=True), "id")),
        members=_members(resident, levies),
        plans=list(Plan.objects.filter(payer=resident).order_by("-agreed_on", "id")),
        measures=list(Measure.objects.filter(payer=resident).order_by("-start_on", "id")),
        history=list(WardHistory.objects.filter(payer=resident).order_by("-at")[:HISTORY_LIMIT]),
        accounts=accounts,
    )


def account_for_user(user: Any, resident: Resident, account_id: int) -> Account | None:
    """The payer's direct-debit account if it belongs to one of the user's levies."""
    levies = levies_visible_to(user)
    return Account.objects.filter(payer=resident, levy__in=levies, pk=account_id).first()


__all__ = [
    "BillGroup",
    "BillRow",
    "LevyTotal",
    "MemberRow",
    "PayerOverview",
    "account_for_user",
    "age_on",
    "days_overdue",
    "measure_is_active",
    "payer_overview",
]
