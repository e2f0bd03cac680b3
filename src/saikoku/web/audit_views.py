"""The audit log viewer (auditor, ward_admin). Reading the log is itself audited:
the checklist wants the logs analysed, and who analysed what is part of that record."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from saikoku.core.audit import audit_entries, audit_record, client_address
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.web.forms import AUDIT_ACTIONS, AuditFilterForm

PAGE_SIZE = 50


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@require_GET
@capability_required(Capability.READ_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters: dict = {}
    entries = audit_entries().none()
    if form.is_bound and not form.is_valid():
        pass  # the errors are shown next to the fields; nothing is listed
    else:
        data = form.cleaned_data if form.is_bound else {}
        user_id: int | None = None
        if data.get("user"):
            # An unknown name matches nobody, rather than silently listing everyone.
            user_id = (
                get_user_model()
                .objects.filter(username=data["user"])
                .values_list("pk", flat=True)
                .first()
            ) or 0
        since = _start_of(data["date_from"]) if data.get("date_from") else None
        until = (
            _start_of(data["date_to"] + datetime.timedelta(days=1)) if data.get("date_to") else None
        )
        entries = audit_entries(
            user_id=user_id, action=data.get("action") or None, since=since, until=until
        ).select_related(None)
        filters = {k: str(v) for k, v in data.items() if v}
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page", 1))
    audit_record(
        actor=request.user,
        action="audit_view",
        client_addr=client_address(request),
        detail={"filters": filters, "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit_log.html",
        {
            "form": form,
            "page": page,
            "actions": AUDIT_ACTIONS,
            "querystring": query.urlencode(),
            "nav": "audit",
        },
    )
