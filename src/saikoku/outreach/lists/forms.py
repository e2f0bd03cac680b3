"""Forms of the supervisor's call list pages: they parse and normalise input only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Levy
from saikoku.core.forms import CHOICE_PROMPT, BoundedIntegerField, prompted
from saikoku.outreach.facts import fiscal_year_of
from saikoku.outreach.lists.services import ASSIGNEE_ROLES
from saikoku.outreach.models import WORKABLE, CallListEntry, Team

# How far back a list may reach by fiscal year: older arrears are the ward's own work.
FISCAL_YEARS_BACK = 6
# The upper bounds of the numbers a supervisor types (docs/outreach.md, "Call lists"):
# ten years of days is past every time bar (5 years, renewed by a demand notice), and
# a billion yen is more than any payer of the ward owes.
MAX_DAYS = 3650
MAX_YEN = 1_000_000_000
MAX_ASSIGN = 100_000


def _fiscal_year_choices() -> list[tuple[int, str]]:
    this_year = fiscal_year_of(timezone.localdate())
    return [
        (year, _("%(year)s年度") % {"year": year})
        for year in range(this_year, this_year - FISCAL_YEARS_BACK, -1)
    ]


class CallListFilterForm(forms.Form):
    name = forms.CharField(label=_("リスト名"), max_length=200, required=False)
    levies = forms.MultipleChoiceField(
        label=_("税目"), choices=Levy.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    fiscal_years = forms.TypedMultipleChoiceField(
        label=_("年度"),
        coerce=int,
        choices=_fiscal_year_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    days_past_due_min = BoundedIntegerField(
        label=_("納期限経過日数（以上）"), min_value=0, max_value=MAX_DAYS, required=False
    )
    days_past_due_max = BoundedIntegerField(
        label=_("納期限経過日数（以下）"), min_value=0, max_value=MAX_DAYS, required=False
    )
    balance_min = BoundedIntegerField(
        label=_("滞納額（円以上）"), min_value=0, max_value=MAX_YEN, required=False
    )
    balance_max = BoundedIntegerField(
        label=_("滞納額（円以下）"), min_value=0, max_value=MAX_YEN, required=False
    )
    first_time = forms.BooleanField(label=_("初めての滞納者"), required=False)
    broken_promise = forms.BooleanField(label=_("納付約束の不履行あり"), required=False)
    broken_plan = forms.BooleanField(label=_("分納誓約の不履行あり"), required=False)
    time_bar_within_days = BoundedIntegerField(
        label=_("時効まで（日以内）"), min_value=0, max_value=MAX_DAYS, required=False
    )
    has_callable_number = forms.BooleanField(label=_("有効な電話番号あり"), required=False)
    not_contacted_days = BoundedIntegerField(
        label=_("最終接触から（日以上）"), min_value=1, max_value=MAX_DAYS, required=False
    )

    def filters(self) -> dict:
        """The cleaned filters without the list name."""
        return {k: v for k, v in self.cleaned_data.items() if k != "name"}


def filter_descriptions(filters: dict[str, Any]) -> list[tuple[str, str]]:
    """Stored (normalised) filters in words, with the form's own labels: what a list or
    an SMS campaign was built from."""
    rows: list[tuple[str, str]] = []
    for key, field in CallListFilterForm.base_fields.items():
        value = filters.get(key)
        if key == "name" or value in (None, "", [], False):
            continue
        if isinstance(value, list):
            choices = {str(k): str(v) for k, v in getattr(field, "choices", ())}
            text = "、".join(choices.get(str(v), str(v)) for v in value)
        elif value is True:
            text = str(_("はい"))
        else:
            text = f"{value:,}" if isinstance(value, int) else str(value)
        rows.append((str(field.label), text))
    return rows


class AssignForm(forms.Form):
    operator = forms.ModelChoiceField(
        label=_("担当者"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=CHOICE_PROMPT,
    )
    team = forms.ModelChoiceField(
        label=_("チーム"), queryset=Team.objects.none(), required=False, empty_label=CHOICE_PROMPT
    )
    count = BoundedIntegerField(
        label=_("件数（優先度の高い順）"), min_value=1, max_value=MAX_ASSIGN
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(role__in=ASSIGNEE_ROLES, is_active=True)
            .order_by("username")
        )
        self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        if bool(data.get("operator")) == bool(data.get("team")):
            raise forms.ValidationError(_("担当者またはチームのどちらか一方を選んでください。"))
        return data


class ApprovalForm(forms.Form):
    rule = forms.ChoiceField(
        label=_("承認する除外理由"),
        choices=(),
        error_messages={"required": _("承認する除外理由を選んでください。")},
    )
    reason = forms.CharField(
        label=_("承認理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("承認理由を入力してください。")},
    )
    valid_until = forms.DateField(label=_("有効期限"), required=False)

    def __init__(self, *args, rules: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = prompted(rules)  # type: ignore[attr-defined]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("承認理由を入力してください。"))
        return reason


# The detail page's status filter: it opens on the entries still to be called, not on
# every entry (a list's excluded payers can fill its first pages).
CALLABLE = "callable"
ALL = "all"


class EntryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[
            (CALLABLE, _("架電対象（未架電・再架電待ち）")),
            *CallListEntry.Status.choices,
            (ALL, _("すべて")),
        ],
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = CALLABLE
        super().__init__(data, **kwargs)

    def statuses(self) -> tuple[str, ...] | None:
        """The statuses to show (None: all); the callable ones unless asked otherwise."""
        wanted = self.cleaned_data.get("status", "") if self.is_valid() else ""
        if wanted == ALL:
            return None
        if wanted in CallListEntry.Status.values:
            return (wanted,)
        return tuple(CallListEntry.Status(s).value for s in WORKABLE)
