"""Forms of the console: parse and normalise input only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.audit import ACTIONS
from saikoku.core.forms import WarekiDateField

AUDIT_ACTIONS = ACTIONS


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
