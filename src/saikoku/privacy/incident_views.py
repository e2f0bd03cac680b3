"""The incident register's pages (インシデント管理簿): the list with its filters and
the xlsx for the ward, a new incident, and one incident with its timeline, where the
actions taken, more payers, the report to the ward and the closing are recorded.

Supervisors and ward admins record (RECORD_INCIDENTS); auditors read
(VIEW_INCIDENTS). Every page that shows the register is audited; the payers of an
incident are named only to a viewer who may open them, and counted for the others.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability, user_can
from saikoku.privacy.incident_forms import (
    IncidentActionForm,
    IncidentCloseForm,
    IncidentFilterForm,
    IncidentForm,
    IncidentPayersForm,
    IncidentReportForm,
)
from saikoku.privacy.incident_register import (
    incident_entries,
    incident_payers_for,
    incident_workbook,
)
from saikoku.privacy.incidents import (
    IncidentChangeRefused,
    PayersNotVisible,
    incident_action_add,
    incident_close,
    incident_create,
    incident_payers_add,
    incident_report,
)
from saikoku.privacy.models import Incident, IncidentStatus

PAGE_SIZE = 50
# The payers of one incident named on its page (each naming is an audited opening).
NAMED_PAYERS = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request: AuthenticatedRequest) -> tuple[IncidentFilterForm, dict[str, Any] | None]:
    """The list's filter form and its cleaned data (None: refused, errors on the form).
    The page number is no filter: a request with only `page` is unfiltered."""
    params = request.GET.copy()
    params.pop("page", None)
    form = IncidentFilterForm(params or None)
    if not form.is_bound:
        return form, {}
    return form, form.cleaned_data if form.is_valid() else None


@require_GET
@capability_required(Capability.VIEW_INCIDENTS)
def incident_list(request: AuthenticatedRequest) -> HttpResponse:
    form, data = _filters(request)
    incidents = incident_entries(data) if data is not None else Incident.objects.none()
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page", 1))
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="incident_list",
            client_addr=client_address(request),
            detail={
                "filters": {k: str(v) for k, v in (data or {}).items() if v},
                "page": page.number,
            },
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/incidents.html",
        {
            "filters": form,
            "page": page,
            "query": query.urlencode(),
            "can_record": user_can(request.user, Capability.RECORD_INCIDENTS),
            "nav": "incidents",
        },
        status=200 if data is not None else 400,
    )


@require_GET
@capability_required(Capability.VIEW_INCIDENTS)
def incident_export(request: AuthenticatedRequest) -> HttpResponse:
    _form, data = _filters(request)
    if data is None:
        return redirect("incident_list")
    incidents = incident_entries(data)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="incident_export",
            client_addr=client_address(request),
            detail={"format": "xlsx", "rows": incidents.count()},
        )
    response = HttpResponse(incident_workbook(incidents), content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="incidents-{stamp}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required(Capability.RECORD_INCIDENTS)
def incident_new(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        now = f"{timezone.localtime():%Y-%m-%dT%H:%M}"
        form = IncidentForm(initial={"occurred_at": now, "found_at": now})
        return render(request, "privacy/incident_new.html", {"form": form, "nav": "incidents"})
    form = IncidentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_create(
                actor=request.user,
                title=data["title"],
                what=data["what"],
                occurred_at=data["occurred_at"],
                found_at=data["found_at"],
                found_by_name=data["found_by_name"],
                found_by_user=data["found_by_user"],
                kind=data["kind"],
                scope=data["scope"],
                severity=data["severity"],
                affected_count=data["affected_count"],
                payer_numbers=data["payers"],
                client_addr=client_address(request),
            )
        except PayersNotVisible as refused:
            form.add_error("payers", _not_visible(refused))
        else:
            messages.success(
                request, _("%(number)s を登録しました。") % {"number": incident.number}
            )
            return redirect("incident_detail", incident_id=incident.pk)
    return render(
        request, "privacy/incident_new.html", {"form": form, "nav": "incidents"}, status=400
    )


def _not_visible(refused: PayersNotVisible) -> str:
    shown = "、".join(refused.numbers[:5])
    more = len(refused.numbers) - 5
    if more > 0:
        shown += _(" ほか%(n)s件") % {"n": more}
    return _("見つからないか、閲覧できない住民番号です: %(numbers)s。番号を確かめてください。") % {
        "numbers": shown
    }


def _detail(
    request: AuthenticatedRequest,
    incident: Incident,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The incident's page; `bound` holds a refused form, shown with its errors in
    place of the empty one, so nothing typed is lost."""
    visible, hidden = incident_payers_for(request.user, incident)
    named = visible[:NAMED_PAYERS]
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="incident_view",
            object_type="incident",
            object_id=str(incident.pk),
            client_addr=client_address(request),
            detail={"residents": len(named), "hidden": hidden},
        )
        # Each payer named here is an opening of their data, in their own trail.
        for payer in named:
            audit_record(
                actor=request.user,
                action="payer_view",
                object_type="resident",
                object_id=payer.resident_no,
                client_addr=client_address(request),
                detail={"purpose": "incident", "incident": incident.pk},
            )
    can_record = (
        user_can(request.user, Capability.RECORD_INCIDENTS)
        and incident.status != IncidentStatus.CLOSED
    )
    forms: dict[str, Any] = {}
    if can_record:
        name = f"{request.user.last_name} {request.user.first_name}".strip()
        by = {"by": name or request.user.get_username()}
        forms = {
            "action_form": IncidentActionForm(incident=incident, initial=by),
            "payers_form": IncidentPayersForm(),
            "report_form": IncidentReportForm(incident=incident, initial=by),
        }
        if incident.status == IncidentStatus.REPORTED:
            forms["close_form"] = IncidentCloseForm(incident=incident, initial=by)
        forms.update(bound or {})
    return render(
        request,
        "privacy/incident.html",
        {
            "incident": incident,
            "actions": incident.actions.select_related("recorded_by"),
            "payers": named,
            "more_payers": len(visible) - len(named),
            "hidden_payers": hidden,
            "can_record": can_record,
            "nav": "incidents",
            **forms,
        },
        status=status,
    )


@require_GET
@capability_required(Capability.VIEW_INCIDENTS)
def incident_detail(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Incident, pk=incident_id))


def _refused(request: AuthenticatedRequest, incident: Incident) -> HttpResponse:
    messages.error(request, _("終結したインシデントには記録できません。"))
    return redirect("incident_detail", incident_id=incident.pk)


@require_POST
@capability_required(Capability.RECORD_INCIDENTS)
def incident_action(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=incident_id)
    form = IncidentActionForm(request.POST, incident=incident)
    if not form.is_valid():
        return _detail(request, incident, bound={"action_form": form}, status=400)
    try:
        incident_action_add(
            incident_id=incident.pk,
            actor=request.user,
            at=form.cleaned_data["at"],
            by=form.cleaned_data["by"],
            text=form.cleaned_data["text"],
            client_addr=client_address(request),
        )
    except IncidentChangeRefused:
        return _refused(request, incident)
    messages.success(request, _("対応記録に追加しました。"))
    return redirect("incident_detail", incident_id=incident.pk)


@require_POST
@capability_required(Capability.RECORD_INCIDENTS)
def incident_payers(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=incident_id)
    form = IncidentPayersForm(request.POST)
    if form.is_valid():
        try:
            added = incident_payers_add(
                incident_id=incident.pk,
                actor=request.user,
                payer_numbers=form.cleaned_data["payers"],
                client_addr=client_address(request),
            )
        except IncidentChangeRefused:
            return _refused(request, incident)
        except PayersNotVisible as refused:
            form.add_error("payers", _not_visible(refused))
        else:
            messages.success(request, _("対象者を%(n)s人追加しました。") % {"n": len(added)})
            return redirect("incident_detail", incident_id=incident.pk)
    return _detail(request, incident, bound={"payers_form": form}, status=400)


@require_POST
@capability_required(Capability.RECORD_INCIDENTS)
def incident_report_view(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=incident_id)
    form = IncidentReportForm(request.POST, incident=incident)
    if not form.is_valid():
        return _detail(request, incident, bound={"report_form": form}, status=400)
    data = form.cleaned_data
    try:
        incident_report(
            incident_id=incident.pk,
            actor=request.user,
            at=data["at"],
            by=data["by"],
            to=data["to"],
            note=data["note"],
            client_addr=client_address(request),
        )
    except IncidentChangeRefused:
        return _refused(request, incident)
    messages.success(request, _("区への報告を記録しました。"))
    return redirect("incident_detail", incident_id=incident.pk)


@require_POST
@capability_required(Capability.RECORD_INCIDENTS)
def incident_close_view(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=incident_id)
    if incident.status != IncidentStatus.REPORTED:
        messages.error(request, _("区へ報告してから終結してください。"))
        return redirect("incident_detail", incident_id=incident.pk)
    form = IncidentCloseForm(request.POST, incident=incident)
    if not form.is_valid():
        return _detail(request, incident, bound={"close_form": form}, status=400)
    try:
        incident_close(
            incident_id=incident.pk,
            actor=request.user,
            at=form.cleaned_data["at"],
            by=form.cleaned_data["by"],
            summary=form.cleaned_data["summary"],
            client_addr=client_address(request),
        )
    except IncidentChangeRefused:
        messages.error(request, _("区へ報告してから終結してください。"))
        return redirect("incident_detail", incident_id=incident.pk)
    messages.success(request, _("インシデントを終結しました。"))
    return redirect("incident_detail", incident_id=incident.pk)
