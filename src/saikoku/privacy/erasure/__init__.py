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

The package, by what each module holds:

- `tables.py`: which tables `--all` empties (ERASED_WITH_ALL) and which it keeps (KEPT);
- `rows.py`: a resident's rows and everything hanging off them, deleted in order;
- `files_and_logs.py`: stored files, data sub-folders, backups, blanked log lines;
- `scan.py`: the values looked for, the vacuum and the scan of what is left;
- `erase.py`: the two scopes, `erase_package` and `erase_all`, from start to audit entry;
- `result.py`: `ErasureError` and what a run reports (`ErasureResult`, `ScanResult`).

Import from `saikoku.privacy.erasure`; the modules are its parts.
"""

from saikoku.privacy.erasure.erase import erase_all, erase_package
from saikoku.privacy.erasure.result import ErasureError, ErasureResult, ScanResult
from saikoku.privacy.erasure.rows import CHUNK
from saikoku.privacy.erasure.scan import MIN_NEEDLE_BYTES
from saikoku.privacy.erasure.tables import DATA_SUBFOLDERS, ERASED_WITH_ALL, KEPT

__all__ = [
    "CHUNK",
    "DATA_SUBFOLDERS",
    "ERASED_WITH_ALL",
    "KEPT",
    "MIN_NEEDLE_BYTES",
    "ErasureError",
    "ErasureResult",
    "ScanResult",
    "erase_all",
    "erase_package",
]
