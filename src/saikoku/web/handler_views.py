"""The ward_admin's handler pages (取扱責任者・取扱者): the list on any day and its
xlsx, adding, changing, disabling and re-enabling a handler, resetting their second
factor. Every change goes through one service of core/handlers.py or core/mfa.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.core.audit import audit_record, client_address
from saikoku.core.handler_export import field_label, handler_list_workbook
from saikoku.core.handlers import (
    HANDLER_FIELDS,
    handler_change,
    handler_changes,
    handler_create,
    handler_disable,
    handler_enable,
    handlers_as_of,
)
from saikoku.core.lockout import lockout_unlock, user_lockouts
from saikoku.core.mfa import device_status, mfa_device_reset
from saikoku.core.models import User
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.web.handler_forms import AsOfForm, HandlerCreateForm, HandlerForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EDITABLE = [name for name in HANDLER_FIELDS if name != "username"]


def _as_of(request: HttpRequest) -> tuple[AsOfForm, object]:
    form = AsOfForm(request.GET if "on" in request.GET else None)
    today = timezone.localdate()
    if form.is_bound:
        return form, (form.cleaned_data["on"] or today) if form.is_valid() else None
    return form, today


@require_GET
@capability_required(Capability.MANAGE_HANDLERS)
def handler_list(request: HttpRequest) -> HttpResponse:
    """The list on a day (today by default) and its changes up to that day."""
    form, on = _as_of(request)
    rows = handlers_as_of(on) if on else []  # type: ignore[arg-type]
    changes = handler_changes(until_day=on, limit=50) if on else []  # type: ignore[arg-type]
    return render(
        request,
        "handlers/list.html",
        {
            "form": form,
            "on": on,
            "rows": rows,
            "changes": [(c, [field_label(f) for f in c.fields]) for c in changes],
            "is_today": on == timezone.localdate(),
            "nav": "handlers",
        },
    )


@require_GET
@capability_required(Capability.MANAGE_HANDLERS)
def handler_export(request: HttpRequest) -> HttpResponse:
    _form, on = _as_of(request)
    if on is None:
        return redirect("handler_list")
    content = handler_list_workbook(on)  # type: ignore[arg-type]
    audit_record(
        actor=request.user,
        action="handler_list_export",
        object_type="handler_list",
        object_id=on.isoformat(),  # type: ignore[attr-defined]
        client_addr=client_address(request),
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"handlers-{on:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_HANDLERS)
def handler_new(request: HttpRequest) -> HttpResponse:
    form = HandlerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = handler_create(
            actor=request.user,  # type: ignore[arg-type]
            values={name: data.get(name) for name in HANDLER_FIELDS},
            password=data["password"],
            client_addr=client_address(request),
        )
        messages.success(
            request,
            _("%(name)s を登録しました。最初のログインで認証アプリを登録します。")
            % {"name": user.username},
        )
        return redirect("handler_edit", user_id=user.pk)
    return render(request, "handlers/form.html", {"form": form, "nav": "handlers", "handler": None})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_HANDLERS)
def handler_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    handler = get_object_or_404(User, pk=user_id)
    initial = {name: getattr(handler, name) for name in EDITABLE}
    form = HandlerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = handler_change(
            actor=request.user,  # type: ignore[arg-type]
            user=handler,
            values={name: form.cleaned_data.get(name) or _empty(name) for name in EDITABLE},
            client_addr=client_address(request),
        )
        if changed:
            messages.success(request, _("変更を保存しました。"))
        return redirect("handler_edit", user_id=handler.pk)
    return render(
        request,
        "handlers/form.html",
        {
            "form": form,
            "handler": handler,
            "device": device_status(handler),
            "lockouts": user_lockouts(handler),
            "nav": "handlers",
        },
    )


def _empty(name: str) -> object:
    # An emptied date is None; an emptied text field is "".
    return None if name.startswith("valid_") else ""


@require_POST
@capability_required(Capability.MANAGE_HANDLERS)
def handler_disable_view(request: HttpRequest, user_id: int) -> HttpResponse:
    handler = get_object_or_404(User, pk=user_id)
    if handler.pk == request.user.pk:
        messages.error(request, _("自分自身は無効にできません。"))
    else:
        handler_disable(actor=request.user, user=handler, client_addr=client_address(request))  # type: ignore[arg-type]
        messages.success(
            request,
            _("%(name)s を無効にしました。ログイン中のセッションは終了しました。")
            % {"name": handler.username},
        )
    return redirect("handler_edit", user_id=handler.pk)


@require_POST
@capability_required(Capability.MANAGE_HANDLERS)
def handler_enable_view(request: HttpRequest, user_id: int) -> HttpResponse:
    handler = get_object_or_404(User, pk=user_id)
    handler_enable(actor=request.user, user=handler, client_addr=client_address(request))  # type: ignore[arg-type]
    messages.success(request, _("%(name)s を再び有効にしました。") % {"name": handler.username})
    return redirect("handler_edit", user_id=handler.pk)


@require_POST
@capability_required(Capability.MANAGE_HANDLERS)
def handler_device_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """A lost phone: the handler enrols a new authenticator at the next login."""
    handler = get_object_or_404(User, pk=user_id)
    mfa_device_reset(actor=request.user, user=handler, client_addr=client_address(request))  # type: ignore[arg-type]
    messages.success(
        request,
        _("%(name)s の認証アプリと回復コードをリセットしました。次のログインで登録し直します。")
        % {"name": handler.username},
    )
    return redirect("handler_edit", user_id=handler.pk)


@require_POST
@capability_required(Capability.MANAGE_HANDLERS)
def handler_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    """Lifts the handler's login lock (too many failed logins) before its cool-off."""
    handler = get_object_or_404(User, pk=user_id)
    lockout_unlock(actor=request.user, user=handler, client_addr=client_address(request))
    messages.success(
        request, _("%(name)s のログインのロックを解除しました。") % {"name": handler.username}
    )
    return redirect("handler_edit", user_id=handler.pk)
