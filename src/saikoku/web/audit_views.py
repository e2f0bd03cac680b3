"""The audit log viewer (auditor, ward_admin). Reading the log is itself audited:
the checklist wants the logs analysed, and who analysed what is part of that record."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.web.audit_display import detail_parts, object_label
from saikoku.web.forms import AuditFilterForm
from saikoku.web.selectors import audit_head_seq, audit_log_entries

PAGE_SIZE = 50


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
