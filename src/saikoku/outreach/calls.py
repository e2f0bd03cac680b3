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

- PostgreSQL: candidates are read with SELECT … FOR UPDATE SKIP LOCKED inside the
  transaction, and the payer's other rows are locked the same way; when one of them is
  held by another transaction the payer is skipped, never waited for (no deadlock
  between two operators claiming the same payer from two lists).
- SQLite: transactions begin IMMEDIATE (settings.py), so claims are serialised; the
  conditional UPDATE … WHERE locked_until IS NULL OR locked_until <= now, checked for
  the expected row count, is the backstop on both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
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
from saikoku.outreach.rules import contact_allowed, contact_allowed_many, format_when, next_open_at
from saikoku.people.models import Phone

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


class _LostRace(Exception):
    """Another operator claimed a row between our read and our update."""


def _free(now: dt.datetime, actor: Any) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now) | Q(locked_by=actor)


def _for_update(qs: QuerySet) -> QuerySet:
    if connection.vendor == "postgresql":
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


def _team_ids(actor: Any) -> list[int]:
    return list(Team.objects.filter(members=actor).values_list("pk", flat=True))


def _payer_entries(payer_id: int) -> QuerySet[CallListEntry]:
    return CallListEntry.objects.filter(
        payer_id=payer_id, status__in=OPEN_ENTRY, call_list__status=CallList.Status.OPEN
    )


def _claim_payer(*, payer_id: int, actor: Any, now: dt.datetime, until: dt.datetime) -> bool:
    """Locks every open entry and callback of the payer to `actor`; False when another
    operator holds any of them (the caller then tries the next candidate)."""
    entries = _payer_entries(payer_id)
    callbacks = Callback.objects.filter(payer_id=payer_id, status=Callback.Status.OPEN)
    rows: list[tuple[type, list[int]]] = []
    for qs in (entries, callbacks):
        held = list(_for_update(qs).values_list("pk", "locked_by_id", "locked_until"))
        if connection.vendor == "postgresql" and len(held) != qs.count():
            return False  # a row is locked by another transaction right now
        if any(by not in (None, actor.pk) and until_ and until_ > now for _pk, by, until_ in held):
            return False
        rows.append((qs.model, [pk for pk, _by, _u in held]))
    try:
        with transaction.atomic():
            for model, ids in rows:
                if not ids:
                    continue
                claimed = (
                    model.objects.filter(pk__in=ids)
                    .filter(_free(now, actor))
                    .update(locked_by=actor, locked_until=until)
                )
                if claimed != len(ids):
                    raise _LostRace
    except _LostRace:
        return False
    return True


def current_work(*, actor: Any, now: dt.datetime) -> WorkItem | None:
    """The payer locked to `actor` right now, if any (the call screen shows it)."""
    lock = dt.timedelta(minutes=ContactSettings.current().lock_minutes)
    callback = (
        Callback.objects.filter(locked_by=actor, locked_until__gt=now, status=Callback.Status.OPEN)
        .order_by("due_at")
        .values_list("pk", "payer_id", "locked_until", "owner_id")
        .first()
    )
    if callback is not None:
        pk, payer_id, until, owner_id = callback
        entry = _payer_entries(payer_id).filter(locked_by=actor).order_by("-priority").first()
        return WorkItem(
            payer_id=payer_id,
            source="callback_mine" if owner_id == actor.pk else "callback_team",
            entry_id=entry.pk if entry else None,
            callback_id=pk,
            locked_until=until,
            locked_since=until - lock,
        )
    entry = (
        CallListEntry.objects.filter(locked_by=actor, locked_until__gt=now, status__in=OPEN_ENTRY)
        .order_by("-priority", "pk")
        .values_list("pk", "payer_id", "locked_until", "assigned_to_id")
        .first()
    )
    if entry is None:
        return None
    pk, payer_id, until, assigned = entry
    return WorkItem(
        payer_id=payer_id,
        source="entry_mine" if assigned == actor.pk else "entry_team",
        entry_id=pk,
        callback_id=None,
        locked_until=until,
        locked_since=until - lock,
    )


def _callback_sources(actor: Any, now: dt.datetime, s: ContactSettings, teams: list[int]):
    due = Callback.objects.filter(status=Callback.Status.OPEN, due_at__lte=now).filter(
        _free(now, actor)
    )
    mine = due.filter(owner=actor).order_by("due_at", "pk")
    stale = now - dt.timedelta(minutes=s.callback_fallback_minutes)
    memberships = Team.members.through.objects
    shares_team = Exists(memberships.filter(user_id=OuterRef("owner_id"), team_id__in=teams))
    owner_has_team = Exists(memberships.filter(user_id=OuterRef("owner_id")))
    team = (
        due.exclude(owner=actor)
        .filter(
            Q(team_id__in=teams, owner__isnull=True)
            | Q(team__isnull=True, owner__isnull=True)
            # A personal callback nobody took in time falls back to the owner's team
            # (or to everyone, when the owner has none).
            | (Q(owner__isnull=False, due_at__lte=stale) & (shares_team | ~owner_has_team))
        )
        .order_by("due_at", "pk")
    )
    return [("callback_mine", mine), ("callback_team", team)]


def _entry_sources(actor: Any, now: dt.datetime, teams: list[int]):
    ready = (
        CallListEntry.objects.filter(status__in=OPEN_ENTRY, call_list__status=CallList.Status.OPEN)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(_free(now, actor))
    )
    mine = ready.filter(assigned_to=actor).order_by("-priority", "pk")
    team = ready.filter(assigned_to__isnull=True, team_id__in=teams).order_by("-priority", "pk")
    return [("entry_mine", mine), ("entry_team", team)]


def call_next(*, actor: Any, now: dt.datetime | None = None) -> WorkItem | None:
    """Locks and returns the operator's highest-priority work, or None when nothing is
    callable now. Asking again while a lock holds returns the same payer (a double
    click or a reload never strands a locked payer)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        current = current_work(actor=actor, now=now)
        if current is not None:
            return current
        s = ContactSettings.current()
        teams = _team_ids(actor)
        until = now + dt.timedelta(minutes=s.lock_minutes)
        for source, qs in [
            *_callback_sources(actor, now, s, teams),
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
    is_callback = source.startswith("callback")
    fields = ("pk", "payer_id", "requested_by_payer") if is_callback else ("pk", "payer_id")
    seen: set[int] = set()
    for batch in range(MAX_BATCHES):
        # Read without row locks: _claim_payer locks (SKIP LOCKED) only the rows of the
        # payer it takes, so concurrent operators are not all pushed off one batch.
        rows = list(qs.values_list(*fields)[batch * BATCH : (batch + 1) * BATCH])
        if not rows:
            return None
        payer_ids = {row[1] for row in rows}
        excluded = exclusions_for_payers(payer_ids, channel=Channel.OUTBOUND_CALL, now=now)
        decisions = contact_allowed_many(
            payer_ids=payer_ids, channel=Channel.OUTBOUND_CALL, now=now
        )
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
                )
            if not decision.allowed:
                if not is_callback and decision.next_possible_at is not None:
                    # Not before then: keeps refused payers from clogging the head.
                    CallListEntry.objects.filter(pk=pk).update(
                        next_attempt_at=decision.next_possible_at
                    )
                continue
            if not _claim_payer(payer_id=payer_id, actor=actor, now=now, until=until):
                continue
            entry_id = (
                pk
                if not is_callback
                else (
                    _payer_entries(payer_id)
                    .filter(locked_by=actor)
                    .order_by("-priority")
                    .values_list("pk", flat=True)
                    .first()
                )
            )
            return WorkItem(
                payer_id=payer_id,
                source=source,
                entry_id=entry_id,
                callback_id=pk if is_callback else None,
                locked_until=until,
                locked_since=now,
            )
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
    s = ContactSettings.current()
    with transaction.atomic(durable=True):
        working_callback = (
            Callback.objects.select_for_update()
            .filter(payer_id=payer_id, locked_by=actor, status=Callback.Status.OPEN)
            .first()
        )
        if channel in (Channel.OUTBOUND_CALL, Channel.SMS):
            decision = contact_allowed(
                payer_id=payer_id,
                channel=channel,
                now=now,
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
        owed = unpaid_balance(payer_id)
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
            team_id = _team_ids(actor)[0] if callback_for_team and _team_ids(actor) else None
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
        next_at = _retry_at(spec, payer_id=payer_id, now=now, s=s, phone=phone)
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
        # Any other lock this operator held on the payer ends with the record.
        call_release(actor=actor, payer_id=payer_id)
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
    spec: Outcome, *, payer_id: int, now: dt.datetime, s: ContactSettings, phone: Phone | None
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
    decision = contact_allowed(payer_id=payer_id, channel=Channel.OUTBOUND_CALL, now=at)
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
