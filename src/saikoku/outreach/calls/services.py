"""The operator's "Next" (call_next) and giving work back (call_release).

"Next" hands out work in this order, skipping payers whom the eligibility rules
(eligibility.py) or the contact rules (rules.py) refuse at this moment:

1. the operator's own callbacks that are due;
2. team callbacks that are due, and personal callbacks of a teammate (or of anyone
   without a team) not taken within ContactSettings.callback_fallback_minutes, so no
   callback goes stale;
3. entries assigned to the operator (pending, or retry whose next_attempt_at has come)
   by priority;
4. entries assigned to one of the operator's teams and to nobody in particular.

The payer is then locked to the operator for ContactSettings.lock_minutes: every open
entry of that payer, on every open list, and their open callbacks. While the lock
holds, no other operator is given the payer; an abandoned lock simply expires. The
claim is race-free on both databases:

- PostgreSQL: the claim takes a transaction-scoped advisory lock on the payer
  (pg_try_advisory_xact_lock, in the statement that looks at who holds the payer's
  rows); when another operator is claiming the payer at that instant, the payer is
  skipped, never waited for (no deadlock between two operators claiming the same payer
  from two lists).
- SQLite: transactions begin IMMEDIATE (settings.py), so claims are serialised; the
  conditional UPDATE … WHERE locked_until IS NULL OR locked_until <= now, whose row
  count is checked, is the backstop on both.

The contact record that ends a call is written by records/services.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from saikoku.outreach.calls.selectors import (
    WorkItem,
    current_work,
    free_for,
    locked_entry_id,
    payer_open_entries,
)
from saikoku.outreach.eligibility import exclusions_for_payers
from saikoku.outreach.models import (
    WORKABLE,
    Callback,
    CallList,
    CallListEntry,
    Channel,
    ContactSettings,
    Team,
)
from saikoku.outreach.rules import RuleDecision, contact_allowed, contact_allowed_many
from saikoku.people.models import Resident

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = ["UNLOCKED", "call_next", "call_release", "payers_hold", "payers_release"]

# Candidates read per batch, and batches per source before giving up on a source:
# payers refused right now are pushed back (next_attempt_at), so the head stays callable.
BATCH = 20
MAX_BATCHES = 5
# Rules that do not hold back a callback: the payer asked to be called.
CALLBACK_WAIVES = {"cool_down", "promise_pending"}
# Class of the PostgreSQL advisory locks (class, payer id) that serialise claims of one
# payer ("SA1C" in hex: Saikoku); the audit chain's lock uses the one-key form.
CLAIM_LOCK_CLASS = 0x5A1C
# What a lock's end writes on an entry or a callback.
UNLOCKED: dict[str, Any] = {"locked_by": None, "locked_until": None}


class EntryCandidate(NamedTuple):
    pk: int
    payer_id: int


class CallbackCandidate(NamedTuple):
    pk: int
    payer_id: int
    requested_by_payer: bool
    owner_id: int | None


class Screened(NamedTuple):
    """A candidate with what the rules say about its payer right now."""

    row: Any  # EntryCandidate | CallbackCandidate
    reasons: set[str]  # the eligibility rules that exclude the payer
    decision: RuleDecision  # the contact rules (hours, days, attempts, gap)


def _held_by_other(now: dt.datetime, actor: User) -> Q:
    return Q(locked_until__gt=now) & ~Q(locked_by=actor)


def _my_teams(actor: User) -> QuerySet:
    """The operator's teams as a subquery: read inside the queries that need them."""
    return Team.members.through.objects.filter(user_id=actor.pk).values("team_id")


def _claim_payer(*, payer_id: int, actor: User, now: dt.datetime, until: dt.datetime) -> bool:
    """Locks every open entry and callback of the payer to `actor`; False when another
    operator holds any of them (the caller then tries the next candidate).

    Two queries as a rule: one look at who holds the payer's rows (on PostgreSQL with
    the payer's claim lock), one conditional UPDATE (two when the payer has callbacks).
    """
    entries = payer_open_entries(payer_id)
    callbacks = Callback.objects.filter(payer_id=payer_id, status=Callback.Status.OPEN)
    taken = _held_by_other(now, actor)
    flags: dict[str, Any] = {
        "held": Exists(entries.filter(taken)) | Exists(callbacks.filter(taken)),
        "has_entries": Exists(entries),
        "has_callbacks": Exists(callbacks),
    }
    if connection.vendor == "postgresql":
        # Two operators claiming one payer at the same instant: the second one skips the
        # payer at once instead of waiting on the first one's rows (and two claims of a
        # payer on two lists cannot deadlock). Held to the end of this transaction.
        flags["claim_lock"] = RawSQL(
            "pg_try_advisory_xact_lock(%s::integer, %s::integer)", (CLAIM_LOCK_CLASS, payer_id)
        )
    else:
        flags["claim_lock"] = Value(True)  # BEGIN IMMEDIATE serialises claims
    state = (
        Resident.objects.filter(pk=payer_id)
        .annotate(**flags)
        .values_list("claim_lock", "held", "has_entries", "has_callbacks")  # type: ignore[misc]
        .first()
    )
    if state is None:
        return False
    got_lock, held, has_entries, has_callbacks = state
    if not got_lock or held:
        return False
    # Conditional on the rows still being free, and its count checked: the backstop,
    # e.g. a claim committed between this statement's snapshot and the lock above.
    claimed = 0
    for present, qs in ((has_entries, entries), (has_callbacks, callbacks)):
        if present:
            claimed += qs.filter(free_for(now, actor)).update(locked_by=actor, locked_until=until)
    return claimed > 0


def payers_hold(payer_ids: Iterable[int]) -> set[int]:
    """Takes each payer's claim lock, the one an operator's "Next" tries (PostgreSQL,
    for this database session, until `payers_release`): while it is held no operator
    is handed the payer. The SMS worker holds the payers of a batch from its send-time
    check of who is being called until the texts are recorded, so a payer is never
    texted during a call the contact rules would then refuse to record.

    Returns the payers whose lock another session holds right now (an operator's claim
    in progress: they must wait). On SQLite nothing is taken: development only, where
    that race is accepted.
    """
    ids = sorted(set(payer_ids))
    if connection.vendor != "postgresql" or not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::integer[]) AS id "
            "WHERE NOT pg_try_advisory_lock(%s::integer, id)",
            [ids, CLAIM_LOCK_CLASS],
        )
        return {row[0] for row in cursor.fetchall()}


def payers_release() -> None:
    """Releases every payer `payers_hold` took in this database session (with every
    other session-level advisory lock of it: the SMS worker's connection holds no
    other; the claims' and the audit chain's locks end with their transactions)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")


def _callback_source(
    actor: User, now: dt.datetime, s: ContactSettings, teams: QuerySet
) -> QuerySet[Callback]:
    """Due callbacks the operator may take, in one query: their own first, then the
    team's and the stale personal ones of others, each by due time."""
    due = Callback.objects.filter(status=Callback.Status.OPEN, due_at__lte=now).filter(
        free_for(now, actor)
    )
    stale = now - dt.timedelta(minutes=s.callback_fallback_minutes)
    memberships = Team.members.through.objects
    shares_team = Exists(memberships.filter(user_id=OuterRef("owner_id"), team_id__in=teams))
    owner_has_team = Exists(memberships.filter(user_id=OuterRef("owner_id")))
    return (
        due.filter(
            Q(owner=actor)
            | Q(team_id__in=teams, owner__isnull=True)
            | Q(team__isnull=True, owner__isnull=True)
            # A personal callback nobody took in time falls back to the owner's team
            # (or to everyone, when the owner has none).
            | (Q(owner__isnull=False, due_at__lte=stale) & (shares_team | ~owner_has_team))
        )
        .annotate(theirs=Case(When(owner=actor, then=Value(0)), default=Value(1)))
        .order_by("theirs", "due_at", "pk")
    )


def _entry_sources(
    actor: User, now: dt.datetime, teams: QuerySet
) -> list[tuple[str, QuerySet[CallListEntry]]]:
    """(source, ready entries by priority): the operator's own, then their teams'."""
    ready = (
        CallListEntry.objects.filter(status__in=WORKABLE, call_list__status=CallList.Status.OPEN)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(free_for(now, actor))
    )
    mine = ready.filter(assigned_to=actor).order_by("-priority", "pk")
    # team__isnull=False: lets PostgreSQL use the partial index on team entries (the
    # teams come as a subquery, from which the planner cannot prove it).
    team = ready.filter(assigned_to__isnull=True, team__isnull=False, team_id__in=teams).order_by(
        "-priority", "pk"
    )
    return [("entry_mine", mine), ("entry_team", team)]


def call_next(
    *,
    actor: User,
    now: dt.datetime | None = None,
    contact_settings: ContactSettings | None = None,
) -> WorkItem | None:
    """Locks and returns the operator's highest-priority work, or None when nothing is
    callable now. Asking again while a lock holds returns the same payer (a double
    click or a reload never strands a locked payer).

    About ten queries when the first candidates are callable, whatever the size of
    the lists: the rules row, the operator's current lock (one), one query per source
    tried, then for the whole batch of candidates the eligibility rules (two: the
    bills, then every other rule) and the contact rules (one), and the claim (two).
    """
    now = now or timezone.now()
    s = contact_settings or ContactSettings.current()
    with transaction.atomic(durable=True):
        current = current_work(actor=actor, now=now, contact_settings=s)
        if current is not None:
            return current
        teams = _my_teams(actor)
        until = now + dt.timedelta(minutes=s.lock_minutes)
        item = _claim_first_callback(
            _callback_source(actor, now, s, teams), actor=actor, now=now, until=until, s=s
        )
        for source, entries in _entry_sources(actor, now, teams):
            if item is None:
                item = _claim_first_entry(source, entries, actor=actor, now=now, until=until, s=s)
    return item


def _screened_batches(
    qs: QuerySet,
    row_type: type[EntryCandidate] | type[CallbackCandidate],
    *,
    now: dt.datetime,
    s: ContactSettings,
) -> Iterator[list[Screened]]:
    """The candidates of `qs` in batches of BATCH (each payer once, at their first
    row), with the rules read for the whole batch at once: a fixed number of queries
    per batch, not a dozen per payer. Read without row locks: _claim_payer locks only
    the rows of the payer it takes, so concurrent operators are not all pushed off one
    batch."""
    seen: set[int] = set()
    for batch in range(MAX_BATCHES):
        rows = [
            row_type(*values)
            for values in qs.values_list(*row_type._fields)[batch * BATCH : (batch + 1) * BATCH]
        ]
        if not rows:
            return
        fresh = []
        for row in rows:
            if row.payer_id not in seen:
                seen.add(row.payer_id)
                fresh.append(row)
        payer_ids = {row.payer_id for row in fresh}
        excluded = exclusions_for_payers(
            payer_ids, channel=Channel.OUTBOUND_CALL, now=now, contact_settings=s
        )
        decisions = contact_allowed_many(
            payer_ids=payer_ids, channel=Channel.OUTBOUND_CALL, now=now, contact_settings=s
        )
        yield [
            Screened(row, set(excluded.get(row.payer_id, ())), decisions[row.payer_id])
            for row in fresh
        ]


def _claim_first_callback(
    callbacks: QuerySet[Callback],
    *,
    actor: User,
    now: dt.datetime,
    until: dt.datetime,
    s: ContactSettings,
) -> WorkItem | None:
    """The first due callback whose payer the rules allow now and nobody else holds,
    claimed; None when there is none within MAX_BATCHES batches."""
    for batch in _screened_batches(callbacks, CallbackCandidate, now=now, s=s):
        for row, reasons, decision in batch:
            if reasons - CALLBACK_WAIVES:
                continue
            if not decision.allowed and row.requested_by_payer:
                # The payer asked for this call: the minimum gap is waived.
                decision = contact_allowed(
                    payer_id=row.payer_id,
                    channel=Channel.OUTBOUND_CALL,
                    now=now,
                    callback_requested=True,
                    contact_settings=s,
                )
            if not decision.allowed:
                continue
            if _claim_payer(payer_id=row.payer_id, actor=actor, now=now, until=until):
                return WorkItem.for_callback(
                    callback_id=row.pk,
                    payer_id=row.payer_id,
                    owner_id=row.owner_id,
                    entry_id=locked_entry_id(row.payer_id, actor),
                    actor=actor,
                    locked_until=until,
                    locked_since=now,
                )
    return None


def _claim_first_entry(
    source: str,
    entries: QuerySet[CallListEntry],
    *,
    actor: User,
    now: dt.datetime,
    until: dt.datetime,
    s: ContactSettings,
) -> WorkItem | None:
    """The first ready entry whose payer the rules allow now and nobody else holds,
    claimed. Entries the contact rules refuse are pushed back to when they allow them,
    so refused payers do not clog the head of the list."""
    for batch in _screened_batches(entries, EntryCandidate, now=now, s=s):
        pushed_back: dict[dt.datetime, list[int]] = {}
        try:
            for row, reasons, decision in batch:
                if reasons:
                    continue
                if not decision.allowed:
                    if decision.next_possible_at is not None:
                        pushed_back.setdefault(decision.next_possible_at, []).append(row.pk)
                    continue
                if _claim_payer(payer_id=row.payer_id, actor=actor, now=now, until=until):
                    return WorkItem.for_entry(
                        entry_id=row.pk,
                        payer_id=row.payer_id,
                        source=source,
                        locked_until=until,
                        locked_since=now,
                    )
        finally:
            for at, pks in pushed_back.items():
                CallListEntry.objects.filter(pk__in=pks).update(next_attempt_at=at)
    return None


def call_release(*, actor: User, payer_id: int | None = None) -> int:
    """Gives back the actor's locks (all, or one payer's) without a record; returns how
    many rows were released."""
    with transaction.atomic():
        entries = CallListEntry.objects.filter(locked_by=actor)
        callbacks = Callback.objects.filter(locked_by=actor)
        if payer_id is not None:
            entries = entries.filter(payer_id=payer_id)
            callbacks = callbacks.filter(payer_id=payer_id)
        return entries.update(**UNLOCKED) + callbacks.update(**UNLOCKED)
