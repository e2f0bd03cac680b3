"""Dates as the ward writes them: ISO, compact, slashed, and Japanese era (和暦) dates.

Ward-package spec §2: YYYY-MM-DD preferred; YYYYMMDD, YYYY/MM/DD and era dates such as
令和7年6月30日, 令和元年5月1日, R7.6.30, R07.06.30, S48.1.5 accepted; full-width digits
accepted. A date that does not exist (2025-02-30) is an error, and so is an era date
outside its era (平成31年5月1日, 令和元年4月30日): such a value is a typing error in the
source system, and guessing would put a wrong birth date or due date on a payer.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

__all__ = [
    "ERAS",
    "TOKYO",
    "Era",
    "InvalidDate",
    "era_of",
    "format_wareki",
    "parse_date",
    "parse_date_or_datetime",
]

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class Era:
    name: str  # 令和
    letter: str  # R
    start: dt.date  # first day of the era (gregorian)

    @property
    def offset(self) -> int:
        """Western year of the era's year 0: 令和 N = 2018 + N."""
        return self.start.year - 1


# Start dates are the first day of each era in the Gregorian calendar.
# 明治: the era was proclaimed on 慶応4年9月8日 = 1868-10-23 and made retroactive to the
# first day of that lunisolar year (1868-01-25). We start it on 1868-10-23, the day the
# name came into use, and count 明治元年 as 1868 as every practical system does. Japan
# kept the lunisolar calendar until 明治5年12月2日 (1872-12-31): for 明治 dates before
# 明治6年 the month and day are read as Gregorian, which the documents of the time are not.
# No payer alive today was born then, so the simplification costs nothing.
# The others follow the 元号 decrees: 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08
# (元号を改める政令, 昭和64年1月7日), 令和 2019-05-01. An era ends the day before the next
# one starts; 令和 has no end.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", dt.date(1868, 10, 23)),
    Era("大正", "T", dt.date(1912, 7, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25)),
    Era("平成", "H", dt.date(1989, 1, 8)),
    Era("令和", "R", dt.date(2019, 5, 1)),
)

_ERA_BY_TOKEN: dict[str, Era] = {}
for _era in ERAS:
    _ERA_BY_TOKEN[_era.name] = _era
    _ERA_BY_TOKEN[_era.name[0]] = _era  # 令7.6.30
    _ERA_BY_TOKEN[_era.letter] = _era  # R7.6.30 (lower case is upper-cased first)

_ERA_TOKEN = "|".join(sorted(_ERA_BY_TOKEN, key=len, reverse=True))
_NUM = r"\d{1,2}"

# 令和7年6月30日, R7年6月30日, 令和 元年 5月 1日
_ERA_KANJI = re.compile(
    rf"(?P<era>{_ERA_TOKEN})\s*(?P<year>元|\d{{1,2}})\s*年\s*(?P<month>{_NUM})\s*月"
    rf"\s*(?P<day>{_NUM})\s*日"
)
# R7.6.30, R07.06.30, S48.1.5, R7/6/30, R7-6-30, 令7.6.30, R.7.6.30, R元.5.1
_ERA_SHORT = re.compile(
    rf"(?P<era>{_ERA_TOKEN})\.?(?P<year>元|\d{{1,2}})(?P<sep>[./-])(?P<month>{_NUM})"
    rf"(?P=sep)(?P<day>{_NUM})"
)
# 2025-06-30, 2025/6/30, 2025.06.30
_WESTERN_SEP = re.compile(
    rf"(?P<year>\d{{4}})(?P<sep>[./-])(?P<month>{_NUM})(?P=sep)(?P<day>{_NUM})"
)
_WESTERN_COMPACT = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
_WESTERN_KANJI = re.compile(
    rf"(?P<year>\d{{4}})\s*年\s*(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*日"
)
# A time after the date: "2025-06-30 14:05", "2025-06-30T14:05:09+09:00".
_WITH_TIME = re.compile(
    r"(?P<date>.+?)(?:\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d{1,6}))?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)

# Dashes an IME or a spreadsheet puts where a hyphen was meant (NFKC keeps them).
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))


class InvalidDate(ValueError):
    """Text that is not a date, names a day that does not exist, or lies outside its era.

    code: "not_a_date", "no_such_day", "no_such_time" or "outside_era", for reports.
    """

    def __init__(self, message: str, *, code: str = "not_a_date") -> None:
        super().__init__(message)
        self.code = code


def _normalise(text: str) -> str:
    # NFKC: full-width digits and separators, and the one-character era signs ㍻ ㋿.
    text = unicodedata.normalize("NFKC", text).strip()
    return text.translate(_DASHES)


def _build(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidDate(
            _("存在しない日付です: %(text)s") % {"text": text}, code="no_such_day"
        ) from None


def _era_date(match: re.Match[str], text: str) -> dt.date:
    era = _ERA_BY_TOKEN[match["era"]]
    # 元年 is year 1; a year 0 lands before the era's start and is reported as such.
    year = 1 if match["year"] == "元" else int(match["year"])
    date = _build(era.offset + year, int(match["month"]), int(match["day"]), text)
    following = [e.start for e in ERAS if e.start > era.start]
    if date < era.start or (following and date >= following[0]):
        raise InvalidDate(
            _("%(era)sの期間外の日付です: %(text)s") % {"era": era.name, "text": text},
            code="outside_era",
        )
    return date


def _parse_date(text: str, original: str) -> dt.date:
    for pattern in (_ERA_KANJI, _ERA_SHORT):
        match = pattern.fullmatch(text.upper())
        if match:
            return _era_date(match, original)
    for pattern in (_WESTERN_SEP, _WESTERN_COMPACT, _WESTERN_KANJI):
        match = pattern.fullmatch(text)
        if match:
            return _build(int(match["year"]), int(match["month"]), int(match["day"]), original)
    raise InvalidDate(_("日付として読めません: %(text)s") % {"text": original})


def parse_date(text: str) -> dt.date:
    """Parse a date in any accepted form; raise InvalidDate otherwise."""
    return _parse_date(_normalise(text), text)


def parse_date_or_datetime(text: str) -> tuple[dt.datetime, bool]:
    """Parse a date or a date with a time of day, as an aware Asia/Tokyo datetime.

    The flag says whether the text carried a time. A bare date is midnight in Tokyo; a
    time without an offset is Tokyo time (the ward's systems all run on JST); a time
    with an offset (+09:00, Z) is converted to Tokyo time.
    """
    normalised = _normalise(text)
    match = _WITH_TIME.fullmatch(normalised)
    if match is None:
        date = _parse_date(normalised, text)
        return dt.datetime.combine(date, dt.time(), tzinfo=TOKYO), False

    date = _parse_date(match["date"], text)
    try:
        clock = dt.time(
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int((match["fraction"] or "").ljust(6, "0")),
        )
    except ValueError:
        raise InvalidDate(
            _("存在しない時刻です: %(text)s") % {"text": text}, code="no_such_time"
        ) from None
    tz = match["tz"]
    if tz is None:
        return dt.datetime.combine(date, clock, tzinfo=TOKYO), True
    if tz == "Z":
        offset = dt.UTC
    else:
        hours, minutes = int(tz[1:3]), int(tz[-2:])
        if hours > 23 or minutes > 59:
            raise InvalidDate(_("時差の表記が不正です: %(text)s") % {"text": text})
        delta = dt.timedelta(hours=hours, minutes=minutes)
        offset = dt.timezone(delta if tz[0] == "+" else -delta)
    return dt.datetime.combine(date, clock, tzinfo=offset).astimezone(TOKYO), True


def era_of(date: dt.date) -> Era | None:
    """The era a date falls in, or None before 明治."""
    for era in reversed(ERAS):
        if date >= era.start:
            return era
    return None


def format_wareki(d: dt.date, *, western: bool = True) -> str:
    """令和7年6月30日 (2025); 令和元年5月1日 (2019) for year 1; western only before 明治.

    An aware datetime is shown by its Tokyo calendar day.
    """
    if isinstance(d, dt.datetime):
        d = d.astimezone(TOKYO).date() if d.tzinfo else d.date()
    era = era_of(d)
    if era is None:
        return f"{d.year}年{d.month}月{d.day}日"
    year = d.year - era.offset
    text = f"{era.name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{text} ({d.year})" if western else text


def date_examples(today: dt.date) -> dict[str, str]:
    """A week from today in the forms a date field reads (parse_date), for the
    examples under a field: a fixed example date would soon lie in the past."""
    day = today + dt.timedelta(days=7)
    era = era_of(day) or ERAS[-1]  # a week from today is always in an era
    year = day.year - era.offset
    return {
        "iso": day.isoformat(),
        "wareki": format_wareki(day, western=False),
        "short": f"{era.letter}{year}.{day.month}.{day.day}",
    }
