"""The first pass over a package: every CSV file read once, every rule of spec §3
checked, every problem collected, and the good rows kept as compact tuples for the
loader. Nothing is written here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from saikoku.arrears.models import Assessment, Bill
from saikoku.core.text import kana_key, name_key
from saikoku.interchange.csvlines import iter_records
from saikoku.interchange.phonecache import PhoneParser
from saikoku.interchange.reader import EntryProblem, Manifest, PackageReader
from saikoku.interchange.report import ProblemLog
from saikoku.interchange.rows import (
    ACCOUNTS,
    ASSESSMENTS,
    BILLS,
    HISTORY,
    MEASURES,
    PAYMENTS,
    PERSONS,
    PLANS,
    FieldError,
    FileSpec,
    SegmentMemo,
)
from saikoku.people.models import Resident

_MISSING = object()
EMPTY: dict[str, str] = {}  # shared "no extra columns"; never mutated

Row = tuple[Any, ...]


@dataclass
class Parsed:
    """The validated content of a package, in the loader's order."""

    persons: list[Row] = field(default_factory=list)  # PERSONS values + (extra, phones)
    assessments: list[Row] = field(default_factory=list)
    bills: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    plans: list[Row] = field(default_factory=list)
    measures: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)
    accounts: list[Row] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # data rows read per file


class Known:
    """Keys that rows may refer to: the package's own, and in a delta package also the
    database's (fetched once per table, only when a reference is not in the package)."""

    def __init__(self, *, delta: bool) -> None:
        self.delta = delta
        self.residents: dict[str, int] = {}  # resident_no -> line
        self.assessments: dict[tuple[str, int, str], int] = {}
        self.bills: dict[tuple[str, int, str, int], int] = {}
        self._db: dict[str, set[Any]] = {}

    def _from_db(self, table: str) -> set[Any]:
        if table not in self._db:
            if table == "residents":
                keys: set[Any] = set(Resident.objects.values_list("resident_no", flat=True))
            elif table == "assessments":
                keys = set(Assessment.objects.values_list("levy", "fiscal_year", "notice_no"))
            else:
                keys = set(
                    Bill.objects.values_list(
                        "levy", "fiscal_year", "assessment__notice_no", "period"
                    )
                )
            self._db[table] = keys
        return self._db[table]

    def has(self, table: str, key: Any) -> bool:
        if key in getattr(self, table):
            return True
        return self.delta and key in self._from_db(table)


def _rows(
    reader: PackageReader,
    spec: FileSpec,
    manifest: Manifest,
    log: ProblemLog,
    counts: dict[str, int],
) -> Iterator[tuple[int, list[Any], dict[str, str], bool]]:
    """(line, values in spec order, extra columns, passed its column rules) of each
    well-formed row; problems go to the log. Checks row count and hash against the manifest."""
    name = spec.name
    max_chars = reader.limits.field_chars
    count = 0
    try:
        records = iter_records(
            reader.iter_lines(name, manifest.encoding), max_field_chars=max_chars
        )
        header = next(records, None)
        if header is None:
            log.error("empty_file", file=name, line=1)
            return
        if header.fields is None:
            log.error(header.problem, file=name, line=header.line)
            return
        names = [h.strip() for h in header.fields]
        seen: set[str] = set()
        for column in names:
            if column in seen:
                log.error("duplicate_column", file=name, line=1, column=column)
            seen.add(column)
        missing = [c.name for c in spec.columns if c.required and c.name not in seen]
        for column in missing:
            log.error("missing_column", file=name, line=1, column=column)
        if missing or len(seen) != len(names):
            return
        unknown = [(i, c) for i, c in enumerate(names) if c not in spec.names]
        for _index, column in unknown:
            log.warning("unknown_column", file=name, line=1, column=column)
        plan = [
            (names.index(c.name) if c.name in seen else -1, c, c.convert, c.memo, c.max_length)
            for c in spec.columns
        ]
        width = len(names)
        for record in records:
            count += 1
            line = record.line
            fields = record.fields
            if fields is None:
                log.error(record.problem, file=name, line=line)
                continue
            if len(fields) != width:
                log.error("field_count", file=name, line=line, actual=len(fields), expected=width)
                continue
            values: list[Any] = []
            ok = True
            for index, column, convert, memo, limit in plan:
                raw = fields[index].strip() if index >= 0 else ""
                if memo is not None:
                    # Most cells repeat a value already converted (dates, amounts).
                    value = memo.get(raw, _MISSING)
                    if value is not _MISSING:
                        values.append(value)
                        continue
                if not raw:
                    if column.required:
                        log.error("required", file=name, line=line, column=column.name)
                        ok = False
                    values.append(column.empty)
                    continue
                if len(raw) > max_chars:
                    log.error(
                        "field_too_long",
                        file=name,
                        line=line,
                        column=column.name,
                        actual=len(raw),
                        limit=max_chars,
                    )
                    ok = False
                    values.append(None)
                    continue
                if limit is not None and len(raw) > limit:
                    log.error(
                        "too_long",
                        file=name,
                        line=line,
                        column=column.name,
                        actual=len(raw),
                        limit=limit,
                    )
                    ok = False
                    values.append(None)
                    continue
                try:
                    values.append(convert(raw))
                except FieldError as exc:
                    log.error(exc.code, file=name, line=line, column=column.name, **exc.values)
                    ok = False
                    values.append(None)
            extra = {c: fields[i] for i, c in unknown if fields[i]} if unknown else EMPTY
            # Rows with a bad cell are still passed on, marked, so that their keys are
            # known: one bad date must not turn into errors in every file that refers
            # to the row.
            yield line, values, extra, ok
    except EntryProblem as exc:
        log.add(exc.problem)
        return
    finally:
        counts[name] = count
    _check_manifest_entry(reader, manifest, name, count, log)


def _check_manifest_entry(
    reader: PackageReader, manifest: Manifest, name: str, count: int, log: ProblemLog
) -> None:
    listed = manifest.files[name]
    digest = reader.digests.get(name)
    if count != listed["rows"]:
        log.error("row_count_mismatch", file=name, actual=count, expected=listed["rows"])
    if digest is not None and digest.sha256 != listed["sha256"].lower():
        log.error("hash_mismatch", file=name)


def validate_package(
    reader: PackageReader, manifest: Manifest, log: ProblemLog, present: set[str]
) -> Parsed:
    """Reads and checks every file named in present; problems go to the log."""
    parsed = Parsed()
    known = Known(delta=manifest.kind == "delta")
    counts = parsed.rows
    if PERSONS.name in present:
        _persons(_rows(reader, PERSONS, manifest, log, counts), parsed, known, log)
    if ASSESSMENTS.name in present:
        _assessments(_rows(reader, ASSESSMENTS, manifest, log, counts), parsed, known, log)
    if BILLS.name in present:
        _bills(_rows(reader, BILLS, manifest, log, counts), parsed, known, log)
    if PAYMENTS.name in present:
        _payments(_rows(reader, PAYMENTS, manifest, log, counts), parsed, known, log)
    for spec, target in (
        (PLANS, parsed.plans),
        (MEASURES, parsed.measures),
        (HISTORY, parsed.history),
    ):
        if spec.name in present:
            _by_id(_rows(reader, spec, manifest, log, counts), spec.name, target, known, log)
    if ACCOUNTS.name in present:
        _accounts(_rows(reader, ACCOUNTS, manifest, log, counts), parsed, known, log)
    return parsed


_KEY_NAMES = {
    "resident_no": ("住民番号", "Resident number"),
    "notice": ("通知書（税目・年度・通知書番号）", "Notice (levy, year, notice number)"),
    "bill": ("期別（税目・年度・通知書番号・期）", "Bill (levy, year, notice number, period)"),
    "payer": ("納税義務者の住民番号", "Payer's resident number"),
    "id": ("ID", "ID"),
    "account": (
        "口座（納税義務者・税目・金融機関・支店・口座番号）",
        "Account (payer, levy, bank, branch, number)",
    ),
}


def _key_error(
    log: ProblemLog, code: str, file: str, line: int, column: str, kind: str, value: Any, **extra
) -> None:
    """One error about a key (a duplicate, an unknown reference), named in ja and en."""
    ja, en = _KEY_NAMES[kind]
    shown = "-".join(str(v) for v in value) if isinstance(value, tuple) else value
    log.error(code, file=file, line=line, column=column, key=ja, key_en=en, value=shown, **extra)


def _duplicate(
    log: ProblemLog, file: str, line: int, column: str, kind: str, value: Any, first_line: int
) -> None:
    _key_error(log, "duplicate_key", file, line, column, kind, value, first_line=first_line)


def _unknown(
    log: ProblemLog, file: str, line: int, column: str, kind: str, value: Any, target: str
) -> None:
    _key_error(log, "unknown_reference", file, line, column, kind, value, target=target)


def _persons(rows: Iterator, parsed: Parsed, known: Known, log: ProblemLog) -> None:
    name = PERSONS.name
    phone = PhoneParser()
    name_keys = SegmentMemo(name_key, keep_spaces=False)
    kana_keys = SegmentMemo(kana_key, keep_spaces=False)
    first_phone = PERSONS.index("phone_1")
    seen = known.residents
    out = parsed.persons
    for line, values, extra, ok in rows:
        resident_no = values[0]
        if resident_no is None:
            continue
        if resident_no in seen:
            _duplicate(
                log, name, line, "resident_no", "resident_no", resident_no, seen[resident_no]
            )
            continue
        seen[resident_no] = line
        if not ok:
            continue
        phones = []
        for position in (1, 2, 3):
            raw = values[first_phone + position - 1]
            if raw:
                info = phone(raw)
                if not info.is_valid:
                    log.warning(
                        "invalid_phone", file=name, line=line, column=f"phone_{position}", value=raw
                    )
                phones.append((position, info))
        values.append(name_keys(values[4]))
        values.append(kana_keys(values[5]))
        values.append(extra)
        values.append(phones)
        out.append(tuple(values))


def _assessments(rows: Iterator, parsed: Parsed, known: Known, log: ProblemLog) -> None:
    name = ASSESSMENTS.name
    seen = known.assessments
    out = parsed.assessments
    for line, values, extra, ok in rows:
        key = (values[0], values[1], values[2])
        if None in key:
            continue
        if key in seen:
            _duplicate(log, name, line, "notice_no", "notice", key, seen[key])
            continue
        seen[key] = line
        if values[3] is None or not ok:
            continue
        if not known.has("residents", values[3]):
            _unknown(log, name, line, "payer_resident_no", "payer", values[3], "persons.csv")
            continue
        values.append(extra)
        out.append(tuple(values))


def _bills(rows: Iterator, parsed: Parsed, known: Known, log: ProblemLog) -> None:
    name = BILLS.name
    seen = known.bills
    out = parsed.bills
    for line, values, extra, ok in rows:
        notice = (values[0], values[1], values[2])
        key = (*notice, values[3])
        if None in key:
            continue
        if key in seen:
            _duplicate(log, name, line, "period", "bill", key, seen[key])
            continue
        seen[key] = line
        if not ok:
            continue
        if not known.has("assessments", notice):
            _unknown(log, name, line, "notice_no", "notice", notice, "assessments.csv")
            continue
        amount, paid = values[4], values[6]
        if paid > amount:
            log.error(
                "paid_exceeds_amount",
                file=name,
                line=line,
                column="paid_amount",
                actual=f"{paid:,}",
                expected=f"{amount:,}",
            )
            continue
        values.append(extra)
        out.append(tuple(values))


def _payments(rows: Iterator, parsed: Parsed, known: Known, log: ProblemLog) -> None:
    name = PAYMENTS.name
    seen: dict[str, int] = {}
    out = parsed.payments
    for line, values, extra, ok in rows:
        payment_id = values[0]
        if payment_id is None:
            continue
        if payment_id in seen:
            _duplicate(log, name, line, "payment_id", "id", payment_id, seen[payment_id])
            continue
        seen[payment_id] = line
        bill = (values[1], values[2], values[3], values[4])
        if not ok:
            continue
        if not known.has("bills", bill):
            _unknown(log, name, line, "notice_no", "bill", bill, "bills.csv")
            continue
        values.append(extra)
        out.append(tuple(values))


def _by_id(rows: Iterator, name: str, out: list[Row], known: Known, log: ProblemLog) -> None:
    """plans, measures, history: an id of their own and a payer."""
    seen: dict[str, int] = {}
    id_column = {"plans.csv": "plan_id", "measures.csv": "measure_id"}.get(name, "record_id")
    for line, values, extra, ok in rows:
        if values[0] is None:
            continue
        if values[0] in seen:
            _duplicate(log, name, line, id_column, "id", values[0], seen[values[0]])
            continue
        seen[values[0]] = line
        if not ok:
            continue
        if not known.has("residents", values[1]):
            _unknown(log, name, line, "payer_resident_no", "payer", values[1], "persons.csv")
            continue
        values.append(extra)
        out.append(tuple(values))


def _accounts(rows: Iterator, parsed: Parsed, known: Known, log: ProblemLog) -> None:
    name = ACCOUNTS.name
    seen: dict[tuple, int] = {}
    for line, values, extra, ok in rows:
        key = (values[0], values[1], values[2], values[3], values[5])
        if None in key:
            continue
        if key in seen:
            _duplicate(log, name, line, "account_no", "account", key, seen[key])
            continue
        seen[key] = line
        if not ok:
            continue
        if not known.has("residents", values[0]):
            _unknown(log, name, line, "payer_resident_no", "payer", values[0], "persons.csv")
            continue
        values.append(extra)
        parsed.accounts.append(tuple(values))


__all__ = ["Parsed", "validate_package"]
