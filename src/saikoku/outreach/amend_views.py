"""Correcting a contact record (訂正): the original stays as it was, read-only on the
screen; the form starts from its values and saves a new record that amends it
(calls.contact_record_amend). Reached from the payer page's history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from saikoku.core.audit import client_address
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.outreach.call_forms import AmountField, PromiseDateField
from saikoku.outreach.calls import contact_record_amend
from saikoku.outreach.models import ContactRecord, Party
from saikoku.outreach.outcomes import OUTCOMES, outcome_choices
from saikoku.outreach.records import contact_record_for_amend

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


class AmendForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("結果"),
        error_messages={"required": gettext_lazy("結果を一覧から選んでください。")},
    )
    party = forms.ChoiceField(label=gettext_lazy("応対者"), required=False)
    promise_on = PromiseDateField(label=gettext_lazy("約束日"), required=False)
    promise_amount = AmountField(label=gettext_lazy("約束金額"), required=False)
    note = forms.CharField(
        label=gettext_lazy("メモ"), required=False, max_length=1800, widget=forms.Textarea
    )
    reason = forms.CharField(
        label=gettext_lazy("訂正の理由"),
        max_length=200,
        error_messages={"required": gettext_lazy("訂正の理由を入力してください。")},
    )

    def __init__(self, *args: Any, original: ContactRecord, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Identity cannot be confirmed after the fact: the outcomes and the party that
        # need it are offered only when the original call had it.
        verified = original.identity_verified
        self.fields["outcome"].choices = [
            (o.code, f"{number}. {o.label}")
            for number, o in outcome_choices(identity_verified=verified)
        ]
        parties = [Party.FAMILY, Party.OTHER]
        if verified:
            parties.insert(0, Party.SELF)
        self.fields["party"].choices = [("", "—")] + [(p.value, p.label) for p in parties]
        # The keyboard starts on the result; Tab walks the rest, Enter saves.
        self.fields["outcome"].widget.attrs["autofocus"] = True


def _initial(original: ContactRecord) -> dict[str, Any]:
    return {
        "outcome": original.outcome,
        "party": original.party if original.party != Party.NONE else "",
        "promise_on": original.promise_on.isoformat() if original.promise_on else "",
        "promise_amount": str(original.promise_amount) if original.promise_amount else "",
        "note": original.note,
    }


@never_cache
@capability_required(Capability.AMEND_RECORDS)
def amend(request: HttpRequest, record_id: int) -> HttpResponse:
    """GET: the original and the form; POST: save the correction, back to the payer."""
    original = contact_record_for_amend(request.user, record_id, request=request)
    if request.method == "POST":
        form = AmendForm(request.POST, original=original)
        if form.is_valid():
            data = form.cleaned_data
            note = REASON_PREFIX + data["reason"].strip()
            if data["note"].strip():
                note += "\n" + data["note"].strip()
            try:
                contact_record_amend(
                    actor=request.user,
                    original=original,
                    note=note,
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
        status = 400
    else:
        form = AmendForm(initial=_initial(original), original=original)
        status = 200
    spec = OUTCOMES.get(original.outcome)
    return render(
        request,
        "outreach/contact_amend.html",
        {
            "form": form,
            "original": original,
            "outcome_label": spec.label if spec else original.outcome,
            "resident": original.payer,
            "nav": "search",
        },
        status=status,
    )
