"""Whole-yen amounts as the ward's spreadsheets write them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saikoku.core.money import InvalidAmount, format_yen, parse_yen


@pytest.mark.parametrize(
    ("text", "yen"),
    [
        ("12300", 12300),
        ("12,300", 12300),
        ("1,234,567", 1234567),
        ("１２，３００", 12300),
        ("１２３００", 12300),
        ("¥12,300", 12300),
        ("￥12,300", 12300),
        ("￥１２，３００", 12300),
        ("\\12,300", 12300),  # CP932 exports show the yen sign as a backslash
        ("12,300円", 12300),
        (" 12,300 ", 12300),
        ("0", 0),
        ("007", 7),
    ],
)
def test_accepted_forms(text, yen):
    assert parse_yen(text) == yen


@pytest.mark.parametrize("text", ["-100", "−100", "－１００", "▲1,000", "△500", "¥-5", "-12.5"])
def test_negative_amount_is_an_error(text):
    with pytest.raises(InvalidAmount) as caught:
        parse_yen(text)
    assert caught.value.code == "negative"


@pytest.mark.parametrize("text", ["12.5", "12.0", "12,300.00", "１２．５", ".5", "12."])
def test_decimal_amount_is_an_error(text):
    with pytest.raises(InvalidAmount) as caught:
        parse_yen(text)
    assert caught.value.code == "decimal"


@pytest.mark.parametrize(
    "text", ["", " ", "abc", "12,30", "1,2,3", "12 300", "1e3", "¥", "12,300ドル", "+100", "--1"]
)
def test_text_that_is_not_an_amount_is_an_error(text):
    with pytest.raises(InvalidAmount) as caught:
        parse_yen(text)
    assert caught.value.code == "not_a_number"


def test_invalid_amount_is_a_value_error():
    with pytest.raises(ValueError, match=r"12\.5"):
        parse_yen("12.5")


@pytest.mark.parametrize(
    ("yen", "text"),
    [(0, "¥0"), (999, "¥999"), (1000, "¥1,000"), (123456, "¥123,456"), (-1200, "-¥1,200")],
)
def test_format_yen(yen, text):
    assert format_yen(yen) == text


@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_amount_reads_back(yen):
    assert parse_yen(format_yen(yen)) == yen
    assert parse_yen(f"{yen:,}") == yen
    assert parse_yen(str(yen)) == yen


@given(st.text(max_size=20))
def test_parse_yen_only_ever_raises_invalid_amount(text):
    try:
        assert parse_yen(text) >= 0
    except InvalidAmount as error:
        assert error.code in {"negative", "decimal", "not_a_number"}
