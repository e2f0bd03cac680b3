"""The erasure certificate (消去報告書) of `saikoku erase`, a PDF in Japanese for the
ward (WeasyPrint with Debian's Noto CJK fonts, like the other reports): the contract,
what was erased (packages with their SHA-256, rows per kind), when and by whom, the
method, the scan that proves it, the media returned or destroyed (custody ledger), the
audit chain's head, and a line for the confirmer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from saikoku.privacy.erasure import ErasureResult
from saikoku.privacy.models import CustodyLedgerEntry, CustodyMedium


def _when(text: str) -> dt.datetime | None:
    return timezone.localtime(dt.datetime.fromisoformat(text)) if text else None


def _media() -> list[CustodyLedgerEntry]:
    """Paper and media in the custody ledger: what was handed over, returned or
    destroyed outside the system's files."""
    return list(CustodyLedgerEntry.objects.exclude(medium=CustodyMedium.FILE).order_by("at"))


def certificate_context(result: ErasureResult, *, confirmer: str = "") -> dict[str, Any]:
    return {
        "result": result,
        "contract": settings.SAIKOKU_CONTRACT_NAME,
        "started": _when(result.started_at),
        "finished": _when(result.finished_at),
        "packages": [
            {**p, "imported": _when(p["imported_at"]), "extracted": _when(p["extracted_at"])}
            for p in result.packages
        ],
        "counts": sorted(result.counts.items()),
        "media": _media(),
        "confirmer": confirmer,
        "now": timezone.localtime(),
        "engine": "PostgreSQL" if "VACUUM FULL" in " ".join(result.vacuumed) else "SQLite",
    }


def certificate_pdf(result: ErasureResult, *, confirmer: str = "") -> bytes:
    from weasyprint import HTML  # imported here: only the certificate needs it

    html = render_to_string(
        "privacy/erasure_certificate_pdf.html", certificate_context(result, confirmer=confirmer)
    )
    return bytes(HTML(string=html).write_pdf())


def certificate_write(result: ErasureResult, path: Path, *, confirmer: str = "") -> None:
    from saikoku.privacy.files import write_private_file

    write_private_file(Path(path), certificate_pdf(result, confirmer=confirmer))
