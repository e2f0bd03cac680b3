"""Forms of the arrears app: parse and normalise input only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.late_charge import STATUTORY_HIGHER, STATUTORY_LOWER
from saikoku.arrears.models import LateChargeRate

# The first year of the special rates (附則第3条の2, 平成11年度改正); earlier years use
# the Act's own rates and need no row.
FIRST_RATE_YEAR = 2000


def _latest_registrable_year(today: dt.date | None = None) -> int:
    # A year's rate is published in December of the year before (附則第3条の2): no one
    # can know the rate of the year after next.
    return (today or timezone.localdate()).year + 1


class LateChargeRateForm(forms.Form):
    """A year's two rates as published: the lower one for the first month (three for
    NH) and the higher one after it, in percent a year with one decimal."""

    year = forms.IntegerField(
        label=_("年"),
        # Four digits; clean_year narrows it to the years whose rate can be known.
        max_value=9999,
        error_messages={
            "required": _("年を西暦で入力してください（例: 2027）。"),
            "invalid": _("年は西暦の数字で入力してください（例: 2027）。"),
        },
    )
    lower_percent = forms.DecimalField(
        label=_("1月（3月）以内の割合（年%）"),
        max_digits=4,
        decimal_places=1,
        error_messages={
            "required": _("割合を入力してください（例: 2.8）。"),
            "invalid": _("割合は数字で入力してください（例: 2.8）。"),
            "max_digits": _("割合は小数第1位までの数字で入力してください（例: 2.8）。"),
            "max_decimal_places": _("割合は小数第1位まで入力してください（例: 2.8）。"),
            "max_whole_digits": _("割合は小数第1位までの数字で入力してください（例: 2.8）。"),
        },
    )
    higher_percent = forms.DecimalField(
        label=_("経過後の割合（年%）"),
        max_digits=4,
        decimal_places=1,
        error_messages={
            "required": _("割合を入力してください（例: 9.1）。"),
            "invalid": _("割合は数字で入力してください（例: 9.1）。"),
            "max_digits": _("割合は小数第1位までの数字で入力してください（例: 9.1）。"),
            "max_decimal_places": _("割合は小数第1位まで入力してください（例: 9.1）。"),
            "max_whole_digits": _("割合は小数第1位までの数字で入力してください（例: 9.1）。"),
        },
    )
    source = forms.CharField(
        label=_("根拠（告示・条文）"),
        max_length=500,
        error_messages={
            "required": _("根拠を入力してください（例: 令和8年11月 財務省告示 平均貸付割合）。"),
            "max_length": _("根拠は%(limit_value)d文字以内で入力してください。"),
        },
    )

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latest_year = _latest_registrable_year(today)
        # A year of five digits or more gets the same answer as any year out of range.
        self.fields["year"].error_messages["max_value"] = self._year_range_message()

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not FIRST_RATE_YEAR <= year <= self.latest_year:
            raise forms.ValidationError(self._year_range_message(), code="year_range")
        if LateChargeRate.objects.filter(year=year).exists():
            raise forms.ValidationError(
                _("%(year)s年の割合はすでに登録されています。"),
                params={"year": year},
                code="registered",
            )
        return year

    def _year_range_message(self) -> str:
        return _("年は%(first)s〜%(last)sの西暦で入力してください。") % {
            "first": FIRST_RATE_YEAR,
            "last": self.latest_year,
        }

    def clean_lower_percent(self) -> Decimal:
        # The special rate applies only while it is below the Act's own (附則第3条の2).
        return _rate_in_range(self.cleaned_data["lower_percent"], STATUTORY_LOWER)

    def clean_higher_percent(self) -> Decimal:
        return _rate_in_range(self.cleaned_data["higher_percent"], STATUTORY_HIGHER)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lower, higher = data.get("lower_percent"), data.get("higher_percent")
        if lower is not None and higher is not None and higher < lower:
            self.add_error(
                "higher_percent",
                _("経過後の割合は1月（3月）以内の割合以上の値を入力してください。"),
            )
        return data


def _rate_in_range(value: Decimal, statutory: Decimal) -> Decimal:
    if not Decimal("0.1") <= value <= statutory:
        raise forms.ValidationError(
            _("割合は0.1〜%(max)sの範囲で入力してください（地方税法の本則の割合が上限です）。"),
            params={"max": statutory},
            code="rate_range",
        )
    return value
