from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TaskCloseForm(forms.Form):
    result = forms.CharField(
        label=_("対応結果"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("対応結果を入力してください。")},
    )
