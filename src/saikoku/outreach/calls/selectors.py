"""Reads of the operator's calls: the work locked to an operator (current_work), what
the call screen shows (call_screen), and which number to dial when
(contact_suggestion).

The suggestion: which number to dial, and when, for the best chance of reaching the
payer in person.

From the payer's own history of attempts (ContactRecord of channel outbound_call, not
amendments), per phone number and per two-hour band of the day (9–11, 11–13, …, 19–21,
Asia/Tokyo): the share of attempts answered by the payer (party "self"), smoothed as
(reached + 1) / (attempts + 2) so that one lucky call does not outweigh many. The
number with the best share is suggested, then the band with the best share.

Without history (no attempts on any usable number) the fallback is: in the evening
(from 17:00) mobile numbers first, as people are away from the landline at work; in
the daytime the ward's order (phone_1, phone_2, …).

A band is suggested only on evidence, and the screen says which: the best band must
hold at least MIN_BAND_ATTEMPTS attempts of which at least MIN_BAND_REACHED reached the
payer in person ("18:00〜20:00 に本人につながりやすい（この時間帯 12回中 5回）"). With
less, no band is named: a time guessed from nothing ("18:00〜20:00" for a payer never
called, shown at 09:00) only made operators wonder why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from saikoku.arrears.models import Plan, PlanStatus, WardHistory
from saikoku.arrears.owed import owed_as_of
from saikoku.arrears.rates import current_rate_table
from saikoku.arrears.selectors import payer_age, payer_overview
from saikoku.core.dates import TOKYO
from saikoku.core.permissions import can_see_caution_note, payer_for_user, payers_visible_to
from saikoku.outreach.eligibility import callable_phones
from saikoku.outreach.models import (
    WORKABLE,
    Callback,
    CallList,
    CallListEntry,
    Channel,
    ContactRecord,
    ContactSettings,
    Party,
    Team,
)
from saikoku.outreach.priority import PRIORITY_PARTS
from saikoku.outreach.records.selectors import recent_contact_records
from saikoku.people.models import Phone, PhoneKind

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "BANDS",
    "Suggestion",
    "WorkItem",
    "call_screen",
    "contact_suggestion",
    "current_work",
    "free_for",
    "locked_entry_id",
    "operator_day",
    "payer_open_entries",
]

# What the call screen lists of the payer's past.
RECENT_CONTACTS = 8
RECENT_HISTORY = 5
# The idle screen lists at most this many of today's callbacks (a day holds far fewer).
DAY_CALLBACKS = 50


@dataclass(frozen=True)
class WorkItem:
    """The payer locked to an operator, and why they were given it."""

    payer_id: int
    source: str  # callback_mine, callback_team, entry_mine, entry_team
    entry_id: int | None
    callback_id: int | None
    locked_until: dt.datetime
    locked_since: dt.datetime

    def locked_seconds(self, now: dt.datetime) -> int:
        return max(int((now - self.locked_since).total_seconds()), 0)

    @classmethod
    def for_entry(
        cls,
        *,
        entry_id: int,
        payer_id: int,
        source: str,
        locked_until: dt.datetime,
        locked_since: dt.datetime,
    ) -> WorkItem:
        """A list entry's work (source entry_mine or entry_team)."""
        return cls(payer_id, source, entry_id, None, locked_until, locked_since)

    @classmethod
    def for_callback(
        cls,
        *,
        callback_id: int,
        payer_id: int,
        owner_id: int | None,
        entry_id: int | None,
        actor: User,
        locked_until: dt.datetime,
        locked_since: dt.datetime,
    ) -> WorkItem:
        """A callback's work: the operator's own, or one taken for the team."""
        source = "callback_mine" if owner_id == actor.pk else "callback_team"
        return cls(payer_id, source, entry_id, callback_id, locked_until, locked_since)


def free_for(now: dt.datetime, actor: User) -> Q:
    """Rows nobody holds at `now`, or that `actor` holds."""
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now) | Q(locked_by=actor)


def payer_open_entries(payer_id: int) -> QuerySet[CallListEntry]:
    """The payer's entries still to be worked, on every open list."""
    return CallListEntry.objects.filter(
        payer_id=payer_id, status__in=WORKABLE, call_list__status=CallList.Status.OPEN
    )


def locked_entry_id(payer_id: int, actor: User) -> int | None:
    """The payer's highest-priority open entry locked to `actor`, if any (one query)."""
    return (
        payer_open_entries(payer_id)
        .filter(locked_by=actor)
        .order_by("-priority")
        .values_list("pk", flat=True)
        .first()
    )


def current_work(
    *, actor: User, now: dt.datetime, contact_settings: ContactSettings | None = None
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
        CallListEntry.objects.filter(locked_by=actor, locked_until__gt=now, status__in=WORKABLE)
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
        assert until is not None  # filtered on locked_until__gt=now
        return WorkItem.for_callback(
            callback_id=pk,
            payer_id=payer_id,
            owner_id=owner_id,
            entry_id=locked_entry_id(payer_id, actor),
            actor=actor,
            locked_until=until,
            locked_since=until - lock,
        )
    if entry is None:
        return None
    pk, payer_id, until, assigned, _holds = entry
    assert until is not None  # filtered on locked_until__gt=now
    return WorkItem.for_entry(
        entry_id=pk,
        payer_id=payer_id,
        source="entry_mine" if assigned == actor.pk else "entry_team",
        locked_until=until,
        locked_since=until - lock,
    )


@dataclass(frozen=True)
class DayCallback:
    """One callback due today, as the idle screen lists it. `payer` is None when the
    user's permission scope (payers_visible_to) does not cover the payer: the time is
    shown, never the name."""

    due_at: dt.datetime
    payer: Any  # Resident | None
    mine: bool  # the operator's own (else the team's)
    requested_by_payer: bool
    overdue: bool


@dataclass(frozen=True)
class MyListProgress:
    """The operator's share of one open list: their entries and their team's unassigned
    ones."""

    name: str
    entries: int
    remaining: int
    attempted: int


def operator_day(user: User, *, now: dt.datetime) -> dict[str, Any]:
    """What the idle call screen shows: the callbacks due today that are the operator's
    (their own, their teams', and those for everyone), and their progress on each open
    list. Two queries; names come through the same scope as the lists' pages."""
    teams = Team.members.through.objects.filter(user_id=user.pk).values("team_id")
    end_of_day = dt.datetime.combine(
        timezone.localdate(now) + dt.timedelta(days=1), dt.time(), tzinfo=TOKYO
    )
    callbacks = (
        Callback.objects.filter(status=Callback.Status.OPEN, due_at__lt=end_of_day)
        .filter(Q(owner=user) | Q(owner__isnull=True, team__isnull=True) | Q(team_id__in=teams))
        .select_related("payer")
        .annotate(payer_visible=Exists(payers_visible_to(user).filter(pk=OuterRef("payer_id"))))
        .order_by("due_at", "pk")[:DAY_CALLBACKS]
    )
    mine = Q(assigned_to=user) | Q(assigned_to__isnull=True, team_id__in=teams)
    lists = (
        CallListEntry.objects.filter(mine, call_list__status=CallList.Status.OPEN)
        .exclude(status__in=[CallListEntry.Status.EXCLUDED, CallListEntry.Status.REMOVED])
        .values_list("call_list_id", "call_list__name")
        .annotate(
            entries=Count("pk"),
            remaining=Count("pk", filter=Q(status__in=WORKABLE)),
            attempted=Count("pk", filter=Q(attempts__gt=0)),
        )
        .order_by("call_list_id")
    )
    return {
        "callbacks": [
            DayCallback(
                due_at=c.due_at,
                payer=c.payer if c.payer_visible else None,
                mine=c.owner_id == user.pk,
                requested_by_payer=c.requested_by_payer,
                overdue=c.due_at <= now,
            )
            for c in callbacks
        ],
        "my_lists": [
            MyListProgress(name=name, entries=n, remaining=left, attempted=tried)
            for _pk, name, n, left, tried in lists
        ],
    }


def call_screen(
    user: User,
    work: WorkItem,
    *,
    identity_verified: bool,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the call screen shows of the payer locked in `work`; about a dozen small
    queries. The payer comes through payer_for_user (audited, purpose call_screen).

    Before identity is confirmed nothing about money is even read (the bills, the late
    charge engine and the payer overview wait until then): "Next" only pays for who,
    the flags, the numbers and the recent history. Amounts exist in the result only
    once identity is confirmed.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    resident = payer_for_user(user, work.payer_id, purpose="call_screen", request=request)
    overview = payer_overview(user, resident, today=today) if identity_verified else None
    owed = None
    if overview is not None:
        # The table estimates a year whose rate is not registered yet (見込み), so there
        # is always a figure to quote.
        owed = owed_as_of(overview.bills, overview.today, rates=current_rate_table())
        active_plans = overview.active_plans
    else:
        active_plans = list(Plan.objects.filter(payer=resident, status=PlanStatus.ACTIVE))
    entry = (
        CallListEntry.objects.filter(pk=work.entry_id).only("pk", "priority", "score_parts").first()
        if work.entry_id
        else None
    )
    return {
        "resident": resident,
        "age": overview.age if overview is not None else payer_age(resident, today),
        "active_plans": active_plans,
        "verified": identity_verified,
        "owed": owed,
        "entry": entry,
        "score_parts": [
            (str(PRIORITY_PARTS.get(key, key)), points)
            for key, points in (entry.score_parts if entry else {}).items()
            if points
        ],
        "suggestion": contact_suggestion(payer_id=resident.pk, now=now),
        "contacts": recent_contact_records(resident.pk, limit=RECENT_CONTACTS),
        "history": list(
            WardHistory.objects.filter(payer=resident).order_by("-at")[:RECENT_HISTORY]
        ),
        "locked_seconds": work.locked_seconds(now),
        "show_caution_note": can_see_caution_note(user),
    }


BANDS = [(h, h + 2) for h in range(9, 21, 2)]  # (9, 11) … (19, 21)
EVENING = 17


@dataclass(frozen=True)
class PhoneScore:
    phone: Phone
    attempts: int
    reached: int

    @property
    def share(self) -> float:
        return (self.reached + 1) / (self.attempts + 2)


# The evidence a suggested band needs (see the module docstring).
MIN_BAND_ATTEMPTS = 3
MIN_BAND_REACHED = 2


@dataclass(frozen=True)
class Suggestion:
    phone: Phone | None
    # The band of the day most likely to reach the payer, None without evidence enough.
    band: tuple[int, int] | None
    from_history: bool
    phones: list[PhoneScore] = field(default_factory=list)
    # The band's evidence: attempts in it, and how many reached the payer in person.
    band_attempts: int = 0
    band_reached: int = 0
    # Without history: a mobile was put first because it is evening (and the payer has
    # other numbers too); otherwise the ward's order stands.
    evening_mobile: bool = False

    @property
    def band_label(self) -> str:
        if self.band is None:
            return ""
        return f"{self.band[0]}:00〜{self.band[1]}:00"

    @property
    def score(self) -> PhoneScore | None:
        """The suggested number's own record (attempts, reached in person)."""
        return self.phones[0] if self.phones else None


def _band_of(at: dt.datetime) -> tuple[int, int] | None:
    hour = at.astimezone(TOKYO).hour
    for band in BANDS:
        if band[0] <= hour < band[1]:
            return band
    return None


def contact_suggestion(*, payer_id: int, now: dt.datetime) -> Suggestion:
    """The number and the time band most likely to reach this payer (two queries)."""
    phones = list(
        callable_phones(channel=Channel.OUTBOUND_CALL)
        .filter(resident_id=payer_id)
        .order_by(F("position").asc(nulls_last=True), "id")
    )
    attempts = list(
        ContactRecord.objects.filter(
            payer_id=payer_id, channel=Channel.OUTBOUND_CALL, amends__isnull=True
        ).values_list("phone_id", "at", "party")
    )
    by_phone: dict[int, list[int]] = {}
    by_band: dict[tuple[int, int], list[int]] = {}
    for phone_id, at, party in attempts:
        reached = int(party == Party.SELF)
        if phone_id is not None:
            counts = by_phone.setdefault(phone_id, [0, 0])
            counts[0] += 1
            counts[1] += reached
        band = _band_of(at)
        if band is not None:
            counts = by_band.setdefault(band, [0, 0])
            counts[0] += 1
            counts[1] += reached
    scores = [
        PhoneScore(
            phone=p, attempts=by_phone.get(p.pk, [0, 0])[0], reached=by_phone.get(p.pk, [0, 0])[1]
        )
        for p in phones
    ]
    has_history = any(s.attempts for s in scores)
    evening = now.astimezone(TOKYO).hour >= EVENING
    if has_history:
        # Ties go to the ward's order (stable sort).
        ranked = sorted(scores, key=lambda s: -s.share)
    else:
        ranked = sorted(scores, key=lambda s: evening and s.phone.kind != PhoneKind.MOBILE)
    evening_mobile = (
        not has_history
        and evening
        and bool(ranked)
        and ranked[0].phone.kind == PhoneKind.MOBILE
        and any(s.phone.kind != PhoneKind.MOBILE for s in ranked)
    )
    band, band_attempts, band_reached = None, 0, 0
    if by_band and phones:
        best, (tried, reached) = max(
            by_band.items(), key=lambda kv: ((kv[1][1] + 1) / (kv[1][0] + 2), -kv[0][0])
        )
        if tried >= MIN_BAND_ATTEMPTS and reached >= MIN_BAND_REACHED:
            band, band_attempts, band_reached = best, tried, reached
    return Suggestion(
        phone=ranked[0].phone if ranked else None,
        band=band,
        from_history=has_history or bool(by_band),
        phones=ranked,
        band_attempts=band_attempts,
        band_reached=band_reached,
        evening_mobile=evening_mobile,
    )
