"""The canonical form of an entry and its HMAC (docs/audit.md): what both the writer
(`writing.py`) and the verifier (`reading.py`) compute, kept in one place so that an
entry is always hashed the same way it is checked.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS_HASH = "0" * 64
# Version of the canonical serialisation; hashed, so that a future change of the form
# can be told apart from tampering.
CANONICAL_VERSION = 1


def hmac_key() -> bytes:
    """The audit trail's HMAC key (settings.AUDIT_HMAC_KEY), never in the database."""
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY (SAIKOKU_AUDIT_KEY) must not be empty")
    return key.encode("utf-8")


# One encoder for all entries (json.dumps with options builds a new one per call).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_time(at: datetime.datetime) -> str:
    """An entry's time as the canonical form (and the chain's head) writes it: UTC, to
    the microsecond."""
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: datetime.datetime,
    user_id: int | None,
    username: str,
    action: str,
    object_type: str,
    object_id: str,
    client_addr: str,
    detail: Any,
    prev_hash: str,
    request_id: str | None = None,
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 over the canonical serialisation of one entry (see docs/audit.md).

    The request id joined the entry later (core migration 0005): it is hashed only when
    the entry has one, so every entry written before it still hashes as it did."""
    payload = {
        "v": CANONICAL_VERSION,
        "seq": seq,
        "at": canonical_time(at),
        "user": user_id,
        "username": username,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "client_addr": client_addr,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    if request_id is not None:
        payload["request_id"] = request_id
    message = _CANONICAL.encode(payload).encode("utf-8")
    return hmac.digest(key or hmac_key(), message, hashlib.sha256).hex()
