"""The erased values looked for afterwards, the vacuum that drops their old copies,
and the scan of what is left (the database file and its WAL, or every PostgreSQL
table through COPY; the files folder, the data folder's exports and reports, the log).

Values a kept resident shares are not looked for: they are not the erased resident's
alone. The audit trail is kept by design; what the scan finds there is reported apart.
The matching is Aho–Corasick over raw bytes (pyahocorasick): every value at once, in
one pass.

SQL here names only tables from the engine's catalogue, quoted by the engine; no value
is ever part of it.
"""

# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import ahocorasick
from django.conf import settings
from django.db import connection

from saikoku.logfile import log_files
from saikoku.privacy.erasure.result import ErasureResult, ScanResult
from saikoku.privacy.erasure.rows import chunks
from saikoku.privacy.erasure.tables import DATA_SUBFOLDERS

# A value shorter than this (in UTF-8 bytes) is not looked for: a single kanji or a
# A value shorter than this (in UTF-8 bytes) is not looked for: a single kanji or a
# four-digit number occurs everywhere and proves nothing.
MIN_NEEDLE_BYTES = 6


def resident_values(resident_ids: Iterable[int]) -> set[str]:
    """Every personal value of these residents and of what the center recorded about
    them (decrypted where stored encrypted)."""
    from saikoku.arrears.models import Account
    from saikoku.outreach.models import Callback, ContactRecord
    from saikoku.people.models import Phone, Resident

    values: set[str] = set()
    ids = sorted(set(resident_ids))
    for chunk in chunks(ids):
        for row in Resident.objects.filter(pk__in=chunk).only(
            "name", "name_kana", "address", "mailing_address", "caution_note"
        ):
            values.update(
                [row.name, row.name_kana, row.address, row.mailing_address, row.caution_note]
            )
        for raw, digits in Phone.objects.filter(resident_id__in=chunk).values_list("raw", "digits"):
            values.update([raw, digits, f"0{digits}" if digits else ""])
        for account in Account.objects.filter(payer_id__in=chunk).only("account_no", "holder_kana"):
            values.update([account.account_no, account.holder_kana])
        for record in ContactRecord.objects.filter(payer_id__in=chunk).only("note"):
            values.add(record.note)
        for callback in Callback.objects.filter(payer_id__in=chunk).only("note"):
            values.add(callback.note)
    return {v for v in values if v and len(v.encode("utf-8")) >= MIN_NEEDLE_BYTES}


def value_finder(values: Iterable[str]) -> Any:
    """An Aho–Corasick automaton of `values` (sorted: a hit's index names its value)."""
    automaton = ahocorasick.Automaton()
    for index, value in enumerate(sorted(values)):
        # Latin-1 maps each byte to one character: the scan works on raw bytes.
        automaton.add_word(value.encode("utf-8").decode("latin-1"), index)
    if len(automaton):
        automaton.make_automaton()
    return automaton


def found_in(automaton: Any, data: bytes) -> set[int]:
    """The indexes of the automaton's values that occur in `data`."""
    if not len(automaton) or not data:
        return set()
    return {index for _end, index in automaton.iter(data.decode("latin-1"))}


def vacuum(tables: Iterable[str], result: ErasureResult) -> None:
    """Drops the old copies of the deleted rows: SQLite VACUUM and a truncating WAL
    checkpoint (FTS5 segments merged first); PostgreSQL VACUUM FULL of these tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # FTS5 keeps deleted tokens in its segments until they are merged.
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'"
            ).fetchall():
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('optimize')")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            result.vacuumed = ["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"]
            return
        for table in sorted(set(tables)):
            cursor.execute(f"VACUUM FULL {connection.ops.quote_name(table)}")
        result.vacuumed = [f"VACUUM FULL {t}" for t in sorted(set(tables))]


def _scan_places() -> Iterator[tuple[str, bytes]]:
    from saikoku.cli import sqlite_file

    path = sqlite_file(connection)
    if path is not None:
        for candidate in (path, path.with_name(path.name + "-wal")):
            if candidate.exists():
                yield candidate.name, candidate.read_bytes()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            )
            for (table,) in cursor.fetchall():
                if table == "core_auditentry":
                    continue  # scanned apart (kept by design)
                quoted = connection.ops.quote_name(table)
                with cursor.cursor.copy(f"COPY {quoted} TO STDOUT") as copy:
                    yield f"table {table}", b"".join(bytes(chunk) for chunk in copy)
    folders = [Path(settings.FILES_DIR)] + [Path(settings.DATA_DIR) / n for n in DATA_SUBFOLDERS]
    for folder in folders:
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                yield str(file), file.read_bytes()
    for file in log_files():
        yield str(file), file.read_bytes()


def _audit_hits(finder: Any) -> set[int]:
    """The erased values found in the kept audit trail's object ids and details, read
    in pages so that a long trail never sits in memory whole."""
    from saikoku.core.models import AuditEntry

    hits: set[int] = set()
    rows = AuditEntry.objects.order_by("seq").values_list("object_id", "detail")
    page: list[str] = []
    for object_id, detail in rows.iterator(chunk_size=5000):
        page.append(f"{object_id}\n{detail}\n")
        if len(page) >= 5000:
            hits |= found_in(finder, "".join(page).encode("utf-8"))
            page = []
    return hits | found_in(finder, "".join(page).encode("utf-8"))


def shared_values(values: set[str], kept: set[str]) -> set[str]:
    """The erased values that occur in a kept resident's values too."""
    finder = value_finder(values)
    ordered = sorted(values)
    shared: set[str] = set()
    for text in _chunked_text(kept):
        shared |= {ordered[i] for i in found_in(finder, text)}
    return shared


def scan_for_values(values: set[str], kept: set[str], scan: ScanResult) -> None:
    """Looks for the erased values (less those a kept resident shares) in every place
    `_scan_places` yields and in the kept audit trail, into `scan`."""
    shared = shared_values(values, kept)
    needles = values - shared
    scan.needles, scan.shared = len(needles), len(shared)
    finder = value_finder(needles)
    audit_hits = _audit_hits(finder)
    scan.in_audit_trail = len(audit_hits)
    for place, data in _scan_places():
        scan.places.append(place)
        scan.bytes_scanned += len(data)
        hits = found_in(finder, data)
        if connection.vendor == "sqlite" and place.endswith((".sqlite3", "-wal")):
            hits -= audit_hits  # the file holds the kept audit trail too
        if hits:
            scan.found[place] = len(hits)


def _chunked_text(values: set[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) >= 10000:
            yield "\n".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "\n".join(batch).encode("utf-8")
