"""The console's pages. Views are thin: decorators for login, method and role; fetch
through the permission-checked fetchers; render."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from saikoku.arrears.owed import BillFacts, OwedSummary, bill_facts, owed_as_of
from saikoku.arrears.rates import current_rate_table
from saikoku.arrears.selectors import account_for_user, payer_overview
from saikoku.core.audit import audit_record, client_address
from saikoku.core.login_flow import mfa_remember_next, mfa_step_url
from saikoku.core.permissions import (
    can_see_caution_note,
    capability_required,
    levies_visible_to,
    operator_has_work_for,
    payer_for_user,
)
from saikoku.core.roles import Capability
from saikoku.outreach.calls.forms import PurposeForm
from saikoku.outreach.records.selectors import payer_contact_records
from saikoku.people.models import Resident
from saikoku.people.selectors import search_payers
from saikoku.web.forms import LoginForm, OwedOnForm
from saikoku.web.landing import landing_url
from saikoku.web.selectors import admin_overview

# Who may see a full account number: everyone who works with payers; ward staff only
# for their department's levies, which account_for_user enforces.


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For monitoring: no login, no data, no database."""
    return HttpResponse("OK", content_type="text/plain; charset=utf-8")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """`/`: each role's landing page (web/landing.py)."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    url = landing_url(request.user)
    if url is None:
        return render(request, "web/no_role.html", status=403)
    return redirect(url)


class ConsoleLoginView(LoginView):
    """Django's login with the console's form; after login, straight to where the role's
    work is (or to the page the user was sent from)."""

    form_class = LoginForm

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user) or super().get_default_redirect_url()

    def get_success_url(self) -> str:
        # The password is only the first step: the page asked for waits until the
        # second factor is done (core/login_flow.py).
        mfa_remember_next(self.request, self.get_redirect_url())
        return mfa_step_url(self.request.user)


@require_GET
@capability_required(Capability.ADMINISTER)
def overview(request: HttpRequest) -> HttpResponse:
    """The ward_admin's landing page: imports, users, approvals, open escalations."""
    return render(request, "web/overview.html", {"o": admin_overview(), "nav": "overview"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; send them to the file."""
    return redirect(static("saikoku/favicon.ico"), permanent=True)


@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """Answers the timeout warning's "continue" button; core.middleware's
    SlidingSessionMiddleware renews the session on this request."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


@require_GET
@capability_required(Capability.WORK_WITH_PAYERS)
def search(request: HttpRequest) -> HttpResponse:
    # NUL is no character of a name and neither database takes it in a query.
    query = request.GET.get("q", "")[:200].replace("\x00", "")
    result = search_payers(
        request.user,
        query,
        page=request.GET.get("page", 1),
        client_addr=client_address(request),
    )
    # header_query: the search box in the header (base.html) keeps what was searched.
    context = {"result": result, "query": query, "header_query": query, "nav": "search"}
    return render(request, "web/search.html", context)


def _owed_context(
    request: HttpRequest, resident: Resident, bills: list[BillFacts]
) -> dict[str, object]:
    """The "if paid on …" panel: the date form and, when it parses, what is owed then."""
    today = timezone.localdate()
    form = OwedOnForm(request.GET if "on" in request.GET else None)
    on: date | None = today
    if form.is_bound:
        # An empty field means today; a wrong one shows its error and no figures, so no
        # number on screen belongs to a date other than the one typed.
        on = (form.cleaned_data["on"] or today) if form.is_valid() else None
    # A day in a year without a registered rate is computed with the last known one and
    # marked 見込み (arrears.rates.current_rate_table estimates): every day has figures.
    owed: OwedSummary | None = (
        owed_as_of(bills, on, rates=current_rate_table()) if on is not None else None
    )
    return {
        "resident": resident,
        "owed": owed,
        "owed_form": form,
        "owed_on_value": form["on"].value() if form.is_bound else on.isoformat(),
        "today": today,
    }


def _outside_work_purpose(request: HttpRequest, resident_id: int) -> str | None:
    """For an operator opening a payer outside their own work (list, callback, inbound
    call, task): the reason code they gave for this payer in this session, or None.
    "" means no reason is needed."""
    if getattr(request.user, "role", "") != "operator":
        return ""
    if operator_has_work_for(request.user, resident_id):
        return ""
    return request.session.get("payer_purposes", {}).get(str(resident_id))


@require_GET
@capability_required(Capability.WORK_WITH_PAYERS)
def payer_page(request: HttpRequest, resident_id: int) -> HttpResponse:
    """The payer page; with htmx (the "if paid on …" date) only the owed panel.

    An operator outside their own work first gives a reason code (a small form); the
    access is then audited with that purpose and flagged for review."""
    purpose = _outside_work_purpose(request, resident_id)
    if purpose is None:
        form = PurposeForm(request.GET if "purpose" in request.GET else None)
        if request.htmx or not form.is_valid():
            return render(
                request,
                "outreach/purpose.html",
                {"form": form, "resident_id": resident_id, "nav": "search"},
                status=403 if request.htmx else 200,
            )
        purpose = form.cleaned_data["purpose"]
        purposes = request.session.get("payer_purposes", {})
        purposes[str(resident_id)] = purpose
        request.session["payer_purposes"] = purposes
    flagged = bool(purpose)
    if request.htmx:
        resident = payer_for_user(
            request.user,
            resident_id,
            purpose=purpose or "payer_owed",
            request=request,
            flagged=flagged,
        )
        bills = bill_facts(payer_id=resident.pk, levies=levies_visible_to(request.user))
        return render(request, "web/_owed.html", _owed_context(request, resident, bills))
    resident = payer_for_user(
        request.user, resident_id, purpose=purpose or "payer_page", request=request, flagged=flagged
    )
    overview = payer_overview(request.user, resident)
    return render(
        request,
        "web/payer.html",
        {
            "o": overview,
            "resident": resident,
            "contacts": payer_contact_records(request.user, resident.pk),
            "show_caution_note": can_see_caution_note(request.user),
            **_owed_context(request, resident, overview.bills),
        },
    )


@require_POST
@capability_required(Capability.REVEAL_ACCOUNT)
def account_reveal(request: HttpRequest, resident_id: int, account_id: int) -> HttpResponse:
    """Shows one full account number, audited (the page shows it masked)."""
    resident = payer_for_user(request.user, resident_id, purpose="account_reveal", request=request)
    account = account_for_user(request.user, resident, account_id)
    if account is None:
        raise Http404
    audit_record(
        actor=request.user,
        action="account_reveal",
        object_type="account",
        object_id=str(account.pk),
        client_addr=client_address(request),
        detail={"resident_no": resident.resident_no, "levy": account.levy},
    )
    context = {"account": account, "resident": resident, "revealed": True}
    if request.htmx:
        return render(request, "web/_account_no.html", context)
    return render(request, "web/account_revealed.html", context)
