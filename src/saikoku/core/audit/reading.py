"""Reading and verifying the audit trail: the chain's head handed to the ward, the
verification that recomputes every entry's HMAC and link (`saikoku audit verify`), and
the entries for the log viewer.
"""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from saikoku.core.audit.hashing import GENESIS_HASH, canonical_time, entry_hash, hmac_key
from saikoku.core.models import AuditEntry

VERIFY_CHUNK = 5000

_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "client_addr",
    "detail",
    "prev_hash",
    "request_id",
    "hash",
)


@dataclass(frozen=True)
class VerifyResult:
    """What `verify_chain` found. `first_bad_seq` names the first entry that fails."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    head: dict[str, Any] = field(default_factory=dict)
    # A stable code for programs ("hash_mismatch", "prev_hash_mismatch", "seq_gap",
    # "seq_unexpected", "head_mismatch", "tail_truncated"); `reason` is for people.
    code: str = ""


def chain_head() -> dict[str, Any]:
    """The last entry's seq, hash and time, plus the number of entries.

    This is what the ward keeps (e.g. with the monthly report): a later
    `verify_chain(expected_head=...)` proves nothing was cut off after it.
    """
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash", "at").first()
    return head_of(last, AuditEntry.objects.count())


def head_of(last: tuple[int, str, datetime.datetime] | None, count: int) -> dict[str, Any]:
    """The head in `chain_head`'s form from the last entry's (seq, hash, at) and the
    number of entries, for a reader of another copy of the table (a backup's snapshot)."""
    if last is None:
        return {"seq": 0, "hash": GENESIS_HASH, "at": None, "count": count}
    return {"seq": last[0], "hash": last[1], "at": canonical_time(last[2]), "count": count}


def verify_chain(expected_head: dict[str, Any] | None = None) -> VerifyResult:
    """Recomputes every entry's HMAC and link, in seq order, in constant memory.

    Stops at the first bad entry and names its seq. With `expected_head` ({"seq": n,
    "hash": h} as once returned by `chain_head()`), also fails when that entry is no
    longer in the chain unchanged, which is how a cut-off tail is detected.
    """
    key = hmac_key()
    expected_seq = 1
    prev_hash = GENESIS_HASH
    head: dict[str, Any] = {"seq": 0, "hash": GENESIS_HASH, "at": None, "count": 0}
    want_seq = int(expected_head["seq"]) if expected_head else None
    want_hash = str(expected_head["hash"]) if expected_head else None

    def bad(seq: int, code: str, reason: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            checked=expected_seq - 1,
            first_bad_seq=seq,
            reason=reason,
            head=head,
            code=code,
        )

    for row in _rows_in_seq_order():
        entry = dict(zip(_FIELDS, row, strict=True))
        seq = entry["seq"]
        if seq > expected_seq:
            return bad(
                expected_seq,
                "seq_gap",
                _("seq %(expected)d がありません（次は seq %(found)d）。記録が削除されています。")
                % {"expected": expected_seq, "found": seq},
            )
        if seq < expected_seq:
            return bad(
                seq,
                "seq_unexpected",
                _("seq %(found)d は seq %(expected)d の位置にあってはなりません。")
                % {"found": seq, "expected": expected_seq},
            )
        if not hmac.compare_digest(entry["prev_hash"], prev_hash):
            return bad(
                seq,
                "prev_hash_mismatch",
                _("seq %(seq)d が直前の記録とつながっていません（削除・挿入・入替え）。")
                % {"seq": seq},
            )
        stored_hash = entry.pop("hash")
        recomputed = entry_hash(key=key, **entry)
        if not hmac.compare_digest(stored_hash, recomputed):
            return bad(
                seq,
                "hash_mismatch",
                _("seq %(seq)d の内容が記録時と一致しません（HMAC 不一致、改ざん）。")
                % {"seq": seq},
            )
        if seq == want_seq and not hmac.compare_digest(stored_hash, want_hash or ""):
            return bad(
                seq,
                "head_mismatch",
                _("seq %(seq)d は区に渡した先頭の記録と異なります。") % {"seq": seq},
            )
        head = {"seq": seq, "hash": stored_hash, "at": canonical_time(entry["at"]), "count": seq}
        prev_hash = stored_hash
        expected_seq += 1

    if want_seq is not None and head["seq"] < want_seq:
        return bad(
            head["seq"] + 1,
            "tail_truncated",
            _(
                "記録が seq %(last)d で終わっていますが、区に渡した先頭は seq %(want)d です"
                "（末尾の切り捨て）。"
            )
            % {"last": head["seq"], "want": want_seq},
        )
    return VerifyResult(ok=True, checked=expected_seq - 1, head=head)


def _rows_in_seq_order() -> Any:
    """All entries as tuples, in seq order, fetched in chunks (keyset pagination).

    Keyset pages instead of one server-side cursor: memory stays constant for millions
    of rows and no long-lived cursor or transaction is held open during verification.
    """
    rows = AuditEntry.objects.order_by("seq").values_list(*_FIELDS)
    last_seq: int | None = None
    while True:
        page = rows if last_seq is None else rows.filter(seq__gt=last_seq)
        chunk = list(page[:VERIFY_CHUNK])
        yield from chunk
        if len(chunk) < VERIFY_CHUNK:
            return
        last_seq = chunk[-1][0]


def audit_entries(
    *,
    user_id: int | None = None,
    action: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries for the audit log viewer, newest first.

    `since` is inclusive and `until` exclusive, so consecutive periods never overlap.
    Permission to read the log (auditor, ward_admin) is the caller's to check.
    """
    entries = AuditEntry.objects.all()
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-seq")
