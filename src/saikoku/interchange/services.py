"""package_import: a ward package in, all or nothing (spec §1, §5; docs/import.md).

1. open the ZIP safely and read manifest.json (reader.py);
2. a package_id imported before stops here: "already_imported", nothing changes;
3. read every CSV once, checking every rule and collecting every problem
   (validation.py); any error rejects the package and nothing is written;
4. write everything in one durable transaction (loader.py) together with the
   ImportedPackage row, the custody ledger entry and the audit entry.

A rejected attempt is audited too ("import_rejected", in its own transaction): the
audit trail is about attempts, the data tables only about accepted packages.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from saikoku.core.audit import audit_record
from saikoku.core.models import User
from saikoku.interchange.hooks import run_after_import
from saikoku.interchange.loader import load_package
from saikoku.interchange.models import ImportedPackage, PackageResident
from saikoku.interchange.reader import (
    MANIFEST,
    Limits,
    Manifest,
    PackageReader,
    PackageRejected,
)
from saikoku.interchange.report import Problem, ProblemLog, write_report
from saikoku.interchange.spec import REQUIRED_IN_FULL, SPECS
from saikoku.interchange.upsert import upsert
from saikoku.interchange.validation import validate_package
from saikoku.interchange.writer import file_sha256
from saikoku.privacy.services import custody_record

logger = logging.getLogger(__name__)

IMPORTED = "imported"
ALREADY_IMPORTED = "already_imported"
REJECTED = "rejected"


@dataclass
class ImportResult:
    status: str  # "imported" | "already_imported" | "rejected"
    package_id: str
    problems: list[Problem] = field(default_factory=list)
    # {"persons.csv": {"rows": 3, "created": 3, "updated": 0}, …}
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    kind: str = ""
    sha256: str = ""
    # Every error and warning found; problems lists the first ones of each file only.
    error_count: int = 0
    warning_count: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def _check_files(reader: PackageReader, manifest: Manifest, log: ProblemLog) -> set[str]:
    """The listed, present, known CSV files; the others are logged as errors."""
    readable = set()
    for name in sorted(manifest.files):
        if name not in SPECS:
            log.error("unknown_file", file=name)
        elif name not in reader.entries:
            log.error("missing_file", file=name)
        else:
            readable.add(name)
    for name in sorted(reader.entries):
        if name != MANIFEST and name not in manifest.files:
            log.error("unlisted_file", file=name)
    if manifest.kind == "full":
        for name in REQUIRED_IN_FULL:
            if name not in manifest.files:
                log.error("missing_required_file", file=name)
    return readable


def package_import(
    *,
    path: Path,
    password: str | None,
    actor: User | None = None,
    handler: str = "",
    client_addr: str = "",
) -> ImportResult:
    """Imports one ward package; see the module docstring. Never raises for a bad
    package: the result's status says what happened and problems says why."""
    path = Path(path)
    log = ProblemLog()
    manifest: Manifest | None = None
    try:
        with PackageReader(path, password=password, limits=Limits.from_settings()) as reader:
            manifest = reader.read_manifest(municipality_code=settings.MUNICIPALITY_CODE)
            if ImportedPackage.objects.filter(package_id=manifest.package_id).exists():
                return _already_imported(manifest, actor=actor, client_addr=client_addr)
            readable = _check_files(reader, manifest, log)
            parsed = validate_package(reader, manifest, log, readable)
    except PackageRejected as exc:
        for problem in exc.problems:
            log.add(problem)
    package_id = manifest.package_id if manifest else ""
    if log.has_errors or manifest is None:
        return _rejected(package_id, log, path=path, actor=actor, client_addr=client_addr)

    sha256 = file_sha256(path)
    files = {
        name: {"rows": parsed.rows.get(name, 0), "sha256": entry["sha256"]}
        for name, entry in sorted(manifest.files.items())
    }
    try:
        with transaction.atomic(durable=True):
            # Written first: a concurrent import of the same package waits on the unique
            # package_id here and then finds it imported, instead of loading it twice.
            record = ImportedPackage.objects.create(
                package_id=package_id,
                kind=manifest.kind,
                extracted_at=manifest.extracted_at,
                imported_at=timezone.now(),
                imported_by=actor if actor is not None and actor.pk else None,
                handler=_handler(handler, actor),
                sha256=sha256,
                files=files,
            )
            counts = load_package(parsed)
            for name, figures in counts.items():
                files.setdefault(name, {}).update(figures)
            record.files = files
            record.save(update_fields=["files"])
            _record_residents(record, parsed)
            # What other apps derive from the new rows (promises kept by the payments
            # just loaded, paid-up payers off the lists, …), in this transaction.
            run_after_import(package_id=package_id, today=timezone.localdate())
            custody_record(
                direction="received",
                actor=actor,
                handler=_handler(handler, actor),
                package_id=package_id,
                content=f"区からの受領パッケージ（{manifest.kind}）",
                files=[
                    {"name": name, "rows": entry["rows"], "sha256": entry["sha256"]}
                    for name, entry in files.items()
                ],
                sha256=sha256,
                password_required=bool(password),
            )
            audit_record(
                actor=actor,
                action="import",
                object_type="package",
                object_id=package_id,
                client_addr=client_addr,
                detail={
                    "kind": manifest.kind,
                    "sha256": sha256,
                    "counts": counts,
                    "warnings": log.warning_count,
                },
            )
    except IntegrityError:
        if ImportedPackage.objects.filter(package_id=package_id).exists():
            return _already_imported(manifest, actor=actor, client_addr=client_addr)
        raise
    refresh_planner_statistics()
    logger.info("package %s imported: %s", package_id, counts)
    return ImportResult(
        IMPORTED,
        package_id,
        log.finish(),
        counts,
        manifest.kind,
        sha256,
        error_count=log.error_count,
        warning_count=log.warning_count,
    )


def _record_residents(record: ImportedPackage, parsed: Any) -> None:
    """Which residents the package named: in persons.csv, as the payer of a row, or
    through the notice of a bill or payment (the erasure of one package erases only
    the residents no other package named)."""
    numbers: set[str] = set()
    by_notice: dict[tuple[Any, Any, Any], str] = {}
    notices: set[tuple[Any, Any, Any]] = set()
    for records in parsed.records.values():
        for row in records:
            number = getattr(row, "resident_no", None) or getattr(row, "payer_resident_no", None)
            notice = getattr(row, "notice_no", None)
            key = (getattr(row, "levy", None), getattr(row, "fiscal_year", None), notice)
            if number:
                numbers.add(number)
                if notice:
                    by_notice[key] = number
            elif notice:
                notices.add(key)
    unknown = notices - set(by_notice)
    if unknown:
        from saikoku.arrears.models import Assessment

        wanted = sorted({key[2] for key in unknown})
        for start in range(0, len(wanted), 2000):
            found = Assessment.objects.filter(notice_no__in=wanted[start : start + 2000])
            for levy, year, notice, number in found.values_list(
                "levy", "fiscal_year", "notice_no", "payer__resident_no"
            ):
                if (levy, year, notice) in unknown:
                    numbers.add(number)
    # The package's row is new in this transaction: none of its pairs exists yet.
    upsert(
        PackageResident,
        ["package_id", "resident_no"],
        [(record.pk, n) for n in sorted(numbers)],
        unique=["package_id", "resident_no"],
        fresh=True,
    )


# The tables a package writes (interchange/loader.py).
LOADED_TABLES = (
    "people_household",
    "people_resident",
    "people_phone",
    "arrears_assessment",
    "arrears_bill",
    "arrears_payment",
    "arrears_plan",
    "arrears_measure",
    "arrears_wardhistory",
    "arrears_account",
)


def refresh_planner_statistics() -> None:
    """Tells PostgreSQL's query planner what a package just changed.

    A full package rewrites most rows at once; until the tables are analysed the
    planner guesses, and the payer page measured 98 ms instead of 38 ms at full scale.
    Autovacuum would catch up later, if it runs at all. SQLite plans these queries as
    well without statistics (measured), so it is left alone there.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in LOADED_TABLES:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _handler(handler: str, actor: User | None) -> str:
    return (handler or (actor.get_username() if actor is not None else ""))[:150]


def _already_imported(manifest: Manifest, *, actor: User | None, client_addr: str) -> ImportResult:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="import",
            object_type="package",
            object_id=manifest.package_id,
            client_addr=client_addr,
            detail={"status": ALREADY_IMPORTED},
        )
    return ImportResult(ALREADY_IMPORTED, manifest.package_id, kind=manifest.kind)


def _rejected(
    package_id: str, log: ProblemLog, *, path: Path, actor: User | None, client_addr: str
) -> ImportResult:
    problems = log.finish()
    codes = Counter(p.code for p in problems if p.is_error)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="import_rejected",
            object_type="package",
            object_id=package_id,
            client_addr=client_addr,
            detail={
                "file": path.name[:200],
                "errors": log.error_count,
                "codes": dict(codes.most_common(20)),
            },
        )
    logger.warning("package %s rejected: %s", package_id or path.name, dict(codes))
    return ImportResult(
        REJECTED,
        package_id,
        problems,
        error_count=log.error_count,
        warning_count=log.warning_count,
    )


__all__ = ["ImportResult", "package_import", "write_report"]
