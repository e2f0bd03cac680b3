"""The operator's calls: "Next" (call_next) and the contact record (交渉記録) of each
attempt (contact_record_create, contact_record_amend).

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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.arrears.models import Bill
from saikoku.backoffice.models import Task
from saikoku.core.audit import audit_record
from saikoku.core.models import DEPARTMENT_LEVIES
from saikoku.outreach.eligibility import exclusions_for_payers
from saikoku.outreach.models import (
    Callback,
    CallList,
    CallListEntry,
    Channel,
    ContactRecord,
    ContactSettings,
    Party,
    PhoneStatus,
    Promise,
    Team,
)
from saikoku.outreach.outcomes import OUTCOMES, Outcome
from saikoku.outreach.rules import (
    BUDGET_CHANNELS,
    contact_allowed,
    contact_allowed_many,
    contact_allowed_on,
    contact_attempts,
    format_when,
    next_open_at,
)
from saikoku.people.models import Phone, Resident

__all__ = [
    "WorkItem",
    "call_next",
    "call_release",
    "contact_record_amend",
    "contact_record_create",
    "current_work",
    "unpaid_balance",
]

OPEN_ENTRY = (CallListEntry.Status.PENDING, CallListEntry.Status.RETRY)
# Candidates read per batch, and batches per source before giving up on a source:
# payers refused right now are pushed back (next_attempt_at), so the head stays callable.
BATCH = 20
MAX_BATCHES = 5
# Rules that do not hold back a callback: the payer asked to be called.
CALLBACK_WAIVES = {"cool_down", "promise_pending"}
# Class of the PostgreSQL advisory locks (class, payer id) that serialise claims of one
# payer ("SA1C" in hex: Saikoku); the audit chain's lock uses the one-key form.
CLAIM_LOCK_CLASS = 0x5A1C


@dataclass(frozen=True)
class WorkItem:
    payer_id: int
    source: str  # callback_mine, callback_team, entry_mine, entry_team
    entry_id: int | None
    callback_id: int | None
    locked_until: dt.datetime
    locked_since: dt.datetime

    def locked_seconds(self, now: dt.datetime) -> int:
        return max(int((now - self.locked_since).total_seconds()), 0)


def _free(now: dt.datetime, actor: Any) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now) | Q(locked_by=actor)


def _held_by_other(now: dt.datetime, actor: Any) -> Q:
    return Q(locked_until__gt=now) & ~Q(locked_by=actor)


def _team_ids(actor: Any) -> list[int]:
    return list(Team.objects.filter(members=actor).values_list("pk", flat=True))


def _my_teams(actor: Any) -> QuerySet:
    """The operator's teams as a subquery: read inside the queries that need them."""
    return Team.members.through.objects.filter(user_id=actor.pk).values("team_id")


def _payer_entries(payer_id: int) -> QuerySet[CallListEntry]:
    return CallListEntry.objects.filter(
        payer_id=payer_id, status__in=OPEN_ENTRY, call_list__status=CallList.Status.OPEN
    )


def _claim_payer(*, payer_id: int, actor: Any, now: dt.datetime, until: dt.datetime) -> bool:
    """Locks every open entry and callback of the payer to `actor`; False when another
    operator holds any of them (the caller then tries the next candidate).

    Two queries as a rule: one look at who holds the payer's rows (on PostgreSQL with
    the payer's claim lock), one conditional UPDATE (two when the payer has callbacks).
    """
    entries = _payer_entries(payer_id)
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
        .values_list("claim_lock", "held", "has_entries", "has_callbacks")
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
            claimed += qs.filter(_free(now, actor)).update(locked_by=actor, locked_until=until)
    return claimed > 0


def current_work(
    *, actor: Any, now: dt.datetime, contact_settings: ContactSettings | None = None
) -> WorkItem | None:
    """The payer locked to `actor` right now, if any (the call screen shows it).

    One query as a rule (a locked entry and no callback); a held callback comes first.
    """
    s = contact_settings or ContactSettings.current()
    lock = dt.timedelta(minutes=s.lock_minutes)
    held_callbacks = Callback.objects.filter(
        locked_by=actor, locked_until__gt=now, status=Callback.Status.OPEN
    )
    entry = (
        CallListEntry.objects.filter(locked_by=actor, locked_until__gt=now, status__in=OPEN_ENTRY)
        .annotate(holds_callback=Exists(held_callbacks))
        .order_by("-priority", "pk")
        .values_list("pk", "payer_id", "locked_until", "assigned_to_id", "holds_callback")
        .first()
    )
    callback = None
    if entry is None or entry[4]:
        callback = (
            held_callbacks.order_by("due_at")
            .values_list("pk", "payer_id", "locked_until", "owner_id")
            .first()
        )
    if callback is not None:
        pk, payer_id, until, owner_id = callback
        entry_id = (
            _payer_entries(payer_id)
            .filter(locked_by=actor)
            .order_by("-priority")
            .values_list("pk", flat=True)
            .first()
        )
        return WorkItem(
            payer_id=payer_id,
            source="callback_mine" if owner_id == actor.pk else "callback_team",
            entry_id=entry_id,
            callback_id=pk,
            locked_until=until,
            locked_since=until - lock,
        )
    if entry is None:
        return None
    pk, payer_id, until, assigned, _holds = entry
    return WorkItem(
        payer_id=payer_id,
        source="entry_mine" if assigned == actor.pk else "entry_team",
        entry_id=pk,
        callback_id=None,
        locked_until=until,
        locked_since=until - lock,
    )


def _callback_source(actor: Any, now: dt.datetime, s: ContactSettings, teams: QuerySet):
    """Due callbacks the operator may take, in one query: their own first, then the
    team's and the stale personal ones of others, each by due time."""
    due = Callback.objects.filter(status=Callback.Status.OPEN, due_at__lte=now).filter(
        _free(now, actor)
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


def _entry_sources(actor: Any, now: dt.datetime, teams: QuerySet):
    ready = (
        CallListEntry.objects.filter(status__in=OPEN_ENTRY, call_list__status=CallList.Status.OPEN)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(_free(now, actor))
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
    actor: Any,
    now: dt.datetime | None = None,
    contact_settings: ContactSettings | None = None,
) -> WorkItem | None:
    """Locks and returns the operator's highest-priority work, or None when nothing is
    callable now. Asking again while a lock holds returns the same payer (a double
    click or a reload never strands a locked payer).

    About ten queries when the first candidates are callable, whatever the size of
    the lists: the rules row, the operator's current lock (one), one query per source
    tried, then for the whole batch of candidates the eligibility rules (two: the
    bills, then every other rule as an EXISTS per payer) and the contact rules (one),
    and the claim (two).
    """
    now = now or timezone.now()
    s = contact_settings or ContactSettings.current()
    with transaction.atomic(durable=True):
        current = current_work(actor=actor, now=now, contact_settings=s)
        if current is not None:
            return current
        teams = _my_teams(actor)
        until = now + dt.timedelta(minutes=s.lock_minutes)
        for source, qs in [
            ("callback", _callback_source(actor, now, s, teams)),
            *_entry_sources(actor, now, teams),
        ]:
            item = _first_claimable(source, qs, actor=actor, now=now, until=until, s=s)
            if item is not None:
                return item
    return None


def _first_claimable(
    source: str,
    qs: QuerySet,
    *,
    actor: Any,
    now: dt.datetime,
    until: dt.datetime,
    s: ContactSettings,
) -> WorkItem | None:
    is_callback = source == "callback"
    fields = (
        ("pk", "payer_id", "requested_by_payer", "owner_id") if is_callback else ("pk", "payer_id")
    )
    seen: set[int] = set()
    for batch in range(MAX_BATCHES):
        # Read without row locks: _claim_payer locks only the rows of the payer it
        # takes, so concurrent operators are not all pushed off one batch.
        rows = list(qs.values_list(*fields)[batch * BATCH : (batch + 1) * BATCH])
        if not rows:
            return None
        payer_ids = {row[1] for row in rows} - seen
        # The whole batch at once: a fixed number of queries, not a dozen per payer.
        excluded = exclusions_for_payers(
            payer_ids, channel=Channel.OUTBOUND_CALL, now=now, contact_settings=s
        )
        decisions = contact_allowed_many(
            payer_ids=payer_ids, channel=Channel.OUTBOUND_CALL, now=now, contact_settings=s
        )
        pushed_back: dict[dt.datetime, list[int]] = {}
        try:
            for row in rows:
                pk, payer_id = row[0], row[1]
                if payer_id in seen:
                    continue
                seen.add(payer_id)
                reasons = set(excluded.get(payer_id, ()))
                if is_callback:
                    reasons -= CALLBACK_WAIVES
                if reasons:
                    continue
                decision = decisions[payer_id]
                if not decision.allowed and is_callback and row[2]:
                    decision = contact_allowed(
                        payer_id=payer_id,
                        channel=Channel.OUTBOUND_CALL,
                        now=now,
                        callback_requested=True,
                        contact_settings=s,
                    )
                if not decision.allowed:
                    if not is_callback and decision.next_possible_at is not None:
                        # Not before then: keeps refused payers from clogging the head.
                        pushed_back.setdefault(decision.next_possible_at, []).append(pk)
                    continue
                if not _claim_payer(payer_id=payer_id, actor=actor, now=now, until=until):
                    continue
                if is_callback:
                    mine = row[3] == actor.pk
                    entry_id = (
                        _payer_entries(payer_id)
                        .filter(locked_by=actor)
                        .order_by("-priority")
                        .values_list("pk", flat=True)
                        .first()
                    )
                return WorkItem(
                    payer_id=payer_id,
                    source=(
                        ("callback_mine" if mine else "callback_team") if is_callback else source
                    ),
                    entry_id=entry_id if is_callback else pk,
                    callback_id=pk if is_callback else None,
                    locked_until=until,
                    locked_since=now,
                )
        finally:
            for at, pks in pushed_back.items():
                CallListEntry.objects.filter(pk__in=pks).update(next_attempt_at=at)
    return None


def call_release(*, actor: Any, payer_id: int | None = None) -> int:
    """Gives back the actor's locks (all, or one payer's) without a record; returns how
    many rows were released."""
    with transaction.atomic():
        entries = CallListEntry.objects.filter(locked_by=actor)
        callbacks = Callback.objects.filter(locked_by=actor)
        if payer_id is not None:
            entries = entries.filter(payer_id=payer_id)
            callbacks = callbacks.filter(payer_id=payer_id)
        return entries.update(locked_by=None, locked_until=None) + callbacks.update(
            locked_by=None, locked_until=None
        )


def unpaid_balance(payer_id: int) -> dict[str, int]:
    """levy -> principal still owed (the bills' balances), for promises and tasks."""
    rows = (
        Bill.objects.filter(payer_id=payer_id, amount__gt=F("paid_amount"))
        .values("levy")
        .annotate(owed=Sum(F("amount") - F("paid_amount")))
    )
    return {row["levy"]: int(row["owed"]) for row in rows}


def _departments(owed: dict[str, int], payer_id: int) -> list[str]:
    levies = set(owed) or set(Bill.objects.filter(payer_id=payer_id).values_list("levy", flat=True))
    return [dept for dept, dept_levies in DEPARTMENT_LEVIES.items() if levies & set(dept_levies)]


def _validate(
    *,
    outcome: Outcome | None,
    identity_verified: bool,
    party: str,
    promise_on: dt.date | None,
    promise_amount: int | None,
    today: dt.date,
) -> str:
    """The party to record; raises ValidationError (Japanese, says how to fix it)."""
    if outcome is None:
        raise ValidationError(_("結果を一覧から選んでください。"), code="outcome")
    if outcome.needs_identity and not identity_verified:
        raise ValidationError(
            _(
                "「%(label)s」は本人確認の後でなければ記録できません。氏名と生年月日または住所を確認してください。"
            )
            % {"label": outcome.label},
            code="identity",
        )
    if (promise_on is not None or promise_amount is not None) and not identity_verified:
        raise ValidationError(
            _("本人確認ができていない相手との通話に金額や約束は記録できません。"), code="identity"
        )
    if outcome.party:
        party = outcome.party
    elif party not in (Party.SELF, Party.FAMILY, Party.OTHER):
        party = Party.OTHER
    if party == Party.SELF and not identity_verified:
        raise ValidationError(
            _("本人確認をしていないため、応対者を本人として記録できません。"), code="party"
        )
    if outcome.needs_promise:
        if promise_on is None or promise_amount is None:
            raise ValidationError(_("納付約束には約束日と金額を入力してください。"), code="promise")
        if promise_on < today:
            raise ValidationError(_("約束日は今日以降の日付を入力してください。"), code="promise")
        if promise_amount <= 0:
            raise ValidationError(_("約束金額は1円以上で入力してください。"), code="promise")
    elif promise_on is not None or promise_amount is not None:
        raise ValidationError(
            _("約束日と金額は「納付約束」のときだけ入力してください。"), code="promise"
        )
    return party


def contact_record_create(
    *,
    actor: Any,
    payer_id: int,
    outcome: str,
    now: dt.datetime | None = None,
    identity_verified: bool = False,
    party: str = "",
    phone_id: int | None = None,
    note: str = "",
    promise_on: dt.date | None = None,
    promise_amount: int | None = None,
    callback_at: dt.datetime | None = None,
    callback_for_team: bool = False,
    callback_requested_by_payer: bool = False,
    channel: str = Channel.OUTBOUND_CALL,
    client_addr: str = "",
    contact_settings: ContactSettings | None = None,
) -> ContactRecord:
    """Records one attempt, and everything it sets in motion, in one transaction.

    identity_verified must come from the server's own state (the call screen keeps it
    per lock), never from a form field. Raises ValidationError with a Japanese message
    when the outcome needs identity, amounts are given for an unverified party, the
    contact rules refuse the call (their message says when it becomes possible), or a
    promise lacks its date or amount.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    spec = OUTCOMES.get(outcome)
    party = _validate(
        outcome=spec,
        identity_verified=identity_verified,
        party=party,
        promise_on=promise_on,
        promise_amount=promise_amount,
        today=today,
    )
    assert spec is not None
    phone = None
    if phone_id is not None:
        phone = Phone.objects.filter(pk=phone_id, resident_id=payer_id).first()
        if phone is None:
            raise ValidationError(_("この納付義務者の電話番号を選んでください。"), code="phone")
    if callback_at is not None:
        if callback_at <= now:
            raise ValidationError(_("折返しの日時は今より後を指定してください。"), code="callback")
        opens = next_open_at(callback_at)
        if opens != callback_at:
            raise ValidationError(
                _("折返しの日時が連絡できる時間外です。%(when)s 以降を指定してください。")
                % {"when": format_when(opens) if opens else "—"},
                code="callback",
            )
    s = contact_settings or ContactSettings.current()
    with transaction.atomic(durable=True):
        held_callbacks = list(
            Callback.objects.select_for_update()
            .filter(payer_id=payer_id, locked_by=actor, status=Callback.Status.OPEN)
            .order_by("pk")
        )
        working_callback = held_callbacks[0] if held_callbacks else None
        attempts: list[dt.datetime] | None = None
        if channel in BUDGET_CHANNELS:
            attempts = contact_attempts(payer_id=payer_id, now=now)
            decision = contact_allowed_on(
                attempts,
                now=now,
                contact_settings=s,
                callback_requested=bool(working_callback and working_callback.requested_by_payer),
            )
            if not decision.allowed:
                raise ValidationError(decision.message, code=decision.code)
        entries = list(
            _payer_entries(payer_id)
            .filter(Q(locked_by=actor) | Q(locked_by__isnull=True) | Q(locked_until__lte=now))
            .order_by("-priority", "pk")
        )
        record = ContactRecord.objects.create(
            payer_id=payer_id,
            at=now,
            channel=channel,
            operator=actor,
            phone=phone,
            phone_e164=phone.e164 if phone else "",
            party=party,
            identity_verified=identity_verified,
            outcome=outcome,
            promise_on=promise_on,
            promise_amount=promise_amount,
            note=note,
            call_list_entry=entries[0] if entries else None,
        )
        # The bills are read only when a promise or a task needs them (not for the
        # busy, no-answer and voicemail attempts that make up most records).
        owed = unpaid_balance(payer_id) if spec.needs_promise or spec.task_kind else {}
        if spec.needs_promise:
            Promise.objects.create(
                payer_id=payer_id,
                contact_record=record,
                promised_on=promise_on,
                amount=promise_amount,
                balance_at_promise=sum(owed.values()),
            )
        callback = None
        if callback_at is not None:
            teams = _team_ids(actor) if callback_for_team else []
            team_id = teams[0] if teams else None
            callback = Callback.objects.create(
                payer_id=payer_id,
                due_at=callback_at,
                owner=None if callback_for_team else actor,
                team_id=team_id,
                requested_by_payer=callback_requested_by_payer,
                note=note,
                contact_record=record,
                created_by=actor,
                created_at=now,
            )
        tasks = []
        if spec.task_kind:
            for department in _departments(owed, payer_id):
                tasks.append(
                    Task.objects.create(
                        payer_id=payer_id,
                        kind=spec.task_kind,
                        reason=spec.task_reason,
                        summary=note or str(spec.label),
                        department=department,
                        contact_record=record,
                        created_by=actor,
                        created_at=now,
                    )
                )
        if spec.phone_status and phone is not None:
            PhoneStatus.objects.update_or_create(
                phone=phone,
                defaults={"status": spec.phone_status, "recorded_at": now, "recorded_by": actor},
            )
        next_at = _retry_at(
            spec,
            payer_id=payer_id,
            now=now,
            s=s,
            phone=phone,
            # The record just written counts as an attempt.
            attempts=[*attempts, now] if attempts is not None else None,
        )
        if callback is not None:
            next_at = None  # the callback brings the payer back
        status = CallListEntry.Status.RETRY if next_at else CallListEntry.Status.DONE
        CallListEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            status=status,
            next_attempt_at=next_at,
            attempts=F("attempts") + 1,
            last_outcome=outcome,
            locked_by=None,
            locked_until=None,
        )
        if working_callback is not None:
            if spec.retry_minutes_setting and callback is None and next_at is not None:
                # Nobody reached: the callback stays owed, a little later.
                working_callback.due_at = next_at
            else:
                working_callback.status = Callback.Status.DONE
            working_callback.locked_by = None
            working_callback.locked_until = None
            working_callback.save(update_fields=["due_at", "status", "locked_by", "locked_until"])
        # Any other lock this operator held on the payer ends with the record (an
        # entry on a list closed meanwhile, a second callback).
        CallListEntry.objects.filter(locked_by=actor, payer_id=payer_id).update(
            locked_by=None, locked_until=None
        )
        if len(held_callbacks) > 1:
            Callback.objects.filter(pk__in=[c.pk for c in held_callbacks[1:]]).update(
                locked_by=None, locked_until=None
            )
        audit_record(
            actor=actor,
            action="contact_record",
            object_type="contact_record",
            object_id=str(record.pk),
            client_addr=client_addr,
            detail={
                "payer_id": payer_id,
                "outcome": outcome,
                "party": party,
                "identity_verified": identity_verified,
                "channel": channel,
                "tasks": [t.pk for t in tasks],
                "callback": callback.pk if callback else None,
            },
        )
    return record


def _retry_at(
    spec: Outcome,
    *,
    payer_id: int,
    now: dt.datetime,
    s: ContactSettings,
    phone: Phone | None,
    attempts: list[dt.datetime] | None = None,
) -> dt.datetime | None:
    """When to try again after this outcome (None: the entry is done). Within the
    contact rules: the record just written already counts."""
    if not spec.retry_minutes_setting:
        return None
    if spec.phone_status:
        others = Phone.objects.filter(
            resident_id=payer_id, is_valid=True, center_status__isnull=True
        ).exclude(e164="")
        if phone is not None:
            others = others.exclude(pk=phone.pk)
        if not others.exists():
            return None  # no number left to try
    at = now + dt.timedelta(minutes=getattr(s, spec.retry_minutes_setting))
    if attempts is not None:
        decision = contact_allowed_on(attempts, now=at, contact_settings=s)
    else:
        decision = contact_allowed(
            payer_id=payer_id, channel=Channel.OUTBOUND_CALL, now=at, contact_settings=s
        )
    return at if decision.allowed else decision.next_possible_at


def contact_record_amend(
    *,
    actor: Any,
    original: ContactRecord,
    note: str,
    outcome: str | None = None,
    party: str | None = None,
    promise_on: dt.date | None = None,
    promise_amount: int | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> ContactRecord:
    """Adds a correction: a new record whose `amends` is the original, which stays as
    it was. The note says what was wrong (required). Identity cannot be confirmed after
    the fact, so the original's identity_verified carries over. An amendment corrects
    what is on file; it is no new attempt (the contact rules do not count it) and it
    starts no new promise, callback or task."""
    now = now or timezone.now()
    if not note.strip():
        raise ValidationError(_("訂正の理由をメモに入力してください。"), code="note")
    code = outcome or original.outcome
    spec = OUTCOMES.get(code)
    if spec is not None and spec.needs_promise and promise_on is None and promise_amount is None:
        promise_on, promise_amount = original.promise_on, original.promise_amount
    checked_party = _validate(
        outcome=spec,
        identity_verified=original.identity_verified,
        party=party if party is not None else original.party,
        promise_on=promise_on,
        promise_amount=promise_amount,
        today=timezone.localdate(original.at),
    )
    with transaction.atomic(durable=True):
        record = ContactRecord.objects.create(
            payer_id=original.payer_id,
            at=original.at,
            channel=original.channel,
            operator=actor,
            phone=original.phone,
            phone_e164=original.phone_e164,
            party=checked_party,
            identity_verified=original.identity_verified,
            outcome=code,
            promise_on=promise_on,
            promise_amount=promise_amount,
            note=note,
            call_list_entry=original.call_list_entry,
            amends=original,
        )
        audit_record(
            actor=actor,
            action="contact_record_amend",
            object_type="contact_record",
            object_id=str(record.pk),
            client_addr=client_addr,
            detail={"amends": original.pk, "payer_id": original.payer_id, "outcome": code},
        )
    return record
