"""Form fields shared by the apps' forms: they parse and normalise input only.

Every number a user can type has an upper bound (BoundedIntegerField), so that no value,
however large, reaches the database or date arithmetic (an OverflowError is a 500), and
every dropdown's empty choice says something in Japanese (CHOICE_PROMPT, `prompted`)
instead of Django's "---------"."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.functional import Promise as LazyText
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saikoku.core.dates import InvalidDate, parse_date

__all__ = [
    "CHOICE_PROMPT",
    "DATE_MAX_LENGTH",
    "FIRST_DATE",
    "LAST_DATE",
    "BoundedIntegerField",
    "ParsedCharField",
    "WarekiDateField",
    "prompted",
]

# What an empty dropdown says instead of Django's "---------" (a filter's empty choice
# says "すべて" instead: there, empty means every value).
CHOICE_PROMPT = _("選択してください")


def prompted(choices: list[tuple[Any, Any]], prompt: Any = CHOICE_PROMPT) -> list[tuple[Any, Any]]:
    """The choices of a dropdown with the Japanese prompt as the empty first choice."""
    return [("", prompt), *[(value, label) for value, label in choices if value != ""]]


def _range_message(low: int, high: int) -> str:
    return gettext("%(min)s〜%(max)sの整数で入力してください。") % {
        "min": f"{low:,}",
        "max": f"{high:,}",
    }


_lazy_range_message = lazy(_range_message, str)


class BoundedIntegerField(forms.IntegerField):
    """A whole number from `min_value` to `max_value`, both required: one Japanese error
    for anything else (not a number, too small, too large, thousands of digits) that says
    the range, so the user knows how to fix it."""

    def __init__(self, *, min_value: int, max_value: int, **kwargs: Any) -> None:
        message = _lazy_range_message(min_value, max_value)
        errors = {"invalid": message, "min_value": message, "max_value": message}
        errors.update(kwargs.pop("error_messages", {}))
        super().__init__(min_value=min_value, max_value=max_value, error_messages=errors, **kwargs)


class ParsedCharField(forms.CharField):
    """A text field read into a Python value by `parse` (empty: None). A value `parse`
    refuses with one of `invalid` becomes the field's error, `invalid_message`, which
    says how to write the value."""

    invalid: tuple[type[Exception], ...] = ()
    invalid_message: LazyText | str = ""
    invalid_code = "invalid"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The length is checked on the text, before parsing (to_python); CharField's
        # validator would ask the length of the parsed value (a date, an int).
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def to_python(self, value: str | None) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        if self.max_length is not None and len(text) > self.max_length:
            # Refused before parsing: thousands of characters never reach a parser.
            raise forms.ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={"limit_value": self.max_length, "show_value": len(text)},
            )
        try:
            return self.parse(text)
        except self.invalid:
            raise forms.ValidationError(str(self.invalid_message), code=self.invalid_code) from None


# The dates a user may type (docs/operations.md, "Bounds of input"): every date the work
# concerns lies well inside ("until 2999-12-31" still reads as "until any day"), and
# date arithmetic near 9999-12-31 overflows.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
# A date field's text: the longest accepted form (令和10年12月31日, 2025-06-30T…) is far
# shorter; a longer text is refused before any parsing.
DATE_MAX_LENGTH = 40


class WarekiDateField(ParsedCharField):
    """A date typed in any form the import accepts, 和暦 included, from FIRST_DATE to
    LAST_DATE."""

    invalid = (InvalidDate,)
    invalid_message = _(
        "日付として読めません。2025-06-30 や 令和7年6月30日 の形で入力してください。"
    )
    invalid_code = "invalid_date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", DATE_MAX_LENGTH)
        errors = {"max_length": self.invalid_message, **kwargs.pop("error_messages", {})}
        super().__init__(error_messages=errors, **kwargs)

    def parse(self, text: str) -> date:
        day = parse_date(text)
        if not FIRST_DATE <= day <= LAST_DATE:
            raise forms.ValidationError(
                _("%(first)s〜%(last)sの日付を入力してください。"),
                params={"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
                code="date_range",
            )
        return day
