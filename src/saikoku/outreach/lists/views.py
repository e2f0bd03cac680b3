"""The supervisor's call list pages: build (with live counts), index with progress,
detail with entries, assignment and the ward_admin's contact approval.

Each view: the capability decorator, a form, one service or selector, render or
redirect. Every check that matters (roles, rules) is repeated inside the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability
from saikoku.outreach.lists.forms import (
    ApprovalForm,
    AssignForm,
    CallListFilterForm,
    EntryFilterForm,
)
from saikoku.outreach.lists.selectors import (
    call_list_entries_page,
    call_list_excluded_counts,
    call_list_preview,
    call_list_progress,
    call_lists_with_progress,
    entry_for_approval,
    preview_excluded_rows,
)
from saikoku.outreach.lists.services import (
    call_list_assign,
    call_list_build,
    contact_approval_grant,
)
from saikoku.outreach.models import CallList


@require_GET
@capability_required(Capability.BUILD_LISTS)
def call_list_index(request: AuthenticatedRequest) -> HttpResponse:
    rows = call_lists_with_progress()
    return render(request, "outreach/list_index.html", {"rows": rows, "nav": "lists"})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.BUILD_LISTS)
def call_list_new(request: AuthenticatedRequest) -> HttpResponse:
    """GET: the builder; with htmx, only the live counts. POST: save the list."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = CallListFilterForm(data)
    preview = None
    if form.is_bound and form.is_valid():
        now = timezone.now()
        if request.method == "POST":
            try:
                call_list = call_list_build(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    filters=form.filters(),
                    now=now,
                )
            except ValidationError as error:
                form.add_error("name", error)
            else:
                messages.success(request, _("架電リストを作成しました。"))
                return redirect("call_list_detail", call_list.pk)
        preview = call_list_preview(filters=form.filters(), now=now)
    elif not form.is_bound:
        preview = call_list_preview(filters={}, now=timezone.now())
    context = {
        "form": form,
        "preview": preview,
        "excluded": preview_excluded_rows(preview),
        "nav": "lists",
    }
    if request.htmx:
        return render(request, "outreach/_list_preview.html", context)
    return render(request, "outreach/list_builder.html", context)


@require_GET
@capability_required(Capability.BUILD_LISTS)
def call_list_detail(request: AuthenticatedRequest, list_id: int) -> HttpResponse:
    call_list = get_object_or_404(CallList, pk=list_id)
    return _render_detail(request, call_list, AssignForm())


def _render_detail(
    request: AuthenticatedRequest,
    call_list: CallList,
    assign_form: AssignForm,
    status: int = 200,
) -> HttpResponse:
    # Opens on the entries still to be called; "すべて" or one status on request.
    entry_filter = EntryFilterForm(request.GET)
    page, rows = call_list_entries_page(
        request.user, call_list, statuses=entry_filter.statuses(), page=request.GET.get("page", 1)
    )
    return render(
        request,
        "outreach/list_detail.html",
        {
            "call_list": call_list,
            "progress": call_list_progress([call_list.pk])[call_list.pk],
            "page": page,
            "rows": rows,
            "excluded_counts": call_list_excluded_counts(call_list),
            "assign_form": assign_form,
            "entry_filter": entry_filter,
            "status": entry_filter["status"].value() or "",
            "nav": "lists",
        },
        status=status,
    )


@require_POST
@capability_required(Capability.BUILD_LISTS)
def call_list_assign_view(request: AuthenticatedRequest, list_id: int) -> HttpResponse:
    call_list = get_object_or_404(CallList, pk=list_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            assigned = call_list_assign(
                actor=request.user,
                call_list=call_list,
                count=form.cleaned_data["count"],
                operator=form.cleaned_data["operator"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(n)s 件を割り当てました。") % {"n": assigned})
            return redirect("call_list_detail", call_list.pk)
    return _render_detail(request, call_list, form, status=400)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.APPROVE_CONTACT)
def contact_approve(request: AuthenticatedRequest, list_id: int, entry_id: int) -> HttpResponse:
    """A ward_admin approves contacting one excluded payer despite one rule."""
    entry, rules = entry_for_approval(request.user, list_id, entry_id)
    form = ApprovalForm(request.POST if request.method == "POST" else None, rules=rules)
    if form.is_bound and form.is_valid():
        contact_approval_grant(
            actor=request.user,
            payer_id=entry.payer_id,
            rule=form.cleaned_data["rule"],
            reason=form.cleaned_data["reason"],
            valid_until=form.cleaned_data["valid_until"],
        )
        messages.success(request, _("接触を承認しました。"))
        return redirect("call_list_detail", list_id)
    return render(
        request,
        "outreach/contact_approve.html",
        {"entry": entry, "form": form, "nav": "lists"},
        status=400 if form.is_bound else 200,
    )
