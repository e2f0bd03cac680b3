"""Cell rules of the ward's CSV files (spec §3): how the text of a cell becomes a value.
Which file has which columns, with which rule, is interchange/spec.py.

A converter takes the non-empty, stripped text of one field and returns the value to
store, or raises FieldError with the problem code. Converters of values that repeat a
lot (dates, amounts, years) remember their answers: a full package holds a few hundred
thousand due dates but only a few hundred distinct ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from saikoku.arrears.models import Levy
from saikoku.core.dates import parse_date, parse_date_or_datetime
from saikoku.core.money import InvalidAmount, parse_yen
from saikoku.core.text import is_kana_only, to_katakana

_MISSING = object()
_MEMO_MAX = 50_000
LEVIES = frozenset(Levy.values)


class FieldError(Exception):
    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


Converter = Callable[[str], Any]


def memoised(convert: Converter) -> Converter:
    memo: dict[str, Any] = {}

    def cached(text: str) -> Any:
        value = memo.get(text, _MISSING)
        if value is _MISSING:
            value = convert(text)  # a FieldError is not remembered: errors are rare
            if len(memo) < _MEMO_MAX:
                memo[text] = value
        return value

    cached.memo = memo  # type: ignore[attr-defined]  # read directly by the row loop
    return cached


_LOOSE_MARK = re.compile(
    "(?:^|[^\u3041-\u3096\u30a1-\u30fa\uff66-\uff9d])[\u3099-\u309c\uff9e\uff9f]"
)


class SegmentMemo:
    """Applies a text function segment by segment, remembering each segment's result.

    Names are mostly a handful of common surnames and given names: "スズキ イチロウ"
    costs one kana conversion per new word instead of one per resident. Only for
    functions that work character by character within a word, so that the result for
    the whole text is the results for its words joined (a test checks it).
    keep_spaces: the spaces stay (to_katakana); otherwise they are dropped (the keys).
    """

    _SPACES = re.compile(r"(\s+)")

    def __init__(self, function: Callable[[str], str], *, keep_spaces: bool) -> None:
        self.function = function
        self.keep_spaces = keep_spaces
        self.memo: dict[str, str] = {}

    def _one(self, segment: str) -> str:
        value = self.memo.get(segment)
        if value is None:
            value = self.function(segment)
            if len(self.memo) < _MEMO_MAX:
                self.memo[segment] = value
        return value

    def __call__(self, text: str) -> str:
        words = text.split()
        if _LOOSE_MARK.search(text) or any(unicodedata.combining(w[0]) for w in words):
            # A voiced mark that does not follow a kana letter may join a kana before
            # a space or a separator once those are dropped: only the whole text
            # gives the right answer.
            return self.function(text)
        if self.keep_spaces:
            parts = self._SPACES.split(text)
            return "".join(
                part if index % 2 else self._one(part) for index, part in enumerate(parts)
            )
        return "".join(self._one(word) for word in words)


def text(value: str) -> str:
    return value


def _date(value: str) -> Any:
    try:
        return parse_date(value)
    except ValueError:
        raise FieldError("invalid_date", value=value) from None


def _datetime(value: str) -> tuple[Any, bool]:
    try:
        return parse_date_or_datetime(value)
    except ValueError:
        raise FieldError("invalid_datetime", value=value) from None


_AMOUNT_CODES = {"negative": "negative_amount", "decimal": "decimal_amount"}


def _yen(value: str) -> int:
    try:
        return parse_yen(value)
    except InvalidAmount as exc:
        raise FieldError(_AMOUNT_CODES.get(exc.code, "invalid_amount"), value=value) from None


def _flag(value: str) -> bool:
    if value == "1":
        return True
    if value == "0":
        return False
    normalised = unicodedata.normalize("NFKC", value)
    if normalised in ("0", "1"):
        return normalised == "1"
    raise FieldError("invalid_flag", value=value)


_DIGITS = re.compile(r"[0-9]+")


def _digits(value: str) -> str:
    if _DIGITS.fullmatch(value):
        return value
    normalised = unicodedata.normalize("NFKC", value)
    if _DIGITS.fullmatch(normalised):
        return normalised
    raise FieldError("invalid_number", value=value, expected="半角数字", expected_en="digits")


def number(low: int, high: int) -> Converter:
    def convert(value: str) -> int:
        normalised = unicodedata.normalize("NFKC", value)
        if not _DIGITS.fullmatch(normalised) or not low <= int(normalised) <= high:
            raise FieldError(
                "invalid_number",
                value=value,
                expected=f"{low}〜{high}の整数",
                expected_en=f"a whole number from {low} to {high}",
            )
        return int(normalised)

    return memoised(convert)


def choice(allowed: list[str] | frozenset[str], code: str = "invalid_choice") -> Converter:
    allowed = frozenset(allowed)
    listed = ", ".join(sorted(allowed))

    def convert(value: str) -> str:
        if value in allowed:
            return value
        raise FieldError(code, value=value, expected=listed)

    return convert


_POSTAL = re.compile(r"([0-9]{3})-?([0-9]{4})")


def _postal_code(value: str) -> str:
    match = _POSTAL.fullmatch(unicodedata.normalize("NFKC", value).replace("ー", "-"))
    if not match:
        raise FieldError("invalid_postal_code", value=value)
    return f"{match[1]}-{match[2]}"


_to_katakana = SegmentMemo(to_katakana, keep_spaces=True)


def _kana(value: str) -> str:
    if not is_kana_only(value):
        raise FieldError("invalid_kana", value=value)
    return _to_katakana(value)


date = memoised(_date)
date_time = memoised(_datetime)
yen = memoised(_yen)
flag = _flag
digits = _digits
postal_code = _postal_code
kana = _kana
levy = choice(LEVIES, code="unknown_levy")


__all__ = [
    "Converter",
    "FieldError",
    "SegmentMemo",
    "choice",
    "date",
    "date_time",
    "digits",
    "flag",
    "kana",
    "levy",
    "memoised",
    "number",
    "postal_code",
    "text",
    "yen",
]
