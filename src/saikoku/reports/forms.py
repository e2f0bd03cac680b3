"""The dashboard's filters and the month of the monthly report: parsing only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Levy
from saikoku.core.forms import CHOICE_PROMPT, WarekiDateField
from saikoku.outreach.models import Team
from saikoku.reports.figures import CHANNELS
from saikoku.reports.scope import month_bounds

# A longer period would make the daily chart unreadable and the queries slow.
MAX_DAYS = 366


class DashboardForm(forms.Form):
    start = WarekiDateField(label=_("期間（開始）"), required=False)
    end = WarekiDateField(label=_("期間（終了）"), required=False)
    levy = forms.ChoiceField(label=_("税目"), required=False)
    team = forms.ChoiceField(label=_("チーム"), required=False)
    channel = forms.ChoiceField(label=_("経路"), required=False)

    def __init__(self, *args: Any, levies: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = _("すべて")
        self.fields["levy"].choices = [("", every)] + [
            (code, label) for code, label in Levy.choices if code in levies
        ]
        self.fields["team"].choices = [("", every)] + [
            (str(pk), name) for pk, name in Team.objects.order_by("name").values_list("pk", "name")
        ]
        self.fields["channel"].choices = [("", every)] + [(k, v) for k, v in CHANNELS.items()]
        self.fields["levy"].error_messages["invalid_choice"] = _("一覧から税目を選んでください。")
        self.fields["team"].error_messages["invalid_choice"] = _("一覧からチームを選んでください。")
        self.fields["channel"].error_messages["invalid_choice"] = _(
            "一覧から経路を選んでください。"
        )
        del every

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end.replace(day=1)
        if start > end:
            raise forms.ValidationError(_("期間の開始は終了より前の日にしてください。"))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("期間は366日以内にしてください。"))
        data["start"], data["end"] = start, end
        data["team_id"] = int(data["team"]) if data.get("team") else None
        return data


class MonthlyReportForm(forms.Form):
    month = forms.CharField(
        label=_("対象月"),
        max_length=7,
        help_text=_("例: 2025-06"),
        error_messages={
            "required": _("対象月を 2025-06 の形で入力してください。"),
            "max_length": _("対象月を 2025-06 の形で入力してください。"),
        },
    )

    def clean_month(self) -> str:
        text = self.cleaned_data["month"].strip()
        try:
            first, _last = month_bounds(text)
        except ValueError:
            raise forms.ValidationError(
                _("対象月を 2025-06 の形で入力してください。"), code="invalid"
            ) from None
        if not dt.date(2000, 1, 1) <= first <= timezone.localdate():
            raise forms.ValidationError(
                _("2000年1月から今月までの月を入力してください。"), code="range"
            )
        return text


__all__ = ["CHOICE_PROMPT", "MAX_DAYS", "DashboardForm", "MonthlyReportForm"]
