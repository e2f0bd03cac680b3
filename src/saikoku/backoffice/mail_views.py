"""Returned mail pages: the keyboard-only registration, the counts per day and reason,
a day's list as a PDF for the ward, the day's handoff to the ward."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.backoffice.mail_forms import ReturnedMailForm
from saikoku.backoffice.models import REASON_KEYS, ReturnedMail, ReturnReason
from saikoku.backoffice.returned_mail import (
    day_counts,
    mail_of_day,
    returned_mail_hand_over,
    returned_mail_register,
    returned_mail_resolve,
)
from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import (
    AuthenticatedRequest,
    capability_required,
    payers_visible_to,
)
from saikoku.core.roles import Capability


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@capability_required(Capability.HANDLE_MAIL)
def register(request: AuthenticatedRequest) -> HttpResponse:
    """One envelope per POST; the page comes back with the result and the code field
    focused for the next one (the scanner types digits and Enter)."""
    result = None
    refused = ""
    status = 200
    if request.method == "POST":
        form = ReturnedMailForm(request.POST)
        if form.is_valid():
            try:
                result = returned_mail_register(
                    actor=request.user,
                    code=form.cleaned_data["code"],
                    reason=form.cleaned_data["reason"],
                    client_addr=client_address(request),
                )
                form = ReturnedMailForm()
            except ValidationError as error:
                refused = " ".join(error.messages)
                status = 400
        else:
            refused = " ".join(str(e) for errors in form.errors.values() for e in errors)
            status = 400
    else:
        form = ReturnedMailForm()
    today = timezone.localdate()
    return render(
        request,
        "backoffice/returned_mail.html",
        {
            "form": form,
            "result": result,
            "refused": refused,
            "reasons": [(key, ReturnReason(value).label) for key, value in REASON_KEYS.items()],
            "today_count": ReturnedMail.objects.filter(returned_on=today).count(),
            "recent": ReturnedMail.objects.filter(registered_by=request.user, returned_on=today)
            .select_related("payer")
            .order_by("-pk")[:10],
            "nav": "returned_mail",
        },
        status=status,
    )


@require_GET
@capability_required(Capability.HANDLE_MAIL)
def days(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "backoffice/returned_mail_days.html",
        {"days": day_counts(), "reasons": ReturnReason.choices, "nav": "returned_mail"},
    )


@require_GET
@capability_required(Capability.HANDLE_MAIL)
def day_pdf(request: AuthenticatedRequest, day: str) -> HttpResponse:
    """The day's envelopes as a PDF list for the ward (WeasyPrint, Noto CJK)."""
    from weasyprint import HTML  # imported here: only this page needs it

    when = _day(day)
    mail = mail_of_day(when)
    html = render_to_string(
        "backoffice/returned_mail_pdf.html", {"day": when, "mail": mail, "now": timezone.now()}
    )
    pdf = HTML(string=html).write_pdf()
    audit_record(
        actor=request.user,
        action="returned_mail_print",
        object_type="returned_mail_day",
        object_id=day,
        client_addr=client_address(request),
        detail={"count": len(mail)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="returned-mail-{when:%Y%m%d}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@capability_required(Capability.RECORD_CUSTODY)
def hand_over(request: AuthenticatedRequest, day: str) -> HttpResponse:
    count = returned_mail_hand_over(
        actor=request.user,
        day=_day(day),
        counterpart=request.POST.get("counterpart", "")[:200],
        client_addr=client_address(request),
    )
    messages.success(
        request, _("%(count)d通を区へ引き渡し、管理簿に記録しました。") % {"count": count}
    )
    return redirect("returned_mail_days")


@require_POST
@capability_required(Capability.HANDLE_MAIL)
def resolve(request: AuthenticatedRequest, mail_id: int) -> HttpResponse:
    # Only mail of a payer the user may open (a 404 otherwise, like the payer page).
    mail = get_object_or_404(ReturnedMail, pk=mail_id, payer__in=payers_visible_to(request.user))
    returned_mail_resolve(actor=request.user, mail=mail, client_addr=client_address(request))
    messages.success(request, _("返戻郵便を解決済みにしました。"))
    return redirect("payer", mail.payer_id)
