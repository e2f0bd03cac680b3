"""The form of the correction page (訂正): parses and normalises input only; what may
be corrected is decided by records/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from saikoku.outreach.calls.forms import AmountField, PromiseDateField
from saikoku.outreach.models import ContactRecord, Party
from saikoku.outreach.outcomes import outcome_choices

__all__ = ["AmendForm"]


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

    @staticmethod
    def initial_from(original: ContactRecord) -> dict[str, Any]:
        """The form's starting values: the original record's."""
        return {
            "outcome": original.outcome,
            "party": original.party if original.party != Party.NONE else "",
            "promise_on": original.promise_on.isoformat() if original.promise_on else "",
            "promise_amount": str(original.promise_amount) if original.promise_amount else "",
            "note": original.note,
        }
