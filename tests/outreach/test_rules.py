"""Contact rules: hours and days, limits per day and week, the gap, one budget shared
by calls and SMS, and the callback exception; every refusal says when."""

from __future__ import annotations

import datetime as dt

import pytest

from saikoku.outreach.models import ContactRecord, ContactSettings
from saikoku.outreach.rules import contact_allowed
from support.calls import AOKI, NOW, TOKYO
from support.personas import make_user

pytestmark = pytest.mark.django_db


def at(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=TOKYO)


def attempt(payer_id, when, *, channel="outbound_call", user=None):
    user = user or make_user(f"op{when:%d%H%M%S}{channel}", "operator")
    return ContactRecord.objects.create(
        payer_id=payer_id, at=when, channel=channel, operator=user, party="none",
        outcome="no_answer",
    )  # fmt: skip


def check(payer_id, when, **kwargs):
    return contact_allowed(payer_id=payer_id, channel="outbound_call", now=when, **kwargs)


def test_weekday_inside_hours_is_allowed(calls_payers):
    assert check(calls_payers[AOKI], NOW).allowed


def test_before_nine_is_refused_and_says_nine_the_same_day(calls_payers):
    decision = check(calls_payers[AOKI], at(2025, 11, 5, 8, 30))
    assert not decision.allowed and decision.code == "outside_hours"
    assert decision.next_possible_at == at(2025, 11, 5, 9)
    assert "令和7年11月5日（水）09:00 から連絡できます" in decision.message


def test_after_twenty_on_a_weekday_moves_to_the_next_morning(calls_payers):
    decision = check(calls_payers[AOKI], at(2025, 11, 5, 20, 0))
    assert decision.code == "outside_hours"
    assert decision.next_possible_at == at(2025, 11, 6, 9)


def test_saturday_closes_at_seventeen_and_sunday_is_closed(calls_payers):
    payer = calls_payers[AOKI]
    assert check(payer, at(2025, 11, 8, 16, 59)).allowed
    saturday_evening = check(payer, at(2025, 11, 8, 17, 0))
    assert saturday_evening.code == "outside_hours"
    # Sunday closed: Monday 10 November, 9:00.
    assert saturday_evening.next_possible_at == at(2025, 11, 10, 9)
    sunday = check(payer, at(2025, 11, 9, 11))
    assert sunday.code == "closed_day" and "日曜日" in sunday.message


def test_national_holiday_is_closed(calls_payers):
    decision = check(calls_payers[AOKI], at(2025, 11, 3, 11))  # 文化の日 (Monday)
    assert decision.code == "closed_day" and "祝日" in decision.message
    assert decision.next_possible_at == at(2025, 11, 4, 9)


def test_year_end_closure_refuses_the_thirty_first_until_the_fifth_of_january(calls_payers):
    decision = check(calls_payers[AOKI], at(2025, 12, 31, 10))
    assert decision.code == "closed_day"
    # 1/1–1/3 closed, 1/4 is a Sunday; Monday 5 January 2026 opens.
    assert decision.next_possible_at == at(2026, 1, 5, 9)
    assert "令和8年1月5日（月）09:00" in decision.message


def test_settings_allow_saturday_to_be_closed(calls_payers):
    ContactSettings.objects.update_or_create(pk=1, defaults={"saturday_allowed": False})
    assert check(calls_payers[AOKI], at(2025, 11, 8, 10)).code == "closed_day"


def test_minimum_gap_after_an_attempt(calls_payers):
    payer = calls_payers[AOKI]
    attempt(payer, at(2025, 11, 5, 9, 30))
    decision = check(payer, NOW)
    assert decision.code == "min_gap"
    assert decision.next_possible_at == at(2025, 11, 5, 11, 30)
    assert check(payer, at(2025, 11, 5, 11, 30)).allowed


def test_an_sms_this_morning_holds_back_a_call_within_the_gap(calls_payers):
    payer = calls_payers[AOKI]
    attempt(payer, at(2025, 11, 5, 9, 15), channel="sms")
    decision = check(payer, NOW)
    assert decision.code == "min_gap" and "SMS" in decision.message


def test_a_callback_the_payer_asked_for_waives_the_gap_only(calls_payers):
    payer = calls_payers[AOKI]
    attempt(payer, at(2025, 11, 5, 9, 15), channel="sms")
    assert check(payer, NOW, callback_requested=True).allowed
    # Still not outside the hours.
    assert check(payer, at(2025, 11, 5, 21), callback_requested=True).code == "outside_hours"


def test_daily_limit_counts_calls_and_sms_together(calls_payers):
    payer = calls_payers[AOKI]
    ContactSettings.objects.update_or_create(pk=1, defaults={"min_gap_minutes": 0})
    attempt(payer, at(2025, 11, 5, 9, 0))
    attempt(payer, at(2025, 11, 5, 9, 10), channel="sms")
    attempt(payer, at(2025, 11, 5, 9, 20))
    decision = check(payer, NOW)
    assert decision.code == "daily_limit"
    assert decision.next_possible_at == at(2025, 11, 6, 9)


def test_weekly_limit_frees_up_when_the_oldest_attempt_is_seven_days_old(calls_payers):
    payer = calls_payers[AOKI]
    ContactSettings.objects.update_or_create(
        pk=1, defaults={"min_gap_minutes": 0, "max_attempts_per_week": 3}
    )
    attempt(payer, at(2025, 10, 30, 10))
    attempt(payer, at(2025, 10, 31, 10))
    attempt(payer, at(2025, 11, 4, 10))
    decision = check(payer, NOW)
    assert decision.code == "weekly_limit"
    assert decision.next_possible_at == at(2025, 11, 6, 10, 0) + dt.timedelta(seconds=1)


def test_amendments_are_not_attempts(calls_payers):
    payer = calls_payers[AOKI]
    original = attempt(payer, at(2025, 11, 4, 10))
    ContactRecord.objects.create(
        payer_id=payer, at=NOW - dt.timedelta(minutes=5), channel="outbound_call",
        operator=original.operator, party="none", outcome="busy", amends=original,
    )  # fmt: skip
    assert check(payer, NOW).allowed
