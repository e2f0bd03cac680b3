"""Amounts in whole yen, as the ward's spreadsheets write them.

Ward-package spec §2: whole yen, no decimals; 12,300 and full-width digits accepted;
negative amounts are an error unless a column says otherwise (the caller decides that
from the error's code). Taxes, premiums and late charges are assessed in whole yen
(延滞金 is even rounded down to 100 yen), so a decimal point is a sign of a wrong column,
not a value to round.

Plain functions; only the error messages go through Django's translation.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

__all__ = ["InvalidAmount", "format_yen", "parse_yen"]

# "1,234,567" with correct thousands groups, or plain digits.
_INTEGER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_DECIMAL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)?\.\d+|(?:\d{1,3}(?:,\d{3})+|\d+)\.")
# Minus as typed, as a spreadsheet writes it, and the accounting marks ▲ and △ that
# Japanese ledgers use for a negative figure.
_MINUS = "-−‐‑–—―ー▲△"
# ¥ (NFKC of ￥) and the backslash that CP932 shows as a yen sign in legacy exports.
_YEN_PREFIX = "¥\\"
_YEN_SUFFIX = "円"


class InvalidAmount(ValueError):
    """An amount that is not whole, non-negative yen.

    code: "negative", "decimal" or "not_a_number", for reports and for callers whose
    column allows negatives (they catch code "negative" and negate themselves).
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def _strip_yen(text: str) -> str:
    text = text.strip()
    if text[:1] in _YEN_PREFIX:
        text = text[1:].strip()
    if text.endswith(_YEN_SUFFIX):
        text = text[: -len(_YEN_SUFFIX)].strip()
    return text


def parse_yen(text: str) -> int:
    """Whole yen from "12300", "12,300", "１２，３００", "¥12,300", "￥12,300" or "12,300円"."""
    original = text
    text = _strip_yen(unicodedata.normalize("NFKC", text))
    negative = text[:1] in _MINUS and text != ""
    if negative:
        text = _strip_yen(text[1:])
    if _INTEGER.fullmatch(text):
        if negative and text.strip("0,") != "":
            raise InvalidAmount(
                _("負の金額は指定できません: %(text)s") % {"text": original}, code="negative"
            )
        return int(text.replace(",", ""))
    if _DECIMAL.fullmatch(text):
        raise InvalidAmount(
            _("金額は円単位の整数で指定してください: %(text)s") % {"text": original},
            code="negative" if negative else "decimal",
        )
    raise InvalidAmount(
        _("金額として読めません: %(text)s") % {"text": original}, code="not_a_number"
    )


def format_yen(n: int) -> str:
    """¥123,456 (and -¥1,200 for a refund or an over-payment)."""
    return f"-¥{-n:,}" if n < 0 else f"¥{n:,}"
