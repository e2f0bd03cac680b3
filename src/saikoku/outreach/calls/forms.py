"""Forms of the call screen: parse and normalise input only (the rules are in the
services: calls/services.py, records/services.py)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.core.dates import InvalidDate, parse_date, parse_date_or_datetime
from saikoku.core.forms import BoundedIntegerField, ParsedCharField
from saikoku.core.money import InvalidAmount, parse_yen
from saikoku.outreach.models import Party
from saikoku.outreach.outcomes import OUTCOMES
from saikoku.outreach.records.services import CallOutcome

_IN_DAYS = re.compile(r"^\s*[+＋]\s*([0-9０-９]{1,3})\s*$")
# The western year the console shows after a 和暦 date: 令和8年12月9日 (2026).
_WESTERN_YEAR = re.compile(r"^(?P<date>.*?)\s*[(（]\s*(?P<year>[0-9０-９]{4})\s*[)）]\s*$")
_CLOCK = re.compile(r"^\s*([0-9０-９]{1,2})\s*[:：]\s*([0-9０-９]{2})\s*$")

# Reasons an operator may give to open a payer who is not in their work (CONSOLE.md:
# purpose-bound access). Stored in the audit entry, flagged for review.
PURPOSES = {
    "inbound_call": _("受電対応（本人・家族からの電話）"),
    "mail_or_visit": _("郵便物・来庁者への対応"),
    "colleague_request": _("同僚・責任者からの依頼"),
    "data_check": _("記録の確認・訂正"),
}


def parse_promise_date(text: str, *, today: dt.date) -> dt.date:
    """A date in any accepted form (和暦 too), "+7" for seven days from today, or a date
    as the console shows it, with its western year after it (令和8年12月9日 (2026)): the
    amend form starts from that, and the year in brackets must agree."""
    match = _IN_DAYS.match(text)
    if match:
        return today + dt.timedelta(days=int(unicodedata.normalize("NFKC", match[1])))
    shown = _WESTERN_YEAR.match(text)
    if shown:
        date = parse_date(shown["date"])
        if date.year != int(unicodedata.normalize("NFKC", shown["year"])):
            raise InvalidDate(text)
        return date
    return parse_date(text)


class PromiseDateField(ParsedCharField):
    """A promise date: any accepted date form, or "+7" for seven days from today."""

    invalid = (InvalidDate,)
    invalid_message = _(
        "日付として読めません。2025-12-25、令和7年12月25日、+7（7日後）の形で入力してください。"
    )
    invalid_code = "invalid_date"

    def parse(self, text: str) -> dt.date:
        return parse_promise_date(text, today=timezone.localdate())


class AmountField(ParsedCharField):
    """Whole yen, with or without thousands separators."""

    invalid = (InvalidAmount,)
    invalid_message = _("金額は 12300 や 12,300 の形で、円単位で入力してください。")
    invalid_code = "invalid_amount"
    # The upper bound (docs/outreach.md): more than any payer of the ward owes.
    max_yen = 1_000_000_000

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("error_messages", {"max_length": self.invalid_message})
        super().__init__(**kwargs)

    def parse(self, text: str) -> int:
        amount = parse_yen(text)
        if amount > self.max_yen:
            raise forms.ValidationError(
                _("金額は%(max)s円以下で入力してください。"),
                params={"max": f"{self.max_yen:,}"},
                code="amount_range",
            )
        return amount


class CallbackAtField(forms.CharField):
    """A day and a time (2025-11-05 18:30, 令和7年11月5日 18:30) or a time today (18:30)."""

    def to_python(self, value: str | None) -> dt.datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        clock = _CLOCK.match(unicodedata.normalize("NFKC", text))
        if clock:
            hour, minute = int(clock[1]), int(clock[2])
            if hour < 24 and minute < 60:
                return timezone.localtime().replace(
                    hour=hour, minute=minute, second=0, microsecond=0
                )
        try:
            at, has_time = parse_date_or_datetime(text)
        except InvalidDate:
            has_time = False
        if not has_time:
            raise forms.ValidationError(
                _(
                    "日時として読めません。"
                    "18:30（今日）や 2025-11-05 18:30 の形で入力してください。"
                ),
                code="invalid_datetime",
            )
        return at


class IdentityForm(forms.Form):
    name = forms.BooleanField(label=_("氏名"), required=False)
    birth_date = forms.BooleanField(label=_("生年月日"), required=False)
    address = forms.BooleanField(label=_("住所"), required=False)

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("name") or not (data.get("birth_date") or data.get("address")):
            raise forms.ValidationError(
                _("氏名と、生年月日または住所のどちらかを確認してチェックしてください。"),
                code="identity",
            )
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("結果"),
        choices=[(code, o.label) for code, o in OUTCOMES.items()],
        error_messages={
            "required": _("結果を一覧から選んでください（各結果に表示されたキーでも選べます）。")
        },
    )
    party = forms.ChoiceField(
        label=_("応対者"),
        required=False,
        choices=[("", "—"), (Party.FAMILY, Party.FAMILY.label), (Party.OTHER, Party.OTHER.label)],
    )
    phone = BoundedIntegerField(  # a Phone id, as the radio buttons send it
        label=_("架電した番号"), min_value=1, max_value=2**31 - 1, required=False
    )
    note = forms.CharField(label=_("メモ"), required=False, max_length=2000)
    promise_on = PromiseDateField(label=_("約束日"), required=False)
    promise_amount = AmountField(label=_("約束金額"), required=False)
    callback_at = CallbackAtField(label=_("折返し日時"), required=False)
    callback_for = forms.ChoiceField(
        label=_("折返しの担当"),
        required=False,
        choices=[("me", _("自分")), ("team", _("チーム"))],
    )
    callback_requested = forms.BooleanField(label=_("相手方からの折返し依頼"), required=False)

    def call_outcome(self) -> CallOutcome:
        """What was said, for records.services.contact_record_create (a valid form)."""
        data = self.cleaned_data
        return CallOutcome(
            outcome=data["outcome"],
            party=data["party"] or "",
            phone_id=data["phone"],
            note=data["note"],
            promise_on=data["promise_on"],
            promise_amount=data["promise_amount"],
            callback_at=data["callback_at"],
            callback_for_team=data["callback_for"] == "team",
            callback_requested_by_payer=data["callback_requested"],
        )


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("閲覧の理由"),
        choices=list(PURPOSES.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "閲覧の理由を選んでください。数字キー（1〜4）か矢印キーで選び、Enter で開きます。"
            )
        },
    )
