"""Reading the custody ledger (管理簿): the page's filters, and the ledger as the ward
receives it, xlsx and PDF."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from saikoku.core.dates import TOKYO
from saikoku.core.handler_export import print_ready_sheet
from saikoku.privacy.models import CustodyLedgerEntry

__all__ = ["LEDGER_HEADERS", "ledger_entries", "ledger_pdf", "ledger_workbook"]


def ledger_entries(filters: dict[str, Any]) -> QuerySet[CustodyLedgerEntry]:
    """The entries matching the page's cleaned filters, newest first."""
    entries = CustodyLedgerEntry.objects.select_related("user").order_by("-at", "-pk")
    if filters.get("start"):
        entries = entries.filter(at__gte=dt.datetime.combine(filters["start"], dt.time(), TOKYO))
    if filters.get("end"):
        until = dt.datetime.combine(filters["end"] + dt.timedelta(days=1), dt.time(), TOKYO)
        entries = entries.filter(at__lt=until)
    if filters.get("direction"):
        entries = entries.filter(direction=filters["direction"])
    if filters.get("medium"):
        entries = entries.filter(medium=filters["medium"])
    if filters.get("handler"):
        entries = entries.filter(
            Q(handler__icontains=filters["handler"])
            | Q(password_delivered_by__icontains=filters["handler"])
            | Q(closed_by__icontains=filters["handler"])
        )
    if filters.get("open") == "password":
        entries = entries.filter(password_required=True, password_delivered_at__isnull=True)
    elif filters.get("open") == "return":
        entries = entries.filter(return_or_destroy_on__isnull=False, closed_at__isnull=True)
    return entries


def _when(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _row(entry: CustodyLedgerEntry) -> list[str]:
    return [
        _when(entry.at),
        str(entry.get_direction_display()),
        str(entry.get_medium_display()),
        entry.content,
        entry.package_id,
        f"{entry.total_rows}{entry.get_quantity_unit_display()}",
        entry.handler,
        entry.counterpart,
        _when(entry.password_delivered_at) if entry.password_required else "-",
        entry.password_delivered_by,
        entry.return_or_destroy_on.isoformat() if entry.return_or_destroy_on else "",
        _when(entry.closed_at),
        entry.closed_by,
        entry.sha256,
    ]


LEDGER_HEADERS = [
    gettext_lazy("日時"),
    gettext_lazy("区分"),
    gettext_lazy("媒体"),
    gettext_lazy("内容"),
    gettext_lazy("パッケージID"),
    gettext_lazy("数量"),
    gettext_lazy("取扱者"),
    gettext_lazy("相手方"),
    gettext_lazy("パスワード送付日時"),
    gettext_lazy("パスワード送付者"),
    gettext_lazy("返却・廃棄予定日"),
    gettext_lazy("返却・廃棄日時"),
    gettext_lazy("返却・廃棄の実施者"),
    gettext_lazy("SHA-256"),
]


def ledger_workbook(entries: QuerySet[CustodyLedgerEntry]) -> bytes:
    """The ledger as the ward files it: one row a handoff, Japanese headers."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("管理簿")
    print_ready_sheet(ws, _("管理簿"), [str(h) for h in LEDGER_HEADERS], map(_row, entries))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_pdf(entries: QuerySet[CustodyLedgerEntry], *, made_by: str = "") -> bytes:
    """The ledger as a PDF in Japanese (WeasyPrint with Debian's Noto CJK fonts)."""
    from weasyprint import HTML  # imported here: only the download needs it

    html = render_to_string(
        "privacy/ledger_pdf.html",
        {
            "headers": [str(h) for h in LEDGER_HEADERS[:-1]],
            "rows": [_row(e)[:-1] for e in entries],
            "now": timezone.localtime(),
            "made_by": made_by,
        },
    )
    return bytes(HTML(string=html).write_pdf())
