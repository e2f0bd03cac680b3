"""Dates as the ward writes them, era boundaries included."""

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saikoku.core.dates import (
    ERAS,
    InvalidDate,
    date_examples,
    format_wareki,
    parse_date,
    parse_date_or_datetime,
)

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-30", dt.date(2025, 6, 30)),
        ("20250630", dt.date(2025, 6, 30)),
        ("2025/06/30", dt.date(2025, 6, 30)),
        ("2025/6/30", dt.date(2025, 6, 30)),
        ("2025.06.30", dt.date(2025, 6, 30)),
        ("2025年6月30日", dt.date(2025, 6, 30)),
        ("２０２５－０６－３０", dt.date(2025, 6, 30)),
        ("２０２５／６／３０", dt.date(2025, 6, 30)),
        ("２０２５０６３０", dt.date(2025, 6, 30)),
        ("  2025-06-30\n", dt.date(2025, 6, 30)),
    ],
)
def test_western_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年6月30日", dt.date(2025, 6, 30)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("令和 7年 6月 30日", dt.date(2025, 6, 30)),
        ("R7.6.30", dt.date(2025, 6, 30)),
        ("R07.06.30", dt.date(2025, 6, 30)),
        ("r7.6.30", dt.date(2025, 6, 30)),
        ("R7/6/30", dt.date(2025, 6, 30)),
        ("R7-6-30", dt.date(2025, 6, 30)),
        ("R元.5.1", dt.date(2019, 5, 1)),
        ("令7.6.30", dt.date(2025, 6, 30)),
        ("R7年6月30日", dt.date(2025, 6, 30)),
        ("Ｒ７．６．３０", dt.date(2025, 6, 30)),
        ("令和７年６月３０日", dt.date(2025, 6, 30)),
        ("S48.1.5", dt.date(1973, 1, 5)),
        ("s48.1.5", dt.date(1973, 1, 5)),
        ("昭和48年1月5日", dt.date(1973, 1, 5)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("T1.7.30", dt.date(1912, 7, 30)),
        ("大正15年12月24日", dt.date(1926, 12, 24)),
        ("M45.7.29", dt.date(1912, 7, 29)),
        ("明治元年10月23日", dt.date(1868, 10, 23)),
        ("㍻31年4月30日", dt.date(2019, 4, 30)),  # one-character era sign
        ("㋿元年5月1日", dt.date(2019, 5, 1)),
    ],
)
def test_era_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("大正元年7月30日", dt.date(1912, 7, 30)),
    ],
)
def test_last_and_first_days_of_eras_are_accepted(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",
        "H31.5.1",
        "令和元年4月30日",
        "R1.4.30",
        "昭和64年1月8日",
        "平成元年1月7日",
        "大正15年12月25日",
        "昭和元年12月24日",
        "明治45年7月30日",
        "明治元年1月1日",  # before 1868-10-23, see the era table
        "令和0年5月1日",
        "H99.1.1",
    ],
)
def test_era_date_outside_its_era_is_an_error(text):
    with pytest.raises(InvalidDate) as caught:
        parse_date(text)
    assert caught.value.code == "outside_era"


@pytest.mark.parametrize(
    "text", ["2025-02-30", "2025-02-29", "20251301", "2025/04/31", "令和7年2月29日", "R7.13.1"]
)
def test_day_that_does_not_exist_is_an_error(text):
    with pytest.raises(InvalidDate) as caught:
        parse_date(text)
    assert caught.value.code == "no_such_day"


def test_leap_day_exists_in_leap_years():
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_date("R6.2.29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "yesterday",
        "2025-06",
        "2025-06-30-01",
        "202506300",
        "X7.6.30",
        "R7.6/30",
        "25-6-30",
    ],
)
def test_text_that_is_not_a_date_is_an_error(text):
    with pytest.raises(InvalidDate) as caught:
        parse_date(text)
    assert caught.value.code == "not_a_date"


def test_invalid_date_is_a_value_error_with_a_message():
    with pytest.raises(ValueError, match="2025-02-30"):
        parse_date("2025-02-30")


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("2025-06-30", dt.datetime(2025, 6, 30, tzinfo=TOKYO), False),
        ("R7.6.30", dt.datetime(2025, 6, 30, tzinfo=TOKYO), False),
        ("2025-06-30 14:05", dt.datetime(2025, 6, 30, 14, 5, tzinfo=TOKYO), True),
        ("2025-06-30 14:05:09", dt.datetime(2025, 6, 30, 14, 5, 9, tzinfo=TOKYO), True),
        ("2025-06-30T14:05", dt.datetime(2025, 6, 30, 14, 5, tzinfo=TOKYO), True),
        ("2025-06-30T14:05:09+09:00", dt.datetime(2025, 6, 30, 14, 5, 9, tzinfo=TOKYO), True),
        ("2025-06-30T05:05:09Z", dt.datetime(2025, 6, 30, 14, 5, 9, tzinfo=TOKYO), True),
        ("2025-06-30T05:05:09+00:00", dt.datetime(2025, 6, 30, 14, 5, 9, tzinfo=TOKYO), True),
        ("2025/6/30 9:00", dt.datetime(2025, 6, 30, 9, 0, tzinfo=TOKYO), True),
        ("２０２５－０６－３０　１４：０５", dt.datetime(2025, 6, 30, 14, 5, tzinfo=TOKYO), True),
    ],
)
def test_date_or_datetime_is_tokyo_time(text, expected, has_time):
    value, had_time = parse_date_or_datetime(text)
    assert value == expected
    assert had_time is has_time
    assert value.utcoffset() == dt.timedelta(hours=9)


def test_utc_instant_late_at_night_lands_on_the_next_tokyo_day():
    value, _ = parse_date_or_datetime("2025-06-30T20:00:00Z")
    assert value.date() == dt.date(2025, 7, 1)
    assert value.hour == 5


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2025-06-30 24:00", "no_such_time"),
        ("2025-06-30 12:60", "no_such_time"),
        ("2025-02-30 12:00", "no_such_day"),
        ("平成31年5月1日 10:00", "outside_era"),
        ("2025-06-30 noon", "not_a_date"),
    ],
)
def test_bad_datetime_is_an_error(text, code):
    with pytest.raises(InvalidDate) as caught:
        parse_date_or_datetime(text)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("date", "western", "expected"),
    [
        (dt.date(2025, 6, 30), True, "令和7年6月30日 (2025)"),
        (dt.date(2019, 5, 1), True, "令和元年5月1日 (2019)"),
        (dt.date(2019, 4, 30), True, "平成31年4月30日 (2019)"),
        (dt.date(1989, 1, 7), False, "昭和64年1月7日"),
        (dt.date(1989, 1, 8), False, "平成元年1月8日"),
        (dt.date(1973, 1, 5), False, "昭和48年1月5日"),
        (dt.date(1912, 7, 29), False, "明治45年7月29日"),
        (dt.date(1868, 10, 23), False, "明治元年10月23日"),
        (dt.date(1868, 10, 22), True, "1868年10月22日"),
        (dt.date(1800, 1, 1), False, "1800年1月1日"),
    ],
)
def test_format_wareki(date, western, expected):
    assert format_wareki(date, western=western) == expected


def test_format_wareki_shows_an_aware_datetime_by_its_tokyo_day():
    late_utc = dt.datetime(2019, 4, 30, 15, 30, tzinfo=dt.UTC)  # 00:30 on 1 May in Tokyo
    assert format_wareki(late_utc, western=False) == "令和元年5月1日"


def test_eras_are_in_order():
    starts = [era.start for era in ERAS]
    assert starts == sorted(starts)
    assert [era.letter for era in ERAS] == ["M", "T", "S", "H", "R"]


dates_since_meiji = st.dates(min_value=dt.date(1868, 10, 23), max_value=dt.date(2100, 12, 31))


def _short_form(date: dt.date) -> str:
    era = next(era for era in reversed(ERAS) if date >= era.start)
    return f"{era.letter}{date.year - era.start.year + 1}.{date.month}.{date.day}"


@given(dates_since_meiji)
def test_every_written_form_reads_back_the_same_date(date):
    forms = [
        date.isoformat(),
        date.strftime("%Y%m%d"),
        date.strftime("%Y/%m/%d"),
        format_wareki(date, western=False),
        _short_form(date),
    ]
    for form in forms:
        assert parse_date(form) == date, form


@st.composite
def impossible_days(draw):
    """A year and month with a day number the month does not have (0, or past its end)."""
    year = draw(st.integers(min_value=1990, max_value=2100))
    month = draw(st.integers(min_value=1, max_value=12))
    days_in_month = calendar.monthrange(year, month)[1]
    day = draw(st.just(0) | st.integers(min_value=days_in_month + 1, max_value=99))
    return year, month, day


@given(impossible_days())
def test_invalid_day_numbers_are_rejected(ymd):
    year, month, day = ymd
    era = next(era for era in reversed(ERAS) if dt.date(year, month, 1) >= era.start)
    era_year = year - era.start.year + 1
    for text in (
        f"{year:04d}-{month:02d}-{day:02d}",
        f"{year:04d}/{month}/{day}",
        f"{year:04d}年{month}月{day}日",
        f"{era.letter}{era_year}.{month}.{day}",
        f"{era.name}{era_year}年{month}月{day}日",
    ):
        with pytest.raises(InvalidDate):
            parse_date(text)


@given(st.text(max_size=40))
def test_parse_date_only_ever_raises_invalid_date(text):
    try:
        parse_date(text)
        parse_date_or_datetime(text)
    except InvalidDate:
        pass


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_the_example_dates_under_a_field_read_back_as_a_week_from_today(today):
    # Each example is one the field accepts, and names the same day.
    examples = date_examples(today)
    week = today + dt.timedelta(days=7)
    assert {name: parse_date(text) for name, text in examples.items()} == {
        "iso": week,
        "wareki": week,
        "short": week,
    }
