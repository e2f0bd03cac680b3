"""The UCS-2 counter: 70 units in one message, 67 per part of a longer one, characters
outside the BMP refused with their position."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from saikoku.sms.text import sms_count


def test_seventy_japanese_characters_are_one_message():
    assert sms_count("あ" * 70).parts == 1
    assert sms_count("あ" * 71).parts == 2


def test_a_concatenated_message_holds_67_characters_a_part():
    assert sms_count("あ" * 134).parts == 2
    assert sms_count("あ" * 135).parts == 3
    assert sms_count("あ" * 660).parts == 10


def test_a_character_outside_the_bmp_is_refused_with_its_position():
    counted = sms_count("吉野家と𠮷野家😀")
    assert counted.unsendable == ((5, "𠮷"), (8, "😀"))
    assert counted.units == 6


def test_a_browser_line_break_counts_as_one_character():
    assert sms_count("a\r\nb").units == sms_count("a\nb").units == 3


@given(st.text())
def test_parts_always_hold_the_units(text):
    counted = sms_count(text)
    if counted.units == 0:
        assert counted.parts == 0
    elif counted.units <= 70:
        assert counted.parts == 1
    else:
        assert 67 * (counted.parts - 1) < counted.units <= 67 * counted.parts
    assert counted.units + len(counted.unsendable) == len(text.replace("\r\n", "\n"))
