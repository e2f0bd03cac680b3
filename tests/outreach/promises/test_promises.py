"""Promises to pay: kept by payments in later (delta) packages, broken after the
promised day plus the grace days, and paid-up payers leaving the call lists."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from saikoku.interchange.services import package_import
from saikoku.outreach.models import (
    CallList,
    CallListEntry,
    ContactRecord,
    ContactSettings,
    Promise,
)
from saikoku.outreach.promises.services import promises_evaluate
from support.calls import record_contact
from support.results_package import NAKAMURA, YAMAMOTO, build_delta

TOKYO = ZoneInfo("Asia/Tokyo")
CALLED_AT = datetime.datetime(2025, 11, 10, 10, 0, tzinfo=TOKYO)
PROMISED_ON = datetime.date(2025, 11, 20)  # grace 3 days: kept if paid by 11-23


def record_promise(payer_id: int, operator, *, amount: int = 30000):
    """A promise recorded the way the call screen records it."""
    record = record_contact(
        actor=operator,
        payer_id=payer_id,
        outcome="promise_to_pay",
        now=CALLED_AT,
        identity_verified=True,
        party="self",
        promise_on=PROMISED_ON,
        promise_amount=amount,
    )
    return Promise.objects.get(contact_record=record)


def write_promise(payer_id: int, operator, *, balance: int):
    # Written directly: the contact rules (rightly) refuse the many calls a day this
    # volume test needs.
    record = ContactRecord.objects.create(
        payer_id=payer_id,
        at=CALLED_AT,
        channel="outbound_call",
        operator=operator,
        party="self",
        identity_verified=True,
        outcome="promise_to_pay",
        promise_on=PROMISED_ON,
        promise_amount=30000,
    )
    return Promise.objects.create(
        payer_id=payer_id,
        contact_record=record,
        promised_on=PROMISED_ON,
        amount=30000,
        balance_at_promise=balance,
    )


def import_delta(tmp_path, package_id: str, *, bills=None, payments=None, on=PROMISED_ON):
    path = build_delta(
        tmp_path / f"{package_id}.zip", package_id=package_id, bills=bills, payments=payments
    )
    at = datetime.datetime.combine(on, datetime.time(7, 0), tzinfo=TOKYO)
    with time_machine.travel(at, tick=False):
        result = package_import(path=path, password=None, handler="test")
    assert result.status == "imported", result.problems


PAID_PERIOD_2 = ["RT", 2025, "R25-000011", 2, 30000, "2025-09-01", 30000]


def payment(payment_id: str, paid_on: str, amount: int = 30000, period: int = 2):
    return [payment_id, "RT", 2025, "R25-000011", period, amount, paid_on, "bank"]


def test_payment_in_a_later_package_keeps_the_promise(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(
        tmp_path,
        "D-1",
        bills=[PAID_PERIOD_2],
        payments=[payment("X1", "2025-11-19")],
        on=datetime.date(2025, 11, 21),
    )
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert promise.evaluated_at is not None


def test_payment_within_the_grace_days_still_keeps_it(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(
        tmp_path,
        "D-1",
        payments=[payment("X1", "2025-11-23")],
        on=datetime.date(2025, 11, 25),
    )
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_no_payment_breaks_the_promise_the_day_after_the_grace(payers, operator):
    promise = record_promise(payers[YAMAMOTO], operator)
    assert promises_evaluate(today=datetime.date(2025, 11, 23)) == {
        "kept": 0,
        "broken": 0,
        "open": 1,
    }
    promise.refresh_from_db()
    assert promise.status == "open"
    assert promises_evaluate(today=datetime.date(2025, 11, 24))["broken"] == 1
    promise.refresh_from_db()
    assert promise.status == "broken"
    assert promise.evaluated_at is not None


def test_grace_days_come_from_the_contact_settings(payers, operator):
    settings_row = ContactSettings.current()
    settings_row.promise_grace_days = 0
    settings_row.save()
    promise = record_promise(payers[YAMAMOTO], operator)
    promises_evaluate(today=datetime.date(2025, 11, 21))
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_a_partial_payment_does_not_keep_it(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(
        tmp_path,
        "D-1",
        bills=[["RT", 2025, "R25-000011", 2, 30000, "2025-09-01", 20000]],
        payments=[payment("X1", "2025-11-18", amount=20000)],
        on=datetime.date(2025, 11, 19),
    )
    promise.refresh_from_db()
    assert promise.status == "open"
    promises_evaluate(today=datetime.date(2025, 11, 24))
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_several_payments_together_cover_the_amount(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(
        tmp_path,
        "D-1",
        payments=[payment("X1", "2025-11-12", 10000), payment("X2", "2025-11-20", 20000, 3)],
        on=datetime.date(2025, 11, 21),
    )
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_a_payment_before_the_call_does_not_count(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(
        tmp_path,
        "D-1",
        payments=[payment("X1", "2025-11-09")],
        on=datetime.date(2025, 11, 24),
    )
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_a_balance_fall_in_the_bill_rows_keeps_it_without_payment_rows(payers, operator, tmp_path):
    # The ward's bill rows are authoritative: it may send the changed bill alone.
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(tmp_path, "D-1", bills=[PAID_PERIOD_2], on=datetime.date(2025, 11, 21))
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_a_payment_in_time_that_arrives_late_turns_broken_into_kept(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    promises_evaluate(today=datetime.date(2025, 11, 24))
    promise.refresh_from_db()
    assert promise.status == "broken"
    import_delta(
        tmp_path,
        "D-1",
        bills=[PAID_PERIOD_2],
        payments=[payment("X1", "2025-11-20")],
        on=datetime.date(2025, 11, 28),
    )
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_a_payment_after_the_grace_leaves_it_broken(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    promises_evaluate(today=datetime.date(2025, 11, 24))
    import_delta(
        tmp_path,
        "D-1",
        bills=[PAID_PERIOD_2],
        payments=[payment("X1", "2025-11-26")],
        on=datetime.date(2025, 11, 28),
    )
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_evaluation_is_a_few_queries_whatever_the_number_of_promises(
    payers, operator, django_assert_max_num_queries
):
    balances = {YAMAMOTO: 60000, NAKAMURA: 30000}
    for resident_no, payer_id in payers.items():
        for _ in range(20):
            write_promise(payer_id, operator, balance=balances[resident_no])
    ContactSettings.current()
    with django_assert_max_num_queries(6):
        counts = promises_evaluate(today=datetime.date(2025, 12, 31))
    assert counts["broken"] == 20 * len(payers)


def test_paid_up_payers_leave_open_lists_after_a_delta_package(
    payers, operator, supervisor, tmp_path
):
    call_list = CallList.objects.create(name="11月", created_by=supervisor, created_at=CALLED_AT)
    closed = CallList.objects.create(
        name="10月", created_by=supervisor, created_at=CALLED_AT, status="closed"
    )
    for payer_id in payers.values():
        CallListEntry.objects.create(call_list=call_list, payer_id=payer_id, status="pending")
    CallListEntry.objects.create(call_list=closed, payer_id=payers[NAKAMURA], status="done")
    import_delta(
        tmp_path,
        "D-1",
        bills=[["RT", 2025, "R25-000012", 1, 30000, "2025-06-30", 30000]],
        payments=[["X9", "RT", 2025, "R25-000012", 1, 30000, "2025-11-18", "bank"]],
    )
    statuses = dict(
        CallListEntry.objects.filter(call_list=call_list).values_list("payer_id", "status")
    )
    assert statuses == {payers[NAKAMURA]: "removed", payers[YAMAMOTO]: "pending"}
    removed = CallListEntry.objects.get(call_list=call_list, payer_id=payers[NAKAMURA])
    assert removed.removed_reason == "paid_up"
    assert CallListEntry.objects.get(call_list=closed).status == "done"


@pytest.mark.parametrize("status", ["kept", "broken"])
def test_decided_promises_are_not_judged_again(payers, operator, status):
    promise = record_promise(payers[YAMAMOTO], operator)
    Promise.objects.filter(pk=promise.pk).update(status=status)
    promises_evaluate(today=datetime.date(2026, 6, 1))
    promise.refresh_from_db()
    assert promise.status == status


def test_the_daily_command_breaks_an_unkept_promise_without_any_package(payers, operator):
    from io import StringIO

    from django.core.management import call_command

    promise = record_promise(payers[YAMAMOTO], operator)
    out = StringIO()
    call_command("promises_evaluate", "--today", "2025-11-23", stdout=out)
    promise.refresh_from_db()
    assert promise.status == "open"  # still within the grace
    call_command("promises_evaluate", "--today", "R7.11.24", stdout=out)
    promise.refresh_from_db()
    assert promise.status == "broken"
    assert "不履行 1 件" in out.getvalue()
