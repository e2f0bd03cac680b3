"""The SMS send window: weekdays 9:00–20:00 Tokyo time by default, holidays and
12/29–1/3 excluded (SAIKOKU_SMS_WINDOW_*)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from saikoku.arrears.calendar import is_holiday
from saikoku.core.dates import TOKYO

__all__ = ["next_send_window", "send_window_open", "send_window_text"]


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The send window of a day (SAIKOKU_SMS_WINDOW_*), or None on a closed day."""
    if not settings.SAIKOKU_SMS_WINDOW_EVERY_DAY and (day.weekday() >= 5 or is_holiday(day)):
        return None
    start = dt.datetime.combine(day, dt.time.fromisoformat(settings.SAIKOKU_SMS_WINDOW_START))
    end_text = settings.SAIKOKU_SMS_WINDOW_END
    if end_text == "24:00":
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    else:
        end = dt.datetime.combine(day, dt.time.fromisoformat(end_text))
    return start.replace(tzinfo=TOKYO), end.replace(tzinfo=TOKYO)


def send_window_open(at: dt.datetime) -> bool:
    window = _window(at.astimezone(TOKYO).date())
    return window is not None and window[0] <= at < window[1]


def next_send_window(at: dt.datetime) -> dt.datetime:
    """The first moment at or after `at` inside the send window."""
    local = at.astimezone(TOKYO)
    day = local.date()
    for _i in range(30):
        window = _window(day)
        if window is not None and local < window[1]:
            return max(local, window[0])
        day += dt.timedelta(days=1)
    raise RuntimeError("no send window in 30 days")  # pragma: no cover


def send_window_text() -> str:
    """The send window in words, as configured (SAIKOKU_SMS_WINDOW_*)."""
    hours = {"start": settings.SAIKOKU_SMS_WINDOW_START, "end": settings.SAIKOKU_SMS_WINDOW_END}
    if settings.SAIKOKU_SMS_WINDOW_EVERY_DAY:
        return _("送信は毎日%(start)s〜%(end)sです（土日・祝日・年末年始を含む）。") % hours
    return _("送信は平日%(start)s〜%(end)sだけです（祝日と12月29日〜1月3日を除く）。") % hours
