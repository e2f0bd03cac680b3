"""The call screen's owed block quotes what is overdue (滞納額) apart from the
instalments not yet due (未到来), as the payer page does (arrears.calendar.is_overdue)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from saikoku.outreach.models import CallListEntry
from support.calls import AOKI, TOKYO, build_list
from support.personas import make_user, verified_client

pytestmark = pytest.mark.django_db

# 青木 owes RT 第2期 (60,000 yen, due 2025-09-30) and 第3期 (60,000 yen, due 2025-10-31).
# On Monday 20 October the second period is overdue, the third not yet due.
MONDAY = dt.datetime(2025, 10, 20, 10, 0, tzinfo=TOKYO)


def log_in(user) -> Client:
    return verified_client(user)


def _yen(html: str, name: str) -> int:
    found = re.search(rf"data-owed-{name}[^>]*>¥([\d,]+)<", html)
    assert found is not None, name
    return int(found.group(1).replace(",", ""))


@time_machine.travel(MONDAY, tick=False)
def test_the_call_screen_shows_the_arrears_and_what_is_not_yet_due_apart(calls_payers):
    operator = make_user("op", "operator")
    build_list(make_user("sv", "supervisor"), operator=operator, now=MONDAY)
    assert CallListEntry.objects.filter(payer_id=calls_payers[AOKI]).exists()
    client = log_in(operator)
    client.post(reverse("call_next"))
    client.post(reverse("call_identity"), {"name": "on", "birth_date": "on"})
    owed = client.get(reverse("call_screen")).content.decode()
    owed = owed[owed.index("data-owed>") :]
    assert "滞納額" in owed and "未到来" in owed
    assert _yen(owed, "overdue") == 60_000
    assert _yen(owed, "not-due") == 60_000
    assert _yen(owed, "overdue-total") == 60_000  # under 1,000 yen of late charge: none
    assert _yen(owed, "total") == 120_000
