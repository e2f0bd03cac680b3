"""Forms of the inbound screens: parse input only. The identity and outcome forms are
the call screen's own (outreach/calls/forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Levy
from saikoku.inbound.models import TransferReason


class ChoosePayerForm(forms.Form):
    payer = forms.IntegerField(min_value=1, max_value=2_147_483_647)


class TaskRequestForm(forms.Form):
    request = forms.ChoiceField(
        choices=[("reissue", _("納付書の再発行")), ("already_paid", _("納付済み"))]
    )
    note = forms.CharField(label=_("メモ"), required=False, max_length=2000)


class TransferForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("転送の理由"),
        choices=TransferReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("転送の理由を選んでください。")},
    )
    levies = forms.MultipleChoiceField(
        label=_("関係する税目"),
        choices=Levy.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("関係する税目を選んでください（両方のときは両方）。")},
    )
    summary = forms.CharField(
        label=_("区職員への引継ぎ内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("区職員への引継ぎ内容を入力してください。")},
    )
