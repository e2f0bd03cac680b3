"""Input of the custody ledger page: one handoff of paper or media."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.forms import BoundedIntegerField, WarekiDateField, prompted
from saikoku.privacy.models import CustodyDirection, CustodyMedium, QuantityUnit


class PaperCustodyForm(forms.Form):
    at = forms.DateTimeField(
        label=_("日時"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    direction = forms.ChoiceField(
        label=_("区分"),
        choices=[
            (CustodyDirection.RECEIVED, CustodyDirection.RECEIVED.label),
            (CustodyDirection.HANDED_OVER, CustodyDirection.HANDED_OVER.label),
            (CustodyDirection.DESTROYED, CustodyDirection.DESTROYED.label),
        ],
    )
    handler = forms.CharField(label=_("取扱者"), max_length=150)
    content = forms.CharField(label=_("内容"), max_length=200)
    quantity = BoundedIntegerField(label=_("数量"), min_value=1, max_value=10_000_000)
    quantity_unit = forms.ChoiceField(
        label=_("単位"),
        choices=[c for c in QuantityUnit.choices if c[0] != QuantityUnit.ROWS],
        initial=QuantityUnit.SHEETS,
    )
    medium = forms.ChoiceField(
        label=_("媒体"), choices=[c for c in CustodyMedium.choices if c[0] != CustodyMedium.FILE]
    )
    counterpart = forms.CharField(label=_("相手方"), max_length=200)
    return_or_destroy_on = forms.DateField(
        label=_("返却・廃棄予定日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


OPEN_ITEMS = [
    ("", _("すべて")),
    ("password", _("パスワード未送付")),
    ("return", _("返却・廃棄が未了")),
]


class LedgerFilterForm(forms.Form):
    """The ledger page's filters (GET): period, direction, medium, handler, open items."""

    start = WarekiDateField(label=_("期間（開始）"), required=False)
    end = WarekiDateField(label=_("期間（終了）"), required=False)
    direction = forms.ChoiceField(
        label=_("区分"), required=False, choices=prompted(CustodyDirection.choices, _("すべて"))
    )
    medium = forms.ChoiceField(
        label=_("媒体"), required=False, choices=prompted(CustodyMedium.choices, _("すべて"))
    )
    handler = forms.CharField(label=_("取扱者"), required=False, max_length=150)
    open = forms.ChoiceField(label=_("未了"), required=False, choices=OPEN_ITEMS)

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("期間の終了は開始以降の日にしてください。"))
        return data


class LedgerDoneForm(forms.Form):
    """When and by whom a password was delivered, or paper and media returned or
    destroyed, recorded on an existing entry."""

    at = forms.DateTimeField(
        label=_("日時"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    by = forms.CharField(label=_("実施者"), max_length=150)
