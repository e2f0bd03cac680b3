"""Japanese telephone numbers: parse what the ward and the callers write, classify it.

The ward package carries numbers in every common form (ward-package spec, persons.csv
phone_1..3): 090-1234-5678, 03(1234)5678, +81 90 1234 5678, full-width digits. Invalid
numbers are kept and flagged, never dialled or texted, so parsing reports instead of
raising. The kind decides what a number may be used for: only a mobile receives SMS.

Pure Python: no Django import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

__all__ = ["PhoneInfo", "parse_phone", "phone_display", "phone_search_digits"]

_REGION = "JP"
_JAPAN_CODE = 81

# 050 numbers are VOIP (IP電話); 0120/0800 toll free, 0570 navi dial, 020 M2M and pagers
# are valid but neither a landline nor a handset that can take an SMS.
_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.VOIP: "ip",
}

# Separators people put inside a number. Dashes of every width arrive from word
# processors and IMEs (ー is a common slip for a hyphen when typing in kana mode).
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー().]")
_NATIONAL = re.compile(r"0[1-9]\d{8,9}")
# 070/080/090 followed by a non-zero digit and 7 more: every such number is an allocated
# mobile range. Recognising it without phonenumbers makes the import of ≈100,000
# numbers ten times faster; a property test checks it agrees with phonenumbers.
_MOBILE = re.compile(r"0[789]0[1-9]\d{7}")
_MAX_LENGTH = 64  # longer text is a note, not a number; keeps the parser cheap


@dataclass(frozen=True)
class PhoneInfo:
    """One number as given and as understood.

    raw: the text as given (stored as is). e164: "+819012345678", "" when invalid.
    digits: national digits with the leading 0 ("09012345678"), the search key; kept
    for an invalid number when its digits are readable, "" when nothing usable.
    kind: "mobile", "landline", "ip", "other" or "invalid".
    """

    raw: str
    e164: str
    digits: str
    kind: str
    is_valid: bool


def _normalise(text: str) -> str:
    # NFKC turns full-width digits, ＋, （） and － into their ASCII forms.
    return unicodedata.normalize("NFKC", text).strip()


def _plain_national_digits(text: str) -> str | None:
    """Digits of a number written in national form, separators removed, or None."""
    digits = _SEPARATORS.sub("", text)
    return digits if digits.isascii() and digits.isdigit() and digits[:1] == "0" else None


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    if not text or len(text) > _MAX_LENGTH:
        return None
    try:
        return phonenumbers.parse(text, _REGION)
    except NumberParseException:
        return None


def parse_phone(raw: str) -> PhoneInfo:
    """Parse a Japanese phone number in any common form. Never raises.

    A valid number outside Japan gets kind "other": the center neither calls abroad nor
    sends SMS there, and its digits are not a national search key.
    """
    text = _normalise(raw)
    plain = _plain_national_digits(text)
    if plain is not None and _MOBILE.fullmatch(plain):
        return PhoneInfo(
            raw=raw, e164="+81" + plain[1:], digits=plain, kind="mobile", is_valid=True
        )
    return _parse_slowly(raw, text, plain)


def _parse_slowly(raw: str, text: str, plain: str | None) -> PhoneInfo:
    number = _parse(text)
    if number is None or not phonenumbers.is_valid_number(number):
        international = text.startswith("+")
        if international and number is not None and number.country_code == _JAPAN_CODE:
            # "+81 3 1234 567" and the like: readable, just not a real number.
            plain = "0" + str(number.national_number)
        return PhoneInfo(raw=raw, e164="", digits=plain or "", kind="invalid", is_valid=False)

    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.country_code != _JAPAN_CODE:
        return PhoneInfo(raw=raw, e164=e164, digits="", kind="other", is_valid=True)
    national = re.sub(r"\D", "", phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    kind = _KINDS.get(phonenumbers.number_type(number), "other")
    return PhoneInfo(raw=raw, e164=e164, digits=national, kind=kind, is_valid=True)


def phone_search_digits(text: str) -> str | None:
    """The national digits a typed query stands for, or None when it is not a phone number.

    Plausible means 10 or 11 digits starting with 0 once separators are removed
    (03-1234-5678, ０９０１２３４５６７８), or an international +81 form. A 12-digit resident
    number, an 8-digit date or a notice number is not a phone number, so the search
    classifier can route those elsewhere. The result equals PhoneInfo.digits of the same
    number however it was stored.
    """
    text = _normalise(text)
    if text.startswith("+"):
        number = _parse(text)
        if number is None or number.country_code != _JAPAN_CODE:
            return None
        digits: str | None = "0" + str(number.national_number)
    else:
        digits = _plain_national_digits(text)
    if digits is None or not _NATIONAL.fullmatch(digits):
        return None
    return digits


def phone_display(e164: str, raw: str) -> str:
    """A number as people in Japan write it ("03-6615-7056", "090-1234-5678"), whatever
    form the ward's file used; the text as given when it is not a valid number (the
    ward sees what it sent)."""
    if not e164:
        return raw
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return raw
    if number.country_code != _JAPAN_CODE:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
