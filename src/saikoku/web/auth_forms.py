"""Forms of the second login step and of one's own account: parse input only."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class MfaCodeForm(forms.Form):
    """The six-digit code of the authenticator app, or one of the recovery codes."""

    token = forms.CharField(
        label=_("確認コード"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "autofocus": True,
            }
        ),
    )


class EnrolCodeForm(forms.Form):
    token = forms.CharField(
        label=_("認証アプリに表示された6桁のコード"),
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ConsolePasswordChangeForm(PasswordChangeForm):
    """Django's form, in the console's words."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["old_password"].label = _("現在のパスワード")
        self.fields["new_password1"].label = _("新しいパスワード")
        self.fields["new_password1"].help_text = _(
            "12文字以上。よく使われるパスワードや利用者IDに似たものは使えません。"
            "記号や数字を混ぜる決まりはありません。長い文（パスフレーズ）をおすすめします。"
        )
        self.fields["new_password2"].label = _("新しいパスワード（確認）")
        self.fields["new_password2"].help_text = ""
