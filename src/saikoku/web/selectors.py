"""Reads of the console's general pages: the ward_admin's overview, the audit log with
its filters, and whether the demo's widened contact hours are in effect.

Permission to read each (ADMINISTER, READ_AUDIT) is the calling view's to check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from saikoku.backoffice.models import FINISHED, Task, TaskStatus
from saikoku.core.audit import audit_entries
from saikoku.core.models import AuditEntry, Department, Role
from saikoku.outreach.models import CallList, CallListEntry, ContactApproval, ContactSettings
from saikoku.people.models import Resident

__all__ = [
    "AdminOverview",
    "admin_overview",
    "audit_head_seq",
    "audit_log_entries",
    "contact_hours_widened",
    "demo_hours_banner",
]

RECENT_IMPORTS = 10
RECENT_APPROVALS = 5
APPROVALS_SINCE_DAYS = 30
INACTIVE_SHOWN = 20


@dataclass(frozen=True)
class ImportRow:
    at: dt.datetime
    package_id: str
    # "imported", "already_imported" or "rejected"
    status: str
    persons: int | None
    rows: int | None
    warnings: int | None
    errors: int | None


@dataclass(frozen=True)
class RoleCount:
    role: str
    label: str
    active: int
    inactive: int


@dataclass(frozen=True)
class ListExclusions:
    call_list_id: int
    name: str
    excluded: int


@dataclass(frozen=True)
class DepartmentTasks:
    department: str
    label: str
    open: int
    accepted: int
    oldest: dt.datetime | None


@dataclass(frozen=True)
class AdminOverview:
    imports: list[ImportRow]
    roles: list[RoleCount]
    inactive_users: list[str]
    approvals_recent: list[ContactApproval]
    approvals_recent_count: int
    approvals_since: dt.date
    exclusions: list[ListExclusions]
    tasks: list[DepartmentTasks] = field(default_factory=list)


def _import_row(entry: AuditEntry) -> ImportRow:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    if entry.action == "import_rejected":
        return ImportRow(
            entry.at, entry.object_id, "rejected", None, None, None, detail.get("errors")
        )
    if detail.get("status") == "already_imported":
        return ImportRow(entry.at, entry.object_id, "already_imported", None, None, None, None)
    counts = detail.get("counts") or {}
    rows = sum(int(c.get("rows", 0)) for c in counts.values() if isinstance(c, dict))
    persons = counts.get("persons.csv", {}).get("rows")
    return ImportRow(
        entry.at, entry.object_id, "imported", persons, rows, detail.get("warnings"), None
    )


def admin_overview(*, now: dt.datetime | None = None) -> AdminOverview:
    """What a ward_admin checks first: the last imports (taken or refused, with their
    counts, from the audit trail, which records both), users by role with the inactive
    ones, contact approvals granted lately and the excluded payers an approval could
    bring back on the open lists, and the unfinished tasks of each department."""
    now = now or timezone.now()
    imports = [
        _import_row(e)
        for e in AuditEntry.objects.filter(action__in=("import", "import_rejected"))
        .only("at", "action", "object_id", "detail")
        .order_by("-seq")[:RECENT_IMPORTS]
    ]

    users = get_user_model().objects
    counts: dict[str, dict[bool, int]] = {}
    for row in users.values("role", "is_active").annotate(n=Count("pk")):
        counts.setdefault(row["role"], {})[row["is_active"]] = row["n"]
    roles = [
        RoleCount(
            str(role),
            str(role.label),
            counts.get(role, {}).get(True, 0),
            counts.get(role, {}).get(False, 0),
        )
        for role in Role
    ]
    if "" in counts:
        roles.append(RoleCount("", "", counts[""].get(True, 0), counts[""].get(False, 0)))
    inactive = list(
        users.filter(is_active=False)
        .order_by("username")
        .values_list("username", flat=True)[:INACTIVE_SHOWN]
    )

    since = timezone.localdate(now) - dt.timedelta(days=APPROVALS_SINCE_DAYS)
    recent = ContactApproval.objects.filter(approved_at__date__gte=since)
    approvals = list(
        recent.select_related("payer", "approved_by").order_by("-approved_at")[:RECENT_APPROVALS]
    )
    exclusions = [
        ListExclusions(row["call_list_id"], row["call_list__name"], row["n"])
        for row in CallListEntry.objects.filter(
            status=CallListEntry.Status.EXCLUDED, call_list__status=CallList.Status.OPEN
        )
        .values("call_list_id", "call_list__name")
        .annotate(n=Count("pk"))
        .order_by("call_list_id")
    ]

    per_department: dict[str, dict[str, Any]] = {}
    for row in (
        Task.objects.exclude(status__in=FINISHED)
        .values("department", "status")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    ):
        entry = per_department.setdefault(row["department"], {"oldest": None})
        entry[row["status"]] = row["n"]
        if entry["oldest"] is None or row["oldest"] < entry["oldest"]:
            entry["oldest"] = row["oldest"]
    tasks = [
        DepartmentTasks(
            str(dept),
            str(dept.label),
            per_department.get(dept, {}).get(TaskStatus.OPEN, 0),
            per_department.get(dept, {}).get(TaskStatus.IN_PROGRESS, 0),
            per_department.get(dept, {}).get("oldest"),
        )
        for dept in Department
    ]
    return AdminOverview(
        imports=imports,
        roles=roles,
        inactive_users=inactive,
        approvals_recent=approvals,
        approvals_recent_count=recent.count(),
        approvals_since=since,
        exclusions=exclusions,
        tasks=tasks,
    )


# --- the audit log -----------------------------------------------------------------


def audit_log_entries(
    *,
    username: str = "",
    action: str = "",
    resident_no: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    upto_seq: int | None = None,
) -> QuerySet[AuditEntry]:
    """The audit log viewer's entries, newest first, filtered so an auditor can follow
    one user's or one payer's trail.

    A payer's trail is every entry naming the resident number (openings of the payer
    page, account reveals, searches typed with the number) or the payer's internal id
    (contact records and their amendments). An unknown user name matches nobody rather
    than silently listing everyone. `upto_seq` pins the listing to the log as it was
    when the first page was shown, so paging never shifts under the reader while the
    log grows (each page view itself adds an entry).
    """
    user_id: int | None = None
    if username:
        user_id = (
            get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
        ) or 0
    entries = audit_entries(user_id=user_id, action=action or None, since=since, until=until)
    if resident_no:
        trail = (
            Q(object_type="resident", object_id=resident_no)
            | Q(detail__resident_no=resident_no)
            | Q(detail__query=resident_no)
        )
        payer_id = (
            Resident.objects.filter(resident_no=resident_no).values_list("pk", flat=True).first()
        )
        if payer_id is not None:
            trail |= Q(detail__payer_id=payer_id)
        entries = entries.filter(trail)
    if upto_seq is not None:
        entries = entries.filter(seq__lte=upto_seq)
    return entries


def audit_head_seq() -> int:
    """The newest entry's seq (0 when the log is empty)."""
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# --- the demo's contact hours ----------------------------------------------------------


def contact_hours_widened(s: ContactSettings) -> bool:
    """Whether the contact rules allow every day and (nearly) every minute: what the
    demo start sets so the call screen can be tried at any hour."""
    return (
        s.saturday_allowed
        and s.sunday_allowed
        and s.holiday_allowed
        and _time(s.weekday_start) == dt.time.min
        and _time(s.saturday_start) == dt.time.min
        and _time(s.weekday_end) >= dt.time(23, 59)
        and _time(s.saturday_end) >= dt.time(23, 59)
    )


def _time(value: dt.time | str) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def demo_hours_banner() -> bool:
    """The banner every page shows in the demo while its widened contact hours are in
    effect. Outside the demo (SAIKOKU_DEMO off) no query is made at all."""
    if not settings.SAIKOKU_DEMO:
        return False
    return contact_hours_widened(ContactSettings.current())
