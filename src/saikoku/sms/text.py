"""How long a Japanese SMS is: the one counting rule the server and the page share.

Japanese SMS is sent in UCS-2 (DCS 0x08): each character of the Basic Multilingual
Plane is one 16-bit code unit. One message holds 70 units; a longer text is sent as a
concatenated message whose parts carry a 6-byte header (UDH) and so hold 67 units each.
Characters outside the BMP (𠮷, emoji) have no UCS-2 form and are refused, with their
position, rather than sent as two broken halves.

`static/saikoku/sms_counter.js` is this same function for the live counter while a
template is typed; tests/sms/test_counter_agrees.py checks with hypothesis that both
give the same answer for any text. Pure Python: no Django import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["CONCAT_PART_UNITS", "SINGLE_PART_UNITS", "SmsCount", "normalise_newlines", "sms_count"]

SINGLE_PART_UNITS = 70
CONCAT_PART_UNITS = 67
_BMP_LAST = 0xFFFF
_SURROGATES = range(0xD800, 0xE000)


@dataclass(frozen=True)
class SmsCount:
    """units: UCS-2 code units of the sendable characters; parts: messages they take;
    unsendable: (1-based character position, character) of each refused character."""

    units: int
    parts: int
    unsendable: tuple[tuple[int, str], ...] = ()


def normalise_newlines(text: str) -> str:
    # A browser submits a textarea's line breaks as CRLF but shows and counts LF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parts_for(units: int) -> int:
    if units == 0:
        return 0
    if units <= SINGLE_PART_UNITS:
        return 1
    return math.ceil(units / CONCAT_PART_UNITS)


def sms_count(text: str) -> SmsCount:
    """Units, parts and unsendable characters of `text` (line breaks as LF)."""
    text = normalise_newlines(text)
    units = 0
    bad: list[tuple[int, str]] = []
    for position, char in enumerate(text, start=1):
        code = ord(char)
        if code > _BMP_LAST or code in _SURROGATES:
            bad.append((position, char))
        else:
            units += 1
    return SmsCount(units=units, parts=parts_for(units), unsendable=tuple(bad))
