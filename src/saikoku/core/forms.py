"""Form fields shared by the apps' forms: they parse and normalise input only."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from saikoku.core.dates import InvalidDate, parse_date

__all__ = ["ParsedCharField", "WarekiDateField"]


class ParsedCharField(forms.CharField):
    """A text field read into a Python value by `parse` (empty: None). A value `parse`
    refuses with one of `invalid` becomes the field's error, `invalid_message`, which
    says how to write the value."""

    invalid: tuple[type[Exception], ...] = ()
    invalid_message: LazyText | str = ""
    invalid_code = "invalid"

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def to_python(self, value: str | None) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return self.parse(text)
        except self.invalid:
            raise forms.ValidationError(str(self.invalid_message), code=self.invalid_code) from None


class WarekiDateField(ParsedCharField):
    """A date typed in any form the import accepts, 和暦 included."""

    invalid = (InvalidDate,)
    invalid_message = _(
        "日付として読めません。2025-06-30 や 令和7年6月30日 の形で入力してください。"
    )
    invalid_code = "invalid_date"

    def parse(self, text: str) -> date:
        return parse_date(text)
