"""Writes of call lists (架電リスト): build, assign, take paid-up payers out, and the
ward_admin's approval to contact an excluded payer. Each is one transaction,
keyword-only, with an explicit actor, audited; the filters and the evaluation a build
saves are in selectors.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.arrears.models import Bill
from saikoku.core.audit import audit_record
from saikoku.core.roles import Capability, roles_with, user_can
from saikoku.interchange.upsert import upsert
from saikoku.outreach.eligibility import EXCLUSION_RULES, exclusions_for_payer
from saikoku.outreach.lists.selectors import call_list_preview, normalise_filters
from saikoku.outreach.models import (
    WORKABLE,
    CallList,
    CallListEntry,
    Channel,
    ContactApproval,
    Team,
)
from saikoku.outreach.priority import ScoreParts

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "ASSIGNEE_ROLES",
    "BUILD_ROLES",
    "call_list_assign",
    "call_list_build",
    "call_lists_remove_paid_up",
    "contact_approval_grant",
]

# Who builds and assigns lists (CONSOLE.md, Supervisor); operators only work them.
BUILD_ROLES = roles_with(Capability.BUILD_LISTS)
# Who may be given entries to call.
ASSIGNEE_ROLES = roles_with(Capability.TAKE_ASSIGNMENTS)
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


def _require_role(actor: User, roles: Iterable[str]) -> None:
    if getattr(actor, "role", "") not in roles:
        raise PermissionDenied


def _audit(actor: User, action: str, call_list: CallList, detail: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="call_list",
        object_id=str(call_list.pk),
        detail=detail,
    )


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
    *, actor: User, name: str, filters: dict[str, Any], now: dt.datetime
) -> CallList:
    """Saves a list: callable payers as pending entries with their priority and its
    parts, excluded payers as excluded entries with their reasons."""
    _require_role(actor, BUILD_ROLES)
    name = name.strip()
    if not name:
        raise ValidationError(_("リスト名を入力してください。"))
    preview = call_list_preview(filters=filters, now=now)
    with transaction.atomic(durable=True):
        call_list = CallList.objects.create(
            name=name,
            filters=normalise_filters(filters),
            created_by=actor,
            created_at=now,
            excluded_counts={code: n for code, n in preview.excluded.items() if n},
        )
        _insert_entries(call_list, preview.rows)
        _audit(
            actor,
            "call_list_build",
            call_list,
            {
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
    actor: User,
    call_list: CallList,
    entry_ids: Iterable[int] | None = None,
    count: int | None = None,
    operator: User | None = None,
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
        _audit(
            actor,
            "call_list_assign",
            call_list,
            {
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
    actor: User,
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
