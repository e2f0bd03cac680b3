"""The custody ledger page: paper and media handed between the ward and the center,
entered by hand; package files and returned-mail batches are written automatically."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability
from saikoku.privacy.forms import PaperCustodyForm
from saikoku.privacy.models import CustodyLedgerEntry
from saikoku.privacy.services import custody_record


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
    entries = CustodyLedgerEntry.objects.select_related("user").order_by("-at", "-pk")[:200]
    return render(
        request,
        "privacy/ledger.html",
        {"form": form, "entries": entries, "nav": "custody"},
        status=400 if request.method == "POST" else 200,
    )
