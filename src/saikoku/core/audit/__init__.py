"""The audit trail: every view of personal data, logged, attributable, tamper-evident.

BRIEF.md and the ward's checklist ("monitoring and access logs that are analysed
regularly", "access control against tampering") ask for a log nobody can quietly edit.
Each `AuditEntry` carries an HMAC-SHA256 over its own fields and the hash of the entry
before it, so that:

- changing any field of an entry breaks its HMAC (the key is not in the database);
- removing, inserting or reordering entries breaks the `prev_hash` links or the
  contiguous `seq` numbering;
- cutting off the tail is caught by comparing with a head the ward was handed earlier
  (`chain_head()` → `verify_chain(expected_head=...)`).

The database also refuses UPDATE, DELETE and TRUNCATE on the table (core migration
0002), so the application itself cannot rewrite history by accident.
See docs/audit.md.

The package, by what each module holds:

- `actions.py`: every action the trail knows, with the words the viewer shows;
- `hashing.py`: the canonical form of an entry and its HMAC;
- `writing.py`: `audit_record` and `audit_record_many`, under the chain's lock;
- `reading.py`: the chain's head, `verify_chain` and the log viewer's entries;
- `client.py`: the client address of a request, behind trusted proxies.

Import from `saikoku.core.audit`; the modules are its parts.
"""

from saikoku.core.audit.actions import ACTIONS
from saikoku.core.audit.client import client_address, is_trusted_proxy
from saikoku.core.audit.hashing import CANONICAL_VERSION, GENESIS_HASH
from saikoku.core.audit.reading import (
    VERIFY_CHUNK,
    VerifyResult,
    audit_entries,
    chain_head,
    head_of,
    verify_chain,
)
from saikoku.core.audit.writing import AUDIT_LOCK_KEY, audit_record, audit_record_many

__all__ = [
    "ACTIONS",
    "AUDIT_LOCK_KEY",
    "CANONICAL_VERSION",
    "GENESIS_HASH",
    "VERIFY_CHUNK",
    "VerifyResult",
    "audit_entries",
    "audit_record",
    "audit_record_many",
    "chain_head",
    "client_address",
    "head_of",
    "is_trusted_proxy",
    "verify_chain",
]
