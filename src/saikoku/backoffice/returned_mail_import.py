"""`saikoku returned-mail import FILE.csv`: a batch scanner's file of returned envelopes,
registered all or nothing.

The file: UTF-8 (with or without BOM) or CP932, header `code,reason,returned_on`;
`code` is the notice or resident number as scanned, `reason` the key 1–5 or the
reason's Japanese name, `returned_on` a date as the package import reads dates
(YYYY-MM-DD or 和暦). Decoding and the CSV records are the package import's own
(interchange.reader's decoder with its CP932 mapping, interchange.csvlines), and so is
the report: one line per problem with file, line and column. Re-importing a file
already taken in (same SHA-256) changes nothing.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from saikoku.backoffice.models import ReturnedMailImport
from saikoku.backoffice.returned_mail import (
    Found,
    envelope_register,
    normalise_code,
    parse_reason,
    resolve_code,
)
from saikoku.core.audit import audit_record
from saikoku.core.dates import parse_date
from saikoku.interchange.csvlines import iter_records
from saikoku.interchange.reader import EntryProblem, PackageReader
from saikoku.interchange.report import ERROR, Problem, make_problem

if TYPE_CHECKING:
    from saikoku.core.models import User

COLUMNS = ("code", "reason", "returned_on")
IMPORTED, REJECTED, ALREADY = "imported", "rejected", "already_imported"
# The messages of the problems only this file has (the others are the package
# import's, interchange/messages.py); Japanese and English side by side as there.
MESSAGES = {
    "unknown_number": (
        "番号「{value}」の通知書・住民は見つかりません。スキャンし直すか、番号を確かめてください。",
        "No notice or resident has the number '{value}'. Scan it again or check the number.",
    ),
    "unknown_reason": (
        "返戻理由「{value}」は使えません。1〜5 か、宛所不明・転居先不明・受取拒否・"
        "保管期間経過・その他 のいずれかを記入してください。",
        "The reason '{value}' is not known. Write 1–5 or one of the five reasons' names.",
    ),
}


@dataclass
class ImportOutcome:
    status: str
    problems: list[Problem] = field(default_factory=list)
    registered: int = 0
    duplicates: int = 0
    tasks: int = 0


def _problem(code: str, *, file: str, line: int, column: str, value: str) -> Problem:
    ja, en = MESSAGES[code]
    return Problem(ERROR, file, line, column, code, ja.format(value=value), en.format(value=value))


def _decode(name: str, data: bytes) -> str:
    """UTF-8 when the bytes are UTF-8, else CP932 (the ward's Windows scanners); a
    file that is neither is refused at the line of its first bad byte."""
    try:
        text = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
        return PackageReader._decode(name, text, "utf-8", 0, False)
    except EntryProblem as utf8_problem:
        try:
            return PackageReader._decode(name, data, "cp932", 0, True)
        except EntryProblem:
            raise utf8_problem from None


def returned_mail_import(*, path: Path, actor: User | None = None) -> ImportOutcome:
    data = Path(path).read_bytes()
    name = Path(path).name
    digest = hashlib.sha256(data).hexdigest()
    if ReturnedMailImport.objects.filter(sha256=digest).exists():
        return ImportOutcome(ALREADY)
    problems: list[Problem] = []
    rows: list[tuple[Found, str, str, dt.date]] = []
    try:
        text = _decode(name, data)
    except EntryProblem as exc:
        problems.append(exc.problem)
        text = ""
    lines = ((i, line.removesuffix("\r")) for i, line in enumerate(text.split("\n"), start=1))
    records = iter_records(lines, max_field_chars=settings.IMPORT_MAX_FIELD_CHARS)
    header = next(records, None) if text else None
    if text and (header is None or header.fields is None):
        problems.append(make_problem("empty_file", file=name, line=1))
    elif header is not None and header.fields is not None:
        names = [h.strip() for h in header.fields]
        missing = [c for c in COLUMNS if c not in names]
        for column in missing:
            problems.append(make_problem("missing_column", file=name, line=1, column=column))
        if not missing:
            where = {c: names.index(c) for c in COLUMNS}
            for record in records:
                if record.fields is None:
                    problems.append(make_problem(record.problem, file=name, line=record.line))
                    continue
                if len(record.fields) != len(names):
                    problems.append(
                        make_problem(
                            "field_count",
                            file=name,
                            line=record.line,
                            actual=len(record.fields),
                            expected=len(names),
                        )
                    )
                    continue
                cells = {c: record.fields[where[c]].strip() for c in COLUMNS}
                found = resolve_code(cells["code"])
                if found is None:
                    problems.append(
                        _problem(
                            "unknown_number",
                            file=name,
                            line=record.line,
                            column="code",
                            value=cells["code"],
                        )
                    )
                reason = parse_reason(cells["reason"])
                if reason is None:
                    problems.append(
                        _problem(
                            "unknown_reason",
                            file=name,
                            line=record.line,
                            column="reason",
                            value=cells["reason"],
                        )
                    )
                try:
                    returned_on = parse_date(cells["returned_on"])
                except ValueError:
                    problems.append(
                        make_problem(
                            "invalid_date",
                            file=name,
                            line=record.line,
                            column="returned_on",
                            value=cells["returned_on"],
                        )
                    )
                    continue
                if found is not None and reason is not None:
                    rows.append((found, normalise_code(cells["code"]), reason, returned_on))
    if problems:
        audit_record(
            actor=actor,
            action="returned_mail_import",
            object_type="file",
            object_id=digest[:16],
            detail={"status": REJECTED, "errors": len(problems)},
        )
        return ImportOutcome(REJECTED, problems)
    outcome = ImportOutcome(IMPORTED)
    now = timezone.now()
    with transaction.atomic(durable=True):
        batch = ReturnedMailImport.objects.create(
            sha256=digest, file_name=name, rows=len(rows), imported_by=actor, imported_at=now
        )
        for found, code, reason, returned_on in rows:
            result = envelope_register(
                actor=actor,
                found=found,
                code=code,
                reason=reason,
                returned_on=returned_on,
                now=now,
                source=batch,
            )
            outcome.registered += 1
            outcome.duplicates += result.duplicate
            outcome.tasks += result.task is not None and result.task.created_at == now
        audit_record(
            actor=actor,
            action="returned_mail_import",
            object_type="file",
            object_id=digest[:16],
            detail={"status": IMPORTED, "rows": len(rows)},
        )
    return outcome
