"""The ward administrator's download of the results package.

POST builds the package and answers with the password, shown once on that page and
nowhere else, and a one-time link. The file waits under DATA_DIR/exports/ for an hour at
most and is deleted when downloaded. Its name is derived from the link's random token
and the user's id, so the link works only for the user who made the package and
nothing on disk says where a token leads.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.outreach.export import results_export
from saikoku.outreach.export_forms import ResultsExportForm

LINK_SECONDS = 60 * 60


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def _stem(user_id: int, token: str) -> str:
    return hashlib.sha256(f"{user_id}:{token}".encode()).hexdigest()


def purge_expired(*, now: float | None = None) -> int:
    """Deletes packages whose link has expired; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    folder = exports_dir()
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        try:
            if now - path.stat().st_mtime > LINK_SECONDS:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # taken or purged by a concurrent request
    return removed


@capability_required(Capability.EXPORT_RESULTS)
@require_http_methods(["GET", "POST"])
def results_export_page(request: HttpRequest) -> HttpResponse:
    purge_expired()
    form = ResultsExportForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "nav": "results_export"}
    if request.method == "POST" and form.is_valid():
        token = secrets.token_urlsafe(32)
        folder = exports_dir()
        folder.mkdir(parents=True, exist_ok=True)
        # The package id is known only once written: write under a temporary name.
        staging = folder / f"{_stem(request.user.pk, token)}.partial"
        result = results_export(
            actor=request.user,
            path=staging,
            since=form.cleaned_data["since"],
            client_addr=client_address(request),
        )
        final = folder / f"{_stem(request.user.pk, token)}--{result.package_id}.zip"
        staging.rename(final)
        context.update(result=result, token=token, link_minutes=LINK_SECONDS // 60)
    return render(request, "outreach/results_export.html", context)


@capability_required(Capability.EXPORT_RESULTS)
@require_GET
def results_download(request: HttpRequest, token: str) -> FileResponse:
    purge_expired()
    stem = _stem(request.user.pk, token)
    matches = sorted(exports_dir().glob(f"{stem}--*.zip")) if exports_dir().is_dir() else []
    if not matches:
        raise Http404
    path = matches[0]
    package_id = path.name.split("--", 1)[1].removesuffix(".zip")
    # Claim the file by renaming it: of two simultaneous clicks, only one gets it.
    taken = path.with_name(f"{stem}.taken-{secrets.token_hex(4)}")
    try:
        path.rename(taken)
    except FileNotFoundError:
        raise Http404 from None
    handle = taken.open("rb")
    # Unlinked while open: the response still streams it, and no copy stays on disk.
    os.unlink(taken)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="export",
            object_type="package",
            object_id=package_id,
            client_addr=client_address(request),
            detail={"kind": "results", "step": "download"},
        )
    return FileResponse(handle, as_attachment=True, filename=f"{package_id}.zip")
