"""The files of the ward package (spec §3), one FileSpec each: the one place that says
which columns a file has, in which order, with which rule, which of them form its key,
which other file it refers to, and which model field each column fills.

Everything else is generated from these specs:
- validation reads a file's header and cells by them and keeps each good row as a
  `spec.Record`, a named tuple of the columns, the derived values and `extra`;
- the loader writes every column marked `stored` into the model field of the same
  name (`spec.stored`), so a new column needs no change there;
- the package writer, the demo generator and the test packages write a file's header
  from `spec.names` and its rows with `spec.row(column=value, …)`.

Adding a column to a file: one `col(...)` entry below (its rule from rows.py) and, when
it is stored, the model field of the same name with its migration.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

from django.db import models

from saikoku.arrears.models import (
    Account,
    Assessment,
    Bill,
    HistoryChannel,
    Measure,
    MeasureKind,
    Payment,
    PaymentMethod,
    Plan,
    PlanStatus,
    WardHistory,
)
from saikoku.core.text import kana_key, name_key
from saikoku.interchange.rows import (
    Converter,
    choice,
    date,
    date_time,
    digits,
    flag,
    kana,
    levy,
    number,
    postal_code,
    text,
    yen,
)
from saikoku.people.models import Household, Phone, Resident

# A validated row: the named tuple class a FileSpec generates (`spec.Record`), whose
# fields are the file's columns, its derived values and `extra`. Typed loosely because
# the class is made at run time from the spec.
Record = Any


@dataclass(frozen=True)
class Column:
    name: str
    convert: Converter
    required: bool = False
    # Model field whose max_length bounds the text (None: no check needed).
    field: models.Field | None = None
    # Value of an empty cell: "" for text, None for optional dates and numbers.
    empty: Any = None
    # Written into the field of this name of the file's model. False for columns that
    # name another row (a payer, a notice, a household) or that the loader writes
    # elsewhere (phones into Phone, history's date and time into two fields).
    stored: bool = True

    @property
    def max_length(self) -> int | None:
        return getattr(self.field, "max_length", None) if self.field is not None else None

    @property
    def memo(self) -> dict[str, Any] | None:
        return getattr(self.convert, "memo", None)


def col(
    name: str,
    convert: Converter = text,
    *,
    required: bool = False,
    model: type[models.Model] | None = None,
    field: str | None = None,
    empty: Any = None,
    stored: bool = True,
) -> Column:
    model_field = model._meta.get_field(field or name) if model is not None else None
    if model_field is not None and not isinstance(model_field, models.Field):
        raise ValueError(f"{model}.{field or name} is not a concrete field")
    if empty is None and convert is text:
        empty = ""
    if convert is flag:
        empty = False
    return Column(name, convert, required, model_field, empty, stored)


@dataclass(frozen=True)
class Reference:
    """A row's reference to a row of an earlier file (in a delta package, also to a row
    already in the database); an unknown one is an error."""

    columns: tuple[str, ...]  # this file's columns holding the other row's key
    target: str  # the file whose key they hold
    kind: str  # what that key is called in messages (validation names it)
    column: str  # the column an unknown reference is reported at


@dataclass(frozen=True)
class Derived:
    """A value the validation computes from a column and the loader stores in the
    model field `name` (the search keys of a name)."""

    name: str
    source: str
    function: Callable[[str], str]


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    # The columns that identify a row within the file; a second row with the same key
    # is a duplicate_key error at the last of them. key_kind names it in messages.
    key: tuple[str, ...]
    key_kind: str
    refers: Reference | None = None
    derived: tuple[Derived, ...] = ()

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The columns in file order: the header a package writer writes."""
        return tuple(c.name for c in self.columns)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The fields of a validated row (`Record`)."""
        return (*self.names, *(d.name for d in self.derived), "extra")

    @cached_property
    def stored(self) -> tuple[str, ...]:
        """The record fields written as they are into the model fields of that name."""
        return (*(c.name for c in self.columns if c.stored), *(d.name for d in self.derived))

    @cached_property
    def Record(self) -> type[tuple[Any, ...]]:
        """The named tuple of a validated row: the columns' values, then the derived
        values, then `extra` (the unknown columns, a dict)."""
        return namedtuple(f"{self._stem}Record", self.fields)

    @cached_property
    def Row(self) -> type[tuple[Any, ...]]:
        """The named tuple of a row as written to the file: one cell per column, in the
        file's order, empty unless given."""
        return namedtuple(f"{self._stem}Row", self.names, defaults=("",) * len(self.names))

    def row(self, **cells: Any) -> tuple[Any, ...]:
        """One row to write, by column name; a name the file does not have is a
        TypeError, a column not given is empty."""
        return self.Row(**cells)

    def position(self, name: str) -> int:
        """Where a field stands in a Record (and, for a column, in a Row)."""
        return self.fields.index(name)

    def getter(self, names: Iterable[str]) -> Callable[[Any], Any]:
        """Reads the named fields of a record (or of a list of its values) at C speed:
        one name gives the value, several a tuple."""
        return itemgetter(*(self.position(n) for n in names))

    @property
    def _stem(self) -> str:
        return self.name.removesuffix(".csv").title()


R, A, P = Resident, Assessment, Payment
FISCAL_YEAR = number(1950, 2200)
PERIOD = number(1, 12)
PHONE_SLOTS = ("phone_1", "phone_2", "phone_3")  # Phone.position 1, 2, 3
_PAYER = col("payer_resident_no", digits, required=True, model=R, field="resident_no", stored=False)
_TO_PAYER = Reference(("payer_resident_no",), "persons.csv", "payer", "payer_resident_no")

PERSONS = FileSpec(
    "persons.csv",
    Resident,
    (
        col("resident_no", digits, required=True, model=R),
        col("household_no", digits, required=True, model=Household, stored=False),
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
        *(col(slot, model=Phone, field="raw", stored=False) for slot in PHONE_SLOTS),
        col("not_resident", flag),
        col("public_notice", flag),
        col("caution", flag),
        col("caution_note"),
        col("deceased_on", date),
        col("occupation", model=R),
    ),
    key=("resident_no",),
    key_kind="resident_no",
    derived=(Derived("name_key", "name", name_key), Derived("kana_key", "name_kana", kana_key)),
)
ASSESSMENTS = FileSpec(
    "assessments.csv",
    Assessment,
    (
        col("levy", levy, required=True),
        col("fiscal_year", FISCAL_YEAR, required=True),
        col("notice_no", required=True, model=A),
        _PAYER,
        col("annual_amount", yen, required=True),
        col("notice_issued_on", date),
        col("vehicle_plate", model=A),
        col("vehicle_kind", model=A),
        col("insured_count", number(0, 999)),
    ),
    key=("levy", "fiscal_year", "notice_no"),
    key_kind="notice",
    refers=_TO_PAYER,
)
_BILL_KEY = ("levy", "fiscal_year", "notice_no", "period")
BILLS = FileSpec(
    "bills.csv",
    Bill,
    (
        col("levy", levy, required=True),
        col("fiscal_year", FISCAL_YEAR, required=True),
        col("notice_no", required=True, model=A, stored=False),  # Bill.assessment
        col("period", PERIOD, required=True),
        col("amount", yen, required=True),
        col("due_date", date, required=True),
        col("paid_amount", yen, required=True),
        col("demand_sent_on", date),
        col("late_charge_paid", yen),
    ),
    key=_BILL_KEY,
    key_kind="bill",
    refers=Reference(ASSESSMENTS.key, ASSESSMENTS.name, "notice", "notice_no"),
)
PAYMENTS = FileSpec(
    "payments.csv",
    Payment,
    (
        col("payment_id", required=True, model=P),
        # Payment.bill
        col("levy", levy, required=True, stored=False),
        col("fiscal_year", FISCAL_YEAR, required=True, stored=False),
        col("notice_no", required=True, model=A, stored=False),
        col("period", PERIOD, required=True, stored=False),
        col("amount", yen, required=True),
        col("paid_on", date, required=True),
        col("recorded_on", date),
        col("method", choice(PaymentMethod.values), required=True),
    ),
    key=("payment_id",),
    key_kind="id",
    refers=Reference(_BILL_KEY, BILLS.name, "bill", "notice_no"),
)
PLANS = FileSpec(
    "plans.csv",
    Plan,
    (
        col("plan_id", required=True, model=Plan),
        _PAYER,
        col("agreed_on", date, required=True),
        col("status", choice(PlanStatus.values), required=True),
        col("monthly_amount", yen),
        col("next_due_on", date),
        col("note"),
    ),
    key=("plan_id",),
    key_kind="id",
    refers=_TO_PAYER,
)
MEASURES = FileSpec(
    "measures.csv",
    Measure,
    (
        col("measure_id", required=True, model=Measure),
        _PAYER,
        col("kind", choice(MeasureKind.values), required=True),
        col("start_on", date, required=True),
        col("end_on", date),
        col("note"),
    ),
    key=("measure_id",),
    key_kind="id",
    refers=_TO_PAYER,
)
HISTORY = FileSpec(
    "history.csv",
    WardHistory,
    (
        col("record_id", required=True, model=WardHistory),
        _PAYER,
        # (datetime, has_time): the loader writes WardHistory.at and .has_time.
        col("at", date_time, required=True, stored=False),
        col("channel", choice(HistoryChannel.values), required=True),
        col("summary", required=True),
    ),
    key=("record_id",),
    key_kind="id",
    refers=_TO_PAYER,
)
ACCOUNTS = FileSpec(
    "accounts.csv",
    Account,
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
    key=("payer_resident_no", "levy", "bank_code", "branch_code", "account_no"),
    key_kind="account",
    refers=_TO_PAYER,
)

# In the order they are read and written: every file refers only to files before it.
SPECS: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (PERSONS, ASSESSMENTS, BILLS, PAYMENTS, PLANS, MEASURES, HISTORY, ACCOUNTS)
}
REQUIRED_IN_FULL = (PERSONS.name, ASSESSMENTS.name, BILLS.name)

__all__ = [
    "ACCOUNTS",
    "ASSESSMENTS",
    "BILLS",
    "HISTORY",
    "MEASURES",
    "PAYMENTS",
    "PERSONS",
    "PHONE_SLOTS",
    "PLANS",
    "REQUIRED_IN_FULL",
    "SPECS",
    "Column",
    "Derived",
    "FileSpec",
    "Record",
    "Reference",
    "col",
]
