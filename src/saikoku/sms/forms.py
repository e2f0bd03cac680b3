"""Forms of the SMS pages: they parse and normalise input only (the rules are in
policy.py, templates.py and campaigns.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.forms import CHOICE_PROMPT
from saikoku.outreach.lists.forms import CallListFilterForm
from saikoku.sms.models import SmsTemplate
from saikoku.sms.policy import LANGUAGES, PERSONAL_PLACEHOLDERS


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("テンプレート名"), max_length=200)
    department = forms.ChoiceField(label=_("担当課"), choices=SmsTemplate.Department.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, label in LANGUAGES.items():
            self.fields[f"text_{code}"] = forms.CharField(
                label=str(label),
                required=code == "ja",
                strip=False,
                widget=forms.Textarea(attrs={"rows": 5 if code == "ja" else 3}),
            )

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}") or "" for code in LANGUAGES}

    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{code}"] for code in LANGUAGES]


class TemplatePolicyForm(forms.Form):
    allowed_personal = forms.MultipleChoiceField(
        label=_("許可する個人情報の差込"),
        choices=list(PERSONAL_PLACEHOLDERS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allowed_domain = forms.CharField(label=_("URLに使える公表ドメイン"), required=False)


class CampaignForm(CallListFilterForm):
    """The call lists' selection filters, plus what a campaign needs."""

    template = forms.ModelChoiceField(
        label=_("テンプレート（承認済み）"),
        queryset=SmsTemplate.objects.none(),
        required=False,
        empty_label=CHOICE_PROMPT,
    )
    scheduled_at = forms.DateTimeField(
        label=_("送信開始日時"),
        required=False,
        help_text=_("空欄のときは、承認後に送信時間帯に入りしだい始めます。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    deadline = forms.DateField(
        label=_("期限日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("キャンペーン名")
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        template_field.queryset = SmsTemplate.objects.filter(status=SmsTemplate.Status.APPROVED)

    def filters(self) -> dict:
        skip = {"name", "template", "scheduled_at", "deadline"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class PreferenceForm(forms.Form):
    do_not_text = forms.BooleanField(label=_("SMSを送らない（本人の申出）"), required=False)
    language = forms.ChoiceField(
        label=_("SMSの言語"),
        choices=[("", _("国籍から選ぶ"))] + [(c, label) for c, label in LANGUAGES.items()],
        required=False,
    )


class PreviewForm(forms.Form):
    language = forms.ChoiceField(choices=list(LANGUAGES.items()), required=False)
    resident_no = forms.CharField(label=_("実データで確認（住民番号）"), required=False)
