"""Contact rules (接触ルール), enforced on the server for every channel.

A contact (a call or an SMS) is allowed when all of these hold at that moment, in
Asia/Tokyo time (ContactSettings, configured by the ward_admin):

- the day is open: not a Sunday (unless sunday_allowed), not a national or substitute
  holiday and not 12/29–1/3 (the ward office's closure, 地方自治法第4条の2; unless
  holiday_allowed), not a Saturday unless saturday_allowed;
- the time is inside that day's window (weekdays weekday_start–weekday_end, Saturdays
  saturday_start–saturday_end; the end is exclusive);
- fewer than max_attempts_per_day attempts on that calendar day and fewer than
  max_attempts_per_week in the seven days before;
- at least min_gap_minutes since the last attempt, unless the payer asked to be called
  back (a requested callback waives the gap, nothing else).

Calls and SMS share one budget: every ContactRecord of channel outbound_call or sms
counts as an attempt (amendments do not: they correct a record, they are no contact).
A refusal says in Japanese when the contact becomes possible (next_possible_at).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from saikoku.arrears.calendar import is_holiday
from saikoku.core.dates import TOKYO, format_wareki
from saikoku.outreach.models import Channel, ContactRecord, ContactSettings

__all__ = [
    "BUDGET_CHANNELS",
    "RuleDecision",
    "contact_allowed",
    "contact_allowed_many",
    "contact_allowed_on",
    "contact_attempts",
    "format_when",
    "is_holiday",
    "next_open_at",
]

# The channels that spend the shared contact budget.
BUDGET_CHANNELS = (Channel.OUTBOUND_CALL.value, Channel.SMS.value)
WEEK = dt.timedelta(days=7)
_WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class RuleDecision:
    allowed: bool
    code: str  # "" when allowed; else closed_day, outside_hours, daily_limit, weekly_limit, min_gap
    message: str
    next_possible_at: dt.datetime | None


def _window(day: dt.date, s: ContactSettings) -> tuple[dt.datetime, dt.datetime] | None:
    """The contact window of a day, or None when the day is closed for contact."""
    weekday = day.weekday()
    if is_holiday(day) and not s.holiday_allowed:
        return None
    if weekday == 6:
        if not s.sunday_allowed:
            return None
        start, end = s.saturday_start, s.saturday_end
    elif weekday == 5:
        if not s.saturday_allowed:
            return None
        start, end = s.saturday_start, s.saturday_end
    else:
        start, end = s.weekday_start, s.weekday_end
    start, end = _as_time(start), _as_time(end)
    return (
        dt.datetime.combine(day, start, tzinfo=TOKYO),
        dt.datetime.combine(day, end, tzinfo=TOKYO),
    )


def _as_time(value: dt.time | str) -> dt.time:
    # A freshly created row holds the string default until it is read back.
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def next_open_at(at: dt.datetime, s: ContactSettings | None = None) -> dt.datetime | None:
    """The first moment at or after `at` inside a contact window (None: none in 60 days,
    i.e. every day is configured closed)."""
    s = s or ContactSettings.current()
    at = at.astimezone(TOKYO)
    day = at.date()
    for _i in range(60):
        window = _window(day, s)
        if window is not None and at < window[1]:
            return max(at, window[0])
        day += dt.timedelta(days=1)
    return None


def format_when(at: dt.datetime) -> str:
    """令和7年11月4日（火）9:00: how the refusal says when contact becomes possible."""
    local = at.astimezone(TOKYO)
    return (
        f"{format_wareki(local.date(), western=False)}（{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"
    )


def _attempts(payer_ids: Iterable[int], now: dt.datetime) -> dict[int, list[dt.datetime]]:
    """Attempt times of the last seven days (and any later ones), per payer, oldest first."""
    result: dict[int, list[dt.datetime]] = {}
    rows = (
        ContactRecord.objects.filter(
            payer_id__in=list(payer_ids),
            channel__in=BUDGET_CHANNELS,
            amends__isnull=True,
            at__gt=now - WEEK - dt.timedelta(days=1),
        )
        .order_by("at")
        .values_list("payer_id", "at")
    )
    for payer_id, at in rows:
        result.setdefault(payer_id, []).append(at)
    return result


def _decide(
    attempts: list[dt.datetime], *, now: dt.datetime, s: ContactSettings, callback_requested: bool
) -> RuleDecision:
    now = now.astimezone(TOKYO)
    first_code = ""
    first_reason = ""
    at: dt.datetime | None = now
    probe = now
    # Each pass moves the probe to where the failed rule stops failing; counts only
    # fall as time passes (no new attempts are assumed), so a few passes settle.
    for _pass in range(12):
        code, reason, fix = _check(attempts, at=probe, s=s, callback_requested=callback_requested)
        if not code:
            at = probe
            break
        if not first_code:
            first_code, first_reason = code, reason
        if fix is None:
            at = None
            break
        probe = fix
    else:  # pragma: no cover - the rules always settle within a week of passes
        at = None
    if not first_code:
        return RuleDecision(allowed=True, code="", message="", next_possible_at=None)
    if at is None:
        message = first_reason + " " + _("連絡できる日がありません。接触ルールを確認してください。")
    else:
        message = first_reason + " " + _("%(when)s から連絡できます。") % {"when": format_when(at)}
    return RuleDecision(allowed=False, code=first_code, message=message, next_possible_at=at)


def _check(
    attempts: list[dt.datetime], *, at: dt.datetime, s: ContactSettings, callback_requested: bool
) -> tuple[str, str, dt.datetime | None]:
    """(code, reason, the earliest time that rule allows) for the first rule failing at
    `at`; ("", "", None) when all pass."""
    window = _window(at.date(), s)
    if window is None:
        if at.weekday() == 6 and not is_holiday(at.date()):
            reason = _("日曜日は連絡できません。")
        elif at.weekday() == 5 and not is_holiday(at.date()):
            reason = _("土曜日は連絡できません。")
        else:
            reason = _("祝日・年末年始（12月29日〜1月3日）は連絡できません。")
        return "closed_day", reason, next_open_at(at, s)
    if not window[0] <= at < window[1]:
        reason = _(
            "連絡できる時間外です（平日 %(wd_start)s〜%(wd_end)s、"
            "土曜 %(sat_start)s〜%(sat_end)s）。"
        ) % {
            "wd_start": f"{_as_time(s.weekday_start):%H:%M}",
            "wd_end": f"{_as_time(s.weekday_end):%H:%M}",
            "sat_start": f"{_as_time(s.saturday_start):%H:%M}",
            "sat_end": f"{_as_time(s.saturday_end):%H:%M}",
        }
        return "outside_hours", reason, next_open_at(at, s)
    day_start = dt.datetime.combine(at.date(), dt.time(), tzinfo=TOKYO)
    today = [a for a in attempts if day_start <= a <= at]
    if len(today) >= s.max_attempts_per_day:
        reason = _("本日の接触回数が上限（%(n)s回、架電とSMSの合計）に達しています。") % {
            "n": s.max_attempts_per_day
        }
        return "daily_limit", reason, next_open_at(day_start + dt.timedelta(days=1), s)
    week = [a for a in attempts if at - WEEK < a <= at]
    if len(week) >= s.max_attempts_per_week:
        # The window frees up when enough of the oldest attempts fall out of it.
        freeing = week[len(week) - s.max_attempts_per_week]
        reason = _("直近7日間の接触回数が上限（%(n)s回、架電とSMSの合計）に達しています。") % {
            "n": s.max_attempts_per_week
        }
        return "weekly_limit", reason, next_open_at(freeing + WEEK + dt.timedelta(seconds=1), s)
    earlier = [a for a in attempts if a <= at]
    if earlier and not callback_requested:
        last = earlier[-1]
        gap = dt.timedelta(minutes=s.min_gap_minutes)
        if at - last < gap:
            reason = _(
                "前回の接触（%(last)s）から%(gap)s分以上空ける必要があります（架電とSMSの合計）。"
            ) % {"last": f"{last.astimezone(TOKYO):%H:%M}", "gap": s.min_gap_minutes}
            return "min_gap", reason, next_open_at(last + gap, s)
    return "", "", None


def contact_allowed(
    *,
    payer_id: int,
    channel: str,
    now: dt.datetime,
    callback_requested: bool = False,
    contact_settings: ContactSettings | None = None,
) -> RuleDecision:
    """May the center contact this payer by `channel` at `now`? One query (two without
    `contact_settings`, the rules row a caller may already hold).

    channel is "outbound_call" or "sms"; both spend the same budget. A callback the
    payer asked for waives the minimum gap (they want the call), nothing else.
    """
    return contact_allowed_many(
        payer_ids=[payer_id],
        channel=channel,
        now=now,
        callback_requested=callback_requested,
        contact_settings=contact_settings,
    )[payer_id]


def contact_allowed_many(
    *,
    payer_ids: Iterable[int],
    channel: str,
    now: dt.datetime,
    callback_requested: bool = False,
    contact_settings: ContactSettings | None = None,
) -> dict[int, RuleDecision]:
    """contact_allowed for several payers at once (one query): "Next" checks a batch."""
    if channel not in BUDGET_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    ids = list(payer_ids)
    s = contact_settings or ContactSettings.current()
    attempts = _attempts(ids, now)
    return {
        pk: _decide(attempts.get(pk, []), now=now, s=s, callback_requested=callback_requested)
        for pk in ids
    }


def contact_attempts(*, payer_id: int, now: dt.datetime) -> list[dt.datetime]:
    """The attempt times the rules look at for a decision at `now` or a little later,
    oldest first (one query): for a caller that decides twice, e.g. now and at the
    retry time after writing a record."""
    return _attempts([payer_id], now).get(payer_id, [])


def contact_allowed_on(
    attempts: list[dt.datetime],
    *,
    now: dt.datetime,
    contact_settings: ContactSettings,
    callback_requested: bool = False,
) -> RuleDecision:
    """contact_allowed on attempt times already read (contact_attempts, plus any the
    caller has just written); no query."""
    return _decide(
        sorted(attempts), now=now, s=contact_settings, callback_requested=callback_requested
    )
