"""The operator's call screen (CONSOLE.md): identity, payer, outcome, in three columns.

Identity is a server-side state: the POST that confirms it is stored in the session
for this payer and this lock; amounts are rendered only when that state says so,
never because of a form field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability
from saikoku.outreach.calls.dialer import dial
from saikoku.outreach.calls.forms import IdentityForm, OutcomeForm
from saikoku.outreach.calls.selectors import WorkItem, call_screen, current_work, operator_day
from saikoku.outreach.calls.services import call_next, call_release
from saikoku.outreach.models import ContactSettings
from saikoku.outreach.outcomes import outcome_choices
from saikoku.outreach.records.services import contact_record_create
from saikoku.outreach.rules import format_when, next_open_at

SESSION_KEY = "call_identity"


def _lock_token(work: WorkItem) -> str:
    return f"{work.payer_id}:{work.locked_until.isoformat()}"


def identity_mark(request: HttpRequest, token: str, *, key: str = SESSION_KEY) -> None:
    """Records in the session that identity was confirmed for `token` (a lock, an
    inbound call); one token per key, so a new one replaces the last."""
    request.session[key] = token


def identity_marked(request: HttpRequest, token: str, *, key: str = SESSION_KEY) -> bool:
    """Whether the server recorded identity as confirmed for `token`."""
    return request.session.get(key) == token


def identity_confirmed(request: HttpRequest, work: WorkItem | None) -> bool:
    """The identity state of this lock, as the server recorded it."""
    return work is not None and identity_marked(request, _lock_token(work))


def _render_screen(
    request: AuthenticatedRequest,
    work: WorkItem,
    *,
    form: OutcomeForm | None = None,
    identity_form: IdentityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    verified = identity_confirmed(request, work)
    context: dict[str, Any] = {
        **call_screen(request.user, work, identity_verified=verified, request=request),
        "work": work,
        "choices": outcome_choices(identity_verified=verified),
        "form": form or OutcomeForm(),
        "identity_form": identity_form or IdentityForm(),
        "dialer": settings.SAIKOKU_DIALER,
        "nav": "calls",
    }
    return render(request, "outreach/call_screen.html", context, status=status)


@never_cache
@require_GET
@capability_required(Capability.CALL)
def screen(request: AuthenticatedRequest) -> HttpResponse:
    now = timezone.now()
    work = current_work(actor=request.user, now=now)
    if work is None:
        return render(
            request,
            "outreach/call_idle.html",
            {**operator_day(request.user, now=now), "nav": "calls"},
        )
    return _render_screen(request, work)


def _claim_next(
    request: AuthenticatedRequest, now: dt.datetime, contact_settings: ContactSettings | None = None
) -> WorkItem | None:
    """Claims the operator's next payer; when there is none, says why on the idle
    screen (outside the contact hours: when calling opens again)."""
    work = call_next(actor=request.user, now=now, contact_settings=contact_settings)
    if work is None:
        opens = next_open_at(now)
        if opens is not None and opens > now:
            message = _("連絡可能時間外です。%(when)s から架電できます。")
            messages.info(request, message % {"when": format_when(opens)})
        else:
            messages.info(request, _("いま架電できる対象はありません。"))
    return work


@require_POST
@capability_required(Capability.CALL)
def next_payer(request: AuthenticatedRequest) -> HttpResponse:
    _claim_next(request, timezone.now())
    return redirect("call_screen")


@require_POST
@capability_required(Capability.CALL)
def identity(request: AuthenticatedRequest) -> HttpResponse:
    work = current_work(actor=request.user, now=timezone.now())
    if work is None:
        return redirect("call_screen")
    form = IdentityForm(request.POST)
    if form.is_valid():
        identity_mark(request, _lock_token(work))
        return redirect("call_screen")
    return _render_screen(request, work, identity_form=form, status=400)


@require_POST
@capability_required(Capability.CALL)
def record(request: AuthenticatedRequest) -> HttpResponse:
    """Saves the outcome and opens the next payer at once (the center's whole day is
    this loop): the save, then the claim of "Next", then a redirect to the screen,
    which shows the next payer, or the idle screen saying why there is none."""
    now = timezone.now()
    contact_settings = ContactSettings.current()
    work = current_work(actor=request.user, now=now, contact_settings=contact_settings)
    if work is None:
        messages.error(
            request, _("ロックの有効時間が過ぎました。「次へ」から対象を取り直してください。")
        )
        return redirect("call_screen")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            contact_record_create(
                actor=request.user,
                payer_id=work.payer_id,
                said=form.call_outcome(),
                identity_verified=identity_confirmed(request, work),
                now=now,
                client_addr=client_address(request),
                contact_settings=contact_settings,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("記録しました。"))
            _claim_next(request, now, contact_settings)
            return redirect("call_screen")
    return _render_screen(request, work, form=form, status=400)


@require_POST
@capability_required(Capability.CALL)
def release(request: AuthenticatedRequest) -> HttpResponse:
    call_release(actor=request.user)
    request.session.pop(SESSION_KEY, None)
    return redirect("call_screen")


@require_POST
@capability_required(Capability.CALL)
def dial_view(request: AuthenticatedRequest) -> HttpResponse:
    """Dials through the configured dialer (Asterisk AMI); the tel: dialer is a link."""
    work = current_work(actor=request.user, now=timezone.now())
    if work is None:
        return redirect("call_screen")
    result = dial(
        actor=request.user,
        phone_e164=request.POST.get("phone_e164", ""),
        payer_id=work.payer_id,
        client_addr=client_address(request),
    )
    if result.ok:
        messages.success(request, _("発信しました。"))
    else:
        messages.error(request, result.message)
    return redirect("call_screen")
