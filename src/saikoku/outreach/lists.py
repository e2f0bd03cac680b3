"""Call lists (架電リスト): preview, build, assign, take paid-up payers out, and the
ward_admin's approval to contact an excluded payer.

Services write (one transaction each, keyword-only, explicit actor, audited);
selectors read. A preview and a build run the very same evaluation, so the count a
supervisor sees before saving is the count the list gets.

Filters (CallList.filters, all optional):
    levies: ["RT", "NH"]            unpaid bills of these levies
    fiscal_years: [2025]            ... of these fiscal years
    days_past_due_min / _max        days since the oldest unpaid bill fell due
    balance_min / balance_max       yen owed (of the chosen levies / years)
    first_time: true                no unpaid bill of an earlier fiscal year and no
                                    earlier contact (ContactRecord or WardHistory)
    broken_promise: true            a promise was broken
    broken_plan: true               a plan was broken
    time_bar_within_days: 180       the estimated time bar (facts.py) within N days
    has_callable_number: true       a valid number (the rule applies anyway; with the
                                    filter those without one are not even counted)
    not_contacted_days: 14          no call or SMS in the last N days
A payer matches when they owe at least one bill past its due date (of the chosen
levies / years) and every filter given holds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.arrears.models import Bill, WardHistory
from saikoku.core.audit import audit_record
from saikoku.core.roles import Capability, roles_with, user_can
from saikoku.interchange.upsert import upsert
from saikoku.outreach.eligibility import (
    EXCLUSION_RULES,
    _approvals,
    callable_payer_ids,
    exclusions_for_payer,
    exclusions_from_hits,
    rule_hits,
)
from saikoku.outreach.facts import (
    IN_FILTER_LIMIT,
    fiscal_year_of,
    unpaid_facts,
)
from saikoku.outreach.models import (
    CallList,
    CallListEntry,
    Channel,
    ContactApproval,
    ContactRecord,
    Party,
    Promise,
    Team,
)
from saikoku.outreach.priority import ScoreParts, broken_payer_ids, score

__all__ = [
    "BUILD_ROLES",
    "PRIORITY_BANDS",
    "ListPreview",
    "ListProgress",
    "call_list_assign",
    "call_list_build",
    "call_list_preview",
    "call_list_progress",
    "call_lists_remove_paid_up",
    "contact_approval_grant",
    "normalise_filters",
]

# Who builds and assigns lists (CONSOLE.md, Supervisor); operators only work them.
BUILD_ROLES = roles_with(Capability.BUILD_LISTS)
# Who may be given entries to call.
ASSIGNEE_ROLES = roles_with(Capability.TAKE_ASSIGNMENTS)
# The priority distribution shown in the preview: (lowest total in the band, label).
PRIORITY_BANDS: tuple[tuple[int, str], ...] = (
    (80, "80+"),
    (60, "60–79"),
    (40, "40–59"),
    (20, "20–39"),
    (0, "0–19"),
)
WORKABLE = (CallListEntry.Status.PENDING, CallListEntry.Status.RETRY)
INT_FILTERS = (
    "days_past_due_min",
    "days_past_due_max",
    "balance_min",
    "balance_max",
    "time_bar_within_days",
    "not_contacted_days",
)
BOOL_FILTERS = ("first_time", "broken_promise", "broken_plan", "has_callable_number")
# The columns a build writes, in the order _insert_entries gives the values.
ENTRY_COLUMNS = (
    "call_list_id",
    "payer_id",
    "status",
    "priority",
    "score_parts",
    "excluded_reasons",
    "removed_reason",
    "attempts",
    "last_outcome",
)


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
            result[key] = int(value)
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


def _evaluate(filters: dict[str, Any], now: dt.datetime) -> ListPreview:
    f = normalise_filters(filters)
    today = timezone.localdate(now)
    groups = unpaid_facts(
        None, today=today, levies=f.get("levies"), fiscal_years=f.get("fiscal_years")
    )
    promises, plans = broken_payer_ids(None)
    callable_ids = (
        callable_payer_ids(None, channel=Channel.OUTBOUND_CALL)
        if f.get("has_callable_number")
        else None
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
    hits = rule_hits(
        narrow, channel=Channel.OUTBOUND_CALL, now=now, groups=groups, universe=set(matched)
    )
    reasons = exclusions_from_hits(hits, matched, approvals=_approvals(narrow, today))

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


def call_list_preview(*, filters: dict[str, Any], now: dt.datetime) -> ListPreview:
    """What a list built now from these filters would hold (nothing is written)."""
    return _evaluate(filters, now)


def _require_role(actor: Any, roles: Iterable[str]) -> None:
    if getattr(actor, "role", "") not in roles:
        raise PermissionDenied


def _insert_entries(call_list: CallList, rows: list[tuple[int, list[str], ScoreParts]]) -> None:
    """Writes the entries as the import writes its rows (interchange/upsert.py: one
    prepared INSERT run with executemany on SQLite, COPY on PostgreSQL): the ORM's
    bulk_create spends most of a 45,000-row build on per-field conversion. The JSON
    texts are made once per distinct value: a few dozen reason lists, and one per
    shared ScoreParts object (priority.py)."""
    list_id = call_list.pk
    pending, excluded = CallListEntry.Status.PENDING.value, CallListEntry.Status.EXCLUDED.value
    parts_json: dict[int, str] = {}  # id(ScoreParts) -> text; `rows` keeps them alive
    reasons_json: dict[tuple[str, ...], str] = {(): "[]"}

    def values(pk: int, codes: list[str], parts: ScoreParts) -> tuple:
        text = parts_json.get(id(parts))
        if text is None:
            text = parts_json[id(parts)] = json.dumps(parts.parts)
        key = tuple(codes)
        reasons = reasons_json.get(key)
        if reasons is None:
            reasons = reasons_json[key] = json.dumps(codes)
        status = excluded if codes else pending
        return (list_id, pk, status, parts.total, text, reasons, "", 0, "")

    upsert(
        CallListEntry,
        ENTRY_COLUMNS,
        (values(*row) for row in rows),
        unique=("call_list", "payer"),
        fresh=True,  # a list just created has no entries
    )


def call_list_build(
    *, actor: Any, name: str, filters: dict[str, Any], now: dt.datetime
) -> CallList:
    """Saves a list: callable payers as pending entries with their priority and its
    parts, excluded payers as excluded entries with their reasons."""
    _require_role(actor, BUILD_ROLES)
    name = name.strip()
    if not name:
        raise ValidationError(_("リスト名を入力してください。"))
    preview = _evaluate(filters, now)
    with transaction.atomic(durable=True):
        call_list = CallList.objects.create(
            name=name,
            filters=normalise_filters(filters),
            created_by=actor,
            created_at=now,
            excluded_counts={code: n for code, n in preview.excluded.items() if n},
        )
        _insert_entries(call_list, preview.rows)
        audit_record(
            actor=actor,
            action="call_list_build",
            object_type="call_list",
            object_id=str(call_list.pk),
            detail={
                "name": name,
                "filters": call_list.filters,
                "matched": preview.matched,
                "callable": preview.callable,
                "excluded": preview.excluded_total,
            },
        )
    return call_list


def call_list_assign(
    *,
    actor: Any,
    call_list: CallList,
    entry_ids: Iterable[int] | None = None,
    count: int | None = None,
    operator: Any = None,
    team: Team | None = None,
) -> int:
    """Gives entries to one operator or one team: the chosen entries, or the `count`
    highest-priority entries nobody has yet. Returns how many were assigned."""
    _require_role(actor, BUILD_ROLES)
    if (operator is None) == (team is None):
        raise ValidationError(_("担当者またはチームのどちらか一方を指定してください。"))
    if operator is not None and getattr(operator, "role", "") not in ASSIGNEE_ROLES:
        raise ValidationError(_("取扱者または取扱責任者にのみ割り当てられます。"))
    if (entry_ids is None) == (count is None):
        raise ValidationError(_("明細または件数のどちらか一方を指定してください。"))
    if call_list.status != CallList.Status.OPEN:
        raise ValidationError(_("終了したリストには割り当てられません。"))
    with transaction.atomic(durable=True):
        workable = CallListEntry.objects.filter(call_list=call_list, status__in=WORKABLE)
        if entry_ids is not None:
            chosen = workable.filter(pk__in=list(entry_ids))
        else:
            top = (
                workable.filter(assigned_to__isnull=True, team__isnull=True)
                .order_by("-priority", "pk")
                .values_list("pk", flat=True)[: max(count or 0, 0)]
            )
            chosen = CallListEntry.objects.filter(pk__in=list(top))
        assigned = chosen.update(assigned_to=operator, team=team)
        audit_record(
            actor=actor,
            action="call_list_assign",
            object_type="call_list",
            object_id=str(call_list.pk),
            detail={
                "entries": assigned,
                "operator": getattr(operator, "username", ""),
                "team": team.name if team is not None else "",
            },
        )
    return assigned


def call_lists_remove_paid_up(*, payer_ids: Iterable[int] | None = None) -> int:
    """Takes payers who owe nothing any more out of every open list (status removed,
    reason paid_up); called after each package import. Returns the entries changed.

    Not durable: it runs inside the import's transaction, so the payments and the
    lists change together.
    """
    unpaid = Bill.objects.filter(payer_id=OuterRef("payer_id"), amount__gt=F("paid_amount"))
    entries = CallListEntry.objects.filter(
        call_list__status=CallList.Status.OPEN, status__in=WORKABLE
    ).filter(~Exists(unpaid))
    if payer_ids is not None:
        ids = list(payer_ids)
        if not ids:
            return 0
        entries = entries.filter(payer_id__in=ids)
    with transaction.atomic():
        return entries.update(
            status=CallListEntry.Status.REMOVED,
            removed_reason="paid_up",
            locked_by=None,
            locked_until=None,
        )


def contact_approval_grant(
    *,
    actor: Any,
    payer_id: int,
    rule: str,
    reason: str,
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ContactApproval:
    """A ward_admin's approval to contact one payer despite one rule. Entries of open
    lists that the rule alone kept out become pending."""
    if not user_can(actor, Capability.APPROVE_CONTACT):
        raise PermissionDenied
    if rule not in EXCLUSION_RULES:
        raise ValidationError(_("除外理由が正しくありません。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("承認理由を入力してください。"))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        approval = ContactApproval.objects.create(
            payer_id=payer_id,
            rule=rule,
            reason=reason,
            approved_by=actor,
            approved_at=now,
            valid_until=valid_until,
        )
        remaining = exclusions_for_payer(payer_id, channel=Channel.OUTBOUND_CALL, now=now)
        entries = CallListEntry.objects.filter(
            payer_id=payer_id,
            call_list__status=CallList.Status.OPEN,
            status=CallListEntry.Status.EXCLUDED,
        )
        entries.update(
            excluded_reasons=remaining,
            status=CallListEntry.Status.EXCLUDED if remaining else CallListEntry.Status.PENDING,
        )
        audit_record(
            actor=actor,
            action="contact_approval",
            object_type="resident",
            object_id=str(payer_id),
            detail={
                "rule": rule,
                "reason": reason,
                "valid_until": valid_until.isoformat() if valid_until else "",
            },
        )
    return approval


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
