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

from collections.abc import Iterable
from typing import Any

from saikoku.arrears.models import Account, Assessment, Bill, Measure, Payment, Plan, WardHistory
from saikoku.interchange.upsert import (
    datetime_value,
    delete_pairs,
    fetch,
    json_text,
    lock_imports,
    upsert,
)
from saikoku.interchange.validation import Parsed
from saikoku.people.models import Household, Phone, Resident

# Above this many keys, fetching the whole table is cheaper than IN lists.
_FETCH_ALL_ABOVE = 2000
_IN_CHUNK = 500

Counts = dict[str, dict[str, int]]


def _table(model: Any) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


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
    sql = f"SELECT levy, fiscal_year, notice_no, id, payer_id FROM {_table(Assessment)}"
    rows = _keyed(sql, "notice_no", {n[2] for n in notices})
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows if (r[0], r[1], r[2]) in notices}


def _counts(rows: int, existing: int) -> dict[str, int]:
    return {"rows": rows, "created": rows - existing, "updated": existing}


def load_package(parsed: Parsed) -> Counts:
    """Writes the package; returns {file: {rows, created, updated}}."""
    lock_imports()
    counts: Counts = {}
    if parsed.persons:
        counts["persons.csv"] = _load_persons(parsed.persons)
    if parsed.assessments:
        counts["assessments.csv"] = _load_assessments(parsed.assessments)
    if parsed.bills:
        counts["bills.csv"] = _load_bills(parsed.bills)
    if parsed.payments:
        counts["payments.csv"] = _load_payments(parsed.payments)
    if parsed.plans:
        counts["plans.csv"] = _load_by_id(Plan, "plan_id", parsed.plans, _PLAN_COLUMNS)
    if parsed.measures:
        counts["measures.csv"] = _load_by_id(
            Measure, "measure_id", parsed.measures, _MEASURE_COLUMNS
        )
    if parsed.history:
        history = [
            (r[0], r[1], datetime_value(r[2][0]), r[2][1], r[3], r[4], r[5]) for r in parsed.history
        ]
        counts["history.csv"] = _load_by_id(WardHistory, "record_id", history, _HISTORY_COLUMNS)
    if parsed.accounts:
        counts["accounts.csv"] = _load_accounts(parsed.accounts)
    for name in parsed.rows:
        counts.setdefault(name, _counts(0, 0))
    return counts


def _write(
    model: Any,
    columns: list[str],
    new: list[Any],
    old: list[Any],
    *,
    unique: list[str],
    update: list[str],
) -> None:
    """New rows by plain INSERT/COPY (the import lock is held and they were looked for),
    rows already there by upsert."""
    if new:
        upsert(model, columns, new, unique=unique, update=update, fresh=True)
    if old:
        upsert(model, columns, old, unique=unique, update=update)


_RESIDENT_COLUMNS = [
    "resident_no",
    "household_id",
    "is_householder",
    "relationship",
    "name",
    "name_kana",
    "name_key",
    "kana_key",
    "sex",
    "birth_date",
    "nationality",
    "postal_code",
    "address",
    "resident_since",
    "mailing_postal_code",
    "mailing_address",
    "not_resident",
    "public_notice",
    "caution",
    "caution_note",
    "deceased_on",
    "occupation",
    "extra",
]
# Positions in a validated persons row (rows.PERSONS order, then the computed values).
_P = {
    name: index
    for index, name in enumerate(
        [
            "resident_no",
            "household_no",
            "is_householder",
            "relationship",
            "name",
            "name_kana",
            "sex",
            "birth_date",
            "nationality",
            "postal_code",
            "address",
            "resident_since",
            "mailing_postal_code",
            "mailing_address",
            "phone_1",
            "phone_2",
            "phone_3",
            "not_resident",
            "public_notice",
            "caution",
            "caution_note",
            "deceased_on",
            "occupation",
            "name_key",
            "kana_key",
            "extra",
            "phones",
        ]
    )
}
_PHONE_COLUMNS = ["resident_id", "position", "raw", "e164", "digits", "kind", "is_valid", "source"]


def _load_persons(persons: list[tuple]) -> dict[str, int]:
    household_nos = {p[1] for p in persons}
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
    before = _resident_ids(p[0] for p in persons)
    picks = [_P.get(c, -1) for c in _RESIDENT_COLUMNS]
    extra_at = _RESIDENT_COLUMNS.index("extra")
    new, old = [], []
    for person in persons:
        values = [person[i] for i in picks]
        values[1] = households[person[1]]
        values[extra_at] = json_text(values[extra_at])
        (old if person[0] in before else new).append(values)
    _write(
        Resident, _RESIDENT_COLUMNS, new, old, unique=["resident_no"], update=_RESIDENT_COLUMNS[1:]
    )
    ids = _resident_ids(p[0] for p in persons)

    # Phone slots 1-3 are the ward's: each is replaced by the row's value, and a slot
    # the row leaves empty is emptied. Numbers the center collected (no slot) stay.
    new_phones, old_phones, emptied = [], [], []
    for person in persons:
        resident_id = ids[person[0]]
        existed = person[0] in before
        filled = set()
        for position, info in person[_P["phones"]]:
            filled.add(position)
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
        if existed:
            emptied.extend((resident_id, p) for p in (1, 2, 3) if p not in filled)
    delete_pairs(Phone, "resident_id", "position", emptied)
    _write(
        Phone,
        _PHONE_COLUMNS,
        new_phones,
        old_phones,
        unique=["resident_id", "position"],
        update=_PHONE_COLUMNS[2:],
    )
    return _counts(len(persons), len(before))


_ASSESSMENT_COLUMNS = [
    "levy",
    "fiscal_year",
    "notice_no",
    "payer_id",
    "annual_amount",
    "notice_issued_on",
    "vehicle_plate",
    "vehicle_kind",
    "insured_count",
    "extra",
]


def _load_assessments(assessments: list[tuple]) -> dict[str, int]:
    payers = _resident_ids(a[3] for a in assessments)
    before = _assessment_ids({(a[0], a[1], a[2]) for a in assessments})
    new, old = [], []
    for a in assessments:
        row = (a[0], a[1], a[2], payers[a[3]], *a[4:9], json_text(a[9]))
        (old if (a[0], a[1], a[2]) in before else new).append(row)
    _write(
        Assessment,
        _ASSESSMENT_COLUMNS,
        new,
        old,
        unique=["levy", "fiscal_year", "notice_no"],
        update=_ASSESSMENT_COLUMNS[3:],
    )
    # Bills carry a copy of their assessment's payer; a notice that changed hands
    # (e.g. a new 世帯主 for NH) moves its bills too, also those not in this package.
    moved = [
        (payers[a[3]], before[key][0])
        for a in assessments
        if (key := (a[0], a[1], a[2])) in before and before[key][1] != payers[a[3]]
    ]
    if moved:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_table(Bill)} SET payer_id = %s WHERE assessment_id = %s", moved
            )
    return _counts(len(assessments), len(before))


_BILL_COLUMNS = [
    "assessment_id",
    "payer_id",
    "levy",
    "fiscal_year",
    "period",
    "amount",
    "due_date",
    "paid_amount",
    "demand_sent_on",
    "late_charge_paid",
    "extra",
]


def _bill_ids(assessment_ids: set[int]) -> dict[tuple[int, int], int]:
    sql = f"SELECT assessment_id, period, id FROM {_table(Bill)}"
    return {(r[0], r[1]): r[2] for r in _keyed(sql, "assessment_id", assessment_ids)}


def _load_bills(bills: list[tuple]) -> dict[str, int]:
    notices = _assessment_ids({(b[0], b[1], b[2]) for b in bills})
    before = _bill_ids({notices[(b[0], b[1], b[2])][0] for b in bills})
    new, old = [], []
    for b in bills:
        assessment_id, payer_id = notices[(b[0], b[1], b[2])]
        row = (assessment_id, payer_id, b[0], b[1], *b[3:9], json_text(b[9]))
        (old if (assessment_id, b[3]) in before else new).append(row)
    # The ward's row is authoritative (spec §3): amounts, payments and dates replace
    # whatever an earlier package said.
    _write(
        Bill, _BILL_COLUMNS, new, old, unique=["assessment_id", "period"], update=_BILL_COLUMNS[5:]
    )
    return _counts(len(bills), len(old))


_PAYMENT_COLUMNS = ["payment_id", "bill_id", "amount", "paid_on", "recorded_on", "method", "extra"]


def _load_payments(payments: list[tuple]) -> dict[str, int]:
    notices = _assessment_ids({(p[1], p[2], p[3]) for p in payments})
    bill_ids = _bill_ids({a for a, _payer in notices.values()})
    sql = f"SELECT payment_id FROM {_table(Payment)}"
    known = {r[0] for r in _keyed(sql, "payment_id", {p[0] for p in payments})}
    rows = [
        (p[0], bill_ids[(notices[(p[1], p[2], p[3])][0], p[4])], *p[5:8], p[8], json_text(p[9]))
        for p in payments
        if p[0] not in known
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


_PLAN_COLUMNS = [
    "plan_id",
    "payer_id",
    "agreed_on",
    "status",
    "monthly_amount",
    "next_due_on",
    "note",
    "extra",
]
_MEASURE_COLUMNS = ["measure_id", "payer_id", "kind", "start_on", "end_on", "note", "extra"]
_HISTORY_COLUMNS = ["record_id", "payer_id", "at", "has_time", "channel", "summary", "extra"]


def _load_by_id(model: Any, id_field: str, rows: list[tuple], columns: list[str]) -> dict[str, int]:
    """plans, measures, history: their own id, then the payer's resident_no."""
    payers = _resident_ids(r[1] for r in rows)
    sql = f"SELECT {id_field} FROM {_table(model)}"
    before = {x[0] for x in _keyed(sql, id_field, {r[0] for r in rows})}
    new, old = [], []
    for r in rows:
        row = (r[0], payers[r[1]], *r[2:-1], json_text(r[-1]))
        (old if r[0] in before else new).append(row)
    _write(model, columns, new, old, unique=[id_field], update=columns[1:])
    return _counts(len(rows), len(old))


_ACCOUNT_COLUMNS = [
    "payer_id",
    "levy",
    "bank_code",
    "branch_code",
    "account_type",
    "account_no",
    "holder_kana",
    "start_on",
    "end_on",
    "extra",
]


def _load_accounts(accounts: list[tuple]) -> dict[str, int]:
    payers = _resident_ids(a[0] for a in accounts)
    sql = f"SELECT payer_id, levy, bank_code, branch_code, account_no FROM {_table(Account)}"
    before = {tuple(r) for r in _keyed(sql, "payer_id", set(payers.values()))}
    new, old = [], []
    for a in accounts:
        row = (payers[a[0]], *a[1:9], json_text(a[9]))
        (old if (row[0], row[1], row[2], row[3], row[5]) in before else new).append(row)
    _write(
        Account,
        _ACCOUNT_COLUMNS,
        new,
        old,
        unique=["payer_id", "levy", "bank_code", "branch_code", "account_no"],
        update=["account_type", "holder_kana", "start_on", "end_on", "extra"],
    )
    return _counts(len(accounts), len(old))


__all__ = ["load_package"]
