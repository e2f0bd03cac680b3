"""The ward administrator's download of the results package.

POST builds the package and answers with the password, shown once on that page and
nowhere else, and a one-time link (services.results_export_stage); the link hands the
file out once (services.results_export_take).
"""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability
from saikoku.outreach.results.forms import ResultsExportForm
from saikoku.outreach.results.services import (
    LINK_SECONDS,
    exports_purge_expired,
    results_export_stage,
    results_export_take,
)


@capability_required(Capability.EXPORT_RESULTS)
@require_http_methods(["GET", "POST"])
def results_export_page(request: AuthenticatedRequest) -> HttpResponse:
    form = ResultsExportForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "nav": "results_export"}
    if request.method == "POST" and form.is_valid():
        staged = results_export_stage(
            actor=request.user,
            since=form.cleaned_data["since"],
            client_addr=client_address(request),
        )
        context.update(result=staged.result, token=staged.token, link_minutes=LINK_SECONDS // 60)
    else:
        exports_purge_expired()
    return render(request, "outreach/results_export.html", context)


@capability_required(Capability.EXPORT_RESULTS)
@require_GET
def results_download(request: AuthenticatedRequest, token: str) -> FileResponse:
    handle, package_id = results_export_take(
        actor=request.user, token=token, client_addr=client_address(request)
    )
    return FileResponse(handle, as_attachment=True, filename=f"{package_id}.zip")
