"""Correcting a contact record (訂正): the original stays as it was, read-only on the
screen; the form starts from its values and saves a new record that amends it
(services.contact_record_amend). Reached from the payer page's history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required
from saikoku.core.roles import Capability
from saikoku.outreach.records.amendments import contact_record_amend
from saikoku.outreach.records.forms import AmendForm
from saikoku.outreach.records.selectors import contact_record_for_amend, outcome_label

# Which form field a refusal of the service belongs next to (its ValidationError code).
ERROR_FIELDS = {
    "note": "reason",
    "outcome": "outcome",
    "identity": "outcome",
    "party": "party",
    "promise": "promise_on",
}
# Stored with the note so the reason reads the same whatever the reader's language.
REASON_PREFIX = "訂正理由: "


def _note(reason: str, note: str) -> str:
    """The amendment's note: the reason first, then what the operator wrote."""
    text = REASON_PREFIX + reason.strip()
    return text + "\n" + note.strip() if note.strip() else text


@never_cache
@capability_required(Capability.AMEND_RECORDS)
def amend(request: AuthenticatedRequest, record_id: int) -> HttpResponse:
    """GET: the original and the form; POST: save the correction, back to the payer."""
    original = contact_record_for_amend(request.user, record_id, request=request)
    status = 200
    if request.method == "POST":
        status = 400
        form = AmendForm(request.POST, original=original)
        if form.is_valid():
            data = form.cleaned_data
            try:
                contact_record_amend(
                    actor=request.user,
                    original=original,
                    note=_note(data["reason"], data["note"]),
                    outcome=data["outcome"],
                    party=data["party"] or None,
                    promise_on=data["promise_on"],
                    promise_amount=data["promise_amount"],
                    client_addr=client_address(request),
                )
            except ValidationError as error:
                form.add_error(ERROR_FIELDS.get(error.code or ""), error)
            else:
                messages.success(request, _("訂正を記録しました。元の記録はそのまま残ります。"))
                return redirect("payer", resident_id=original.payer_id)
    else:
        form = AmendForm(initial=AmendForm.initial_from(original), original=original)
    return render(
        request,
        "outreach/contact_amend.html",
        {
            "form": form,
            "original": original,
            "outcome_label": outcome_label(original.outcome),
            "resident": original.payer,
            "nav": "search",
        },
        status=status,
    )
