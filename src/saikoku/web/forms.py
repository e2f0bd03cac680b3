"""Forms of the console: parse and normalise input only."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.audit import ACTIONS
from saikoku.core.dates import InvalidDate, parse_date

AUDIT_ACTIONS = ACTIONS


class WarekiDateField(forms.CharField):
    """A date typed in any form the import accepts, 和暦 included."""

    def to_python(self, value: str | None) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_date(text)
        except InvalidDate:
            raise forms.ValidationError(
                _("日付として読めません。2025-06-30 や 令和7年6月30日 の形で入力してください。"),
                code="invalid_date",
            ) from None


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("利用者ID"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=[("", _("すべて")), *AUDIT_ACTIONS.items()],
    )
    date_from = WarekiDateField(label=_("開始日"), required=False)
    date_to = WarekiDateField(label=_("終了日"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日以降の日付を入力してください。"))
        return data


class OwedOnForm(forms.Form):
    """The payer page's "if paid on …" date (empty: today)."""

    on = WarekiDateField(label=_("納付予定日"), required=False)
