"""The operator's call screen (CONSOLE.md): identity, payer, outcome, in three columns.

Identity is a server-side state: the POST that confirms it is stored in the session
for this payer and this lock; amounts are rendered only when that state says so,
never because of a form field.
"""

from __future__ import annotations

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

from saikoku.arrears.late_charge import RateNotPublished
from saikoku.arrears.models import Plan, PlanStatus, WardHistory
from saikoku.arrears.owed import owed_as_of
from saikoku.arrears.rates import current_rate_table
from saikoku.arrears.selectors import age_on, payer_overview
from saikoku.core.audit import client_address
from saikoku.core.permissions import can_see_caution_note, capability_required, payer_for_user
from saikoku.core.roles import Capability
from saikoku.outreach.call_forms import IdentityForm, OutcomeForm
from saikoku.outreach.calls import (
    WorkItem,
    call_next,
    call_release,
    contact_record_create,
    current_work,
)
from saikoku.outreach.models import CallListEntry, ContactRecord, ContactSettings
from saikoku.outreach.outcomes import OUTCOMES, outcome_choices
from saikoku.outreach.priority import PRIORITY_PARTS
from saikoku.outreach.rules import format_when, next_open_at
from saikoku.outreach.suggest import contact_suggestion

SESSION_KEY = "call_identity"
RECENT_CONTACTS = 8
RECENT_HISTORY = 5


def _lock_token(work: WorkItem) -> str:
    return f"{work.payer_id}:{work.locked_until.isoformat()}"


def identity_confirmed(request: HttpRequest, work: WorkItem | None) -> bool:
    """The identity state of this lock, as the server recorded it."""
    return work is not None and request.session.get(SESSION_KEY) == _lock_token(work)


def _screen_context(
    request: HttpRequest, work: WorkItem, *, form: OutcomeForm | None = None
) -> dict[str, Any]:
    """What the screen shows; about a dozen small queries.

    Before identity is confirmed nothing about money is even read (the bills, the late
    charge engine and the payer overview wait until then): "Next" only pays for who,
    the flags, the numbers and the recent history.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    resident = payer_for_user(request.user, work.payer_id, purpose="call_screen", request=request)
    verified = identity_confirmed(request, work)
    overview = payer_overview(request.user, resident, today=today) if verified else None
    owed = None
    if overview is not None:
        try:
            owed = owed_as_of(overview.bills, overview.today, rates=current_rate_table())
        except RateNotPublished:
            owed = None
    if overview is not None:
        active_plans = overview.active_plans
        age = overview.age
    else:
        active_plans = list(Plan.objects.filter(payer=resident, status=PlanStatus.ACTIVE))
        end = (
            resident.deceased_on if resident.deceased_on and resident.deceased_on < today else today
        )
        age = age_on(resident.birth_date, end)
    entry = (
        CallListEntry.objects.filter(pk=work.entry_id).only("pk", "priority", "score_parts").first()
        if work.entry_id
        else None
    )
    parts = [
        (str(PRIORITY_PARTS.get(key, key)), points)
        for key, points in (entry.score_parts if entry else {}).items()
        if points
    ]
    contacts = list(
        ContactRecord.objects.filter(payer_id=resident.pk).order_by("-at", "-pk")[:RECENT_CONTACTS]
    )
    for record in contacts:
        spec = OUTCOMES.get(record.outcome)
        record.outcome_label = spec.label if spec else record.outcome  # type: ignore[attr-defined]
    history = list(WardHistory.objects.filter(payer=resident).order_by("-at")[:RECENT_HISTORY])
    return {
        "work": work,
        "resident": resident,
        "age": age,
        "active_plans": active_plans,
        "verified": verified,
        # Amounts exist in the context only once identity is confirmed.
        "owed": owed if verified else None,
        "totals": overview.totals if overview is not None else [],
        "total_balance": overview.total_balance if overview is not None else None,
        "entry": entry,
        "score_parts": parts,
        "suggestion": contact_suggestion(payer_id=resident.pk, now=now),
        "contacts": contacts,
        "history": history,
        "choices": outcome_choices(identity_verified=verified),
        "form": form or OutcomeForm(),
        "identity_form": IdentityForm(),
        "locked_seconds": work.locked_seconds(now),
        "dialer": settings.SAIKOKU_DIALER,
        "show_caution_note": can_see_caution_note(request.user),
        "nav": "calls",
    }


@never_cache
@require_GET
@capability_required(Capability.CALL)
def screen(request: HttpRequest) -> HttpResponse:
    work = current_work(actor=request.user, now=timezone.now())
    if work is None:
        return render(request, "outreach/call_idle.html", {"nav": "calls"})
    return render(request, "outreach/call_screen.html", _screen_context(request, work))


@require_POST
@capability_required(Capability.CALL)
def next_payer(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    work = call_next(actor=request.user, now=now)
    if work is None:
        opens = next_open_at(now)
        if opens is not None and opens > now:
            # Outside the contact hours nobody is callable: say when it opens again.
            message = _("連絡可能時間外です。%(when)s から架電できます。")
            messages.info(request, message % {"when": format_when(opens)})
        else:
            messages.info(request, _("いま架電できる対象はありません。"))
    return redirect("call_screen")


@require_POST
@capability_required(Capability.CALL)
def identity(request: HttpRequest) -> HttpResponse:
    work = current_work(actor=request.user, now=timezone.now())
    if work is None:
        return redirect("call_screen")
    form = IdentityForm(request.POST)
    if form.is_valid():
        request.session[SESSION_KEY] = _lock_token(work)
        return redirect("call_screen")
    context = _screen_context(request, work)
    context["identity_form"] = form
    return render(request, "outreach/call_screen.html", context, status=400)


@require_POST
@capability_required(Capability.CALL)
def record(request: HttpRequest) -> HttpResponse:
    """Saves the outcome and returns to "Next"."""
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
        data = form.cleaned_data
        try:
            contact_record_create(
                actor=request.user,
                payer_id=work.payer_id,
                outcome=data["outcome"],
                now=now,
                identity_verified=identity_confirmed(request, work),
                party=data["party"] or "",
                phone_id=data["phone"],
                note=data["note"],
                promise_on=data["promise_on"],
                promise_amount=data["promise_amount"],
                callback_at=data["callback_at"],
                callback_for_team=data["callback_for"] == "team",
                callback_requested_by_payer=data["callback_requested"],
                client_addr=client_address(request),
                contact_settings=contact_settings,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("記録しました。"))
            return redirect("call_screen")
    return render(
        request, "outreach/call_screen.html", _screen_context(request, work, form=form), status=400
    )


@require_POST
@capability_required(Capability.CALL)
def release(request: HttpRequest) -> HttpResponse:
    call_release(actor=request.user)
    request.session.pop(SESSION_KEY, None)
    return redirect("call_screen")


@require_POST
@capability_required(Capability.CALL)
def dial_view(request: HttpRequest) -> HttpResponse:
    """Dials through the configured dialer (Asterisk AMI); the tel: dialer is a link."""
    from saikoku.outreach.dialer import dial

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
