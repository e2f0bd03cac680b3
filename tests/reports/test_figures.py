"""Every figure of the registry reconciles with the raw records, computed here again
from the rows themselves; the collection rate reconciles with the bills and payments."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from saikoku.arrears.models import Bill, Payment
from saikoku.backoffice.models import Task
from saikoku.inbound.models import InboundCall, Transfer
from saikoku.outreach.models import ContactRecord, Promise
from saikoku.reports.collection import collection_rates
from saikoku.reports.effect import channel_effect, overdue_units
from saikoku.reports.figures import FIGURES, RATIOS, figure_by_operator, figure_series, figure_value
from saikoku.reports.scope import ALL_LEVIES, Scope
from saikoku.sms.models import SmsMessage

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
JUNE = Scope(start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))


def in_june(moment) -> bool:
    if moment is None:
        return False
    day = moment.astimezone(TOKYO).date() if isinstance(moment, dt.datetime) else moment
    return JUNE.start <= day <= JUNE.end


def payer_levies() -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for payer, levy in Bill.objects.values_list("payer_id", "levy"):
        out.setdefault(payer, set()).add(levy)
    return out


def expected(key: str, levies: tuple[str, ...] = ALL_LEVIES):
    """The figure from the raw rows, without the registry."""
    owes = payer_levies()

    def ok(payer_id) -> bool:
        if set(levies) == set(ALL_LEVIES):
            return True
        return payer_id is not None and bool(owes.get(payer_id, set()) & set(levies))

    calls = [
        r
        for r in ContactRecord.objects.all()
        if r.channel == "outbound_call" and r.amends_id is None and in_june(r.at) and ok(r.payer_id)
    ]
    promises = [p for p in Promise.objects.select_related("contact_record") if ok(p.payer_id)]
    sms = [m for m in SmsMessage.objects.select_related("campaign") if ok(m.payer_id)]
    inbound = [c for c in InboundCall.objects.all() if in_june(c.ringing_at) and ok(c.payer_id)]
    transferred = set(Transfer.objects.values_list("call_id", flat=True))
    tasks = [t for t in Task.objects.all() if ok(t.payer_id)]

    def mean(pairs):
        secs = [(b - a).total_seconds() for a, b in pairs]
        return round(sum(secs) / len(secs), 1) if secs else None

    today = timezone.localdate()
    return {
        "calls_attempted": len(calls),
        "calls_right_party": sum(1 for r in calls if r.party == "self"),
        "promises_made": sum(
            1 for p in promises if p.status != "cancelled" and in_june(p.contact_record.at)
        ),
        "promises_kept": sum(1 for p in promises if p.status == "kept" and in_june(p.promised_on)),
        "promises_broken": sum(
            1 for p in promises if p.status == "broken" and in_june(p.promised_on)
        ),
        "promises_amount": sum(
            p.amount for p in promises if p.status != "cancelled" and in_june(p.contact_record.at)
        ),
        "sms_sent": sum(1 for m in sms if in_june(m.sent_at)),
        "sms_delivered": sum(1 for m in sms if m.status == "delivered" and in_june(m.sent_at)),
        "sms_failed": sum(
            1
            for m in sms
            if m.status in ("failed", "expired") and in_june(m.sent_at or m.campaign.scheduled_at)
        ),
        "inbound_calls": len(inbound),
        "inbound_answered": sum(1 for c in inbound if c.answered_at),
        "inbound_abandoned": sum(1 for c in inbound if c.state == "abandoned"),
        "inbound_transferred": sum(1 for c in inbound if c.pk in transferred),
        "inbound_wait_seconds": mean(
            [(c.ringing_at, c.answered_at) for c in inbound if c.answered_at]
        ),
        "inbound_handling_seconds": mean(
            [(c.answered_at, c.ended_at) for c in inbound if c.answered_at and c.ended_at]
        ),
        "tasks_created": sum(1 for t in tasks if in_june(t.created_at)),
        "escalations": sum(1 for t in tasks if t.kind == "escalation" and in_june(t.created_at)),
        "tasks_done": sum(1 for t in tasks if t.status == "done" and in_june(t.closed_at)),
        "tasks_overdue": sum(
            1
            for t in tasks
            if t.status != "cancelled"
            and in_june(t.due_on)
            and t.due_on < today
            and (
                t.closed_at is None
                or t.closed_at.astimezone(TOKYO).date() > t.due_on
                or t.status not in ("done", "cancelled")
            )
        ),
    }[key]


def test_the_generated_month_has_activity_on_every_channel(report_ward):
    assert figure_value("calls_attempted", JUNE) > 10
    assert figure_value("calls_right_party", JUNE) > 0
    assert figure_value("promises_made", JUNE) > 0
    assert figure_value("escalations", JUNE) > 0
    # Known from the generator: 8 inbound calls, 2 abandoned, 1 transferred; 10 SMS,
    # every third failed before sending.
    assert figure_value("inbound_calls", JUNE) == 8
    assert figure_value("inbound_abandoned", JUNE) == 2
    assert figure_value("inbound_transferred", JUNE) == 1
    assert figure_value("sms_sent", JUNE) == 7
    assert figure_value("sms_delivered", JUNE) == 4
    assert figure_value("sms_failed", JUNE) == 3
    assert figure_value("sms_delivery_rate", JUNE) == round(100 * 4 / 7, 1)


@pytest.mark.parametrize("key", sorted(FIGURES))
def test_every_figure_reconciles_with_the_raw_records(report_ward, key):
    assert figure_value(key, JUNE) == expected(key)
    for levies in (("RT", "LV"), ("NH",)):
        assert figure_value(key, JUNE.with_(levies=levies)) == expected(key, levies), levies


@pytest.mark.parametrize("key", sorted(k for k, f in FIGURES.items() if f.measure == "count"))
def test_series_and_operator_split_add_up_to_the_figure(report_ward, key):
    total = figure_value(key, JUNE)
    assert sum(figure_series(key, JUNE, by="day").values()) == total
    assert sum(figure_series(key, JUNE, by="week").values()) == total
    if FIGURES[key].operator and key not in ("sms_failed",):
        split = figure_by_operator(key, JUNE)
        assert sum(split.values()) <= total


def test_rates_are_their_parts(report_ward):
    for key, ratio in RATIOS.items():
        top, bottom = figure_value(ratio.numerator, JUNE), figure_value(ratio.denominator, JUNE)
        assert figure_value(key, JUNE) == (round(100 * top / bottom, 1) if bottom else None)


def test_a_team_filter_counts_only_its_members(report_ward, supervisor):
    from saikoku.outreach.models import Team

    op1 = report_ward["operators"][0]
    team = Team.objects.create(name="A")
    team.members.add(op1)
    by_team = figure_value("calls_attempted", JUNE.with_(team_id=team.pk))
    assert (
        by_team
        == ContactRecord.objects.filter(
            operator=op1, channel="outbound_call", amends__isnull=True
        ).count()
    )


def _paid_as_of(bill: Bill, day: dt.date) -> int:
    later = sum(p.amount for p in bill.payments.all() if p.paid_on > day)
    return min(bill.amount, max(0, bill.paid_amount - later))


@pytest.mark.parametrize(
    "on", [dt.date(2025, 3, 31), dt.date(2025, 4, 30), dt.date(2025, 6, 30), dt.date(2025, 7, 15)]
)
def test_collection_rate_reconciles_with_bills_and_payments(report_ward, on):
    fy = on.year if on.month >= 4 else on.year - 1
    year_before = dt.date(fy, 3, 31)
    bills = list(Bill.objects.prefetch_related("payments"))
    for line in collection_rates(on=on, levies=ALL_LEVIES):
        mine = [b for b in bills if b.levy == line.levy]
        if line.part == "current":
            current = [b for b in mine if b.fiscal_year == fy]
            assert line.charged == sum(b.amount for b in current)
            assert line.collected == sum(_paid_as_of(b, on) for b in current)
        else:
            old = [b for b in mine if b.fiscal_year < fy]
            assert line.charged == sum(b.amount - _paid_as_of(b, year_before) for b in old)
            assert line.collected == sum(
                _paid_as_of(b, on) - _paid_as_of(b, year_before) for b in old
            )
        if line.charged:
            assert line.rate == round(100 * line.collected / line.charged, 1)
    assert any(line.collected for line in collection_rates(on=on, levies=ALL_LEVIES))


def test_effect_counts_contacted_and_comparison_units_from_the_records(report_ward):
    units = overdue_units(JUNE.start, ALL_LEVIES)
    contacted = {
        r.payer_id
        for r in ContactRecord.objects.filter(
            channel="outbound_call", party="self", amends__isnull=True
        )
    }
    anyone = set(ContactRecord.objects.values_list("payer_id", flat=True))
    rows = {(r.channel, r.window): r for r in channel_effect(JUNE)}
    calls7 = rows[("calls", 7)]
    treated = [u for u in units if u[0] in contacted]
    assert calls7.contacted + calls7.unmatched == len(treated)
    assert calls7.compared <= len([u for u in units if u[0] not in anyone])
    first_day = {}
    for r in ContactRecord.objects.filter(
        channel="outbound_call", party="self", amends__isnull=True
    ):
        day = r.at.astimezone(TOKYO).date()
        first_day[r.payer_id] = min(first_day.get(r.payer_id, day), day)
    payments = list(Payment.objects.select_related("bill"))
    paid = sum(
        1
        for payer, levy in treated
        if any(
            p.bill.payer_id == payer
            and p.bill.levy == levy
            and first_day[payer] <= p.paid_on <= first_day[payer] + dt.timedelta(days=7)
            for p in payments
        )
    )
    if calls7.unmatched == 0:
        assert calls7.contacted_paid == paid
    assert calls7.ci_low <= calls7.difference <= calls7.ci_high
    assert rows[("calls", 30)].contacted_paid >= rows[("calls", 7)].contacted_paid
