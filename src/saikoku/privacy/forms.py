"""Input of the custody ledger page: one handoff of paper or media."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.forms import BoundedIntegerField
from saikoku.privacy.models import CustodyDirection, CustodyMedium


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
    medium = forms.ChoiceField(
        label=_("媒体"), choices=[c for c in CustodyMedium.choices if c[0] != CustodyMedium.FILE]
    )
    counterpart = forms.CharField(label=_("相手方"), max_length=200)
    return_or_destroy_on = forms.DateField(
        label=_("返却・廃棄予定日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
