"""Lists, their amount filters and the priority count what is overdue (滞納額), never an
instalment not yet due (未到来): arrears.calendar.is_overdue decides for all of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from saikoku.outreach.facts import unpaid_facts
from saikoku.outreach.lists.selectors import call_list_preview
from saikoku.outreach.priority import priority_for_payers
from support.calls import AOKI, ISHII, TOKYO, UEDA
from support.personas import verified_client

pytestmark = pytest.mark.django_db

# On Monday 20 October 2025 (support/calls.py): 青木 owes RT 60,000 overdue (due 9/30)
# and 60,000 not yet due (10/31); 石井 only NH 30,000 not yet due (10/31); 上田 RT 20,000
# overdue (9/30) and NH 15,000 not yet due (10/31).
MONDAY = dt.datetime(2025, 10, 20, 10, 0, tzinfo=TOKYO)


def log_in(user) -> Client:
    return verified_client(user)


def matched(calls_payers, **filters) -> set[str]:
    rows = call_list_preview(filters=filters, now=MONDAY).rows
    names = {pk: name for name, pk in calls_payers.items()}
    return {names[pk] for pk, _codes, _parts in rows if pk in names}


def test_a_payer_with_only_instalments_not_yet_due_is_not_listed(calls_payers):
    assert ISHII not in matched(calls_payers)
    assert {AOKI, UEDA} <= matched(calls_payers)


def test_the_minimum_amount_counts_only_what_is_overdue(calls_payers):
    # 青木 owes 120,000 in all but 60,000 overdue; 上田 35,000 in all, 20,000 overdue.
    assert AOKI not in matched(calls_payers, balance_min=100_000)
    assert AOKI in matched(calls_payers, balance_min=60_000)
    assert UEDA not in matched(calls_payers, balance_min=30_000)
    assert UEDA in matched(calls_payers, balance_max=20_000)


def test_the_priority_counts_the_overdue_amount_and_levies(calls_payers):
    facts = unpaid_facts(None, today=MONDAY.date())
    assert ISHII not in facts
    assert (facts[calls_payers[UEDA]].owed, facts[calls_payers[UEDA]].levy_count) == (20_000, 1)
    parts = priority_for_payers([calls_payers[UEDA]], now=MONDAY)[calls_payers[UEDA]].parts
    assert parts["levies"] == 4  # NH is not overdue yet: one levy
    assert parts["amount"] == 10  # 20,000 yen: under 50,000


def test_the_builder_labels_the_amount_filters_as_arrears(calls_payers, supervisor):
    html = log_in(supervisor).get(reverse("call_list_new")).content.decode()
    assert "滞納額（円以上）" in html and "未納額（円以上）" not in html
