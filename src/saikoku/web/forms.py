"""Forms of the console: parse and normalise input only."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from saikoku.core.audit import ACTIONS
from saikoku.core.forms import WarekiDateField, prompted

AUDIT_ACTIONS = ACTIONS


# The longest user name an account can have (the User model's field).
USERNAME_MAX_LENGTH = 150


class LoginForm(AuthenticationForm):
    """Django's login form in the console's words: the field is 利用者ID, so the error
    says 利用者ID too (Django's says ユーザー名, the model field's name)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "利用者IDまたはパスワードが正しくありません。大文字と小文字は区別されます。"
        ),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        username = self.fields["username"]
        username.label = _("利用者ID")
        # A too long ID is just a wrong ID: the page then says so (invalid_login)
        # instead of an error on a field whose errors the login page does not show.
        username.max_length = None
        username.validators = []

    def clean(self) -> dict:
        # No account has a longer ID, so none is looked up (nor stored by the lockout's
        # failure log, whose username column holds 255 characters): the same answer as
        # any wrong ID.
        if len(self.cleaned_data.get("username") or "") > USERNAME_MAX_LENGTH:
            raise self.get_invalid_login_error()
        return super().clean()


class AuditFilterForm(forms.Form):
    """The audit log's filters: one user's or one payer's trail, an action, a period."""

    user = forms.CharField(label=_("利用者ID"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("操作"),
        required=False,
        choices=prompted(list(AUDIT_ACTIONS.items()), _("すべて")),
    )
    payer = forms.CharField(label=_("住民番号"), required=False, max_length=20)
    date_from = WarekiDateField(label=_("開始日"), required=False)
    date_to = WarekiDateField(label=_("終了日"), required=False)

    def clean_payer(self) -> str:
        # Full-width digits typed with the IME are the same number.
        text = unicodedata.normalize("NFKC", self.cleaned_data.get("payer") or "").strip()
        if text and not re.fullmatch(r"[0-9]{12}", text):
            raise forms.ValidationError(
                _("住民番号は12桁の数字で入力してください。"), code="invalid_resident_no"
            )
        return text

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日以降の日付を入力してください。"))
        return data


class AuditAnalysisForm(forms.Form):
    """The period of the audit analysis (both days included; empty: yesterday)."""

    # A longer period is analysed by the command, in the background of a terminal:
    # the page must answer within a request.
    MAX_DAYS = 93

    date_from = WarekiDateField(label=_("開始日"), required=False)
    date_to = WarekiDateField(label=_("終了日"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("終了日は開始日以降の日付を入力してください。"))
        elif start and end and (end - start).days >= self.MAX_DAYS:
            self.add_error(
                "date_to",
                _("期間は%(days)d日以内にしてください（長い期間は saikoku audit analyze で）。")
                % {"days": self.MAX_DAYS},
            )
        return data


class OwedOnForm(forms.Form):
    """The payer page's "if paid on …" date (empty: today)."""

    on = WarekiDateField(label=_("納付予定日"), required=False)
