"""The effect of each channel: payers who pay within 7, 14 and 30 days of a contact,
against comparable payers who were not contacted in the same period, and the amounts
paid after contact month by month.

A unit is one payer and one levy with something overdue at the start of the period.
Units are compared within strata of the same levy, overdue band and amount band (as
they stood at the period's start); the comparison group's rate is weighted by the
contacted units' mix of strata (direct standardisation), and the difference carries a
95 % confidence interval from the normal approximation. docs/reports.md gives the
formulas and their limits.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Bill, Payment
from saikoku.core.dates import TOKYO
from saikoku.outreach.models import Channel, ContactRecord, Party
from saikoku.reports.scope import Scope

__all__ = [
    "AMOUNT_BANDS",
    "EFFECT_CHANNELS",
    "OVERDUE_BANDS",
    "WINDOWS",
    "EffectRow",
    "channel_effect",
    "paid_after_contact_by_month",
]

WINDOWS = (7, 14, 30)
Z95 = 1.96
# Days since the oldest unpaid due date, and the balance, at the period's start.
OVERDUE_BANDS: tuple[tuple[int, LazyText], ...] = (
    (90, _("90日未満")),
    (365, _("90日以上1年未満")),
    (10**6, _("1年以上")),
)
AMOUNT_BANDS: tuple[tuple[int, LazyText], ...] = (
    (30_000, _("3万円未満")),
    (100_000, _("3万円以上10万円未満")),
    (300_000, _("10万円以上30万円未満")),
    (10**15, _("30万円以上")),
)


@dataclass(frozen=True)
class EffectChannel:
    label: LazyText
    condition: Q
    # The figure whose records are these contacts (the link behind the count).
    figure: str


EFFECT_CHANNELS: dict[str, EffectChannel] = {
    "calls": EffectChannel(
        _("架電（本人接触）"),
        Q(channel=Channel.OUTBOUND_CALL, party=Party.SELF),
        "calls_right_party",
    ),
    "sms": EffectChannel(_("SMS（送信）"), Q(channel=Channel.SMS), "sms_sent"),
    "inbound": EffectChannel(_("受電"), Q(channel=Channel.INBOUND_CALL), "inbound_answered"),
}


def band(value: int, bands: tuple[tuple[int, LazyText], ...]) -> int:
    return next(i for i, (limit, _label) in enumerate(bands) if value < limit)


@dataclass(frozen=True)
class EffectRow:
    channel: str
    window: int
    contacted: int  # contacted units in strata that have comparison units
    contacted_paid: int
    contacted_amount: int
    compared: int  # comparison units in those strata
    compared_paid: int
    compared_rate: float  # standardised to the contacted units' strata, in %
    difference: float  # percentage points
    ci_low: float
    ci_high: float
    amount_difference: float  # yen per unit
    amount_ci_low: float
    amount_ci_high: float
    unmatched: int  # contacted units in strata without any comparison unit

    @property
    def contacted_rate(self) -> float:
        return round(100 * self.contacted_paid / self.contacted, 1) if self.contacted else 0.0


Unit = tuple[int, str]  # (payer id, levy)


def overdue_units(start: dt.date, levies: Iterable[str]) -> dict[Unit, tuple[int, int]]:
    """(payer, levy) -> (overdue band, amount band) for every unit with a balance on
    bills due before the day, as it stood at the day's start."""
    levies = list(levies)
    owed: dict[Unit, list] = {}
    rows = (
        Bill.objects.filter(levy__in=levies, due_date__lt=start, amount__gt=F("paid_amount"))
        .values("payer_id", "levy")
        .annotate(owed=Sum(F("amount") - F("paid_amount")), oldest=Min("due_date"))
        .values_list("payer_id", "levy", "owed", "oldest")
        .order_by()
    )
    for payer, levy, amount, oldest in rows:
        owed[(payer, levy)] = [amount, oldest]
    # Paid since the day: it was still owed then.
    later = (
        Payment.objects.filter(bill__levy__in=levies, bill__due_date__lt=start, paid_on__gte=start)
        .values("bill__payer_id", "bill__levy")
        .annotate(total=Sum("amount"), oldest=Min("bill__due_date"))
        .values_list("bill__payer_id", "bill__levy", "total", "oldest")
        .order_by()
    )
    for payer, levy, total, oldest in later:
        entry = owed.setdefault((payer, levy), [0, oldest])
        entry[0] += total
        entry[1] = min(entry[1], oldest)
    return {
        unit: (band((start - oldest).days, OVERDUE_BANDS), band(amount, AMOUNT_BANDS))
        for unit, (amount, oldest) in owed.items()
        if amount > 0
    }


def _contact_days(scope: Scope, condition: Q | None) -> dict[int, dt.date]:
    """Payer -> the first day (Tokyo) of a contact in the scope's period."""
    first, after = scope.moments()
    qs = ContactRecord.objects.filter(at__gte=first, at__lt=after, amends__isnull=True)
    if condition is not None:
        qs = qs.filter(condition)
    rows = (
        qs.annotate(day=TruncDate("at", tzinfo=TOKYO))
        .values("payer_id")
        .annotate(first=Min("day"))
        .values_list("payer_id", "first")
        .order_by()
    )
    return dict(rows)


def _payments(levies: list[str], start: dt.date, until: dt.date) -> dict[Unit, list]:
    rows = (
        Payment.objects.filter(bill__levy__in=levies, paid_on__gte=start, paid_on__lte=until)
        .values_list("bill__payer_id", "bill__levy", "paid_on", "amount")
        .order_by("paid_on")
    )
    out: dict[Unit, list] = defaultdict(list)
    for payer, levy, paid_on, amount in rows:
        out[(payer, levy)].append((paid_on, amount))
    return out


def _paid_within(payments: list, first: dt.date, days: int) -> int:
    last = first + dt.timedelta(days=days)
    return sum(amount for paid_on, amount in payments if first <= paid_on <= last)


def channel_effect(scope: Scope) -> list[EffectRow]:
    """One row per channel and window over the scope's period and levies."""
    levies = list(scope.levies)
    if not levies:
        return []
    units = overdue_units(scope.start, levies)
    anyone = _contact_days(scope, None)
    payments = _payments(levies, scope.start, scope.end + dt.timedelta(days=max(WINDOWS)))
    control = [u for u in units if u[0] not in anyone]
    rows = []
    channels = [scope.channel] if scope.channel in EFFECT_CHANNELS else list(EFFECT_CHANNELS)
    if scope.channel and scope.channel not in EFFECT_CHANNELS:
        return []
    # The control group is the same for every channel: its payments once per window.
    control_paid = {
        window: [
            (units[u], _paid_within(payments.get(u, []), scope.start, window)) for u in control
        ]
        for window in WINDOWS
    }
    for key in channels:
        contacted = _contact_days(scope, EFFECT_CHANNELS[key].condition)
        treated = [(u, contacted[u[0]]) for u in units if u[0] in contacted]
        for window in WINDOWS:
            rows.append(
                _compare(
                    key,
                    window,
                    treated=[
                        (units[u], _paid_within(payments.get(u, []), d, window)) for u, d in treated
                    ],
                    control=control_paid[window],
                )
            )
    return rows


def _compare(
    channel: str,
    window: int,
    *,
    treated: list[tuple[tuple[int, int], int]],
    control: list[tuple[tuple[int, int], int]],
) -> EffectRow:
    by_stratum_t: dict[tuple[int, int], list[int]] = defaultdict(list)
    by_stratum_c: dict[tuple[int, int], list[int]] = defaultdict(list)
    for stratum, amount in treated:
        by_stratum_t[stratum].append(amount)
    for stratum, amount in control:
        by_stratum_c[stratum].append(amount)
    matched = [s for s in by_stratum_t if by_stratum_c.get(s)]
    n_t = sum(len(by_stratum_t[s]) for s in matched)
    unmatched = len(treated) - n_t
    t_amounts = [a for s in matched for a in by_stratum_t[s]]
    paid_t = sum(1 for a in t_amounts if a > 0)
    n_c = sum(len(by_stratum_c[s]) for s in matched)
    paid_c = sum(1 for s in matched for a in by_stratum_c[s] if a > 0)
    if not n_t:
        return EffectRow(
            channel, window, 0, 0, 0, n_c, paid_c, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, unmatched
        )
    p_t = paid_t / n_t
    var = p_t * (1 - p_t) / n_t
    p_c = 0.0
    mean_t = sum(t_amounts) / n_t
    var_amount = _variance(t_amounts) / n_t
    mean_c = 0.0
    for s in matched:
        weight = len(by_stratum_t[s]) / n_t
        amounts = by_stratum_c[s]
        p_s = sum(1 for a in amounts if a > 0) / len(amounts)
        p_c += weight * p_s
        var += weight**2 * p_s * (1 - p_s) / len(amounts)
        mean_c += weight * sum(amounts) / len(amounts)
        var_amount += weight**2 * _variance(amounts) / len(amounts)
    diff = p_t - p_c
    half = Z95 * math.sqrt(var)
    half_amount = Z95 * math.sqrt(var_amount)
    return EffectRow(
        channel=channel,
        window=window,
        contacted=n_t,
        contacted_paid=paid_t,
        contacted_amount=sum(t_amounts),
        compared=n_c,
        compared_paid=paid_c,
        compared_rate=round(100 * p_c, 1),
        difference=round(100 * diff, 1),
        ci_low=round(100 * (diff - half), 1),
        ci_high=round(100 * (diff + half), 1),
        amount_difference=round(mean_t - mean_c),
        amount_ci_low=round(mean_t - mean_c - half_amount),
        amount_ci_high=round(mean_t - mean_c + half_amount),
        unmatched=unmatched,
    )


def _variance(values: list[int]) -> float:
    """The sample variance (n − 1); zero for fewer than two values."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def paid_after_contact_by_month(
    *, start: dt.date, end: dt.date, levies: Iterable[str], days: int = 30
) -> dict[dt.date, int]:
    """Per month (its first day), the payments on the levies paid on a day within
    `days` days after a contact of the payer (any channel, the contact's day
    included). Each payment counts once."""
    levies = list(levies)
    months: dict[dt.date, int] = {}
    month = start.replace(day=1)
    while month <= end:
        months[month] = 0
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if not levies:
        return months
    since = dt.datetime.combine(start - dt.timedelta(days=days), dt.time(), tzinfo=TOKYO)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=TOKYO)
    contacts: dict[int, list[dt.date]] = defaultdict(list)
    contacted = ContactRecord.objects.filter(at__gte=since, at__lt=until, amends__isnull=True)
    rows = (
        contacted.annotate(day=TruncDate("at", tzinfo=TOKYO))
        .values_list("payer_id", "day")
        .distinct()
        .order_by("payer_id", "day")
    )
    for payer, day in rows:
        contacts[payer].append(day)
    if not contacts:
        return months
    # Only the contacted payers' payments: the others cannot count, and a year's
    # payments of every payer are most of the table.
    payments = (
        Payment.objects.filter(bill__levy__in=levies, paid_on__gte=start, paid_on__lte=end)
        .filter(bill__payer_id__in=contacted.values("payer_id"))
        .values_list("bill__payer_id", "paid_on", "amount")
        .order_by()
    )
    for payer, paid_on, amount in payments:
        days_of = contacts.get(payer)
        if not days_of:
            continue
        # The latest contact on or before the payment day.
        i = bisect_left(days_of, paid_on + dt.timedelta(days=1)) - 1
        if i >= 0 and (paid_on - days_of[i]).days <= days:
            months[paid_on.replace(day=1)] += amount
    return months
