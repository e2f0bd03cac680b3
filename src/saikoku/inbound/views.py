"""The inbound pages: the phone system's webhook, the operator's screen pop and call
page, the ward staff's transfers, the supervisor's board.

The screen pop is a long-poll: the page asks a tiny endpoint that waits on the server
(inbound/wakeup.py) until the operator's call changes, then answers with the pop; 204
when the wait ends with nothing new, and the page asks again at once
(bench/screen_pop_bench.py measures the time from the `answered` POST to the payer's
name on screen). SAIKOKU_POP_WAIT_SECONDS=0 turns it back into polling every 500 ms.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required, payer_for_user
from saikoku.core.roles import Capability
from saikoku.inbound.forms import ChoosePayerForm, TaskRequestForm, TransferForm
from saikoku.inbound.models import InboundCall
from saikoku.inbound.selectors import (
    board,
    call_for_user,
    call_matches,
    current_call,
    current_transfer,
    department_transfers,
    payment_guidance,
    transfer_for_user,
)
from saikoku.inbound.services import (
    call_event_apply,
    cti_event_accept,
    event_from_json,
    inbound_call_record,
    inbound_payer_choose,
    inbound_task_request,
    transfer_accept,
    transfer_request,
    transfers_expire,
)
from saikoku.inbound.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER
from saikoku.inbound.wakeup import wait_until
from saikoku.outreach.calls.forms import IdentityForm, OutcomeForm
from saikoku.outreach.calls.views import identity_mark, identity_marked
from saikoku.outreach.outcomes import outcome_choices
from saikoku.outreach.records.selectors import unpaid_balance
from saikoku.people.selectors import search_payers

logger = logging.getLogger(__name__)

IDENTITY_KEY = "inbound_identity"


# --- the phone system ---------------------------------------------------------------


@csrf_exempt  # a machine's POST: the signature, not a session, says who sent it
@require_POST
def cti_events(request: HttpRequest) -> HttpResponse:
    """POST /cti/events: one signed event from the PBX (docs/inbound.md)."""
    body = request.body
    problem = cti_event_accept(
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        body=body,
    )
    if problem:
        logger.warning("CTI event refused (%s) from %s", problem, client_address(request))
        return HttpResponse(status=401)
    try:
        event = event_from_json(body)
    except ValueError as error:
        logger.warning("CTI event unreadable: %s", error)
        return HttpResponse(str(error), status=400, content_type="text/plain")
    call_event_apply(event=event, source="webhook")
    return HttpResponse(status=204)


# --- the operator ----------------------------------------------------------------


def _identity_token(call: InboundCall) -> str:
    # Per call and per payer: choosing another payer on the same call asks again.
    return f"inbound:{call.pk}:{call.payer_id}"


def _poll() -> dict[str, Any]:
    """How the pop fragments ask again: a long-poll re-issued at once (htmx queues the
    next tick while one waits), or plain polling when waiting is off."""
    waits = settings.SAIKOKU_POP_WAIT_SECONDS > 0
    return {"poll_wait": waits, "poll_every": "100ms" if waits else "500ms"}


def _waited(request: AuthenticatedRequest, current: Any, shown: str) -> Any:
    """The user's current item (`current(user)`), after waiting for it to differ from
    the one shown when the request asks to wait (wait=1)."""
    found = current(request.user)
    if str(found or "") != shown or request.GET.get("wait") != "1":
        return found

    def changed() -> bool:
        nonlocal found
        found = current(request.user)
        return str(found or "") != shown

    wait_until(request.user.pk, changed, seconds=settings.SAIKOKU_POP_WAIT_SECONDS)
    return found


@never_cache
@require_GET
@capability_required(Capability.ANSWER_INBOUND)
def screen(request: AuthenticatedRequest) -> HttpResponse:
    """The operator's inbound page: it waits for the next call at their extension."""
    return render(
        request,
        "inbound/screen.html",
        {"call_id": current_call(request.user), "nav": "inbound", **_poll()},
    )


@never_cache
@require_GET
@capability_required(Capability.ANSWER_INBOUND)
def pop(request: AuthenticatedRequest) -> HttpResponse:
    """The pop: 204 while the call shown is still the current one (after waiting for a
    change, with wait=1); else the pop of the current call."""
    shown = request.GET.get("shown", "")
    call_id = _waited(request, current_call, shown)
    if str(call_id or "") == shown:
        return HttpResponse(status=204)
    context: dict[str, Any] = {"call": None, "matches": None, **_poll()}
    if call_id is not None:
        call = call_for_user(request.user, call_id)
        context = {
            "call": call,
            "matches": call_matches(request.user, call, client_addr=client_address(request)),
            **_poll(),
        }
    return render(request, "inbound/_pop.html", context)


def _render_call(
    request: AuthenticatedRequest,
    call: InboundCall,
    *,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    verified = call.payer_id is not None and identity_marked(
        request, _identity_token(call), key=IDENTITY_KEY
    )
    query = request.GET.get("q", "")[:200]
    context: dict[str, Any] = {
        "call": call,
        "verified": verified,
        "nav": "inbound",
        "identity_form": forms.get("identity_form") or IdentityForm(),
        "form": forms.get("form") or OutcomeForm(),
        "transfer_form": forms.get("transfer_form") or TransferForm(),
        "task_form": forms.get("task_form") or TaskRequestForm(),
        "choices": outcome_choices(identity_verified=verified),
        "query": query,
    }
    if call.payer_id is None:
        # A typed search, else the payers of the caller's number (none when withheld).
        found = (
            search_payers(request.user, query, client_addr=client_address(request))
            if query
            else call_matches(request.user, call, client_addr=client_address(request))
        )
        context["rows"] = found.rows if found is not None else []
    else:
        context["resident"] = payer_for_user(
            request.user, call.payer_id, purpose="inbound_call", request=request
        )
        if verified:
            levies = sorted(unpaid_balance(call.payer_id))
            context["guidance"] = payment_guidance(levies)
    return render(request, "inbound/call.html", context, status=status)


@never_cache
@require_GET
@capability_required(Capability.ANSWER_INBOUND)
def call_page(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    return _render_call(request, call_for_user(request.user, call_id))


def _form_errors(form: forms.Form) -> str:
    """A refused form's errors as one message for the page the view redirects to."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@capability_required(Capability.ANSWER_INBOUND)
def choose(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    call = call_for_user(request.user, call_id)
    form = ChoosePayerForm(request.POST)
    if form.is_valid():
        inbound_payer_choose(
            actor=request.user,
            call=call,
            payer_id=form.cleaned_data["payer"],
            client_addr=client_address(request),
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect("inbound_call", call_id=call.pk)


@require_POST
@capability_required(Capability.ANSWER_INBOUND)
def identity(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    call = call_for_user(request.user, call_id)
    if call.payer_id is None:
        return redirect("inbound_call", call_id=call.pk)
    form = IdentityForm(request.POST)
    if form.is_valid():
        identity_mark(request, _identity_token(call), key=IDENTITY_KEY)
        return redirect("inbound_call", call_id=call.pk)
    return _render_call(request, call, identity_form=form, status=400)


def _verified(request: HttpRequest, call: InboundCall) -> bool:
    return call.payer_id is not None and identity_marked(
        request, _identity_token(call), key=IDENTITY_KEY
    )


@require_POST
@capability_required(Capability.ANSWER_INBOUND)
def record(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    call = call_for_user(request.user, call_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            inbound_call_record(
                actor=request.user,
                call=call,
                said=form.call_outcome(),
                identity_verified=_verified(request, call),
                client_addr=client_address(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(IDENTITY_KEY, None)
            messages.success(request, _("記録しました。"))
            return redirect("inbound_screen")
    return _render_call(request, call, form=form, status=400)


@require_POST
@capability_required(Capability.ANSWER_INBOUND)
def task(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    call = call_for_user(request.user, call_id)
    form = TaskRequestForm(request.POST)
    if form.is_valid():
        try:
            inbound_task_request(
                actor=request.user,
                call=call,
                request=form.cleaned_data["request"],
                note=form.cleaned_data["note"],
                identity_verified=_verified(request, call),
                client_addr=client_address(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("タスクを作成しました。"))
    else:
        messages.error(request, _form_errors(form))
    return redirect("inbound_call", call_id=call.pk)


@require_POST
@capability_required(Capability.ANSWER_INBOUND)
def transfer(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    call = call_for_user(request.user, call_id)
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            transfer_request(
                actor=request.user,
                call=call,
                reason=form.cleaned_data["reason"],
                summary=form.cleaned_data["summary"],
                levies=form.cleaned_data["levies"],
                identity_verified=_verified(request, call),
                client_addr=client_address(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("区職員へ転送しました。"))
            return redirect("inbound_call", call_id=call.pk)
    return _render_call(request, call, transfer_form=form, status=400)


# --- ward staff ------------------------------------------------------------------


@never_cache
@require_GET
@capability_required(Capability.WORK_DEPARTMENT_QUEUE)
def transfers(request: AuthenticatedRequest) -> HttpResponse:
    """The department's waiting transfers, live (the fragment polls itself)."""
    transfers_expire()
    template = "inbound/_transfers.html" if request.htmx else "inbound/transfers.html"
    waiting = list(department_transfers(request.user)[:100])
    return render(
        request,
        template,
        {
            "transfers": waiting,
            "mine": [t for t in waiting if t.extension and t.extension == request.user.extension],
            "now": timezone.now(),
            "nav": "transfers",
            **_poll(),
        },
    )


@never_cache
@require_GET
@capability_required(Capability.WORK_DEPARTMENT_QUEUE)
def transfer_pop(request: AuthenticatedRequest) -> HttpResponse:
    """The ward clerk's pop: the transfer they took (the phone system reported their
    extension answering it), with the payer and the operator's summary; 204 while the
    one shown is still the latest (after waiting for a change, with wait=1)."""
    shown = request.GET.get("shown", "")
    transfer_id = _waited(request, current_transfer, shown)
    if str(transfer_id or "") == shown:
        return HttpResponse(status=204)
    found = transfer_for_user(request.user, transfer_id) if transfer_id else None
    return render(request, "inbound/_transfer_pop.html", {"transfer": found, **_poll()})


@require_POST
@capability_required(Capability.WORK_DEPARTMENT_QUEUE)
def transfer_take(request: AuthenticatedRequest, transfer_id: int) -> HttpResponse:
    found = transfer_for_user(request.user, transfer_id)
    try:
        found = transfer_accept(
            actor=request.user, transfer=found, client_addr=client_address(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("inbound_transfers")
    messages.success(request, _("転送を受け付けました。"))
    if found.task_id:
        return redirect("task_detail", task_id=found.task_id)
    return redirect("inbound_transfers")


# --- supervisor ------------------------------------------------------------------


@never_cache
@require_GET
@capability_required(Capability.WATCH_INBOUND_BOARD)
def board_page(request: AuthenticatedRequest) -> HttpResponse:
    template = "inbound/_board.html" if request.htmx else "inbound/board.html"
    return render(request, template, {"b": board(), "nav": "inbound_board"})
