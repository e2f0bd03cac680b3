"""Forms of the handler pages (取扱責任者・取扱者): parse and normalise input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from saikoku.core.models import ROLE_ORGANISATION, Department, Organisation, Role
from saikoku.web.forms import WarekiDateField, prompted


class HandlerForm(forms.Form):
    last_name = forms.CharField(label=_("姓"), max_length=150)
    first_name = forms.CharField(label=_("名"), max_length=150, required=False)
    organisation = forms.ChoiceField(label=_("所属"), choices=prompted(Organisation.choices))
    role = forms.ChoiceField(label=_("役割"), choices=prompted(Role.choices))
    department = forms.ChoiceField(
        label=_("所属課"), choices=prompted(Department.choices, _("なし")), required=False
    )
    extension = forms.CharField(label=_("内線"), max_length=20, required=False)
    valid_from = WarekiDateField(label=_("有効期間（開始）"), required=False)
    valid_until = WarekiDateField(label=_("有効期間（終了）"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role, organisation = data.get("role"), data.get("organisation")
        if role and organisation and ROLE_ORGANISATION.get(role) != organisation:
            self.add_error(
                "organisation",
                _("%(role)sの所属は%(organisation)sです。")
                % {
                    "role": Role(role).label,
                    "organisation": Organisation(ROLE_ORGANISATION[role]).label,
                },
            )
        if role == Role.WARD_STAFF and not data.get("department"):
            self.add_error("department", _("区職員は所属課を選んでください。"))
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and start > end:
            self.add_error("valid_until", _("終了日は開始日以降の日付を入力してください。"))
        return data


class HandlerCreateForm(HandlerForm):
    username = forms.CharField(label=_("利用者ID"), max_length=150)
    password = forms.CharField(
        label=_("初期パスワード"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("12文字以上。本人に別の経路で伝え、最初のログインの後に変更してもらいます。"),
    )
    field_order = ["username", "password"]

    def clean_username(self) -> str:
        name = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("この利用者IDは既に使われています。"))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password = data.get("password")
        if password:
            probe = get_user_model()(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                extension=data.get("extension", ""),
            )
            try:
                validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class AsOfForm(forms.Form):
    """The handler list's "as of" date (empty: today)."""

    on = WarekiDateField(label=_("基準日"), required=False)
