"""Reads of call lists (架電リスト): the preview a build saves, progress per list, and
the pages' rows (payers shown through the permission scope).

A preview and a build (services.py) run the very same evaluation, so the count a
supervisor sees before saving is the count the list gets.

Filters (CallList.filters, all optional):
    levies: ["RT", "NH"]            overdue bills of these levies
    fiscal_years: [2025]            ... of these fiscal years
    days_past_due_min / _max        days since the oldest overdue bill fell due
    balance_min / balance_max       yen overdue (滞納額, of the chosen levies / years);
                                    instalments not yet due (未到来) do not count
    first_time: true                no overdue bill of an earlier fiscal year and no
                                    earlier contact (ContactRecord or WardHistory)
    broken_promise: true            a promise was broken
    broken_plan: true               a plan was broken
    time_bar_within_days: 180       the estimated time bar (facts.py) within N days
    has_callable_number: true       a valid number (the rule applies anyway; with the
                                    filter those without one are not even counted)
    not_contacted_days: 14          no call or SMS in the last N days
A payer matches when they owe at least one bill past its due date (of the chosen
levies / years; arrears.calendar.is_overdue) and every filter given holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from saikoku.arrears.models import WardHistory
from saikoku.core.permissions import payers_visible_to
from saikoku.core.roles import Capability, user_can
from saikoku.outreach.eligibility import (
    EXCLUSION_RULES,
    approved_rules,
    callable_payer_ids,
    exclusion_label,
    exclusions_from_hits,
    rule_hits,
)
from saikoku.outreach.facts import IN_FILTER_LIMIT, fiscal_year_of, unpaid_facts
from saikoku.outreach.models import (
    WORKABLE,
    CallList,
    CallListEntry,
    Channel,
    ContactRecord,
    Party,
    Promise,
)
from saikoku.outreach.priority import PRIORITY_PARTS, ScoreParts, broken_payer_ids, score
from saikoku.people.models import Resident

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "PRIORITY_BANDS",
    "EntryRow",
    "ListPreview",
    "ListProgress",
    "call_list_entries_page",
    "call_list_excluded_counts",
    "call_list_preview",
    "call_list_progress",
    "call_lists_with_progress",
    "entry_for_approval",
    "normalise_filters",
    "preview_excluded_rows",
]

# Entries per page of a list's detail.
PAGE_SIZE = 50
# The index shows the latest lists.
INDEX_LISTS = 200

# The priority distribution shown in the preview: (lowest total in the band, label).
PRIORITY_BANDS: tuple[tuple[int, str], ...] = (
    (80, "80+"),
    (60, "60–79"),
    (40, "40–59"),
    (20, "20–39"),
    (0, "0–19"),
)
INT_FILTERS = (
    "days_past_due_min",
    "days_past_due_max",
    "balance_min",
    "balance_max",
    "time_bar_within_days",
    "not_contacted_days",
)
BOOL_FILTERS = ("first_time", "broken_promise", "broken_plan", "has_callable_number")


@dataclass(frozen=True)
class ListPreview:
    matched: int
    callable: int
    excluded_total: int
    # rule code -> payers it excludes (a payer with two rules counts under both)
    excluded: dict[str, int]
    # (band label, callable payers whose priority falls in it), highest band first
    priority_bands: list[tuple[str, int]]
    # (payer id, exclusion codes, score) for every matched payer; what a build saves
    rows: list[tuple[int, list[str], ScoreParts]] = field(repr=False, default_factory=list)


def normalise_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Keeps the known filters with their proper types and drops empty ones, so a
    stored list says exactly what it was built from."""
    result: dict[str, Any] = {}
    levies = [str(v) for v in filters.get("levies") or () if v]
    if levies:
        result["levies"] = sorted(set(levies))
    years = [int(v) for v in filters.get("fiscal_years") or () if v not in (None, "")]
    if years:
        result["fiscal_years"] = sorted(set(years))
    for key in INT_FILTERS:
        value = filters.get(key)
        if value not in (None, ""):
            result[key] = int(str(value))
    for key in BOOL_FILTERS:
        if filters.get(key):
            result[key] = True
    return result


def _contacted_since(since: dt.datetime) -> set[int]:
    return set(
        ContactRecord.objects.filter(
            at__gte=since, channel__in=(Channel.OUTBOUND_CALL, Channel.SMS)
        )
        .values_list("payer_id", flat=True)
        .distinct()
    )


def _ever_contacted() -> set[int]:
    """Payers the center or the ward has had any contact with (2 queries)."""
    return set(ContactRecord.objects.values_list("payer_id", flat=True).distinct()) | set(
        WardHistory.objects.values_list("payer_id", flat=True).distinct()
    )


def call_list_preview(
    *, filters: dict[str, Any], now: dt.datetime, channel: str = Channel.OUTBOUND_CALL
) -> ListPreview:
    """What a list built now from these filters would hold (nothing is written); a
    build saves exactly these rows. channel: "sms" for an SMS campaign's audience (the
    numbers and wishes of that channel)."""
    f = normalise_filters(filters)
    today = timezone.localdate(now)
    groups = unpaid_facts(
        None, today=today, levies=f.get("levies"), fiscal_years=f.get("fiscal_years")
    )
    promises, plans = broken_payer_ids(None)
    callable_ids = (
        callable_payer_ids(None, channel=channel) if f.get("has_callable_number") else None
    )
    recently = (
        _contacted_since(now - dt.timedelta(days=f["not_contacted_days"]))
        if "not_contacted_days" in f
        else set()
    )
    ever = _ever_contacted() if f.get("first_time") else set()
    this_year = fiscal_year_of(today)
    days_min = f.get("days_past_due_min", 0)
    days_max = f.get("days_past_due_max")
    balance_min = f.get("balance_min", 0)
    balance_max = f.get("balance_max")
    bar_within = f.get("time_bar_within_days")
    # Read once, not per payer: this loop runs 45,000 times for a list of the ward.
    only_broken_promise = bool(f.get("broken_promise"))
    only_broken_plan = bool(f.get("broken_plan"))
    first_time = bool(f.get("first_time"))

    matched: dict[int, ScoreParts] = {}
    for pk, facts in groups.items():
        # Matched: owes a bill past its due date (of the chosen levies / years).
        if facts.scope_newest_overdue is None:
            continue
        days = facts.days_past_due(today)
        if days < days_min or (days_max is not None and days > days_max):
            continue
        if facts.scope_owed < balance_min or (
            balance_max is not None and facts.scope_owed > balance_max
        ):
            continue
        if bar_within is not None and (facts.time_bar_on - today).days > bar_within:
            continue
        if only_broken_promise and pk not in promises:
            continue
        if only_broken_plan and pk not in plans:
            continue
        if callable_ids is not None and pk not in callable_ids:
            continue
        if pk in recently:
            continue
        if first_time and (pk in ever or facts.first_fiscal_year < this_year):
            continue
        # The priority reads all the payer's bills, as the call screen shows them.
        matched[pk] = score(
            facts,
            today=today,
            broken_promise=pk in promises,
            broken_plan=pk in plans,
        )

    narrow = set(matched) if len(matched) <= IN_FILTER_LIMIT else None
    hits = rule_hits(narrow, channel=channel, now=now, groups=groups, universe=set(matched))
    reasons = exclusions_from_hits(hits, matched, approvals=approved_rules(narrow, today))

    excluded = dict.fromkeys(EXCLUSION_RULES, 0)
    callable_totals: dict[int, int] = {}  # priority total -> callable payers
    rows: list[tuple[int, list[str], ScoreParts]] = []
    for pk in sorted(matched):
        codes = reasons[pk]
        parts = matched[pk]
        rows.append((pk, codes, parts))
        if codes:
            for code in codes:
                excluded[code] += 1
        else:
            callable_totals[parts.total] = callable_totals.get(parts.total, 0) + 1
    # Few distinct totals: place each in its band once rather than once per payer.
    bands = dict.fromkeys((label for _low, label in PRIORITY_BANDS), 0)
    for total, n in callable_totals.items():
        bands[next(label for low, label in PRIORITY_BANDS if total >= low)] += n
    callable_count = sum(callable_totals.values())
    return ListPreview(
        matched=len(rows),
        callable=callable_count,
        excluded_total=len(rows) - callable_count,
        excluded=excluded,
        priority_bands=list(bands.items()),
        rows=rows,
    )


@dataclass(frozen=True)
class ListProgress:
    entries: int = 0
    pending: int = 0
    excluded: int = 0
    removed: int = 0
    attempted: int = 0
    reached: int = 0
    promised: int = 0


def call_list_progress(call_list_ids: Iterable[int]) -> dict[int, ListProgress]:
    """Per list: entries by status, entries attempted, payers reached in person, and
    promises made from the list (three aggregate queries whatever the lists)."""
    ids = list(call_list_ids)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = (
        CallListEntry.objects.filter(call_list_id__in=ids)
        .values_list("call_list_id")
        .annotate(
            entries=Count("pk"),
            pending=Count("pk", filter=Q(status__in=WORKABLE)),
            excluded=Count("pk", filter=Q(status=CallListEntry.Status.EXCLUDED)),
            removed=Count("pk", filter=Q(status=CallListEntry.Status.REMOVED)),
            attempted=Count("pk", filter=Q(attempts__gt=0)),
        )
        .order_by()
    )
    for list_id, entries, pending, excluded, removed, attempted in rows:
        counts[list_id].update(
            entries=entries,
            pending=pending,
            excluded=excluded,
            removed=removed,
            attempted=attempted,
        )
    reached = (
        ContactRecord.objects.filter(
            call_list_entry__call_list_id__in=ids, party=Party.SELF, amends__isnull=True
        )
        .values_list("call_list_entry__call_list_id")
        .annotate(n=Count("call_list_entry", distinct=True))
        .order_by()
    )
    for list_id, n in reached:
        counts[list_id]["reached"] = n
    promised = (
        Promise.objects.filter(contact_record__call_list_entry__call_list_id__in=ids)
        .values_list("contact_record__call_list_entry__call_list_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for list_id, n in promised:
        counts[list_id]["promised"] = n
    return {pk: ListProgress(**values) for pk, values in counts.items()}


def call_lists_with_progress(*, limit: int = INDEX_LISTS) -> list[tuple[CallList, ListProgress]]:
    """The latest lists, each with its progress (four queries)."""
    lists = list(CallList.objects.select_related("created_by")[:limit])
    progress = call_list_progress(cl.pk for cl in lists)
    return [(cl, progress[cl.pk]) for cl in lists]


def preview_excluded_rows(
    preview: ListPreview | None, *, channel: str = Channel.OUTBOUND_CALL
) -> list[tuple[str, int]]:
    """(rule label, payers it excludes) for the builder's counts."""
    if preview is None:
        return []
    return [(exclusion_label(code, channel=channel), n) for code, n in preview.excluded.items()]


def call_list_excluded_counts(call_list: CallList) -> list[tuple[str, int]]:
    """(rule label, payers it kept out) as the list was built."""
    return [
        (str(EXCLUSION_RULES.get(code, code)), n) for code, n in call_list.excluded_counts.items()
    ]


@dataclass(frozen=True)
class EntryRow:
    """One entry as the detail page shows it. `payer` comes through the user's
    permission scope (payers_visible_to): None when the user may not see the payer."""

    entry: CallListEntry
    payer: Resident | None
    reasons: list[str]
    parts: list[tuple[str, int]]
    approve_rules: list[tuple[str, str]]


def _with_visible_payer(entries: QuerySet[CallListEntry], user: User) -> QuerySet:
    """The entries with their payer, and `payer_visible`:
    whether the user's permission scope (payers_visible_to) covers the payer. One
    query: the scope is an EXISTS on each entry read."""
    return entries.select_related("payer").annotate(
        payer_visible=Exists(payers_visible_to(user).filter(pk=OuterRef("payer_id")))
    )


def call_list_entries_page(
    user: User, call_list: CallList, *, statuses: Iterable[str] | None = None, page: Any = 1
) -> tuple[Page, list[EntryRow]]:
    """One page of the list's entries (status first, then priority), of `statuses`
    (None: every entry), with the exclusion reasons, the priority's parts and, for a user who may
    approve contacts, the rules an approval could lift."""
    entries = _with_visible_payer(
        CallListEntry.objects.filter(call_list=call_list)
        .select_related("assigned_to", "team")
        .order_by("status", "-priority", "pk"),
        user,
    )
    if statuses is not None:
        entries = entries.filter(status__in=list(statuses))
    current = Paginator(entries, PAGE_SIZE).get_page(page)
    approves = user_can(user, Capability.APPROVE_CONTACT)
    rows = [
        EntryRow(
            entry=entry,
            payer=entry.payer if entry.payer_visible else None,
            reasons=[str(EXCLUSION_RULES.get(code, code)) for code in entry.excluded_reasons],
            parts=[
                (str(PRIORITY_PARTS.get(code, code)), points)
                for code, points in entry.score_parts.items()
                if points
            ],
            approve_rules=[(c, str(EXCLUSION_RULES[c])) for c in entry.excluded_reasons]
            if approves and entry.status == CallListEntry.Status.EXCLUDED
            else [],
        )
        for entry in current.object_list
    ]
    return current, rows


def entry_for_approval(
    user: User, list_id: int, entry_id: int
) -> tuple[CallListEntry, list[tuple[str, str]]]:
    """The excluded entry a ward_admin approves, with its payer fetched through the
    user's scope, and the (code, label) of the rules an approval may lift; Http404
    when there is no such entry or the payer is not visible to the user."""
    entry = (
        _with_visible_payer(CallListEntry.objects.select_related("call_list"), user)
        .filter(pk=entry_id, call_list_id=list_id, status=CallListEntry.Status.EXCLUDED)
        .first()
    )
    if entry is None or not entry.payer_visible:
        raise Http404
    rules = [(c, str(EXCLUSION_RULES[c])) for c in entry.excluded_reasons if c in EXCLUSION_RULES]
    return entry, rules
