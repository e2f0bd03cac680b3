"""The audit log viewer and the audit analysis (auditor, ward_admin). Reading either is
itself audited: the checklist wants the logs analysed, and who analysed what is part of
that record."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from saikoku.core.audit import audit_record, client_address
from saikoku.core.audit_analysis import KINDS, analysis_of_period
from saikoku.core.models import AuditAnalysis
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.web.audit_display import detail_parts, object_label
from saikoku.web.audit_report import analysis_pdf, analysis_views, analysis_workbook
from saikoku.web.forms import AuditAnalysisForm, AuditFilterForm
from saikoku.web.selectors import audit_head_seq, audit_log_entries

PAGE_SIZE = 50
# The analysis page: the stored days listed, and the entries shown under one finding
# (the downloads carry them all, the audit log viewer finds the rest).
DAYS_LISTED = 31
ENTRIES_SHOWN = 100


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _upto(request: HttpRequest) -> int:
    """The newest entry the listing shows: the one the first page saw (carried in the
    paging links), else the log's head now."""
    raw = request.GET.get("upto", "")
    if raw.isdigit() and len(raw) < 19:
        return int(raw)
    return audit_head_seq()


@require_GET
@capability_required(Capability.READ_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters: dict = {}
    upto = _upto(request)
    rows: list = []
    if form.is_bound and not form.is_valid():
        page = Paginator([], PAGE_SIZE).get_page(1)  # the errors are shown by the fields
    else:
        data = form.cleaned_data if form.is_bound else {}
        entries = audit_log_entries(
            username=data.get("user") or "",
            action=data.get("action") or "",
            resident_no=data.get("payer") or "",
            since=_start_of(data["date_from"]) if data.get("date_from") else None,
            until=(
                _start_of(data["date_to"] + datetime.timedelta(days=1))
                if data.get("date_to")
                else None
            ),
            upto_seq=upto,
        )
        filters = {k: str(v) for k, v in data.items() if v}
        # get_page: a page number past the end shows the last page, a wrong one the first.
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page", 1))
        # Read now, before this viewing is itself recorded.
        rows = [
            (e, object_label(e.object_type, e.object_id), detail_parts(e.action, e.detail))
            for e in page.object_list
        ]
    audit_record(
        actor=request.user,
        action="audit_view",
        client_addr=client_address(request),
        detail={"filters": filters, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    query["upto"] = str(upto)
    return render(
        request,
        "web/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "first": page.start_index(),
            "last": page.end_index(),
            "querystring": query.urlencode(),
            "nav": "audit",
        },
    )


# --- the analysis ----------------------------------------------------------------------


def _analysis_period(
    request: HttpRequest,
) -> tuple[AuditAnalysisForm, datetime.date, datetime.date]:
    """The period asked for (empty: yesterday; one day given: that day)."""
    form = AuditAnalysisForm(request.GET or None)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    start = data.get("date_from") or data.get("date_to") or yesterday
    end = data.get("date_to") or start
    return form, start, end


@require_GET
@capability_required(Capability.ANALYSE_AUDIT)
def audit_analysis(request: HttpRequest) -> HttpResponse:
    """Every anomaly of a period with the entries behind it; past days as stored by
    the daily run. Looking at the analysis is itself audited."""
    form, start, end = _analysis_period(request)
    valid = not form.is_bound or form.is_valid()
    analysis, stored = analysis_of_period(start, end) if valid else (None, False)
    views = analysis_views(analysis) if analysis is not None else []
    by_kind = [
        (kind, label, [v for v in views if v.finding.kind == kind]) for kind, label in KINDS.items()
    ]
    audit_record(
        actor=request.user,
        action="audit_analysis_view",
        client_addr=client_address(request),
        detail={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "stored": stored,
            "counts": analysis.counts() if analysis is not None else {},
        },
    )
    query = urlencode({"date_from": start.isoformat(), "date_to": end.isoformat()})
    return render(
        request,
        "web/audit_analysis.html",
        {
            "form": form,
            "analysis": analysis,
            "stored": stored,
            "start": start,
            "end": end,
            "by_kind": by_kind,
            "days": [
                (d.day, [d.counts.get(kind, 0) for kind in KINDS], d.computed_at)
                for d in AuditAnalysis.objects.all()[:DAYS_LISTED]
            ],
            "kinds": list(KINDS.items()),
            "query": query,
            "shown": ENTRIES_SHOWN,
            "nav": "audit_analysis",
        },
    )


@require_GET
@capability_required(Capability.ANALYSE_AUDIT)
def audit_analysis_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The analysis of the period as xlsx or PDF for the ward (audited)."""
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    form, start, end = _analysis_period(request)
    if form.is_bound and not form.is_valid():
        raise Http404
    analysis, stored = analysis_of_period(start, end)
    if fmt == "xlsx":
        content = analysis_workbook(analysis)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = analysis_pdf(analysis, made_by=request.user.get_username())
        content_type = "application/pdf"
    audit_record(
        actor=request.user,
        action="audit_analysis_export",
        client_addr=client_address(request),
        detail={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "format": fmt,
            "stored": stored,
            "counts": analysis.counts(),
        },
    )
    response = HttpResponse(content, content_type=content_type)
    name = f"audit-analysis-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
