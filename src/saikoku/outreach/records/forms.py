"""The form of the correction page (訂正): parses and normalises input only; what may
be corrected is decided by records/services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from saikoku.core.dates import format_wareki
from saikoku.core.money import format_yen
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
    # Two lines, as small as the call screen's note: the required reason below it
    # stays in view.
    note = forms.CharField(
        label=gettext_lazy("メモ"),
        required=False,
        max_length=1800,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
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
        # Each outcome starts with its call-screen key (typing it in the list jumps
        # there).
        self.fields["outcome"].choices = [  # type: ignore[attr-defined]
            (o.code, f"{key.upper()} {o.label}")
            for key, o, enabled in outcome_choices(identity_verified=verified)
            if enabled
        ]
        parties = [Party.FAMILY, Party.OTHER]
        if verified:
            parties.insert(0, Party.SELF)
        party_choices = [("", "—"), *((p.value, p.label) for p in parties)]
        self.fields["party"].choices = party_choices  # type: ignore[attr-defined]
        # The keyboard starts on the result; Tab walks the rest, Enter saves.
        self.fields["outcome"].widget.attrs["autofocus"] = True
        self.fields["promise_on"].widget.attrs.update(
            {"size": 24, "autocomplete": "off", "aria-describedby": "promise-help"}
        )
        self.fields["promise_amount"].widget.attrs.update(
            {"size": 12, "autocomplete": "off", "inputmode": "numeric"}
        )
        self.fields["reason"].widget.attrs.update({"size": 40})

    @staticmethod
    def initial_from(original: ContactRecord) -> dict[str, Any]:
        """The form's starting values: the original record's, written as the console
        shows them (令和7年11月20日 (2025), ¥60,000); the fields read these back."""
        return {
            "outcome": original.outcome,
            "party": original.party if original.party != Party.NONE else "",
            "promise_on": format_wareki(original.promise_on) if original.promise_on else "",
            "promise_amount": (
                format_yen(original.promise_amount) if original.promise_amount is not None else ""
            ),
            "note": original.note,
        }
