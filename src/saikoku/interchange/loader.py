# SQL below is assembled only from model metadata (table and column names, quoted);
# every value travels as a parameter or through COPY.
# ruff: noqa: S608
"""The second pass: writes a validated package to the database, parents first.

Runs inside the import's transaction (services.package_import). Natural keys from the
package (resident_no, notice numbers, …) become ids with one query per table, never
one per row. Every table is upserted on its unique key, so a full package brings the
database to the ward's picture and a delta package changes only the rows it holds;
nothing is deleted except the emptied phone slots of a resident in the package.

Payments never touch Bill.paid_amount: the bill row (収納済額 as of extraction) is the
ward's authoritative figure and already includes them. Adding payments on top would
count them twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

from saikoku.arrears.models import Account, Assessment, Bill, Payment
from saikoku.interchange.spec import (
    ACCOUNTS,
    ASSESSMENTS,
    BILLS,
    HISTORY,
    MEASURES,
    PAYMENTS,
    PERSONS,
    PHONE_SLOTS,
    PLANS,
    FileSpec,
    Record,
)
from saikoku.interchange.upsert import (
    column_of,
    datetime_value,
    delete_pairs,
    fetch,
    json_text,
    lock_imports,
    upsert,
)
from saikoku.interchange.validation import Parsed
from saikoku.people.models import Household, Phone, Resident
from saikoku.privacy.fields import BlindIndexField, EncryptedTextField

# Above this many keys, fetching the whole table is cheaper than IN lists.
_FETCH_ALL_ABOVE = 2000
_IN_CHUNK = 500

Counts = dict[str, dict[str, int]]


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column_list(model: type[models.Model], names: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(column_of(model, name)) for name in names)


def _keyed(sql_all: str, where_column: str, keys: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Rows of sql_all (which has no WHERE), restricted to where_column IN keys when
    there are few keys."""
    keys = list(keys)
    if not keys:
        return []
    if len(keys) > _FETCH_ALL_ABOVE:
        return fetch(sql_all)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        rows.extend(fetch(f"{sql_all} WHERE {where_column} IN ({marks})", chunk))
    return rows


def _resident_ids(resident_nos: Iterable[str]) -> dict[str, int]:
    sql = f"SELECT resident_no, id FROM {_table(Resident)}"
    return dict(_keyed(sql, "resident_no", set(resident_nos)))


def _assessment_ids(notices: set[tuple[str, int, str]]) -> dict[tuple, tuple[int, int]]:
    """(levy, fiscal_year, notice_no) -> (assessment id, payer id) of the notices found."""
    sql = f"SELECT levy, fiscal_year, notice_no, id, payer_id FROM {_table(Assessment)}"
    rows = _keyed(sql, "notice_no", {notice_no for _levy, _year, notice_no in notices})
    return {
        (levy, year, notice_no): (assessment_id, payer_id)
        for levy, year, notice_no, assessment_id, payer_id in rows
        if (levy, year, notice_no) in notices
    }


def _counts(rows: int, existing: int) -> dict[str, int]:
    return {"rows": rows, "created": rows - existing, "updated": existing}


def _picker(spec: FileSpec, names: Sequence[str]) -> Callable[[Record], tuple[Any, ...]]:
    """Reads the named fields of a record as a tuple (C speed: a full package has half
    a million bills)."""
    get = spec.getter(names)
    return get if len(names) > 1 else lambda record: (get(record),)


def _write(
    model: type[models.Model],
    columns: Sequence[str],
    new: list[Any],
    old: list[Any],
    *,
    unique: Sequence[str],
) -> None:
    """New rows by plain INSERT/COPY (the import lock is held and they were looked for),
    rows already there by upsert: every column but the unique key is replaced.
    Values of encrypted fields are encrypted here, the one way rows reach the table."""
    update = [c for c in columns if c not in unique]
    new, old = _encrypted(model, columns, new), _encrypted(model, columns, old)
    if new:
        upsert(model, columns, new, unique=unique, update=update, fresh=True)
    if old:
        upsert(model, columns, old, unique=unique, update=update)


def _encrypted(model: type[models.Model], columns: Sequence[str], rows: list[Any]) -> list[Any]:
    """The rows with the values of the model's encrypted fields encrypted (the raw
    writes bypass the fields' own encryption)."""
    if not rows:
        return rows
    at = [
        (i, field.encryptor())
        for i, name in enumerate(columns)
        if isinstance(field := model._meta.get_field(name), EncryptedTextField)
    ]
    if not at:
        return rows
    sealed: list[Any] = []
    for row in rows:
        values = list(row)
        for i, encrypt in at:
            values[i] = encrypt(values[i])
        sealed.append(values)
    return sealed


# Each table's columns: the ids of the rows a record names (looked up here), then the
# record's stored fields as the spec lists them, then the unknown columns as JSON.
_RESIDENT_COLUMNS = ["household_id", *PERSONS.stored, "extra"]
_PHONE_COLUMNS = ["resident_id", "position", "raw", "e164", "digits", "kind", "is_valid", "source"]


def _load_persons(persons: list[Record]) -> dict[str, int]:
    household_nos = {p.household_no for p in persons}
    sql = f"SELECT household_no, id FROM {_table(Household)}"
    known_households = {r[0] for r in _keyed(sql, "household_no", household_nos)}
    upsert(
        Household,
        ["household_no"],
        [(h,) for h in household_nos - known_households],
        unique=["household_no"],
        fresh=True,
    )
    households = dict(_keyed(sql, "household_no", household_nos))
    before = _resident_ids(p.resident_no for p in persons)
    stored = _picker(PERSONS, PERSONS.stored)
    new: list[tuple[Any, ...]] = []
    old: list[tuple[Any, ...]] = []
    for person in persons:
        row = (households[person.household_no], *stored(person), json_text(person.extra))
        (old if person.resident_no in before else new).append(row)
    _write(Resident, _RESIDENT_COLUMNS, new, old, unique=["resident_no"])
    ids = _resident_ids(p.resident_no for p in persons)

    # Phone slots 1-3 are the ward's: each is replaced by the row's value, and a slot
    # the row leaves empty is emptied. Numbers the center collected (no slot) stay.
    slots = _picker(PERSONS, PHONE_SLOTS)
    new_phones: list[tuple[Any, ...]] = []
    old_phones: list[tuple[Any, ...]] = []
    emptied: list[tuple[Any, ...]] = []
    for person in persons:
        resident_id = ids[person.resident_no]
        existed = person.resident_no in before
        for position, info in enumerate(slots(person), start=1):
            if info is None:
                if existed:
                    emptied.append((resident_id, position))
                continue
            row = (
                resident_id,
                position,
                info.raw,
                info.e164,
                info.digits,
                info.kind,
                info.is_valid,
                "ward",
            )
            (old_phones if existed else new_phones).append(row)
    delete_pairs(Phone, "resident_id", "position", emptied)
    _write(Phone, _PHONE_COLUMNS, new_phones, old_phones, unique=["resident_id", "position"])
    return _counts(len(persons), len(before))


_ASSESSMENT_COLUMNS = ["payer_id", *ASSESSMENTS.stored, "extra"]


def _load_assessments(assessments: list[Record]) -> dict[str, int]:
    payers = _resident_ids(a.payer_resident_no for a in assessments)
    notice_of = ASSESSMENTS.getter(ASSESSMENTS.key)
    before = _assessment_ids({notice_of(a) for a in assessments})
    stored = _picker(ASSESSMENTS, ASSESSMENTS.stored)
    new: list[tuple[Any, ...]] = []
    old: list[tuple[Any, ...]] = []
    for a in assessments:
        row = (payers[a.payer_resident_no], *stored(a), json_text(a.extra))
        (old if notice_of(a) in before else new).append(row)
    # The file's key (levy, fiscal_year, notice_no) is the table's unique key.
    _write(Assessment, _ASSESSMENT_COLUMNS, new, old, unique=ASSESSMENTS.key)
    # Bills carry a copy of their assessment's payer; a notice that changed hands
    # (e.g. a new 世帯主 for NH) moves its bills too, also those not in this package.
    moved = [
        (payers[a.payer_resident_no], before[key][0])
        for a in assessments
        if (key := notice_of(a)) in before and before[key][1] != payers[a.payer_resident_no]
    ]
    if moved:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_table(Bill)} SET payer_id = %s WHERE assessment_id = %s", moved
            )
    return _counts(len(assessments), len(before))


_BILL_COLUMNS = ["assessment_id", "payer_id", *BILLS.stored, "extra"]


def _bill_ids(assessment_ids: set[int]) -> dict[tuple[int, int], int]:
    sql = f"SELECT assessment_id, period, id FROM {_table(Bill)}"
    return {(r[0], r[1]): r[2] for r in _keyed(sql, "assessment_id", assessment_ids)}


def _load_bills(bills: list[Record]) -> dict[str, int]:
    notice_of = BILLS.getter(ASSESSMENTS.key)
    notices = _assessment_ids({notice_of(b) for b in bills})
    before = _bill_ids({notices[notice_of(b)][0] for b in bills})
    stored = _picker(BILLS, BILLS.stored)
    new: list[tuple[Any, ...]] = []
    old: list[tuple[Any, ...]] = []
    for b in bills:
        assessment_id, payer_id = notices[notice_of(b)]
        row = (assessment_id, payer_id, *stored(b), json_text(b.extra))
        (old if (assessment_id, b.period) in before else new).append(row)
    # The ward's row is authoritative (spec §3): amounts, payments and dates replace
    # whatever an earlier package said.
    _write(Bill, _BILL_COLUMNS, new, old, unique=["assessment_id", "period"])
    return _counts(len(bills), len(old))


_PAYMENT_COLUMNS = ["bill_id", *PAYMENTS.stored, "extra"]


def _load_payments(payments: list[Record]) -> dict[str, int]:
    notice_of = PAYMENTS.getter(ASSESSMENTS.key)
    notices = _assessment_ids({notice_of(p) for p in payments})
    bill_ids = _bill_ids({a for a, _payer in notices.values()})
    sql = f"SELECT payment_id FROM {_table(Payment)}"
    known = {r[0] for r in _keyed(sql, "payment_id", {p.payment_id for p in payments})}
    stored = _picker(PAYMENTS, PAYMENTS.stored)
    rows = [
        (bill_ids[(notices[notice_of(p)][0], p.period)], *stored(p), json_text(p.extra))
        for p in payments
        if p.payment_id not in known
    ]
    # A payment_id the center already has changes nothing (spec §3): re-sending a
    # payment must never count it twice.
    upsert(Payment, _PAYMENT_COLUMNS, rows, unique=["payment_id"], fresh=True)
    return {
        "rows": len(payments),
        "created": len(rows),
        "updated": 0,
        "unchanged": len(payments) - len(rows),
    }


def _history_time(record: Record) -> tuple[Any, bool]:
    """history.csv's `at` is a date or a date and time: WardHistory.at and .has_time."""
    at, has_time = record.at
    return datetime_value(at), has_time


def _by_id_loader(
    spec: FileSpec,
    computed: Sequence[str] = (),
    compute: Callable[[Record], tuple[Any, ...]] | None = None,
) -> Callable[[list[Record]], dict[str, int]]:
    """plans, measures, history: their own id, the payer's resident_no, and fields
    computed from the record (`computed`, by `compute`) before the stored ones."""
    model = spec.model
    (id_field,) = spec.key
    columns = ["payer_id", *computed, *spec.stored, "extra"]

    def load(records: list[Record]) -> dict[str, int]:
        payers = _resident_ids(r.payer_resident_no for r in records)
        id_of = spec.getter(spec.key)
        sql = f"SELECT {id_field} FROM {_table(model)}"
        before = {x[0] for x in _keyed(sql, id_field, {id_of(r) for r in records})}
        stored = _picker(spec, spec.stored)
        new: list[tuple[Any, ...]] = []
        old: list[tuple[Any, ...]] = []
        for r in records:
            lead = compute(r) if compute is not None else ()
            row = (payers[r.payer_resident_no], *lead, *stored(r), json_text(r.extra))
            (old if id_of(r) in before else new).append(row)
        _write(model, columns, new, old, unique=[id_field])
        return _counts(len(records), len(old))

    return load


# The file's key, with the payer's id for its resident number, is the table's unique key;
# the table holds the account number (the key's last column) encrypted, so its blind
# index stands in for it.
_ACCOUNT_UNIQUE = ["payer_id", *ACCOUNTS.key[1:-1], "account_no_hash"]
_ACCOUNT_COLUMNS = ["payer_id", *ACCOUNTS.stored, "account_no_hash", "extra"]


def _load_accounts(accounts: list[Record]) -> dict[str, int]:
    payers = _resident_ids(a.payer_resident_no for a in accounts)
    quote = _column_list(Account, _ACCOUNT_UNIQUE)
    sql = f"SELECT {quote} FROM {_table(Account)}"
    before = {tuple(r) for r in _keyed(sql, "payer_id", set(payers.values()))}
    rest_of_key = _picker(ACCOUNTS, ACCOUNTS.key[1:-1])
    stored = _picker(ACCOUNTS, ACCOUNTS.stored)
    index_field = Account._meta.get_field("account_no_hash")
    assert isinstance(index_field, BlindIndexField)
    index = index_field.indexer() if accounts else str
    new: list[tuple[Any, ...]] = []
    old: list[tuple[Any, ...]] = []
    for a in accounts:
        payer_id = payers[a.payer_resident_no]
        digest = index(a.account_no)
        row = (payer_id, *stored(a), digest, json_text(a.extra))
        (old if (payer_id, *rest_of_key(a), digest) in before else new).append(row)
    _write(Account, _ACCOUNT_COLUMNS, new, old, unique=_ACCOUNT_UNIQUE)
    return _counts(len(accounts), len(old))


# In the order of SPECS: parents first.
_LOADERS: dict[str, Callable[[list[Record]], dict[str, int]]] = {
    PERSONS.name: _load_persons,
    ASSESSMENTS.name: _load_assessments,
    BILLS.name: _load_bills,
    PAYMENTS.name: _load_payments,
    PLANS.name: _by_id_loader(PLANS),
    MEASURES.name: _by_id_loader(MEASURES),
    HISTORY.name: _by_id_loader(HISTORY, ("at", "has_time"), _history_time),
    ACCOUNTS.name: _load_accounts,
}


def load_package(parsed: Parsed) -> Counts:
    """Writes the package; returns {file: {rows, created, updated}}."""
    lock_imports()
    counts: Counts = {}
    for name, load in _LOADERS.items():
        records = parsed.records.get(name)
        if records:
            counts[name] = load(records)
    for name in parsed.rows:
        counts.setdefault(name, _counts(0, 0))
    return counts


__all__ = ["load_package"]
