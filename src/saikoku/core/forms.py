"""Form fields shared by the apps' forms: they parse and normalise input only."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.dates import InvalidDate, parse_date

__all__ = ["WarekiDateField"]


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
