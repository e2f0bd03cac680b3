"""Promises to pay: kept by payments in later (delta) packages, broken after the
promised day plus the grace days, and paid-up payers leaving the call lists."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from saikoku.core.models import AuditEntry
from saikoku.interchange.services import package_import
from saikoku.outreach.models import (
    CallList,
    CallListEntry,
    ContactRecord,
    ContactSettings,
    Promise,
)
from saikoku.outreach.promises.services import promises_evaluate
from saikoku.outreach.records.amendments import contact_record_amend
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


# Corrections (訂正) of the call that recorded the promise.
CORRECTED_AT = datetime.datetime(2025, 11, 21, 9, 30, tzinfo=TOKYO)


def amend_promise(promise, operator, *, outcome="promise_to_pay", **changes):
    """A correction from the amend page: the original record stays, a new one amends it."""
    return contact_record_amend(
        actor=operator,
        original=promise.contact_record,
        note="訂正理由: 聞き違い",
        outcome=outcome,
        now=CORRECTED_AT,
        **changes,
    )


def test_a_corrected_promised_day_is_what_the_payment_is_judged_against(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    original = promise.contact_record
    amendment = amend_promise(
        promise, operator, promise_on=datetime.date(2025, 12, 10), promise_amount=30000
    )
    promise.refresh_from_db()
    assert (promise.promised_on, promise.amount, promise.status) == (
        datetime.date(2025, 12, 10),
        30000,
        "open",
    )
    # The original record is as it was; the promise remembers what it said.
    original.refresh_from_db()
    assert (original.promise_on, original.promise_amount) == (PROMISED_ON, 30000)
    assert promise.contact_record_id == original.pk
    assert [
        {k: v for k, v in earlier.items() if k != "at"} for earlier in promise.amended_from
    ] == [
        {
            "promised_on": "2025-11-20",
            "amount": 30000,
            "status": "open",
            "record": original.pk,
            "amended_by": amendment.pk,
        }
    ]
    # Under the old day (grace to 11-23) this payment came too late; now it is in time.
    import_delta(
        tmp_path,
        "D-1",
        bills=[PAID_PERIOD_2],
        payments=[payment("X1", "2025-12-05")],
        on=datetime.date(2025, 12, 6),
    )
    promise.refresh_from_db()
    assert promise.status == "kept"
    entry = AuditEntry.objects.get(action="contact_record_amend")
    assert entry.detail["promise"]["before"]["promised_on"] == "2025-11-20"
    assert entry.detail["promise"]["after"]["promised_on"] == "2025-12-10"


def test_a_corrected_amount_is_judged_again_at_once(payers, operator, tmp_path):
    promise = record_promise(payers[YAMAMOTO], operator)
    import_delta(
        tmp_path,
        "D-1",
        bills=[["RT", 2025, "R25-000011", 2, 30000, "2025-09-01", 20000]],
        payments=[payment("X1", "2025-11-18", amount=20000)],
        on=datetime.date(2025, 11, 19),
    )
    promise.refresh_from_db()
    assert promise.status == "open"  # ¥20,000 of ¥30,000
    amend_promise(promise, operator, promise_on=PROMISED_ON, promise_amount=20000)
    promise.refresh_from_db()
    assert (promise.amount, promise.status) == (20000, "kept")


def test_a_broken_promise_given_a_later_day_is_open_again_and_can_be_kept(
    payers, operator, tmp_path
):
    promise = record_promise(payers[YAMAMOTO], operator)
    promises_evaluate(today=datetime.date(2025, 11, 24))
    promise.refresh_from_db()
    assert promise.status == "broken"
    amend_promise(promise, operator, promise_on=datetime.date(2025, 12, 10), promise_amount=30000)
    promise.refresh_from_db()
    assert promise.status == "open" and promise.amended_from[0]["status"] == "broken"
    assert promises_evaluate(today=datetime.date(2025, 12, 13)) == {
        "kept": 0,
        "broken": 0,
        "open": 1,
    }
    import_delta(
        tmp_path, "D-1", payments=[payment("X1", "2025-12-12")], on=datetime.date(2025, 12, 13)
    )
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_a_correction_without_a_promise_cancels_it_and_a_second_one_restores_it(payers, operator):
    promise = record_promise(payers[YAMAMOTO], operator)
    first = amend_promise(promise, operator, outcome="contacted_payer")
    promise.refresh_from_db()
    assert promise.status == "cancelled"
    # Never judged broken, so the payer is not chased for a promise never made.
    assert promises_evaluate(today=datetime.date(2025, 12, 1)) == {
        "kept": 0,
        "broken": 0,
        "open": 0,
    }
    promise.refresh_from_db()
    assert promise.status == "cancelled"
    # A correction of the correction: the promise was made after all, on another day.
    second = contact_record_amend(
        actor=operator,
        original=first,
        note="訂正理由: やはり約束あり",
        outcome="promise_to_pay",
        promise_on=datetime.date(2025, 11, 28),
        promise_amount=30000,
        now=CORRECTED_AT,
    )
    promise.refresh_from_db()
    assert (promise.promised_on, promise.status) == (datetime.date(2025, 11, 28), "open")
    assert [(e["status"], e["record"], e["amended_by"]) for e in promise.amended_from] == [
        ("open", promise.contact_record_id, first.pk),
        ("cancelled", first.pk, second.pk),
    ]


def test_a_correction_of_the_note_alone_leaves_the_promise_as_it_was(payers, operator):
    promise = record_promise(payers[YAMAMOTO], operator)
    amend_promise(promise, operator, promise_on=PROMISED_ON, promise_amount=30000)
    promise.refresh_from_db()
    assert promise.amended_from == [] and promise.status == "open"
    assert "promise" not in AuditEntry.objects.get(action="contact_record_amend").detail
