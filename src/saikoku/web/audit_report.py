"""The audit analysis (core/audit_analysis.py) as people read it: every finding with
the entries behind it, for the analysis page, the xlsx workbook and the PDF report.

The findings name entries by seq; the entries are read here, in pages, and described
with the audit log's own words (web/audit_display.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from saikoku.core.audit import ACTIONS
from saikoku.core.audit_analysis import KINDS, TOKYO, Analysis, Finding
from saikoku.core.handler_export import print_ready_sheet
from saikoku.core.models import AuditEntry
from saikoku.outreach.calls.forms import PURPOSES
from saikoku.web.audit_display import PAGE_PURPOSES, detail_parts, object_label

__all__ = [
    "REPORT_HEADERS",
    "EntryLine",
    "FindingView",
    "analysis_pdf",
    "analysis_views",
    "analysis_workbook",
    "finding_summary",
]

REPORT_HEADERS = [
    gettext_lazy("種別"),
    gettext_lazy("内容"),
    gettext_lazy("seq"),
    gettext_lazy("日時"),
    gettext_lazy("利用者"),
    gettext_lazy("操作"),
    gettext_lazy("対象"),
    gettext_lazy("接続元"),
    gettext_lazy("詳細"),
]
_PAGE = 1000


@dataclass(frozen=True)
class EntryLine:
    seq: int
    at: dt.datetime
    username: str
    action: str
    action_label: str
    target: str
    client_addr: str
    detail: str
    viewer_url: str


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    kind_label: str
    summary: str
    entries: list[EntryLine]


def _local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(TOKYO)


def finding_summary(finding: Finding) -> str:
    """One line saying what was found, in Japanese."""
    note = finding.note
    if finding.kind == "off_hours":
        return _("%(day)s 勤務時間外の記録 %(entries)d件") % {
            "day": note.get("day", ""),
            "entries": int(note.get("entries", len(finding.seqs))),
        }
    if finding.kind == "many_payers":
        hour = dt.datetime.fromisoformat(note["hour"]) if note.get("hour") else finding.at
        return _("%(hour)s台に%(payers)d人の納付義務者を閲覧") % {
            "hour": _local(hour).strftime("%Y-%m-%d %H時"),
            "payers": int(note.get("payers", 0)),
        }
    if finding.kind == "no_work":
        purpose = str(note.get("purpose", ""))
        return _("住民番号 %(no)s（閲覧の理由: %(purpose)s）") % {
            "no": note.get("resident_no", ""),
            "purpose": _purpose_label(purpose),
        }
    if finding.kind == "caution_view":
        return _("住民番号 %(no)s") % {"no": note.get("resident_no", "")}
    action = str(note.get("action", ""))
    label = str(ACTIONS.get(action, action))
    if finding.kind == "failed_login" and note.get("client_addr"):
        return f"{label}（{note['client_addr']}）"
    return label


def _purpose_label(purpose: str) -> str:
    labels = {**dict(PURPOSES), **PAGE_PURPOSES}
    return str(labels.get(purpose, purpose))


def _viewer_url(entry: AuditEntry) -> str:
    """The audit log viewer filtered to this entry's user, action and day (and payer)."""
    day = _local(entry.at).date().isoformat()
    query: dict[str, str] = {"action": entry.action, "date_from": day, "date_to": day}
    if entry.username:
        query["user"] = entry.username
    if entry.object_type == "resident":
        query["payer"] = entry.object_id
    return reverse("audit_log") + "?" + urlencode(query)


def _entries(seqs: list[int]) -> dict[int, AuditEntry]:
    found: dict[int, AuditEntry] = {}
    for i in range(0, len(seqs), _PAGE):
        for entry in AuditEntry.objects.filter(seq__in=seqs[i : i + _PAGE]):
            found[entry.seq] = entry
    return found


def _line(entry: AuditEntry) -> EntryLine:
    parts = detail_parts(entry.action, entry.detail)
    return EntryLine(
        seq=entry.seq,
        at=_local(entry.at),
        username=entry.username,
        action=entry.action,
        action_label=str(ACTIONS.get(entry.action, entry.action)),
        target=object_label(entry.object_type, entry.object_id),
        client_addr=entry.client_addr,
        detail="、".join(f"{p.label}: {p.value}" for p in parts),
        viewer_url=_viewer_url(entry),
    )


def analysis_views(analysis: Analysis, *, kind: str | None = None) -> list[FindingView]:
    """Every finding (of one kind, or all) with its entries, in the order of KINDS."""
    chosen = [k for k in KINDS if kind in (None, k)]
    findings = [f for k in chosen for f in analysis.findings[k]]
    entries = _entries(sorted({s for f in findings for s in f.seqs}))
    return [
        FindingView(
            finding=f,
            kind_label=str(KINDS[f.kind]),
            summary=finding_summary(f),
            entries=[_line(entries[s]) for s in f.seqs if s in entries],
        )
        for f in findings
    ]


def _period(analysis: Analysis) -> str:
    if analysis.start == analysis.end:
        return analysis.start.isoformat()
    return f"{analysis.start.isoformat()} 〜 {analysis.end.isoformat()}"


def analysis_workbook(analysis: Analysis) -> bytes:
    """The workbook: a sheet of counts per kind, then one row per entry behind each
    finding (Japanese headers, frozen header row, A4 landscape)."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    title = _("監査ログの分析") + " " + _period(analysis)
    summary.title = _("件数")
    counts = analysis.counts()
    print_ready_sheet(
        summary,
        title,
        [_("種別"), _("件数")],
        ([str(label), str(counts[kind])] for kind, label in KINDS.items()),
    )
    detail = wb.create_sheet(_("内訳"))
    rows: list[list[Any]] = []
    for view in analysis_views(analysis):
        for line in view.entries:
            rows.append(
                [
                    view.kind_label,
                    view.summary,
                    str(line.seq),
                    line.at.strftime("%Y-%m-%d %H:%M:%S"),
                    line.username,
                    line.action_label,
                    line.target,
                    line.client_addr,
                    line.detail,
                ]
            )
    print_ready_sheet(detail, title, [str(h) for h in REPORT_HEADERS], rows)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def analysis_pdf(analysis: Analysis, *, made_by: str = "") -> bytes:
    """The report as a PDF in Japanese (WeasyPrint with Debian's Noto CJK fonts)."""
    from weasyprint import HTML  # imported here: only the downloads need it

    html = render_to_string(
        "web/audit_analysis_pdf.html",
        {
            "analysis": analysis,
            "period": _period(analysis),
            "counts": [(label, analysis.counts()[kind]) for kind, label in KINDS.items()],
            "views": analysis_views(analysis),
            "rules": analysis.rules,
            "now": timezone.localtime(),
            "made_by": made_by,
        },
    )
    return bytes(HTML(string=html).write_pdf())
