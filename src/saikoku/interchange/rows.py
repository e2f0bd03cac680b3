"""Column rules of the ward's CSV files (spec §3): what each column holds and how its
text becomes a value.

A converter takes the non-empty, stripped text of one field and returns the value to
store, or raises FieldError with the problem code. Converters of values that repeat a
lot (dates, amounts, years) remember their answers: a full package holds a few hundred
thousand due dates but only a few hundred distinct ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from saikoku.arrears.models import (
    Account,
    Assessment,
    Bill,
    HistoryChannel,
    Levy,
    Measure,
    MeasureKind,
    Payment,
    PaymentMethod,
    Plan,
    PlanStatus,
    WardHistory,
)
from saikoku.core.dates import parse_date, parse_date_or_datetime
from saikoku.core.money import InvalidAmount, parse_yen
from saikoku.core.text import is_kana_only, to_katakana
from saikoku.people.models import Household, Resident

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


@dataclass(frozen=True)
class Column:
    name: str
    convert: Converter
    required: bool = False
    # Model field whose max_length bounds the text (None: no check needed).
    field: models.Field | None = None
    # Value of an empty cell: "" for text, None for optional dates and numbers.
    empty: Any = None

    @property
    def max_length(self) -> int | None:
        return getattr(self.field, "max_length", None) if self.field is not None else None

    @property
    def memo(self) -> dict[str, Any] | None:
        return getattr(self.convert, "memo", None)


def _f(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def col(
    name: str,
    convert: Converter = text,
    *,
    required: bool = False,
    model: type[models.Model] | None = None,
    field: str | None = None,
    empty: Any = None,
) -> Column:
    model_field = _f(model, field or name) if model is not None else None
    if empty is None and convert is text:
        empty = ""
    if convert is flag:
        empty = False
    return Column(name, convert, required, model_field, empty)


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def index(self, name: str) -> int:
        return self.names.index(name)


R, A, B, P = Resident, Assessment, Bill, Payment
FISCAL_YEAR = number(1950, 2200)
PERIOD = number(1, 12)

PERSONS = FileSpec(
    "persons.csv",
    (
        col("resident_no", digits, required=True, model=R),
        col("household_no", digits, required=True, model=Household),
        col("is_householder", flag),
        col("relationship", model=R),
        col("name", required=True, model=R),
        col("name_kana", kana, required=True, model=R),
        col("sex", choice(["1", "2", "9"]), empty=""),
        col("birth_date", date, required=True),
        col("nationality", model=R),
        col("postal_code", postal_code, empty=""),
        col("address", required=True, model=R),
        col("resident_since", date),
        col("mailing_postal_code", postal_code, empty=""),
        col("mailing_address", model=R),
        col("phone_1", model=R.phones.rel.related_model, field="raw"),
        col("phone_2", model=R.phones.rel.related_model, field="raw"),
        col("phone_3", model=R.phones.rel.related_model, field="raw"),
        col("not_resident", flag),
        col("public_notice", flag),
        col("caution", flag),
        col("caution_note"),
        col("deceased_on", date),
        col("occupation", model=R),
    ),
)
ASSESSMENTS = FileSpec(
    "assessments.csv",
    (
        col("levy", levy, required=True),
        col("fiscal_year", FISCAL_YEAR, required=True),
        col("notice_no", required=True, model=A),
        col("payer_resident_no", digits, required=True, model=R, field="resident_no"),
        col("annual_amount", yen, required=True),
        col("notice_issued_on", date),
        col("vehicle_plate", model=A),
        col("vehicle_kind", model=A),
        col("insured_count", number(0, 999)),
    ),
)
_BILL_KEY = (
    col("levy", levy, required=True),
    col("fiscal_year", FISCAL_YEAR, required=True),
    col("notice_no", required=True, model=A),
    col("period", PERIOD, required=True),
)
BILLS = FileSpec(
    "bills.csv",
    (
        *_BILL_KEY,
        col("amount", yen, required=True),
        col("due_date", date, required=True),
        col("paid_amount", yen, required=True),
        col("demand_sent_on", date),
        col("late_charge_paid", yen),
    ),
)
PAYMENTS = FileSpec(
    "payments.csv",
    (
        col("payment_id", required=True, model=P),
        *_BILL_KEY,
        col("amount", yen, required=True),
        col("paid_on", date, required=True),
        col("recorded_on", date),
        col("method", choice(PaymentMethod.values), required=True),
    ),
)
_PAYER = col("payer_resident_no", digits, required=True, model=R, field="resident_no")
PLANS = FileSpec(
    "plans.csv",
    (
        col("plan_id", required=True, model=Plan),
        _PAYER,
        col("agreed_on", date, required=True),
        col("status", choice(PlanStatus.values), required=True),
        col("monthly_amount", yen),
        col("next_due_on", date),
        col("note"),
    ),
)
MEASURES = FileSpec(
    "measures.csv",
    (
        col("measure_id", required=True, model=Measure),
        _PAYER,
        col("kind", choice(MeasureKind.values), required=True),
        col("start_on", date, required=True),
        col("end_on", date),
        col("note"),
    ),
)
HISTORY = FileSpec(
    "history.csv",
    (
        col("record_id", required=True, model=WardHistory),
        _PAYER,
        col("at", date_time, required=True),
        col("channel", choice(HistoryChannel.values), required=True),
        col("summary", required=True),
    ),
)
ACCOUNTS = FileSpec(
    "accounts.csv",
    (
        _PAYER,
        col("levy", levy, required=True),
        col("bank_code", digits, required=True, model=Account),
        col("branch_code", digits, required=True, model=Account),
        col("account_type", required=True, model=Account),
        col("account_no", digits, required=True, model=Account),
        col("holder_kana", model=Account),
        col("start_on", date),
        col("end_on", date),
    ),
)

# In the order they are read: every file refers only to files before it.
SPECS: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (PERSONS, ASSESSMENTS, BILLS, PAYMENTS, PLANS, MEASURES, HISTORY, ACCOUNTS)
}
REQUIRED_IN_FULL = ("persons.csv", "assessments.csv", "bills.csv")

__all__ = ["REQUIRED_IN_FULL", "SPECS", "Column", "FieldError", "FileSpec"]
