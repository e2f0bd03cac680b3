"""The two scopes of `saikoku erase`: `erase_package` (the residents one package alone
named, with every row hanging off them) and `erase_all` (the contract's end), and what
both do after the rows: the backups, the log, the custody ledger, the vacuum, the scan
and the audit entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record, chain_head
from saikoku.logfile import log_files
from saikoku.privacy import keys
from saikoku.privacy.erasure.files_and_logs import (
    remove_backups,
    remove_stored,
    remove_tree_contents,
    scrub_lines,
    stored_files_of,
)
from saikoku.privacy.erasure.result import ErasureError, ErasureResult
from saikoku.privacy.erasure.rows import CHUNK, chunks, delete_rows, dependents, empty_tables
from saikoku.privacy.erasure.scan import resident_values, scan_for_values, shared_values, vacuum
from saikoku.privacy.erasure.tables import DATA_SUBFOLDERS, ERASED_WITH_ALL


def _package_info(package: Any) -> dict[str, Any]:
    return {
        "package_id": package.package_id,
        "kind": package.kind,
        "sha256": package.sha256,
        "extracted_at": package.extracted_at.isoformat(timespec="seconds"),
        "imported_at": package.imported_at.isoformat(timespec="seconds"),
        "rows": sum(int(f.get("rows", 0)) for f in package.files.values()),
    }


def _ledger_erased(result: ErasureResult, actor: Any | None) -> None:
    from saikoku.privacy.models import CustodyDirection
    from saikoku.privacy.services import custody_record

    for package in result.packages:
        custody_record(
            direction=CustodyDirection.ERASED,
            actor=actor,
            handler=result.handler,
            package_id=package["package_id"],
            content=_("電子データの消去（%(scope)s）")
            % {"scope": _("全件") if result.scope == "all" else _("パッケージ単位")},
            files=[{"name": name, "rows": rows} for name, rows in sorted(result.counts.items())],
            quantity=result.residents,
            sha256=package["sha256"],
        )
    for item in result.backups:
        if item["removed"]:
            custody_record(
                direction=CustodyDirection.DESTROYED,
                actor=actor,
                handler=result.handler,
                package_id=item["name"][:100],
                content=_("バックアップの消去"),
                files=[{"name": item["name"], "sha256": item["sha256"], "rows": 0}],
                quantity=1,
                sha256=item["sha256"],
            )


def _finish(
    result: ErasureResult,
    *,
    actor: Any | None,
    values: set[str],
    kept_values: set[str],
    tables: set[str],
) -> ErasureResult:
    remove_backups(result)
    result.log_lines += scrub_lines(log_files(), values, queries=True)
    with transaction.atomic():
        _ledger_erased(result, actor)
    vacuum(tables, result)
    scan_for_values(values, kept_values, result.scan)
    result.finished_at = timezone.now().isoformat(timespec="seconds")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="erase",
            object_type="package" if result.scope == "package" else "installation",
            object_id=",".join(p["package_id"] for p in result.packages)[:100],
            detail={
                "scope": result.scope,
                "packages": [p["package_id"] for p in result.packages],
                "residents": result.residents,
                "counts": result.counts,
                "files": result.files,
                "backups": len([b for b in result.backups if b["removed"]]),
                "log_lines": result.log_lines,
                "keys_destroyed": result.keys_destroyed,
                "scan_clean": result.scan.clean,
                "scan_needles": result.scan.needles,
                "scan_found": result.scan.found,
            },
        )
    result.audit_head = chain_head()
    return result


def erase_all(*, actor: Any | None = None, handler: str = "") -> ErasureResult:
    """Contract-end erasure: see the package docstring. Stop the service first."""
    from saikoku.interchange.models import ImportedPackage
    from saikoku.people.models import Resident

    result = ErasureResult(
        scope="all", started_at=timezone.now().isoformat(timespec="seconds"), handler=handler
    )
    result.packages = [_package_info(p) for p in ImportedPackage.objects.order_by("imported_at")]
    resident_ids = list(Resident.objects.values_list("pk", flat=True))
    result.residents = len(resident_ids)
    values = resident_values(resident_ids)
    with transaction.atomic():
        empty_tables(ERASED_WITH_ALL, result)
        from saikoku.people.search_index import search_index_sync

        search_index_sync()
    result.files = remove_tree_contents(Path(settings.FILES_DIR))
    for name in DATA_SUBFOLDERS:
        result.files += remove_tree_contents(Path(settings.DATA_DIR) / name)
    result.keys_destroyed = keys.destroy_data_keys(actor=actor)
    return _finish(
        result,
        actor=actor,
        values=values,
        kept_values=set(),
        tables=set(ERASED_WITH_ALL) | _search_tables(),
    )


def _search_tables() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE 'people_search%%'"
        )
        return {name for (name,) in cursor.fetchall()}


def erase_package(*, package_id: str, actor: Any | None = None, handler: str = "") -> ErasureResult:
    """Erases what one imported package alone brought: see the package docstring."""
    from saikoku.backoffice.models import InquiryFile
    from saikoku.interchange.models import ImportedPackage, PackageResident
    from saikoku.people.models import Household, Resident

    package = ImportedPackage.objects.filter(package_id=package_id).first()
    if package is None:
        raise ErasureError(_("パッケージ %(id)s は取り込まれていません。") % {"id": package_id})
    named = set(
        PackageResident.objects.filter(package=package).values_list("resident_no", flat=True)
    )
    if not named and any(int(f.get("rows", 0)) for f in package.files.values()):
        raise ErasureError(
            _(
                "パッケージ %(id)s は住民の記録を残す前の版で取り込まれたため、パッケージ単位では"
                "消去できません（--all を使ってください）。"
            )
            % {"id": package_id}
        )
    elsewhere = set()
    numbers = sorted(named)
    for start in range(0, len(numbers), CHUNK):
        elsewhere.update(
            PackageResident.objects.filter(resident_no__in=numbers[start : start + CHUNK])
            .exclude(package=package)
            .values_list("resident_no", flat=True)
        )
    alone = sorted(named - elsewhere)
    result = ErasureResult(
        scope="package",
        started_at=timezone.now().isoformat(timespec="seconds"),
        handler=handler,
        packages=[_package_info(package)],
        kept_residents=len(named & elsewhere),
    )
    resident_ids: list[int] = []
    for start in range(0, len(alone), CHUNK):
        resident_ids += Resident.objects.filter(
            resident_no__in=alone[start : start + CHUNK]
        ).values_list("pk", flat=True)
    result.residents = len(resident_ids)
    values = resident_values(resident_ids)
    kept_ids = Resident.objects.exclude(pk__in=resident_ids).values_list("pk", flat=True)
    kept_values = resident_values(kept_ids) if result.residents else set()
    found: dict[Any, set[int]] = {}
    with transaction.atomic():
        dependents(Resident, set(resident_ids), found)
        household_ids: set[int] = set()
        for chunk in chunks(resident_ids):
            household_ids.update(
                Resident.objects.filter(pk__in=chunk).values_list("household_id", flat=True)
            )
        stored = stored_files_of(found.get(InquiryFile, set()))
        delete_rows(found, result)
        # A household left without members goes too.
        empty = [
            pk for pk in household_ids if not Resident.objects.filter(household_id=pk).exists()
        ]
        delete_rows({Household: set(empty)}, result)
        for start in range(0, len(alone), CHUNK):
            PackageResident.objects.filter(resident_no__in=alone[start : start + CHUNK]).delete()
        from saikoku.people.search_index import search_index_sync

        search_index_sync()
    result.files = remove_stored(stored)
    # Result packages waiting for download are short-lived and may hold the erased
    # payers; import reports quote values of the rows they name.
    result.files += remove_tree_contents(Path(settings.DATA_DIR) / "exports")
    reports = Path(settings.DATA_DIR) / "reports"
    if reports.is_dir():
        shared = shared_values(values, kept_values)
        result.log_lines += scrub_lines(
            sorted(reports.glob("*.csv")), values - shared, queries=False
        )
    tables = {m._meta.db_table for m in found} | {"people_household", "interchange_packageresident"}
    return _finish(
        result,
        actor=actor,
        values=values,
        kept_values=kept_values,
        tables=tables | _search_tables(),
    )
