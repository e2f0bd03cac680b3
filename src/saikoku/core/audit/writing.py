"""Writing the audit trail: `audit_record` and `audit_record_many` append chained
entries under the chain's lock, inside the caller's transaction.

What is written is cleaned up front (NUL, lone surrogates, floats, dates) so that the
stored value is exactly the hashed one and the entry still verifies when read back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypedDict, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from saikoku.core.audit.actions import ACTIONS
from saikoku.core.audit.hashing import GENESIS_HASH, entry_hash, hmac_key
from saikoku.core.bulk import insert_with_ids
from saikoku.core.metrics import audit_counted
from saikoku.core.models import AuditEntry
from saikoku.core.request_id import current_request_id

# Key of the PostgreSQL advisory lock that serialises appends ("SAIKOKU" "AUDIT" in
# spirit; any constant that no other part of the system uses).
AUDIT_LOCK_KEY = 0x5A1C_0C0A_0D17

_MAX_LENGTHS = {"action": 40, "object_type": 40, "object_id": 100}


class _EntryFields(TypedDict):
    user_id: int | None
    username: str
    action: str
    object_type: str
    object_id: str
    client_addr: str
    detail: Any
    request_id: str | None


def _entry_fields(
    *,
    actor: Any | None,
    action: str,
    object_type: str,
    object_id: str,
    client_addr: str,
    detail: dict[str, Any] | None,
) -> _EntryFields:
    values = {"action": action, "object_type": object_type, "object_id": str(object_id)}
    for name, value in values.items():
        if len(value) > _MAX_LENGTHS[name]:
            # A programming error, refused rather than truncated: the stored value must
            # be exactly the hashed one, and a cut identifier would mislead an auditor.
            raise ValueError(f"audit {name} longer than {_MAX_LENGTHS[name]}: {value!r}")
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to ACTIONS")
    user_id = getattr(actor, "pk", None) if actor is not None else None
    username = actor.get_username() if actor is not None and user_id is not None else ""
    return _EntryFields(
        user_id=user_id,
        username=_clean_text(username)[:150],
        action=_clean_text(values["action"]),
        object_type=_clean_text(values["object_type"]),
        object_id=_clean_text(values["object_id"]),
        client_addr=_clean_text(client_addr)[:64],
        detail=_plain_detail(detail or {}),
        # Already checked when it was taken (letters, digits, ".", "_", "-").
        request_id=current_request_id()[:64] or None,
    )


def _chain_head() -> tuple[int, str]:
    """The next seq and the hash it links to; call with the chain locked."""
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    return (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)


def audit_record(
    *,
    actor: Any | None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    client_addr: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Appends one chained entry to the audit trail and returns it.

    Call it inside the transaction of the access or change it records, so the entry
    and the work commit or roll back together. `actor` is the user (None for system
    actions). On PostgreSQL the append holds an advisory lock until the caller's
    transaction commits: keep the audited transaction short.
    """
    fields = _entry_fields(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        client_addr=client_addr,
        detail=detail,
    )
    with transaction.atomic():
        _lock_chain()
        seq, prev_hash = _chain_head()
        # Both databases keep microseconds, so this exact value is what is read back.
        at = timezone.now()
        digest = entry_hash(seq=seq, at=at, prev_hash=prev_hash, **fields)
        entry = AuditEntry.objects.create(
            seq=seq, at=at, prev_hash=prev_hash, hash=digest, **fields
        )
    audit_counted(action, fields["detail"])
    return entry


def audit_record_many(
    *,
    actor: Any | None,
    action: str,
    object_type: str,
    items: Iterable[tuple[str, dict[str, Any]]],
    client_addr: str = "",
) -> list[int]:
    """Appends one chained entry per (object_id, detail) of `items`, in their order,
    with one lock and one read of the head, written in one bulk insert: the same
    entries `audit_record` would write one by one (a batch of sent SMS). Returns their
    seq numbers.

    The same rules as `audit_record`: inside the caller's transaction, which holds the
    chain's lock until it commits (so make it the transaction's last write).
    """
    fields = [
        _entry_fields(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            client_addr=client_addr,
            detail=detail,
        )
        for object_id, detail in items
    ]
    if not fields:
        return []
    key = hmac_key()
    entry_names = list(_EntryFields.__annotations__)
    names = ("seq", "at", "prev_hash", "hash", *entry_names)
    rows = []
    with transaction.atomic():
        _lock_chain()
        seq, prev_hash = _chain_head()
        for entry_fields in fields:
            at = timezone.now()
            digest = entry_hash(seq=seq, at=at, prev_hash=prev_hash, key=key, **entry_fields)
            rows.append(
                (seq, at, prev_hash, digest, *(cast(dict, entry_fields)[n] for n in entry_names))
            )
            seq, prev_hash = seq + 1, digest
        insert_with_ids(AuditEntry, names, rows)
    return [row[0] for row in rows]


def _lock_chain() -> None:
    """Serialises appends so no two writers read the same head (no fork, no seq clash).

    PostgreSQL: a transaction-scoped advisory lock, held to the caller's commit. Under
    READ COMMITTED the next statement sees whatever the previous holder committed.
    SQLite: settings open every transaction with BEGIN IMMEDIATE, which already holds
    the database's single write lock. The unique constraint on seq is the backstop.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and jsonb, and no database stores lone surrogates;
    # the text hashed must be the text stored, so both are replaced up front.
    value = str(value)
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    return value.encode("utf-8", "replace").decode("utf-8")


def _plain_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail as the database will give it back, so that its hash still matches.

    Dates, decimals and UUIDs become strings (DjangoJSONEncoder); floats become their
    repr, because jsonb renders 1e20 as 100000000000000000000, which reads back as an
    int and would no longer hash the same.
    """
    if not isinstance(detail, dict):
        raise TypeError("audit detail must be a dict")
    plain = json.loads(json.dumps(detail, cls=DjangoJSONEncoder, allow_nan=True))
    return _plain_value(plain)


def _plain_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {_clean_text(k): _plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _clean_text(value)
    return value
