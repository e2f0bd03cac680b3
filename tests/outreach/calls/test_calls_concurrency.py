"""Concurrent "Next": operators asking at the same moment never get the same payer.

On PostgreSQL the requests really run in parallel (one thread and one connection per
operator); on SQLite the same code runs serialised by BEGIN IMMEDIATE."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from saikoku.outreach.calls.services import call_next, call_release, payers_hold, payers_release
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


@pytest.mark.django_db(transaction=True)
def test_next_does_not_hand_out_a_payer_held_for_texting(tmp_path):
    """The SMS worker holds the payers of the batch it is sending (payers_hold): an
    operator's "Next" from another connection passes them by until they are released,
    so no payer is texted during a call. On SQLite, where claims and sends are
    serialised by the single write lock, nothing is held."""
    payers = import_payers(tmp_path)
    sv = make_user("sv", "supervisor")
    op = make_user("op", "operator")
    team = Team.objects.create(name="A班")
    team.members.add(op)
    build_list(sv, team=team)
    first = call_next(actor=op, now=NOW)
    assert first is not None
    call_release(actor=op)
    given: list[int | None] = []

    def next_in_another_connection():
        try:
            item = call_next(actor=op, now=NOW)
            given.append(item.payer_id if item else None)
            call_release(actor=op)
        finally:
            connections.close_all()

    assert payers_hold([first.payer_id]) == set()
    try:
        thread = threading.Thread(target=next_in_another_connection)
        thread.start()
        thread.join(timeout=60)
    finally:
        payers_release()
    next_in_another_connection()  # released: the payer comes first again
    if connection.vendor == "postgresql":
        assert given[0] not in (None, first.payer_id)
    else:
        assert given[0] == first.payer_id
    assert given[1] == first.payer_id
    assert len(payers) > 1
