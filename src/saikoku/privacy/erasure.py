"""Erasure of the ward's personal data (`saikoku erase`; docs/security/erasure.md).

Two scopes:

- one package (`erase --package ID`): the residents that package named and no other
  package named (interchange.PackageResident), with every row that hangs off them
  (phones, assessments, bills, payments, plans, measures, history, accounts, and what
  the center recorded: contact records, promises, callbacks, tasks, returned mail,
  inquiries and their files, SMS, inbound calls, call list entries, …);
- everything (`erase --all`, the contract's end): every table of ERASED_WITH_ALL, the
  stored files, the staged exports and import reports, and the data keys.

Both then remove the backups the system made (found through the custody ledger), blank
the erased values in the log file, vacuum (SQLite VACUUM and a truncating WAL
checkpoint; PostgreSQL VACUUM FULL of the touched tables) and scan what is left for the
erased values: the SQLite file and its WAL, or every PostgreSQL table through COPY, the
files folder, the data folder's exports and reports, and the log. The scan looks for
each erased resident's name, kana, addresses, phones, account numbers, caution note
and the center's notes about them; values a kept resident shares are not looked for
(they are not the erased resident's alone).

The audit trail keeps its entries: each is sealed by an HMAC over its detail and the
entry before it, so blanking a value would make `saikoku audit verify` fail for every
later entry (and the heads handed to the ward would no longer match). Its entries hold
ids and counts, and the words typed into the search box; the scan reports what it
finds there apart, and the certificate records the chain's head.
"""

# SQL below names only tables from the models' metadata (or the engine's catalogue),
# quoted by the engine; no value is ever part of it.
# ruff: noqa: S608

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record, chain_head
from saikoku.logfile import log_files
from saikoku.privacy import keys

CHUNK = 2000
# A value shorter than this (in UTF-8 bytes) is not looked for: a single kanji or a
# four-digit number occurs everywhere and proves nothing.
MIN_NEEDLE_BYTES = 6

# Every table of the project's models is either erased with everything (the ward's
# data and what the center recorded about its residents) or kept (no resident's data:
# the center's own staff and settings, and the records the erasure must leave: the
# audit trail, the custody ledger, the list of imported packages). A test checks
# that every model is in exactly one of the two.
ERASED_WITH_ALL = frozenset(
    {
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
        "interchange_packageresident",
        "outreach_contactpreference",
        "outreach_phonestatus",
        "outreach_contactapproval",
        "outreach_calllist",
        "outreach_calllistentry",
        "outreach_contactrecord",
        "outreach_promise",
        "outreach_callback",
        "backoffice_task",
        "backoffice_taskevent",
        "backoffice_returnedmailimport",
        "backoffice_returnedmail",
        "backoffice_inquiry",
        "backoffice_inquiryfile",
        "inbound_ctievent",
        "inbound_inboundcall",
        "inbound_seensignature",
        "inbound_transfer",
        "sms_smspayerpreference",
        "sms_smscampaign",
        "sms_smsmessage",
        "sms_smsdeliveryreport",
        # The link of an incident to an affected payer; the incident keeps its count.
        "privacy_incidentpayer",
        # Sessions, the admin's log and finished background tasks may name residents.
        "django_session",
        "core_usersession",
        "django_admin_log",
        "django_tasks_database_dbtaskresult",
    }
)
KEPT = frozenset(
    {
        "django_content_type",
        "auth_permission",
        "auth_group",
        "auth_group_permissions",
        "core_user",
        "core_user_groups",
        "core_user_user_permissions",
        "core_handlerchange",
        "core_totpdevice",
        "otp_static_staticdevice",
        "otp_static_statictoken",
        "axes_accessfailurelog",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accesslog",
        "core_auditentry",  # append-only, sealed by its HMAC chain
        "core_auditanalysis",
        "interchange_importedpackage",  # package ids, SHA-256 and counts: the report's list
        "privacy_custodyledgerentry",
        "privacy_datakey",  # destroyed by destroy_data_keys, not by a delete here
        # The incident register and its append-only timeline: the record of what
        # happened outlives the data (texts name no resident: incident.md).
        "privacy_incident",
        "privacy_incidentaction",
        "arrears_latechargerate",
        "outreach_contactsettings",
        "outreach_team",
        "outreach_team_members",
        "sms_smstemplate",
        "sms_smstemplatetext",
        "sms_smsratebucket",  # a provider's send-rate tokens, no personal data
        "inbound_paymentguidance",
        "reports_monthlyreport",
    }
)
# Data folder sub-folders holding personal data outside the database (staged result
# packages, import problem reports, demo packages).
DATA_SUBFOLDERS = ("exports", "reports", "demo")


class ErasureError(Exception):
    """The erasure was refused; the message is one Japanese line."""


@dataclass
class ScanResult:
    needles: int = 0  # erased values looked for
    shared: int = 0  # erased values a kept resident also has (not looked for)
    places: list[str] = field(default_factory=list)  # what was scanned
    bytes_scanned: int = 0
    found: dict[str, int] = field(default_factory=dict)  # place -> values found there
    in_audit_trail: int = 0  # values found in the kept audit trail's entries

    @property
    def clean(self) -> bool:
        return not self.found


@dataclass
class ErasureResult:
    scope: str  # "all" | "package"
    started_at: str
    finished_at: str = ""
    handler: str = ""
    packages: list[dict[str, Any]] = field(default_factory=list)
    residents: int = 0
    kept_residents: int = 0  # named by the package and by another one (--package)
    counts: dict[str, int] = field(default_factory=dict)  # model verbose name -> rows
    files: int = 0
    backups: list[dict[str, Any]] = field(default_factory=list)
    log_lines: int = 0
    keys_destroyed: int = 0
    vacuumed: list[str] = field(default_factory=list)
    scan: ScanResult = field(default_factory=ScanResult)
    audit_head: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scan"]["clean"] = self.scan.clean
        return data


# ---------------------------------------------------------------------------------------
# What is erased


def _models_by_table() -> dict[str, type[models.Model]]:
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def _deletion_order(tables: Iterable[str]) -> list[type[models.Model]]:
    """The models of `tables`, every one after all those that point at it."""
    by_table = _models_by_table()
    chosen = {by_table[t] for t in tables if t in by_table}
    pointing: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in chosen}
    for model in chosen:
        for f in model._meta.fields:
            parent = f.related_model if f.is_relation else None
            if parent in chosen and parent is not model:
                pointing[parent].add(model)  # type: ignore[index]
    order: list[type[models.Model]] = []
    while pointing:
        ready = sorted(
            (m for m, children in pointing.items() if not children - set(order)),
            key=lambda m: m._meta.db_table,
        )
        if not ready:  # a cycle of foreign keys: constraints are checked at commit
            ready = sorted(pointing, key=lambda m: m._meta.db_table)
        for model in ready:
            order.append(model)
            del pointing[model]
    return order


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _label(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name)


def _dependents(model: type[models.Model], ids: set[int], found: dict[Any, set[int]]) -> None:
    """Adds to `found` the ids of `model` and, recursively, of every row pointing at them."""
    new = ids - found.setdefault(model, set())
    if not new:
        return
    found[model] |= new
    for rel in model._meta.related_objects:
        if rel.many_to_many or rel.related_model is None:
            continue
        child = rel.related_model
        if child._meta.db_table in KEPT:
            # A kept row pointing at a resident's row: never expected (a test keeps the
            # split honest); refuse rather than leave a dangling reference.
            column = rel.field.attname
            for chunk in _chunks(sorted(new)):
                if child._base_manager.filter(**{f"{column}__in": chunk}).exists():
                    raise ErasureError(
                        _("%(table)s が消去する行を参照しています。")
                        % {"table": child._meta.db_table}
                    )
            continue
        column = rel.field.attname
        child_ids: set[int] = set()
        for chunk in _chunks(sorted(new)):
            child_ids.update(
                child._base_manager.filter(**{f"{column}__in": chunk}).values_list("pk", flat=True)
            )
        if rel.on_delete is models.SET_NULL:
            for chunk in _chunks(sorted(child_ids)):
                child._base_manager.filter(pk__in=chunk).update(**{column: None})
            continue
        _dependents(child, child_ids, found)


def _delete_rows(found: dict[Any, set[int]], result: ErasureResult) -> None:
    for model in _deletion_order(m._meta.db_table for m in found):
        ids = sorted(found.get(model, ()))
        for chunk in _chunks(ids):
            model._base_manager.filter(pk__in=chunk)._raw_delete(connection.alias)
        if ids:
            result.counts[_label(model)] = result.counts.get(_label(model), 0) + len(ids)


def _empty_tables(tables: Iterable[str], result: ErasureResult) -> None:
    for model in _deletion_order(tables):
        count = model._base_manager.count()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        if count:
            result.counts[_label(model)] = count


# ---------------------------------------------------------------------------------------
# The values looked for afterwards


def _resident_values(resident_ids: Iterable[int]) -> set[str]:
    """Every personal value of these residents and of what the center recorded about
    them (decrypted where stored encrypted)."""
    from saikoku.arrears.models import Account
    from saikoku.outreach.models import Callback, ContactRecord
    from saikoku.people.models import Phone, Resident

    values: set[str] = set()
    ids = sorted(set(resident_ids))
    for chunk in _chunks(ids):
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


def _automaton(values: Iterable[str]) -> Any:
    automaton = ahocorasick.Automaton()
    for index, value in enumerate(sorted(values)):
        # Latin-1 maps each byte to one character: the scan works on raw bytes.
        automaton.add_word(value.encode("utf-8").decode("latin-1"), index)
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _hits(automaton: Any, data: bytes) -> set[int]:
    if not len(automaton) or not data:
        return set()
    return {index for _end, index in automaton.iter(data.decode("latin-1"))}


# ---------------------------------------------------------------------------------------
# Files, backups, log


def _remove_tree_contents(root: Path) -> int:
    if not root.is_dir():
        return 0
    count = sum(1 for p in root.rglob("*") if p.is_file())
    shutil.rmtree(root)
    return count


def _stored_files_of(inquiry_file_ids: Iterable[int]) -> list[str]:
    from saikoku.backoffice.models import InquiryFile

    names: list[str] = []
    for chunk in _chunks(sorted(set(inquiry_file_ids))):
        names += InquiryFile.objects.filter(pk__in=chunk).values_list("stored_name", flat=True)
    return names


def _remove_stored(names: Iterable[str]) -> int:
    from saikoku.privacy.files import EncryptedFileError, encrypted_file_path

    count = 0
    for name in names:
        try:
            path = encrypted_file_path(name)
        except EncryptedFileError:
            continue
        if path.exists():
            path.unlink()
            count += 1
    return count


def _remove_backups(result: ErasureResult) -> None:
    """Deletes every backup `saikoku backup` made that is still where it was written
    (the custody ledger names them), checking it is one of ours first."""
    from saikoku.privacy.backup import MAGIC
    from saikoku.privacy.models import CustodyLedgerEntry

    for entry in CustodyLedgerEntry.objects.filter(files__0__kind="backup").order_by("at"):
        for item in entry.files:
            path = Path(str(item.get("path", "")))
            present = path.is_file()
            if present:
                with path.open("rb") as source:
                    present = source.read(len(MAGIC)) == MAGIC
            if present:
                path.unlink()
            result.backups.append(
                {
                    "name": item.get("name", path.name),
                    "sha256": item.get("sha256", ""),
                    "made_at": entry.at.isoformat(timespec="seconds"),
                    "removed": present,
                }
            )


_QUERY = re.compile(r"\?[^\s\"']+")


def _scrub_lines(paths: Iterable[Path], values: set[str], *, queries: bool) -> int:
    """Blanks the erased values (and, with `queries`, every URL query string: search
    words) in these text files, rewriting only the files that change; returns how many
    lines changed."""
    automaton = _automaton(values)
    ordered = sorted(values)
    changed = 0
    for path in paths:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        out = []
        for line in lines:
            new = _QUERY.sub("?[erased]", line) if queries else line
            found = _hits(automaton, new.encode("utf-8"))
            for index in sorted(found, key=lambda i: -len(ordered[i])):
                new = new.replace(ordered[index], "[erased]")
            changed += new != line
            out.append(new)
        if out != lines:
            path.write_text("".join(out), encoding="utf-8")
    return changed


# ---------------------------------------------------------------------------------------
# Vacuum and scan


def _vacuum(tables: Iterable[str], result: ErasureResult) -> None:
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
            hits |= _hits(finder, "".join(page).encode("utf-8"))
            page = []
    return hits | _hits(finder, "".join(page).encode("utf-8"))


def _shared(values: set[str], kept: set[str]) -> set[str]:
    """The erased values that occur in a kept resident's values too."""
    finder = _automaton(values)
    ordered = sorted(values)
    shared: set[str] = set()
    for text in _chunked_text(kept):
        shared |= {ordered[i] for i in _hits(finder, text)}
    return shared


def _scan(values: set[str], kept: set[str], scan: ScanResult) -> None:
    shared = _shared(values, kept)
    needles = values - shared
    scan.needles, scan.shared = len(needles), len(shared)
    finder = _automaton(needles)
    audit_hits = _audit_hits(finder)
    scan.in_audit_trail = len(audit_hits)
    for place, data in _scan_places():
        scan.places.append(place)
        scan.bytes_scanned += len(data)
        hits = _hits(finder, data)
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


# ---------------------------------------------------------------------------------------
# The two scopes


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
    _remove_backups(result)
    result.log_lines += _scrub_lines(log_files(), values, queries=True)
    with transaction.atomic():
        _ledger_erased(result, actor)
    _vacuum(tables, result)
    _scan(values, kept_values, result.scan)
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
    """Contract-end erasure: see the module docstring. Stop the service first."""
    from saikoku.interchange.models import ImportedPackage
    from saikoku.people.models import Resident

    result = ErasureResult(
        scope="all", started_at=timezone.now().isoformat(timespec="seconds"), handler=handler
    )
    result.packages = [_package_info(p) for p in ImportedPackage.objects.order_by("imported_at")]
    resident_ids = list(Resident.objects.values_list("pk", flat=True))
    result.residents = len(resident_ids)
    values = _resident_values(resident_ids)
    with transaction.atomic():
        _empty_tables(ERASED_WITH_ALL, result)
        from saikoku.people.search_index import search_index_sync

        search_index_sync()
    result.files = _remove_tree_contents(Path(settings.FILES_DIR))
    for name in DATA_SUBFOLDERS:
        result.files += _remove_tree_contents(Path(settings.DATA_DIR) / name)
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
    """Erases what one imported package alone brought: see the module docstring."""
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
    values = _resident_values(resident_ids)
    kept_ids = Resident.objects.exclude(pk__in=resident_ids).values_list("pk", flat=True)
    kept_values = _resident_values(kept_ids) if result.residents else set()
    found: dict[Any, set[int]] = {}
    with transaction.atomic():
        _dependents(Resident, set(resident_ids), found)
        household_ids: set[int] = set()
        for chunk in _chunks(resident_ids):
            household_ids.update(
                Resident.objects.filter(pk__in=chunk).values_list("household_id", flat=True)
            )
        stored = _stored_files_of(found.get(InquiryFile, set()))
        _delete_rows(found, result)
        # A household left without members goes too.
        empty = [
            pk for pk in household_ids if not Resident.objects.filter(household_id=pk).exists()
        ]
        _delete_rows({Household: set(empty)}, result)
        for start in range(0, len(alone), CHUNK):
            PackageResident.objects.filter(resident_no__in=alone[start : start + CHUNK]).delete()
        from saikoku.people.search_index import search_index_sync

        search_index_sync()
    result.files = _remove_stored(stored)
    # Result packages waiting for download are short-lived and may hold the erased
    # payers; import reports quote values of the rows they name.
    result.files += _remove_tree_contents(Path(settings.DATA_DIR) / "exports")
    reports = Path(settings.DATA_DIR) / "reports"
    if reports.is_dir():
        shared = _shared(values, kept_values)
        result.log_lines += _scrub_lines(
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
