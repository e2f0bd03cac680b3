"""Input of the paper workflows: an envelope, an inquiry, its answer, a scanned file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.backoffice.models import REASON_KEYS, CounterpartKind, InquiryFile
from saikoku.core.models import Department


class ReturnedMailForm(forms.Form):
    code = forms.CharField(
        label=_("通知書番号・住民番号"),
        max_length=40,
        error_messages={"required": _("番号をスキャンするか入力してください。")},
    )
    reason = forms.ChoiceField(
        label=_("返戻理由"),
        choices=list(REASON_KEYS.items()),
        error_messages={"required": _("返戻理由を 1〜5 で選んでください。"),
                        "invalid_choice": _("返戻理由を 1〜5 で選んでください。")},
    )  # fmt: skip

    def clean_reason(self) -> str:
        return REASON_KEYS[self.cleaned_data["reason"]]


class InquiryForm(forms.Form):
    resident_no = forms.CharField(label=_("住民番号"), max_length=20, required=False)
    department = forms.ChoiceField(
        label=_("担当課"), choices=[("", "—"), *Department.choices], required=False
    )
    counterpart_kind = forms.ChoiceField(label=_("照会先の種別"), choices=CounterpartKind.choices)
    counterpart_name = forms.CharField(label=_("照会先"), max_length=200)
    sent_on = forms.DateField(label=_("発送日"))
    due_on = forms.DateField(label=_("回答期限"))
    notes = forms.CharField(
        label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InquiryAnswerForm(forms.Form):
    received_on = forms.DateField(label=_("回答受領日"))
    notes = forms.CharField(
        label=_("備考"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class InquiryFileForm(forms.Form):
    part = forms.ChoiceField(label=_("区分"), choices=InquiryFile.Part.choices)
    file = forms.FileField(label=_("スキャンしたファイル"))
