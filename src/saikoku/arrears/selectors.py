"""Reads for the payer page (名寄せ): everything owed by one payer, in a few queries.

The caller has already fetched the payer through `payer_for_user` (permission and
audit); this module only narrows what is shown to the user's levies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from saikoku.arrears.calendar import effective_due_date, is_overdue, overdue_through
from saikoku.arrears.models import (
    Account,
    Assessment,
    Levy,
    Measure,
    Plan,
    PlanStatus,
    WardHistory,
)
from saikoku.arrears.owed import BillFacts, bill_facts
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

    @property
    def overdue(self) -> int:
        """The balance if the bill is past its due date (滞納), else 0."""
        return self.balance if self.days_overdue else 0

    @property
    def not_due(self) -> int:
        """The balance if the bill is not yet due (未到来), else 0."""
        return 0 if self.days_overdue else max(self.balance, 0)


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

    @property
    def overdue(self) -> int:
        """The balance past its due date (滞納額)."""
        return sum(r.overdue for r in self.rows)

    @property
    def not_due(self) -> int:
        """The balance not yet due (未到来)."""
        return sum(r.not_due for r in self.rows)


@dataclass(frozen=True)
class LevyTotal:
    levy: str
    amount: int
    paid: int
    balance: int
    overdue_bills: int
    overdue: int  # the balance past its due date (滞納額)
    not_due: int  # the balance not yet due (未到来)

    @property
    def levy_label(self) -> str:
        return str(Levy(self.levy).label)


@dataclass(frozen=True)
class MemberRow:
    id: int | None  # None when not visible
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
    bills: list[BillFacts]  # as read, for owed.owed_as_of (no second read)
    groups: list[BillGroup]
    totals: list[LevyTotal]
    total_balance: int  # everything unpaid: total_overdue + total_not_due
    total_overdue: int  # past its due date (滞納額)
    total_not_due: int  # not yet due (未到来)
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


def payer_age(resident: Resident, today: date) -> int:
    """The payer's age as the pages show it: today, or on the day of death when the
    payer has died (a deceased payer does not grow older)."""
    end = resident.deceased_on if resident.deceased_on and resident.deceased_on < today else today
    return age_on(resident.birth_date, end)


def days_overdue(*, balance: int, due_date: date, today: date) -> int:
    """Days past the due date as it applies (moved off a closed day) while something
    is still owed; 0 when nothing is owed or the bill is not overdue (未到来) today."""
    if balance > 0 and is_overdue(due_date, today):
        return (today - effective_due_date(due_date)).days
    return 0


def overdue_q(on: date, *, field: str = "due_date") -> Q:
    """The bills overdue on `on` as a filter (calendar.overdue_through: the same rule
    as is_overdue, for the SQL of the call lists)."""
    return Q(**{f"{field}__lte": overdue_through(on)})


def _groups(bills: list[BillFacts], today: date) -> list[BillGroup]:
    groups: dict[tuple[str, int], BillGroup] = {}
    for bill in bills:
        group = groups.setdefault(
            (bill.levy, bill.fiscal_year), BillGroup(levy=bill.levy, fiscal_year=bill.fiscal_year)
        )
        if bill.notice_no not in group.notice_nos:
            group.notice_nos.append(bill.notice_no)
        balance = bill.balance
        # The 法定納期限 moved off a closed day is what the law counts from (地方税法第
        # 20条の5第2項), for days overdue as for the time bar. Payments acknowledge the
        # debt and renew the time bar (民法第152条); a demand notice renews it too.
        due = bill.effective_due_date
        bar = (
            time_bar_date(
                levy=bill.levy,
                due_date=due,
                demand_sent_on=bill.demand_sent_on,
                renewals=[p.paid_on for p in bill.payments],
            )
            if balance > 0
            else None
        )
        group.rows.append(
            BillRow(
                id=bill.id,
                period=bill.period,
                amount=bill.amount,
                paid=bill.paid_amount,
                balance=balance,
                due_date=bill.due_date,
                days_overdue=days_overdue(balance=balance, due_date=bill.due_date, today=today),
                demand_sent_on=bill.demand_sent_on,
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
                overdue=sum(g.overdue for g in mine),
                not_due=sum(g.not_due for g in mine),
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
    # A member outside the user's scope is known by relation only: neither the name nor
    # the id leaves the selector, so no template can show them by mistake.
    return [
        MemberRow(
            id=m.pk if m.visible else None,
            name=m.name if m.visible else "",
            name_kana=m.name_kana if m.visible else "",
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
    bills = bill_facts(payer_id=resident.pk, levies=levies)
    groups = _groups(bills, today)
    totals = _totals(groups)
    accounts = list(Account.objects.filter(payer=resident, levy__in=levies).order_by("levy", "id"))
    return PayerOverview(
        resident=resident,
        today=today,
        levies=levies,
        age=payer_age(resident, today),
        bills=bills,
        groups=groups,
        totals=totals,
        total_balance=sum(t.balance for t in totals),
        total_overdue=sum(t.overdue for t in totals),
        total_not_due=sum(t.not_due for t in totals),
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
    "overdue_q",
    "payer_age",
    "payer_overview",
]
