"""Reading the incident register (インシデント管理簿): the list's filters, the payers of
an incident a viewer may see, and the register for the ward as xlsx."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from saikoku.core.dates import TOKYO
from saikoku.core.handler_export import print_ready_sheet
from saikoku.core.permissions import payers_visible_to
from saikoku.people.models import Resident
from saikoku.privacy.models import Incident, IncidentAction, IncidentPayer, IncidentStatus

__all__ = [
    "ACTION_HEADERS",
    "INCIDENT_HEADERS",
    "incident_entries",
    "incident_payers_for",
    "incident_workbook",
]


def incident_entries(filters: dict[str, Any]) -> QuerySet[Incident]:
    """The incidents matching the list's cleaned filters, newest found first; the
    period is that of discovery (the day the one-hour report is counted from)."""
    incidents = Incident.objects.annotate(payer_count=Count("affected")).order_by(
        "-found_at", "-pk"
    )
    if filters.get("start"):
        incidents = incidents.filter(
            found_at__gte=dt.datetime.combine(filters["start"], dt.time(), TOKYO)
        )
    if filters.get("end"):
        until = dt.datetime.combine(filters["end"] + dt.timedelta(days=1), dt.time(), TOKYO)
        incidents = incidents.filter(found_at__lt=until)
    if filters.get("status"):
        incidents = incidents.filter(status=filters["status"])
    if filters.get("kind"):
        incidents = incidents.filter(kind=filters["kind"])
    if filters.get("open_only"):
        incidents = incidents.exclude(status=IncidentStatus.CLOSED)
    return incidents


def incident_payers_for(user: Any, incident: Incident) -> tuple[list[Resident], int]:
    """The affected payers the user may see (by resident number), and how many others
    the incident names that the user may not see (counted, never named)."""
    linked = IncidentPayer.objects.filter(incident=incident).values("payer_id")
    visible = list(payers_visible_to(user).filter(pk__in=linked).order_by("resident_no"))
    return visible, linked.count() - len(visible)


def _when(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


INCIDENT_HEADERS = [
    gettext_lazy("番号"),
    gettext_lazy("件名"),
    gettext_lazy("種別"),
    gettext_lazy("重大度"),
    gettext_lazy("状態"),
    gettext_lazy("発生日時"),
    gettext_lazy("発見日時"),
    gettext_lazy("発見者"),
    gettext_lazy("発生した事態"),
    gettext_lazy("範囲"),
    gettext_lazy("影響を受けた人数"),
    gettext_lazy("対象者（登録数）"),
    gettext_lazy("区への報告日時"),
    gettext_lazy("報告者"),
    gettext_lazy("報告先（区の担当者）"),
    gettext_lazy("終結日時"),
    gettext_lazy("終結の確認者"),
    gettext_lazy("終結の概要"),
]
ACTION_HEADERS = [
    gettext_lazy("番号"),
    gettext_lazy("実施日時"),
    gettext_lazy("区分"),
    gettext_lazy("実施者"),
    gettext_lazy("内容"),
    gettext_lazy("記録日時"),
    gettext_lazy("記録した利用者"),
]


def _incident_row(incident: Incident) -> list[str]:
    return [
        incident.number,
        incident.title,
        str(incident.get_kind_display()),
        str(incident.get_severity_display()),
        str(incident.get_status_display()),
        _when(incident.occurred_at),
        _when(incident.found_at),
        incident.found_by_name,
        incident.what,
        incident.scope,
        str(incident.affected_count),
        str(getattr(incident, "payer_count", "")),
        _when(incident.reported_at),
        incident.reported_by,
        incident.reported_to,
        _when(incident.closed_at),
        incident.closed_by,
        incident.closing_summary,
    ]


def _action_row(action: IncidentAction) -> list[str]:
    return [
        f"INC-{action.incident_id:04d}",
        _when(action.at),
        str(action.get_kind_display()),
        action.done_by,
        action.text,
        _when(action.recorded_at),
        action.recorded_by.get_username(),
    ]


def incident_workbook(incidents: QuerySet[Incident]) -> bytes:
    """The register as the ward files it: one row an incident, and its timeline on a
    second sheet. Affected payers are counted, not named (their list goes to the ward
    encrypted, through the custody ledger: docs/security/incident.md)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("インシデント管理簿")
    chosen = list(incidents)
    print_ready_sheet(
        ws, _("インシデント管理簿"), [str(h) for h in INCIDENT_HEADERS], map(_incident_row, chosen)
    )
    actions = (
        IncidentAction.objects.filter(incident__in=[i.pk for i in chosen])
        .select_related("recorded_by")
        .order_by("incident_id", "at", "pk")
    )
    timeline = wb.create_sheet(_("対応記録"))
    print_ready_sheet(
        timeline, _("対応記録"), [str(h) for h in ACTION_HEADERS], map(_action_row, actions)
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
