"""What an erasure reports: its refusal (`ErasureError`), the scan's findings and the
run's result, from which the command prints its summary and the certificate
(privacy/certificate.py) is made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
