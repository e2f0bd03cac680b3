"""The custody ledger page: paper and media handed between the ward and the center,
entered by hand (package files and returned-mail batches are written automatically);
the later delivery of a password and the return or destruction of media, recorded on
their entry; the ledger for the ward as xlsx and PDF."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability
from saikoku.privacy.forms import LedgerDoneForm, LedgerFilterForm, PaperCustodyForm
from saikoku.privacy.ledger import ledger_entries, ledger_pdf, ledger_workbook
from saikoku.privacy.models import CustodyLedgerEntry
from saikoku.privacy.services import (
    LedgerChangeRefused,
    custody_close,
    custody_password_delivered,
    custody_record,
)

PAGE_ROWS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_http_methods(["GET", "POST"])
@capability_required(Capability.RECORD_CUSTODY)
def ledger(request: AuthenticatedRequest) -> HttpResponse:
    form = PaperCustodyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic(durable=True):
            entry = custody_record(
                direction=data["direction"],
                actor=request.user,
                handler=data["handler"],
                package_id="",
                content=data["content"],
                files=[],
                sha256="",
                medium=data["medium"],
                quantity=data["quantity"],
                quantity_unit=data["quantity_unit"],
                counterpart=data["counterpart"],
                return_or_destroy_on=data["return_or_destroy_on"],
                at=data["at"],
            )
            audit_record(
                actor=request.user,
                action="custody_record",
                object_type="custody_entry",
                object_id=str(entry.pk),
                client_addr=client_address(request),
                detail={"medium": entry.medium, "quantity": entry.total_rows},
            )
        messages.success(request, _("管理簿に記録しました。"))
        return redirect("custody_ledger")
    return _ledger_page(request, form, status=400 if request.method == "POST" else 200)


def _ledger_page(
    request: AuthenticatedRequest, form: PaperCustodyForm, *, status: int
) -> HttpResponse:
    filters = LedgerFilterForm(request.GET or None)
    valid = filters.is_valid() if request.GET else True
    entries = ledger_entries(filters.cleaned_data if request.GET and valid else {})
    return render(
        request,
        "privacy/ledger.html",
        {
            "form": form,
            "filters": filters,
            "entries": entries[:PAGE_ROWS] if valid else [],
            "count": entries.count() if valid else 0,
            "page_rows": PAGE_ROWS,
            "done_form": LedgerDoneForm(initial={"at": f"{timezone.localtime():%Y-%m-%dT%H:%M}"}),
            "query": request.GET.urlencode(),
            "nav": "custody",
        },
        status=status if valid else 400,
    )


@require_GET
@capability_required(Capability.RECORD_CUSTODY)
def ledger_export(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    if kind not in ("xlsx", "pdf"):
        raise Http404
    filters = LedgerFilterForm(request.GET or None)
    if request.GET and not filters.is_valid():
        return redirect("custody_ledger")
    entries = ledger_entries(filters.cleaned_data if request.GET else {})
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="custody_export",
            client_addr=client_address(request),
            detail={"format": kind, "rows": entries.count()},
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    if kind == "xlsx":
        response = HttpResponse(ledger_workbook(entries), content_type=XLSX)
    else:
        response = HttpResponse(
            ledger_pdf(entries, made_by=request.user.get_username()),
            content_type="application/pdf",
        )
    response["Content-Disposition"] = f'attachment; filename="kanribo-{stamp}.{kind}"'
    return response


@require_POST
@capability_required(Capability.RECORD_CUSTODY)
def ledger_done(request: AuthenticatedRequest, entry_id: int, what: str) -> HttpResponse:
    """Records on an entry: the password delivered (`password`) or the paper and media
    returned or destroyed (`closed`)."""
    record = {"password": custody_password_delivered, "closed": custody_close}.get(what)
    if record is None or not CustodyLedgerEntry.objects.filter(pk=entry_id).exists():
        raise Http404
    form = LedgerDoneForm(request.POST)
    if not form.is_valid():
        for field in form:
            for error in field.errors:
                messages.error(request, f"{field.label}: {error}")
        return _ledger_page(request, PaperCustodyForm(), status=400)
    try:
        record(
            entry_id=entry_id,
            at=form.cleaned_data["at"],
            by=form.cleaned_data["by"],
            actor=request.user,
            client_addr=client_address(request),
        )
    except LedgerChangeRefused:
        messages.error(request, _("この記録にはすでに記録されているか、記録の対象ではありません。"))
    else:
        messages.success(request, _("管理簿に記録しました。"))
    return redirect("custody_ledger")
