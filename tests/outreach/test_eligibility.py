"""Eligibility: every rule keeps its payer out, approvals lift exactly one rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from saikoku.core.models import AuditEntry
from saikoku.outreach.eligibility import (
    EXCLUSION_RULES,
    exclusions_for_payer,
    exclusions_for_payers,
)
from saikoku.outreach.lists.services import contact_approval_grant
from saikoku.outreach.models import (
    ContactPreference,
    ContactRecord,
    ContactSettings,
    PhoneStatus,
    Promise,
)
from saikoku.people.models import Phone
from support.lists_package import (
    BIG_NH,
    CAUTION,
    DECEASED,
    DEFERMENT_ENDED,
    DEFERRED,
    LANDLINE,
    NO_PHONE,
    NOT_RESIDENT,
    NOW,
    PAID_UP,
    PLAIN,
    PLAN,
    PUBLIC_NOTICE,
)  # fmt: skip

CALL = "outbound_call"


def reasons(payer_id: int, channel: str = CALL) -> list[str]:
    return exclusions_for_payer(payer_id, channel=channel, now=NOW)


def contact(payer_id: int, user, *, at: dt.datetime, party: str = "self") -> ContactRecord:
    return ContactRecord.objects.create(
        payer_id=payer_id, at=at, channel=CALL, operator=user, party=party, outcome="x"
    )


def test_plain_delinquent_with_a_mobile_may_be_called_and_texted(ids):
    assert reasons(ids[PLAIN]) == []
    assert reasons(ids[PLAIN], "sms") == []


@pytest.mark.parametrize(
    ("payer", "rule"),
    [
        (CAUTION, "caution"),
        (PUBLIC_NOTICE, "public_notice"),
        (NOT_RESIDENT, "not_resident"),
        (DECEASED, "deceased"),
        (PLAN, "plan_in_good_standing"),
        (DEFERRED, "deferment_or_suspension"),
        (PAID_UP, "nothing_owed"),
        (NO_PHONE, "no_callable_number"),
    ],
)
def test_ward_flags_and_records_exclude_their_payer(ids, payer, rule):
    assert reasons(ids[payer]) == [rule]


def test_caution_flagged_payer_is_never_listed(ids):
    assert "caution" in reasons(ids[CAUTION])
    assert "caution" in reasons(ids[CAUTION], "sms")


def test_deferment_that_has_ended_excludes_nobody(ids):
    assert reasons(ids[DEFERMENT_ENDED]) == []


def test_do_not_call_excludes_calls_and_do_not_text_excludes_sms(ids):
    ContactPreference.objects.create(payer_id=ids[PLAIN], do_not_call=True)
    assert reasons(ids[PLAIN]) == ["do_not_contact"]
    assert reasons(ids[PLAIN], "sms") == []
    ContactPreference.objects.filter(payer_id=ids[PLAIN]).update(
        do_not_call=False, do_not_text=True
    )
    assert reasons(ids[PLAIN]) == []
    assert reasons(ids[PLAIN], "sms") == ["do_not_contact"]


def test_number_known_invalid_leaves_no_callable_number(ids, supervisor):
    phone = Phone.objects.get(resident_id=ids[PLAIN])
    PhoneStatus.objects.create(
        phone=phone, status="not_in_service", recorded_at=NOW, recorded_by=supervisor
    )
    assert reasons(ids[PLAIN]) == ["no_callable_number"]


def test_landline_may_be_called_but_not_texted(ids):
    assert reasons(ids[LANDLINE]) == []
    assert reasons(ids[LANDLINE], "sms") == ["no_callable_number"]


def test_payer_reached_within_the_cool_down_is_not_called_again(ids, operator):
    days = ContactSettings.current().cool_down_days
    contact(ids[PLAIN], operator, at=NOW - dt.timedelta(days=days - 1))
    assert reasons(ids[PLAIN]) == ["cool_down"]


def test_cool_down_counts_only_the_payer_in_person(ids, operator):
    contact(ids[PLAIN], operator, at=NOW - dt.timedelta(hours=2), party="family")
    days = ContactSettings.current().cool_down_days
    contact(ids[BIG_NH], operator, at=NOW - dt.timedelta(days=days + 1))
    assert reasons(ids[PLAIN]) == []
    assert reasons(ids[BIG_NH]) == []


def test_open_promise_keeps_the_payer_out_until_its_grace_days_pass(ids, operator):
    record = contact(ids[PLAIN], operator, at=NOW - dt.timedelta(days=30))
    grace = ContactSettings.current().promise_grace_days
    promise = Promise.objects.create(
        payer_id=ids[PLAIN],
        contact_record=record,
        promised_on=NOW.date() - dt.timedelta(days=grace),
        amount=30000,
        balance_at_promise=30000,
    )
    assert reasons(ids[PLAIN]) == ["promise_pending"]
    promise.promised_on -= dt.timedelta(days=1)
    promise.save()
    assert reasons(ids[PLAIN]) == []


def test_a_payer_hit_by_several_rules_gets_every_reason_in_order(ids):
    ContactPreference.objects.create(payer_id=ids[CAUTION], do_not_call=True)
    assert reasons(ids[CAUTION]) == ["caution", "do_not_contact"]
    assert list(EXCLUSION_RULES).index("caution") < list(EXCLUSION_RULES).index("do_not_contact")


def test_batch_over_every_payer_agrees_with_one_by_one(ids, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        everyone = exclusions_for_payers(None, channel=CALL, now=NOW)
    assert set(everyone) == set(ids.values())
    for name, pk in ids.items():
        assert everyone[pk] == reasons(pk), name


def test_approval_lifts_only_the_rule_it_names(ids, ward_admin):
    ContactPreference.objects.create(payer_id=ids[CAUTION], do_not_call=True)
    contact_approval_grant(
        actor=ward_admin, payer_id=ids[CAUTION], rule="caution", reason="区と協議済み", now=NOW
    )
    assert reasons(ids[CAUTION]) == ["do_not_contact"]
    assert reasons(ids[PUBLIC_NOTICE]) == ["public_notice"]
    entry = AuditEntry.objects.filter(action="contact_approval").get()
    assert entry.detail["rule"] == "caution"
    assert entry.detail["reason"] == "区と協議済み"


def test_expired_approval_lifts_nothing(ids, ward_admin):
    contact_approval_grant(
        actor=ward_admin,
        payer_id=ids[CAUTION],
        rule="caution",
        reason="一時的に承認",
        valid_until=NOW.date() - dt.timedelta(days=1),
        now=NOW,
    )
    assert reasons(ids[CAUTION]) == ["caution"]


def test_only_a_ward_admin_approves_and_always_with_a_reason(ids, supervisor, ward_admin):
    with pytest.raises(PermissionDenied):
        contact_approval_grant(actor=supervisor, payer_id=ids[CAUTION], rule="caution", reason="x")
    with pytest.raises(ValidationError):
        contact_approval_grant(actor=ward_admin, payer_id=ids[CAUTION], rule="caution", reason=" ")
    with pytest.raises(ValidationError):
        contact_approval_grant(actor=ward_admin, payer_id=ids[CAUTION], rule="nope", reason="x")
    assert reasons(ids[CAUTION]) == ["caution"]
