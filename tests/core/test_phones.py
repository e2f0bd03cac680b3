"""Phone numbers as the ward writes them: one E.164 number and the right kind, or flagged."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saikoku.core.phones import PhoneInfo, parse_phone, phone_display, phone_search_digits


@pytest.mark.parametrize(
    "written",
    [
        "090-1234-5678",
        "09012345678",
        "090 1234 5678",
        "090.1234.5678",
        "(090)1234-5678",
        "+81 90 1234 5678",
        "+81-90-1234-5678",
        "+81 (0)90 1234 5678",
        "０９０－１２３４－５６７８",
        "＋８１　９０　１２３４　５６７８",
        " 090-1234-5678 ",
    ],
)
def test_mobile_number_in_any_common_form(written):
    info = parse_phone(written)
    assert info == PhoneInfo(
        raw=written, e164="+819012345678", digits="09012345678", kind="mobile", is_valid=True
    )


@pytest.mark.parametrize(
    "written", ["03-1234-5678", "03(1234)5678", "0312345678", "+81-3-1234-5678", "03.1234.5678"]
)
def test_tokyo_landline_in_any_common_form(written):
    info = parse_phone(written)
    assert (info.e164, info.digits, info.kind, info.is_valid) == (
        "+81312345678",
        "0312345678",
        "landline",
        True,
    )


@pytest.mark.parametrize(
    ("written", "kind", "digits"),
    [
        ("070-1234-5678", "mobile", "07012345678"),
        ("080-1234-5678", "mobile", "08012345678"),
        ("050-1234-5678", "ip", "05012345678"),
        ("0120-123-456", "other", "0120123456"),  # toll free
        ("0570-123-456", "other", "0570123456"),  # navi dial
        ("042-123-4567", "landline", "0421234567"),
    ],
)
def test_kind_decides_what_a_number_is_good_for(written, kind, digits):
    info = parse_phone(written)
    assert info.is_valid
    assert (info.kind, info.digits) == (kind, digits)


@pytest.mark.parametrize("written", ["03-1234-56789", "090-1234-567", "0312345", "12345"])
def test_invalid_number_is_flagged_not_dropped(written):
    info = parse_phone(written)
    assert info.raw == written
    assert (info.kind, info.is_valid, info.e164) == ("invalid", False, "")


def test_invalid_number_keeps_its_digits_for_search():
    assert parse_phone("03-1234-56789").digits == "03123456789"
    assert phone_search_digits("03-1234-56789") == "03123456789"


@pytest.mark.parametrize("written", ["", "   ", "不明", "なし", "abc", "123456789012", "+"])
def test_nothing_usable_gives_no_digits(written):
    info = parse_phone(written)
    assert (info.kind, info.is_valid, info.e164, info.digits) == ("invalid", False, "", "")


def test_foreign_number_is_valid_but_never_a_mobile():
    info = parse_phone("+44 7911 123456")
    assert info.is_valid
    assert info.e164 == "+447911123456"
    assert info.kind == "other"
    assert info.digits == ""


@pytest.mark.parametrize(
    ("query", "digits"),
    [
        ("090-1234-5678", "09012345678"),
        ("09012345678", "09012345678"),
        ("０９０１２３４５６７８", "09012345678"),
        ("+81 90 1234 5678", "09012345678"),
        ("03(1234)5678", "0312345678"),
        ("03-1234-5678", "0312345678"),
    ],
)
def test_typed_phone_query_becomes_national_digits(query, digits):
    assert phone_search_digits(query) == digits


@pytest.mark.parametrize(
    "query",
    [
        "123456789012",  # a 12-digit resident number
        "20250630",  # a date
        "2025-06-30",
        "0901234",  # too short to be a whole number
        "090123456789",  # twelve digits
        "1234567890",  # ten digits without the trunk 0
        "山田",
        "",
        "+1 202 555 0143",
    ],
)
def test_other_queries_are_not_phone_numbers(query):
    assert phone_search_digits(query) is None


def test_stored_and_typed_forms_meet_on_the_same_digits():
    stored = parse_phone("+81 (0)3-1234-5678")
    assert phone_search_digits("03(1234)5678") == stored.digits


# 070/080/090 + 8 digits; the block after the prefix starts at 1 because 0X0-0… is not
# allocated to any carrier (phonenumbers rejects it, and so does the real network).
subscriber = st.from_regex(r"0[789]0[1-9][0-9]{7}", fullmatch=True)


def _written_forms(national: str) -> list[str]:
    a, b, c = national[:3], national[3:7], national[7:]
    wide = str.maketrans("0123456789-()+ ", "０１２３４５６７８９－（）＋　")
    return [
        national,
        f"{a}-{b}-{c}",
        f"({a}){b}-{c}",
        f"{a} {b} {c}",
        f"{a}.{b}.{c}",
        f"+81 {a[1:]} {b} {c}",
        f"+81-{a[1:]}-{b}-{c}",
        f"{a}-{b}-{c}".translate(wide),
        f"+81 {a[1:]} {b} {c}".translate(wide),
    ]


@given(subscriber)
def test_any_mobile_number_parses_to_one_e164_in_every_form(national):
    e164 = "+81" + national[1:]
    for written in _written_forms(national):
        info = parse_phone(written)
        assert (info.e164, info.kind, info.digits, info.is_valid) == (
            e164,
            "mobile",
            national,
            True,
        ), written
        assert phone_search_digits(written) == national, written


@given(st.text())
def test_parse_phone_never_raises(text):
    info = parse_phone(text)
    assert info.raw == text
    assert info.is_valid == (info.kind != "invalid")
    assert info.is_valid == (info.e164 != "")


@given(st.text(alphabet="0123456789+-() .０１２３４５６７８９－＋（）", max_size=30))
def test_phone_like_text_never_raises_and_digits_agree_with_search(text):
    info = parse_phone(text)
    found = phone_search_digits(text)
    if found is not None and info.is_valid:
        assert found == info.digits


@given(st.from_regex(r"0[789]0[1-9][0-9]{7}", fullmatch=True))
def test_mobile_fast_path_agrees_with_phonenumbers(digits):
    from saikoku.core.phones import _normalise, _parse_slowly

    text = _normalise(digits)
    assert parse_phone(digits) == _parse_slowly(digits, text, digits)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("03 6615 7056", "03-6615-7056"),
        ("０３（６６１５）７０５６", "03-6615-7056"),
        ("09012345678", "090-1234-5678"),
        ("+81 90 1234 5678", "090-1234-5678"),
        ("0422515131", "0422-51-5131"),
        ("000", "000"),  # not a number: shown as the ward wrote it
    ],
)
def test_a_number_is_shown_as_written_in_japan(written, shown):
    info = parse_phone(written)
    assert phone_display(info.e164, info.raw) == shown


@given(st.text(alphabet="0123456789+-() .０１２３４５６７８９－＋（）", max_size=30))
def test_what_is_shown_reads_back_as_the_same_number(text):
    info = parse_phone(text)
    shown = phone_display(info.e164, info.raw)
    if info.is_valid:
        assert parse_phone(shown).e164 == info.e164
    else:
        assert shown == text
