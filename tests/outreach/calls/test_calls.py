""" "Next" and contact records: order, locks, expiry, and what each outcome sets in
motion (promise, callback, task, phone status, retry), amendments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from saikoku.backoffice.models import Task
from saikoku.core.models import AuditEntry
from saikoku.outreach.calls.services import call_next
from saikoku.outreach.models import (
    Callback,
    CallListEntry,
    ContactRecord,
    PhoneStatus,
    Promise,
    Team,
)
from saikoku.outreach.records.amendments import contact_record_amend
from saikoku.people.models import Phone
from support.calls import (
    AOKI,
    ETO,
    ISHII,
    NOW,
    UEDA,
    build_list,
    record_contact,
)
from support.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return {
        "sv": make_user("sv", "supervisor"),
        "op": make_user("op", "operator"),
        "op2": make_user("op2", "operator"),
    }


def save(actor, payer_id, outcome="no_answer", now=NOW, **kwargs):
    return record_contact(actor=actor, payer_id=payer_id, outcome=outcome, now=now, **kwargs)


def test_next_gives_the_highest_priority_assigned_payer_and_locks_it(calls_payers, staff):
    build_list(staff["sv"], operator=staff["op"])
    top = CallListEntry.objects.filter(assigned_to=staff["op"]).order_by("-priority", "pk").first()
    work = call_next(actor=staff["op"], now=NOW)
    assert work.payer_id == top.payer_id and work.source == "entry_mine"
    top.refresh_from_db()
    assert top.locked_by == staff["op"] and top.locked_until > NOW
    # Asking again while the lock holds gives the same payer back.
    assert call_next(actor=staff["op"], now=NOW + dt.timedelta(minutes=1)).payer_id == work.payer_id


def test_two_operators_never_get_the_same_payer(calls_payers, staff):
    sv = staff["sv"]
    team = Team.objects.create(name="A班")
    team.members.add(staff["op"], staff["op2"])
    build_list(sv, team=team)
    seen = []
    for _round in range(2):
        for op in (staff["op"], staff["op2"]):
            work = call_next(actor=op, now=NOW)
            seen.append(work.payer_id)
            save(op, work.payer_id, phone_id=None)
    assert len(seen) == len(set(seen)) == 4


def test_a_payer_on_two_lists_is_locked_on_both(calls_payers, staff):
    build_list(staff["sv"], operator=staff["op"])
    build_list(staff["sv"], operator=staff["op2"])
    first = call_next(actor=staff["op"], now=NOW)
    second = call_next(actor=staff["op2"], now=NOW)
    assert second.payer_id != first.payer_id
    assert set(
        CallListEntry.objects.filter(payer_id=first.payer_id).values_list("locked_by", flat=True)
    ) == {staff["op"].pk}


def test_an_abandoned_lock_expires(calls_payers, staff):
    team = Team.objects.create(name="A班")
    team.members.add(staff["op"], staff["op2"])
    build_list(staff["sv"], team=team)
    first = call_next(actor=staff["op"], now=NOW)
    later = NOW + dt.timedelta(minutes=16)  # lock_minutes defaults to 15
    again = call_next(actor=staff["op2"], now=later)
    assert again.payer_id == first.payer_id


def test_own_due_callback_comes_before_the_list_then_team_callbacks(calls_payers, staff):
    op, op2 = staff["op"], staff["op2"]
    team = Team.objects.create(name="A班")
    team.members.add(op, op2)
    build_list(staff["sv"], operator=op)
    cb_team = Callback.objects.create(
        payer_id=calls_payers[ETO], due_at=NOW - dt.timedelta(minutes=5), team=team,
        created_by=op2, created_at=NOW - dt.timedelta(days=1),
    )  # fmt: skip
    cb_mine = Callback.objects.create(
        payer_id=calls_payers[UEDA], due_at=NOW - dt.timedelta(minutes=1), owner=op,
        created_by=op, created_at=NOW - dt.timedelta(days=1),
    )  # fmt: skip
    first = call_next(actor=op, now=NOW)
    assert (first.callback_id, first.source) == (cb_mine.pk, "callback_mine")
    save(op, first.payer_id, "contacted_payer", identity_verified=True)
    cb_mine.refresh_from_db()
    assert cb_mine.status == "done"
    second = call_next(actor=op, now=NOW + dt.timedelta(minutes=1))
    assert (second.callback_id, second.source) == (cb_team.pk, "callback_team")


def test_a_personal_callback_not_taken_falls_back_to_the_team(calls_payers, staff):
    op, op2 = staff["op"], staff["op2"]
    team = Team.objects.create(name="A班")
    team.members.add(op, op2)
    cb = Callback.objects.create(
        payer_id=calls_payers[ETO], due_at=NOW, owner=op, created_by=op,
        created_at=NOW - dt.timedelta(days=1),
    )  # fmt: skip
    assert call_next(actor=op2, now=NOW + dt.timedelta(minutes=10)) is None
    fallback = call_next(actor=op2, now=NOW + dt.timedelta(minutes=31))
    assert fallback.callback_id == cb.pk and fallback.source == "callback_team"


def test_payers_the_rules_refuse_now_are_skipped_and_pushed_back(calls_payers, staff):
    op = staff["op"]
    build_list(staff["sv"], operator=op)
    top = CallListEntry.objects.filter(assigned_to=op).order_by("-priority", "pk").first()
    ContactRecord.objects.create(
        payer_id=top.payer_id, at=NOW - dt.timedelta(minutes=30), channel="sms", operator=op,
        party="none", outcome="sms_sent",
    )  # fmt: skip
    work = call_next(actor=op, now=NOW)
    assert work.payer_id != top.payer_id
    top.refresh_from_db()
    assert top.next_attempt_at == NOW + dt.timedelta(minutes=90)


def test_nothing_outside_the_contact_hours(calls_payers, staff):
    build_list(staff["sv"], operator=staff["op"])
    sunday = dt.datetime(2025, 11, 9, 11, tzinfo=NOW.tzinfo)
    assert call_next(actor=staff["op"], now=sunday) is None


def test_promise_to_pay_records_the_promise_with_the_balance_and_ends_the_entry(
    calls_payers, staff
):
    op = staff["op"]
    build_list(staff["sv"], operator=op)
    payer = calls_payers[AOKI]
    CallListEntry.objects.filter(payer_id=payer).update(priority=999)
    work = call_next(actor=op, now=NOW)
    assert work.payer_id == payer
    record = save(
        op, payer, "promise_to_pay", identity_verified=True,
        promise_on=dt.date(2025, 11, 12), promise_amount=60000, note="来週払う",
    )  # fmt: skip
    promise = Promise.objects.get(contact_record=record)
    assert (promise.amount, promise.balance_at_promise) == (60000, 120000)
    assert record.party == "self"
    entry = CallListEntry.objects.get(payer_id=payer)
    assert (entry.status, entry.attempts, entry.last_outcome) == ("done", 1, "promise_to_pay")
    assert entry.locked_by is None
    audit = AuditEntry.objects.filter(action="contact_record").last()
    assert audit.object_id == str(record.pk) and audit.detail["outcome"] == "promise_to_pay"


def test_outcomes_needing_identity_are_refused_without_it(calls_payers, staff):
    with pytest.raises(ValidationError, match="本人確認"):
        save(staff["op"], calls_payers[AOKI], "promise_to_pay",
             promise_on=dt.date(2025, 11, 12), promise_amount=1000)  # fmt: skip
    with pytest.raises(ValidationError, match="本人確認"):
        save(staff["op"], calls_payers[AOKI], "wants_plan")
    assert not ContactRecord.objects.exists()


def test_amounts_for_a_third_party_are_refused(calls_payers, staff):
    with pytest.raises(ValidationError, match="金額"):
        save(staff["op"], calls_payers[AOKI], "contacted_other_party", promise_amount=5000)


def test_a_call_the_rules_refuse_is_not_recorded(calls_payers, staff):
    sunday = dt.datetime(2025, 11, 9, 11, tzinfo=NOW.tzinfo)
    with pytest.raises(ValidationError, match="日曜日"):
        save(staff["op"], calls_payers[AOKI], now=sunday)


def test_busy_and_no_answer_come_back_after_their_delays(calls_payers, staff):
    op = staff["op"]
    build_list(staff["sv"], operator=op)
    work = call_next(actor=op, now=NOW)
    save(op, work.payer_id, "busy", callback_requested_by_payer=False)
    entry = CallListEntry.objects.get(pk=work.entry_id)
    # The 5-minute busy retry still respects the 120-minute gap of the contact rules.
    assert entry.status == "retry"
    assert entry.next_attempt_at == NOW + dt.timedelta(minutes=120)


def test_no_answer_retry_is_an_hour_when_the_rules_allow(calls_payers, staff):
    from saikoku.outreach.models import ContactSettings

    ContactSettings.objects.update_or_create(pk=1, defaults={"min_gap_minutes": 30})
    op = staff["op"]
    build_list(staff["sv"], operator=op)
    work = call_next(actor=op, now=NOW)
    save(op, work.payer_id, "no_answer")
    entry = CallListEntry.objects.get(pk=work.entry_id)
    assert (entry.status, entry.next_attempt_at) == ("retry", NOW + dt.timedelta(hours=1))
    assert call_next(actor=op, now=NOW + dt.timedelta(minutes=61)) is not None


def test_third_party_call_back_request_creates_a_callback_for_the_team(calls_payers, staff):
    op = staff["op"]
    team = Team.objects.create(name="A班")
    team.members.add(op)
    record = save(
        op, calls_payers[UEDA], "contacted_other_party", party="family",
        callback_at=NOW + dt.timedelta(hours=8), callback_for_team=True,
        callback_requested_by_payer=True,
    )  # fmt: skip
    assert record.party == "family" and not record.identity_verified
    callback = Callback.objects.get(payer_id=calls_payers[UEDA])
    assert (callback.team, callback.owner, callback.requested_by_payer) == (team, None, True)


def test_callback_outside_the_hours_is_refused_with_when(calls_payers, staff):
    with pytest.raises(ValidationError, match="時間外"):
        save(staff["op"], calls_payers[UEDA], "contacted_other_party",
             callback_at=NOW.replace(hour=22))  # fmt: skip


def test_wants_plan_escalates_once_per_department_of_the_levies_owed(calls_payers, staff):
    record = save(staff["op"], calls_payers[UEDA], "wants_plan", identity_verified=True,
                  note="月1万円なら払える")  # fmt: skip
    tasks = Task.objects.filter(contact_record=record)
    assert sorted(tasks.values_list("department", flat=True)) == ["nhi", "tax"]
    assert set(tasks.values_list("kind", "reason", "summary")) == {
        ("escalation", "wants_plan", "月1万円なら払える")
    }


def test_claims_paid_creates_a_verification_task(calls_payers, staff):
    record = save(staff["op"], calls_payers[ISHII], "claims_paid", identity_verified=True)
    task = Task.objects.get(contact_record=record)
    assert (task.kind, task.department) == ("verify_payment", "nhi")


def test_wrong_number_marks_the_phone_and_keeps_the_other_number(calls_payers, staff):
    op = staff["op"]
    build_list(staff["sv"], operator=op)
    payer = calls_payers[AOKI]
    CallListEntry.objects.filter(payer_id=payer).update(priority=999)
    call_next(actor=op, now=NOW)
    landline = Phone.objects.get(resident_id=payer, kind="landline")
    save(op, payer, "wrong_number", phone_id=landline.pk)
    assert PhoneStatus.objects.get(phone=landline).status == "wrong_number"
    assert CallListEntry.objects.get(payer_id=payer).status == "retry"  # the mobile is left


def test_not_in_service_on_the_only_number_ends_the_entry(calls_payers, staff):
    op = staff["op"]
    build_list(staff["sv"], operator=op)
    payer = calls_payers[ETO]
    CallListEntry.objects.filter(payer_id=payer).update(priority=999)
    call_next(actor=op, now=NOW)
    phone = Phone.objects.get(resident_id=payer)
    save(op, payer, "not_in_service", phone_id=phone.pk)
    assert PhoneStatus.objects.get(phone=phone).status == "not_in_service"
    assert CallListEntry.objects.get(payer_id=payer).status == "done"


def test_amendment_keeps_the_original(calls_payers, staff):
    original = save(staff["op"], calls_payers[AOKI], "contacted_payer", identity_verified=True,
                    note="説明済み")  # fmt: skip
    amended = contact_record_amend(
        actor=staff["op"], original=original, outcome="will_pay_today", note="本日納付と訂正"
    )
    original.refresh_from_db()
    assert (original.outcome, original.note) == ("contacted_payer", "説明済み")
    assert amended.amends == original and amended.outcome == "will_pay_today"
    assert amended.at == original.at and amended.identity_verified
    with pytest.raises(ValidationError):
        contact_record_amend(actor=staff["op"], original=original, note="")


def test_amendment_cannot_add_identity_after_the_fact(calls_payers, staff):
    original = save(staff["op"], calls_payers[AOKI], "contacted_other_party", party="family")
    with pytest.raises(ValidationError, match="本人確認"):
        contact_record_amend(
            actor=staff["op"], original=original, outcome="contacted_payer", note="本人だった"
        )
