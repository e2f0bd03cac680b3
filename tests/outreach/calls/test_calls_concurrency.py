"""Concurrent "Next": operators asking at the same moment never get the same payer.

On PostgreSQL the requests really run in parallel (one thread and one connection per
operator); on SQLite the same code runs serialised by BEGIN IMMEDIATE."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from saikoku.outreach.calls.services import call_next
from saikoku.outreach.models import CallListEntry, Team
from support.calls import NOW, build_list, import_payers
from support.personas import make_user


@pytest.mark.django_db(transaction=True)
def test_concurrent_next_gives_each_operator_a_different_payer(tmp_path):
    payers = import_payers(tmp_path)
    sv = make_user("sv", "supervisor")
    team = Team.objects.create(name="A班")
    operators = [make_user(f"op{i}", "operator") for i in range(4)]
    team.members.add(*operators)
    build_list(sv, team=team)
    build_list(sv, team=team)  # every payer on two lists: still one operator per payer
    assert CallListEntry.objects.filter(status="pending").count() == 2 * len(payers)

    barrier = threading.Barrier(len(operators))
    results: dict[str, int | None] = {}
    errors: list[BaseException] = []

    def work(op):
        try:
            barrier.wait(timeout=10)
            item = call_next(actor=op, now=NOW)
            results[op.username] = item.payer_id if item else None
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()  # this thread's own connection

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=work, args=(op,)) for op in operators]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        # The in-memory SQLite test database is shared between threads through a shared
        # cache that refuses concurrent writers outright; one after another, the same
        # claims must still never overlap.
        for op in operators:
            item = call_next(actor=op, now=NOW)
            results[op.username] = item.payer_id if item else None
    assert not errors, errors
    got = [payer for payer in results.values() if payer is not None]
    assert len(got) == len(set(got)), results
    assert len(got) == len(operators), results
    for payer in got:
        holders = set(
            CallListEntry.objects.filter(payer_id=payer).values_list("locked_by", flat=True)
        )
        assert len(holders) == 1
