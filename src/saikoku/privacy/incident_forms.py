"""Input of the incident register's pages: an incident recorded, the list's filters,
an action on the timeline, payers added, the report to the ward, the closing."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.core.forms import (
    FIRST_DATE,
    LAST_DATE,
    BoundedIntegerField,
    WarekiDateField,
    prompted,
)
from saikoku.privacy.models import Incident, IncidentKind, IncidentSeverity, IncidentStatus

# A moment typed later than now by more than this is refused: clocks of office PCs
# drift, an incident in the future does not exist.
CLOCK_SLACK = dt.timedelta(minutes=10)
# Resident numbers one form takes: a misdirected batch names hundreds, never more.
MAX_PAYERS = 1000
SEPARATORS = re.compile(r"[\s,、，;]+")


class MomentField(forms.DateTimeField):
    """A date and time as the datetime-local input sends it (or typed with a space),
    Tokyo time, not in the future."""

    def __init__(self, **kwargs: Any) -> None:
        message = _("日時は 2025-06-30 14:05 の形で入力してください。")
        kwargs.setdefault("error_messages", {"invalid": message})
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}))
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], **kwargs)

    def clean(self, value: Any) -> dt.datetime | None:
        moment = super().clean(value)
        if moment is None:
            return None
        if not FIRST_DATE <= timezone.localtime(moment).date() <= LAST_DATE:
            raise forms.ValidationError(_("日時は 2025-06-30 14:05 の形で入力してください。"))
        if moment > timezone.now() + CLOCK_SLACK:
            raise forms.ValidationError(_("未来の日時は記録できません。"))
        return moment


def _now_local() -> str:
    return f"{timezone.localtime():%Y-%m-%dT%H:%M}"


class ResidentNumbersField(forms.CharField):
    """Resident numbers, one a line or separated by commas or spaces (full-width digits
    accepted), as a list without duplicates."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_PAYERS * 21)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return []
        if self.max_length is not None and len(text) > self.max_length:
            raise forms.ValidationError(
                _("住民番号は%(n)s人までにしてください。") % {"n": f"{MAX_PAYERS:,}"}
            )
        numbers = [n for n in SEPARATORS.split(unicodedata.normalize("NFKC", text)) if n]
        wrong = [n for n in numbers if not (n.isascii() and n.isdigit() and len(n) <= 20)]
        if wrong:
            raise forms.ValidationError(
                _("住民番号は数字で入力してください（読めない値: %(values)s）。")
                % {"values": "、".join(w[:20] for w in wrong[:3])}
            )
        numbers = list(dict.fromkeys(numbers))
        if len(numbers) > MAX_PAYERS:
            raise forms.ValidationError(
                _("住民番号は%(n)s人までにしてください。") % {"n": f"{MAX_PAYERS:,}"}
            )
        return numbers

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def _user_choices() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return [
        (u.username, f"{u.last_name} {u.first_name} ({u.username})".strip())
        for u in users.only("username", "last_name", "first_name")
    ]


class IncidentForm(forms.Form):
    """A new incident: what happened, when, who found it, its scope and the people
    affected (docs/security/incident.md, 4: the items of the written report)."""

    title = forms.CharField(
        label=_("件名"), max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )
    what = forms.CharField(label=_("発生した事態"), max_length=4000, widget=forms.Textarea)
    kind = forms.ChoiceField(label=_("種別"), choices=prompted(IncidentKind.choices))
    severity = forms.ChoiceField(label=_("重大度"), choices=prompted(IncidentSeverity.choices))
    occurred_at = MomentField(label=_("発生日時"))
    found_at = MomentField(label=_("発見日時"))
    found_by_user = forms.ChoiceField(label=_("発見者（利用者）"), required=False)
    found_by_name = forms.CharField(
        label=_("発見者（氏名）"),
        max_length=150,
        required=False,
        help_text=_("利用者でない人が発見した場合に入力してください。"),
    )
    scope = forms.CharField(label=_("範囲"), max_length=4000, widget=forms.Textarea)
    affected_count = BoundedIntegerField(
        label=_("影響を受けた人数"), min_value=0, max_value=10_000_000
    )
    payers = ResidentNumbersField(
        label=_("対象者の住民番号"),
        required=False,
        help_text=_("1行に1人、またはカンマ区切り。閲覧できる納付義務者だけを登録できます。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["found_by_user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = prompted(_user_choices(), _("（利用者以外）"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        occurred, found = data.get("occurred_at"), data.get("found_at")
        if occurred and found and found < occurred:
            self.add_error("found_at", _("発見日時は発生日時以降にしてください。"))
        username, name = data.get("found_by_user"), data.get("found_by_name", "")
        user = get_user_model().objects.filter(username=username).first() if username else None
        data["found_by_user"] = user
        if user is not None and not name:
            data["found_by_name"] = f"{user.last_name} {user.first_name}".strip() or username
        if user is None and not name and "found_by_name" not in self.errors:
            self.add_error("found_by_name", _("発見者を選ぶか、氏名を入力してください。"))
        payers = data.get("payers") or []
        count = data.get("affected_count")
        if count is not None and len(payers) > count:
            self.add_error(
                "affected_count",
                _("影響を受けた人数は対象者の住民番号の数（%(n)s人）以上にしてください。")
                % {"n": len(payers)},
            )
        return data


class IncidentFilterForm(forms.Form):
    """The register's filters (GET): status, kind, period of discovery, open only."""

    status = forms.ChoiceField(
        label=_("状態"), required=False, choices=prompted(IncidentStatus.choices, _("すべて"))
    )
    kind = forms.ChoiceField(
        label=_("種別"), required=False, choices=prompted(IncidentKind.choices, _("すべて"))
    )
    start = WarekiDateField(label=_("発見日（開始）"), required=False)
    end = WarekiDateField(label=_("発見日（終了）"), required=False)
    open_only = forms.BooleanField(label=_("未終結のみ"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("期間の終了は開始以降の日にしてください。"))
        return data


class _OnIncident:
    """A record on an existing incident: no earlier than its discovery. A mixin (no
    form of its own); each form declares its `at` and `by`."""

    # The incident's page holds several of these forms: ids apart, names the same.
    id_prefix = "record"
    cleaned_data: dict[str, Any]
    fields: dict[str, forms.Field]
    is_bound: bool

    def __init__(self, *args: Any, incident: Incident | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.incident = incident
        if not self.is_bound:
            self.fields["at"].initial = _now_local()

    def clean_at(self) -> dt.datetime:
        at = self.cleaned_data["at"]
        if self.incident is not None and at < self.incident.found_at:
            raise forms.ValidationError(
                _("発見日時（%(found)s）より前の日時は記録できません。")
                % {"found": f"{timezone.localtime(self.incident.found_at):%Y-%m-%d %H:%M}"}
            )
        return at


class IncidentActionForm(_OnIncident, forms.Form):
    """What was done, appended to the timeline."""

    at = MomentField(label=_("日時"))
    by = forms.CharField(label=_("実施者"), max_length=150)
    text = forms.CharField(label=_("実施した内容"), max_length=4000, widget=forms.Textarea)
    id_prefix = "action"

    field_order = ["at", "by", "text"]


class IncidentPayersForm(forms.Form):
    """More payers the incident affected."""

    payers = ResidentNumbersField(
        label=_("追加する住民番号"), help_text=_("1行に1人、またはカンマ区切り。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "payers-%s")
        super().__init__(*args, **kwargs)


class IncidentReportForm(_OnIncident, forms.Form):
    """A report to the ward: when, by whom, to whom."""

    at = MomentField(label=_("日時"))
    by = forms.CharField(label=_("報告者"), max_length=150)
    to = forms.CharField(label=_("報告先（区の担当者）"), max_length=200)
    note = forms.CharField(
        label=_("報告の方法・内容"), max_length=2000, required=False, widget=forms.Textarea
    )

    field_order = ["at", "by", "to", "note"]
    id_prefix = "report"


class IncidentCloseForm(_OnIncident, forms.Form):
    """The closing: cause, what was done, prevention, as agreed with the ward."""

    at = MomentField(label=_("日時"))
    by = forms.CharField(label=_("終結の確認者"), max_length=150)
    summary = forms.CharField(
        label=_("終結の概要（原因・措置・再発防止策）"), max_length=4000, widget=forms.Textarea
    )

    field_order = ["at", "by", "summary"]
    id_prefix = "close"
