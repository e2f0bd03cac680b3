"""The first pass over a package: every CSV file read once, every rule of spec §3
checked, every problem collected, and the good rows kept as the records of their file
(spec.py) for the loader. Nothing is written here.

One file goes through four steps, each driven by the file's FileSpec:
1. `_layout`: the header (duplicate, missing and unknown columns);
2. `_read`: each record's cells converted by the column rules (rows.py);
3. `_keep`: keys (duplicates), references to earlier files, the file's own row rule
   (`_ROW_RULES`), derived values; the row becomes a `spec.Record`;
4. `_check_manifest_entry`: row count and hash against manifest.json.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from saikoku.arrears.models import Assessment, Bill
from saikoku.interchange.csvlines import Record as CsvRecord
from saikoku.interchange.csvlines import iter_records
from saikoku.interchange.phonecache import PhoneParser
from saikoku.interchange.reader import EntryProblem, Manifest, PackageReader
from saikoku.interchange.report import ProblemLog
from saikoku.interchange.rows import Converter, FieldError, SegmentMemo
from saikoku.interchange.spec import (
    ASSESSMENTS,
    BILLS,
    PERSONS,
    PHONE_SLOTS,
    SPECS,
    Column,
    FileSpec,
    Record,
)
from saikoku.people.models import Resident

_MISSING = object()
_REQUIRED = FieldError("required")
EMPTY: dict[str, str] = {}  # shared "no extra columns"; never mutated

# line, the values in column order, the unknown columns' cells, passed its column rules
Cells = tuple[int, list[Any], dict[str, str], bool]
# A file's own rule about a whole row: may change the values, False drops the row.
RowRule = Callable[[int, list[Any]], bool]


@dataclass
class Parsed:
    """The validated content of a package: per file (in reading order) its good rows
    as records of its FileSpec."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # data rows read per file


# The keys of a file's rows already in the database, for a delta package's references.
_DATABASE_KEYS: dict[str, Callable[[], set[Any]]] = {
    PERSONS.name: lambda: set(Resident.objects.values_list("resident_no", flat=True)),
    ASSESSMENTS.name: lambda: set(
        Assessment.objects.values_list("levy", "fiscal_year", "notice_no")
    ),
    BILLS.name: lambda: set(
        Bill.objects.values_list("levy", "fiscal_year", "assessment__notice_no", "period")
    ),
}


class Known:
    """Keys that rows may refer to: the package's own (file -> key -> line), and in a
    delta package also the database's (fetched once per file, only when a reference
    is not in the package)."""

    def __init__(self, *, delta: bool) -> None:
        self.delta = delta
        self.keys: dict[str, dict[Any, int]] = {}
        self._database: dict[str, set[Any]] = {}

    def seen(self, file: str) -> dict[Any, int]:
        return self.keys.setdefault(file, {})

    def in_database(self, file: str, key: Any) -> bool:
        if not self.delta:
            return False
        if file not in self._database:
            self._database[file] = _DATABASE_KEYS[file]()
        return key in self._database[file]


def validate_package(
    reader: PackageReader, manifest: Manifest, log: ProblemLog, present: set[str]
) -> Parsed:
    """Reads and checks every file named in present; problems go to the log."""
    parsed = Parsed()
    known = Known(delta=manifest.kind == "delta")
    for spec in SPECS.values():
        if spec.name in present:
            rule = _ROW_RULES.get(spec.name)
            cells = _read(reader, spec, manifest, log, parsed.rows)
            _keep(cells, spec, parsed, known, log, rule(log) if rule else None)
    return parsed


@dataclass
class _Layout:
    """Where the file holds each of the spec's columns."""

    # (position in the record or -1 when absent, column, its rule, memo, max length)
    cells: list[tuple[int, Column, Converter, dict[str, Any] | None, int | None]]
    unknown: list[tuple[int, str]]  # (position, name) of columns the spec lacks
    width: int


def _layout(header: CsvRecord | None, spec: FileSpec, log: ProblemLog) -> _Layout | None:
    """The header checked against the spec; None when the rows cannot be read."""
    name = spec.name
    if header is None:
        log.error("empty_file", file=name, line=1)
        return None
    if header.fields is None:
        log.error(header.problem, file=name, line=header.line)
        return None
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
        return None
    unknown = [(i, c) for i, c in enumerate(names) if c not in spec.names]
    for _index, column in unknown:
        log.warning("unknown_column", file=name, line=1, column=column)
    cells = [
        (names.index(c.name) if c.name in seen else -1, c, c.convert, c.memo, c.max_length)
        for c in spec.columns
    ]
    return _Layout(cells, unknown, len(names))


def _cell_converter(
    spec: FileSpec, layout: _Layout, log: ProblemLog, max_chars: int
) -> Callable[[int, list[str]], tuple[list[Any], bool]]:
    """Converts the cells of one record: (values in column order, all cells valid).

    A bad cell is logged and its value is None; an empty required cell keeps its
    column's empty value, so that a row's key stays what the file says.
    """
    name = spec.name
    cells = layout.cells

    def convert_cells(line: int, fields: list[str]) -> tuple[list[Any], bool]:
        values: list[Any] = []
        ok = True
        for index, column, convert, memo, limit in cells:
            raw = fields[index].strip() if index >= 0 else ""
            if memo is not None:
                # Most cells repeat a value already converted (dates, amounts).
                value = memo.get(raw, _MISSING)
                if value is not _MISSING:
                    values.append(value)
                    continue
            if not raw:
                if not column.required:
                    values.append(column.empty)
                    continue
                problem = _REQUIRED
            elif len(raw) > max_chars:
                problem = FieldError("field_too_long", actual=len(raw), limit=max_chars)
            elif limit is not None and len(raw) > limit:
                problem = FieldError("too_long", actual=len(raw), limit=limit)
            else:
                try:
                    values.append(convert(raw))
                    continue
                except FieldError as exc:
                    problem = exc
            log.error(problem.code, file=name, line=line, column=column.name, **problem.values)
            ok = False
            values.append(column.empty if problem is _REQUIRED else None)
        return values, ok

    return convert_cells


def _read(
    reader: PackageReader,
    spec: FileSpec,
    manifest: Manifest,
    log: ProblemLog,
    counts: dict[str, int],
) -> Iterator[Cells]:
    """The well-formed records of one file with their cells converted; problems go to
    the log. Counts the data rows and checks count and hash against the manifest."""
    name = spec.name
    max_chars = reader.limits.field_chars
    count = 0
    try:
        records = iter_records(
            reader.iter_lines(name, manifest.encoding), max_field_chars=max_chars
        )
        layout = _layout(next(records, None), spec, log)
        if layout is None:
            return
        convert_cells = _cell_converter(spec, layout, log, max_chars)
        unknown, width = layout.unknown, layout.width
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
            values, ok = convert_cells(line, fields)
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


def _keep(
    rows: Iterator[Cells],
    spec: FileSpec,
    parsed: Parsed,
    known: Known,
    log: ProblemLog,
    rule: RowRule | None,
) -> None:
    """Keeps each valid row whose key is new and whose reference is known, as a record.

    A row with a bad cell still registers its key (see _read) but is not kept.
    """
    name = spec.name
    key_of = spec.getter(spec.key)
    single_key = len(spec.key) == 1
    key_column = spec.key[-1]
    seen = known.seen(name)
    refers = spec.refers
    if refers is not None:
        reference_of = spec.getter(refers.columns)
        targets = known.seen(refers.target)
    # Names repeat a handful of words: each word's key is computed once.
    derived = [
        (spec.position(d.source), SegmentMemo(d.function, keep_spaces=False)) for d in spec.derived
    ]
    make, record_class = tuple.__new__, spec.Record
    out = parsed.records.setdefault(name, [])
    for line, values, extra, ok in rows:
        key = key_of(values)
        if (key is None) if single_key else (None in key):
            continue
        if key in seen:
            kind = spec.key_kind
            _key_error(
                log, "duplicate_key", name, line, key_column, kind, key, first_line=seen[key]
            )
            continue
        seen[key] = line
        if not ok:
            continue
        if refers is not None:
            target = reference_of(values)
            if target not in targets and not known.in_database(refers.target, target):
                column, kind = refers.column, refers.kind
                _key_error(
                    log, "unknown_reference", name, line, column, kind, target, target=refers.target
                )
                continue
        if rule is not None and not rule(line, values):
            continue
        for source, function in derived:
            values.append(function(values[source]))
        values.append(extra)
        out.append(make(record_class, values))


def _parse_phones(log: ProblemLog) -> RowRule:
    """persons.csv: each phone slot's text becomes a PhoneInfo (None when empty); a
    number that is not valid is kept, with a warning."""
    phone = PhoneParser()
    slots = [(PERSONS.position(slot), slot) for slot in PHONE_SLOTS]

    def rule(line: int, values: list[Any]) -> bool:
        for at, slot in slots:
            raw = values[at]
            if not raw:
                values[at] = None
                continue
            info = phone(raw)
            if not info.is_valid:
                log.warning("invalid_phone", file=PERSONS.name, line=line, column=slot, value=raw)
            values[at] = info
        return True

    return rule


def _paid_within_amount(log: ProblemLog) -> RowRule:
    """bills.csv: what was paid on a bill cannot exceed its amount."""
    amount_at, paid_at = BILLS.position("amount"), BILLS.position("paid_amount")

    def rule(line: int, values: list[Any]) -> bool:
        amount, paid = values[amount_at], values[paid_at]
        if paid > amount:
            log.error(
                "paid_exceeds_amount",
                file=BILLS.name,
                line=line,
                column="paid_amount",
                actual=f"{paid:,}",
                expected=f"{amount:,}",
            )
            return False
        return True

    return rule


_ROW_RULES: dict[str, Callable[[ProblemLog], RowRule]] = {
    PERSONS.name: _parse_phones,
    BILLS.name: _paid_within_amount,
}

__all__ = ["Known", "Parsed", "validate_package"]
