"""Call lists: priority, filters, preview = build, assignment, paid-up removal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saikoku.core.models import AuditEntry
from saikoku.interchange.services import package_import
from saikoku.outreach.eligibility import exclusions_for_payers
from saikoku.outreach.lists.selectors import call_list_preview
from saikoku.outreach.lists.services import (
    call_list_assign,
    call_list_build,
    call_lists_remove_paid_up,
    contact_approval_grant,
)
from saikoku.outreach.models import CallListEntry, ContactRecord, Promise, Team
from saikoku.outreach.priority import PRIORITY_PARTS, priority_for_payers
from support.lists_package import (
    BIG_NH,
    BROKEN_PLAN,
    CAUTION,
    DEFERRED,
    HISTORY,
    LANDLINE,
    NO_PHONE,
    NOW,
    OLD_DEBT,
    PAID_UP,
    PLAIN,
    build_pay_everything_delta,
)  # fmt: skip


def matched_ids(filters: dict) -> set[int]:
    return {pk for pk, _codes, _score in call_list_preview(filters=filters, now=NOW).rows}


def test_recent_arrears_outrank_an_old_small_debt(ids):
    scores = priority_for_payers([ids[PLAIN], ids[OLD_DEBT], ids[BIG_NH]], now=NOW)
    plain, old, big = scores[ids[PLAIN]], scores[ids[OLD_DEBT]], scores[ids[BIG_NH]]
    assert plain.parts["early"] == 50  # 20 days past due
    assert old.parts["early"] == 0
    assert plain.total > old.total
    # More owed and two levies: above the plain payer.
    assert big.total > plain.total
    assert big.parts["levies"] == 2 * plain.parts["levies"]
    assert big.parts["amount"] > plain.parts["amount"]
    assert set(plain.parts) == set(PRIORITY_PARTS)
    assert plain.total == sum(plain.parts.values())


def test_time_bar_near_and_broken_promises_and_plans_add_their_parts(ids, operator):
    # A 2023 RT bill lapses 2028: not near. An NH bill of 2023-12 would be (2 years).
    assert priority_for_payers([ids[OLD_DEBT]], now=NOW)[ids[OLD_DEBT]].parts["time_bar"] == 0
    later = NOW.replace(year=2028, month=5, day=1)  # two months before it lapses
    assert priority_for_payers([ids[OLD_DEBT]], now=later)[ids[OLD_DEBT]].parts["time_bar"] > 0
    record = ContactRecord.objects.create(
        payer_id=ids[PLAIN], at=NOW, channel="outbound_call", operator=operator,
        party="self", outcome="promise_to_pay",
    )  # fmt: skip
    Promise.objects.create(
        payer_id=ids[PLAIN], contact_record=record, promised_on=NOW.date(), amount=1,
        balance_at_promise=1, status="broken",
    )  # fmt: skip
    scores = priority_for_payers([ids[PLAIN], ids[BROKEN_PLAN]], now=NOW)
    assert scores[ids[PLAIN]].parts["broken_promise"] > 0
    assert scores[ids[BROKEN_PLAN]].parts["broken_plan"] > 0
    assert scores[ids[BROKEN_PLAN]].parts["broken_promise"] == 0


def test_filters_narrow_the_matched_payers(ids):
    everyone = matched_ids({})
    assert ids[PAID_UP] not in everyone  # owes nothing: never matched
    assert {ids[PLAIN], ids[CAUTION], ids[OLD_DEBT]} <= everyone
    assert matched_ids({"levies": ["NH"]}) == {ids[BIG_NH]}
    assert matched_ids({"fiscal_years": [2023]}) == {ids[OLD_DEBT]}
    assert matched_ids({"days_past_due_min": 100}) == {ids[OLD_DEBT]}
    assert ids[OLD_DEBT] not in matched_ids({"days_past_due_max": 60})
    assert matched_ids({"balance_min": 100000}) == {ids[BIG_NH]}
    assert matched_ids({"balance_max": 10000}) == {ids[OLD_DEBT]}
    assert matched_ids({"broken_plan": True}) == {ids[BROKEN_PLAN]}
    assert matched_ids({"broken_promise": True}) == set()
    assert ids[NO_PHONE] not in matched_ids({"has_callable_number": True})
    assert ids[LANDLINE] in matched_ids({"has_callable_number": True})
    first = matched_ids({"first_time": True})
    assert ids[PLAIN] in first
    assert ids[OLD_DEBT] not in first  # an earlier fiscal year unpaid
    assert ids[HISTORY] not in first  # the ward talked to them before
    assert matched_ids({"time_bar_within_days": 365}) == set()
    # RT 2023-06-30 lapses 2028-06-30; NH (2 years) 2025-10-31 lapses 2027-10-31.
    assert matched_ids({"time_bar_within_days": 365 * 3}) == {ids[OLD_DEBT], ids[BIG_NH]}


def test_not_contacted_filter_leaves_out_recent_attempts(ids, operator):
    ContactRecord.objects.create(
        payer_id=ids[PLAIN], at=NOW - dt.timedelta(days=3), channel="outbound_call",
        operator=operator, party="none", outcome="no_answer",
    )  # fmt: skip
    assert ids[PLAIN] not in matched_ids({"not_contacted_days": 7})
    assert ids[PLAIN] in matched_ids({"not_contacted_days": 2})


def test_preview_counts_are_what_the_build_saves(ids, supervisor):
    preview = call_list_preview(filters={}, now=NOW)
    assert preview.matched == preview.callable + preview.excluded_total
    assert preview.excluded["caution"] == 1
    assert preview.excluded["deferment_or_suspension"] == 1
    assert sum(n for _label, n in preview.priority_bands) == preview.callable
    call_list = call_list_build(actor=supervisor, name="11月 初回", filters={}, now=NOW)
    entries = CallListEntry.objects.filter(call_list=call_list)
    assert entries.filter(status="pending").count() == preview.callable
    assert entries.filter(status="excluded").count() == preview.excluded_total
    assert call_list.excluded_counts == {k: n for k, n in preview.excluded.items() if n}
    caution = entries.get(payer_id=ids[CAUTION])
    assert caution.excluded_reasons == ["caution"]
    plain = entries.get(payer_id=ids[PLAIN])
    assert plain.status == "pending"
    assert plain.score_parts["early"] == 50
    assert plain.priority == sum(plain.score_parts.values())
    audit = AuditEntry.objects.get(action="call_list_build")
    assert audit.object_id == str(call_list.pk)
    assert audit.detail["callable"] == preview.callable


def test_preview_reads_a_fixed_number_of_queries(ids, django_assert_num_queries):
    call_list_preview(filters={}, now=NOW)  # the contact settings row exists from here on
    # The bills, broken promises and plans, the rules (one query for all of them: 7 fewer
    # than one a rule), the approvals, the universe of payers.
    with django_assert_num_queries(6):
        call_list_preview(filters={}, now=NOW)
    with django_assert_num_queries(10):
        call_list_preview(
            filters={"first_time": True, "has_callable_number": True, "not_contacted_days": 3},
            now=NOW,
        )


def test_only_supervisors_and_ward_admins_build(ids, operator, ward_admin):
    with pytest.raises(PermissionDenied):
        call_list_build(actor=operator, name="x", filters={}, now=NOW)
    assert call_list_build(actor=ward_admin, name="x", filters={}, now=NOW).pk


def test_assign_gives_the_top_entries_to_an_operator_then_the_rest_to_a_team(
    ids, supervisor, operator
):
    call_list = call_list_build(actor=supervisor, name="x", filters={}, now=NOW)
    pending = CallListEntry.objects.filter(call_list=call_list, status="pending")
    top = list(pending.order_by("-priority", "pk").values_list("pk", flat=True)[:2])
    assert call_list_assign(actor=supervisor, call_list=call_list, count=2, operator=operator) == 2
    assert set(pending.filter(assigned_to=operator).values_list("pk", flat=True)) == set(top)
    team = Team.objects.create(name="A班")
    rest = pending.count() - 2
    assert call_list_assign(actor=supervisor, call_list=call_list, count=100, team=team) == rest
    excluded = CallListEntry.objects.filter(call_list=call_list, status="excluded")
    assert not excluded.filter(team=team).exists()  # excluded payers are never handed out
    with pytest.raises(PermissionDenied):
        call_list_assign(actor=operator, call_list=call_list, count=1, operator=operator)
    with pytest.raises(ValidationError):
        call_list_assign(actor=supervisor, call_list=call_list, count=1)
    chosen = [top[0]]
    assert call_list_assign(actor=supervisor, call_list=call_list, entry_ids=chosen, team=team) == 1


def test_approval_puts_an_excluded_entry_back_on_open_lists(ids, supervisor, ward_admin):
    call_list = call_list_build(actor=supervisor, name="x", filters={}, now=NOW)
    contact_approval_grant(
        actor=ward_admin, payer_id=ids[CAUTION], rule="caution", reason="区と協議済み", now=NOW
    )
    entry = CallListEntry.objects.get(call_list=call_list, payer_id=ids[CAUTION])
    assert entry.status == "pending"
    assert entry.excluded_reasons == []


def test_a_delta_package_that_pays_everything_empties_every_open_list(ids, supervisor, tmp_path):
    call_list = call_list_build(actor=supervisor, name="x", filters={}, now=NOW)
    assert CallListEntry.objects.filter(call_list=call_list, status="pending").exists()
    result = package_import(
        path=build_pay_everything_delta(tmp_path / "delta.zip"), password=None, handler="test"
    )
    assert result.status == "imported", result.problems
    call_lists_remove_paid_up()
    entries = CallListEntry.objects.filter(call_list=call_list)
    assert not entries.filter(status__in=("pending", "retry")).exists()
    removed = entries.filter(status="removed")
    assert removed.count() > 0
    assert set(removed.values_list("removed_reason", flat=True)) == {"paid_up"}
    # Excluded entries keep their reasons: they say why the payer was never called.
    assert entries.get(payer_id=ids[DEFERRED]).status == "excluded"


def test_remove_paid_up_keeps_payers_who_still_owe(ids, supervisor):
    call_list = call_list_build(actor=supervisor, name="x", filters={}, now=NOW)
    assert call_lists_remove_paid_up(payer_ids=[ids[PLAIN]]) == 0
    assert CallListEntry.objects.get(call_list=call_list, payer_id=ids[PLAIN]).status == "pending"


FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "levies": st.lists(st.sampled_from(["RT", "LV", "NH"]), max_size=3),
        "fiscal_years": st.lists(st.sampled_from([2023, 2024, 2025]), max_size=2),
        "days_past_due_min": st.integers(0, 1000),
        "days_past_due_max": st.integers(0, 1000),
        "balance_min": st.integers(0, 500000),
        "balance_max": st.integers(0, 500000),
        "first_time": st.booleans(),
        "broken_promise": st.booleans(),
        "broken_plan": st.booleans(),
        "time_bar_within_days": st.integers(0, 2000),
        "has_callable_number": st.booleans(),
        "not_contacted_days": st.integers(1, 30),
    },
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(filters=FILTERS)
def test_no_excluded_payer_is_ever_pending_whatever_the_filters(ids, filters):
    rules = exclusions_for_payers(None, channel="outbound_call", now=NOW)
    preview = call_list_preview(filters=filters, now=NOW)
    for pk, codes, _score in preview.rows:
        assert codes == rules[pk]
    pending = {pk for pk, codes, _score in preview.rows if not codes}
    assert not {pk for pk in pending if rules[pk]}
    assert preview.callable == len(pending)
