"""Builds ward packages for the import tests: a tiny valid ward (the spec's example),
any cell of which a test can change, written with the project's own package writer
through the files' specs (interchange/spec.py)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from saikoku.arrears.models import (
    Account,
    Assessment,
    Bill,
    Measure,
    Payment,
    Plan,
    WardHistory,
)
from saikoku.core.models import AuditEntry
from saikoku.interchange.models import ImportedPackage
from saikoku.interchange.spec import SPECS
from saikoku.interchange.writer import (
    build_manifest,
    csv_bytes,
    package_file,
    write_package,
    write_zip,
)
from saikoku.people.models import Household, Phone, Resident
from saikoku.privacy.models import CustodyLedgerEntry

EXAMPLE = Path(__file__).parent / "example"  # the spec's example package
EXTRACTED_AT = datetime(2025, 12, 1, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
DATA_MODELS = [
    Household,
    Resident,
    Phone,
    Assessment,
    Bill,
    Payment,
    Plan,
    Measure,
    WardHistory,
    Account,
    ImportedPackage,
    CustodyLedgerEntry,
]

Rows = dict[str, list[dict[str, str]]]


def headers() -> dict[str, list[str]]:
    """Each file's header as the spec writes it."""
    return {name: list(spec.names) for name, spec in SPECS.items()}


def example_rows() -> Rows:
    """The example package's rows, one dict per row, keyed by file name."""
    result: Rows = {}
    for path in sorted(EXAMPLE.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            result[path.name] = list(csv.DictReader(handle))
    return result


def table_counts() -> dict[str, int]:
    """Row counts of every table an import may write (the audit trail aside)."""
    return {model.__name__: model.objects.count() for model in DATA_MODELS}


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def build(
    path: Path,
    rows: Rows | None = None,
    *,
    package_id: str = "T-0001",
    kind: str = "full",
    encoding: str = "utf-8",
    bom: bool = False,
    line_end: str = "\r\n",
    password: str | None = None,
    raw: dict[str, tuple[bytes, int]] | None = None,
    manifest_edit: Callable[[dict[str, Any]], None] | None = None,
    listed_raw: dict[str, tuple[bytes, int]] | None = None,
    extra_members: dict[str, bytes] | None = None,
    header_of: dict[str, list[str]] | None = None,
) -> Path:
    """Writes a package at path and returns it.

    rows: file name -> list of row dicts by column name (default: the example), written
    through the file's spec. header_of: file name -> a header that is not the spec's
    (a missing or an unknown column); its rows are written under it as they are.
    raw: file name -> (bytes, rows) used as is instead of writing the rows. listed_raw:
    what the manifest says about a file when it should differ from its content.
    extra_members: ZIP entries not in the manifest. manifest_edit changes the manifest
    dict in place.
    """
    rows = example_rows() if rows is None else rows
    header_of = header_of or {}
    options = {"encoding": encoding, "bom": bom, "line_end": line_end}
    files: dict[str, tuple[bytes, int]] = {}
    for name, file_rows in rows.items():
        if name in header_of:
            files[name] = csv_bytes(header_of[name], file_rows, **options)
        else:
            files[name] = package_file(SPECS[name], file_rows, **options)
    files.update(raw or {})
    listed = dict(files)
    listed.update(listed_raw or {})
    manifest = build_manifest(
        package_id=package_id,
        files=listed,
        kind=kind,
        encoding=encoding,
        extracted_at=EXTRACTED_AT,
    )
    if manifest_edit:
        manifest_edit(manifest)
    members = {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=2).encode()}
    members.update({name: data for name, (data, _count) in files.items()})
    members.update(extra_members or {})
    write_zip(path, members, password=password)
    return path


def one_file(name: str, file_rows: list[dict[str, str]]) -> Rows:
    """The example with one file's rows replaced."""
    rows = example_rows()
    rows[name] = file_rows
    return rows


def ward_package(
    path: Path,
    rows: dict[str, list[dict[str, Any]]],
    *,
    package_id: str,
    extracted_at: datetime = EXTRACTED_AT,
    kind: str = "full",
    columns: dict[str, list[str]] | None = None,
) -> Path:
    """Writes a package of the given rows (file name -> rows by column name) through
    the files' specs, as the ward would send it, and returns its path. columns: file
    name -> the only columns that file has (default: all of its spec)."""
    files = {
        name: package_file(SPECS[name], file_rows, columns=(columns or {}).get(name))
        for name, file_rows in rows.items()
    }
    manifest = build_manifest(
        package_id=package_id, files=files, kind=kind, extracted_at=extracted_at
    )
    write_package(path, manifest=manifest, files=files)
    return path


# Rows by column name for the small test wards: the cells every such row has, by
# position for brevity; `cells` adds any other column by name.
def assessment_row(
    levy: str, fiscal_year: int, notice_no: str, payer: str, annual_amount: int, **cells: Any
) -> dict[str, Any]:
    return {
        "levy": levy, "fiscal_year": fiscal_year, "notice_no": notice_no,
        "payer_resident_no": payer, "annual_amount": annual_amount, **cells,
    }  # fmt: skip


def bill_row(
    levy: str, fiscal_year: int, notice_no: str, period: int, amount: int, due_date: str,
    paid_amount: int, **cells: Any,
) -> dict[str, Any]:  # fmt: skip
    return {
        "levy": levy, "fiscal_year": fiscal_year, "notice_no": notice_no, "period": period,
        "amount": amount, "due_date": due_date, "paid_amount": paid_amount, **cells,
    }  # fmt: skip


def payment_row(
    payment_id: str, levy: str, fiscal_year: int, notice_no: str, period: int, amount: int,
    paid_on: str, method: str, **cells: Any,
) -> dict[str, Any]:  # fmt: skip
    return {
        "payment_id": payment_id, "levy": levy, "fiscal_year": fiscal_year,
        "notice_no": notice_no, "period": period, "amount": amount, "paid_on": paid_on,
        "method": method, **cells,
    }  # fmt: skip
