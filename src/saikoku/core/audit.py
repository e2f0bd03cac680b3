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
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saikoku.core.bulk import insert_with_ids
from saikoku.core.metrics import audit_counted
from saikoku.core.models import AuditEntry
from saikoku.core.request_id import current_request_id

GENESIS_HASH = "0" * 64
# Version of the canonical serialisation; hashed, so that a future change of the form
# can be told apart from tampering.
CANONICAL_VERSION = 1
# Key of the PostgreSQL advisory lock that serialises appends ("SAIKOKU" "AUDIT" in
# spirit; any constant that no other part of the system uses).
AUDIT_LOCK_KEY = 0x5A1C_0C0A_0D17
VERIFY_CHUNK = 5000

# Every action the trail knows, with the words the log viewer shows. An action not
# listed here is refused, so the viewer can always name what happened.
ACTIONS = {
    "search": gettext_lazy("検索"),
    "payer_view": gettext_lazy("納付義務者の閲覧"),
    "account_reveal": gettext_lazy("口座番号の表示"),
    "import": gettext_lazy("取込"),
    "import_rejected": gettext_lazy("取込拒否"),
    "export": gettext_lazy("出力"),
    "login": gettext_lazy("ログイン"),
    "login_failed": gettext_lazy("ログイン失敗"),
    "login_lockout": gettext_lazy("ログインのロック"),
    "login_address_blocked": gettext_lazy("接続元アドレスの遮断"),
    "lockout_unlock": gettext_lazy("ログインのロック解除"),
    "network_refused": gettext_lazy("許可されていないネットワークからの接続"),
    "logout": gettext_lazy("ログアウト"),
    "audit_view": gettext_lazy("監査ログの閲覧"),
    "audit_analysis_view": gettext_lazy("監査ログ分析の閲覧"),
    "audit_analysis_export": gettext_lazy("監査ログ分析の出力"),
    "audit_analysis_run": gettext_lazy("監査ログの分析の実行"),
    "user_create": gettext_lazy("利用者の登録"),
    "user_change": gettext_lazy("利用者の変更"),
    "user_disable": gettext_lazy("利用者の無効化"),
    "user_enable": gettext_lazy("利用者の再有効化"),
    "handler_list_export": gettext_lazy("取扱者一覧の出力"),
    "mfa_enrol": gettext_lazy("二要素認証の登録"),
    "mfa_verified": gettext_lazy("二要素認証の確認"),
    "mfa_failed": gettext_lazy("二要素認証の失敗"),
    "mfa_reset": gettext_lazy("二要素認証のリセット"),
    "password_change": gettext_lazy("パスワードの変更"),
    "session_end": gettext_lazy("セッションの終了"),
    "session_expired": gettext_lazy("セッションの期限切れ"),
    "call_list_build": gettext_lazy("架電リストの作成"),
    "call_list_assign": gettext_lazy("架電リストの割当"),
    "contact_approval": gettext_lazy("接触の承認"),
    "contact_record": gettext_lazy("交渉記録の登録"),
    "contact_record_amend": gettext_lazy("交渉記録の訂正"),
    "dial": gettext_lazy("発信"),
    "task_accept": gettext_lazy("タスクの受付"),
    "task_close": gettext_lazy("タスクの完了"),
    "task_create": gettext_lazy("タスクの作成"),
    "task_status": gettext_lazy("タスクの状態変更"),
    "task_assign": gettext_lazy("タスクの割当"),
    "returned_mail_register": gettext_lazy("返戻郵便の登録"),
    "returned_mail_import": gettext_lazy("返戻郵便の一括登録"),
    "returned_mail_resolve": gettext_lazy("返戻郵便の解決"),
    "returned_mail_print": gettext_lazy("返戻郵便一覧の印刷"),
    "inquiry_register": gettext_lazy("照会文書の登録"),
    "inquiry_answer": gettext_lazy("照会への回答の登録"),
    "inquiry_file_upload": gettext_lazy("照会文書ファイルの登録"),
    "inquiry_file_download": gettext_lazy("照会文書ファイルのダウンロード"),
    "custody_record": gettext_lazy("管理簿への記録"),
    "custody_password_delivered": gettext_lazy("管理簿へのパスワード送付の記録"),
    "custody_closed": gettext_lazy("管理簿への返却・廃棄の記録"),
    "custody_export": gettext_lazy("管理簿の出力"),
    "incident_create": gettext_lazy("インシデントの登録"),
    "incident_payers_add": gettext_lazy("インシデントの対象者の追加"),
    "incident_action": gettext_lazy("インシデントの対応の記録"),
    "incident_report": gettext_lazy("インシデントの区への報告の記録"),
    "incident_close": gettext_lazy("インシデントの終結"),
    "incident_list": gettext_lazy("インシデント管理簿の閲覧"),
    "incident_view": gettext_lazy("インシデントの閲覧"),
    "incident_export": gettext_lazy("インシデント管理簿の出力"),
    "keys_rotate": gettext_lazy("マスター鍵の更新（データ鍵の再ラップ）"),
    "keys_reencrypt": gettext_lazy("データ鍵の更新と再暗号化"),
    "keys_destroy": gettext_lazy("データ鍵の破棄"),
    "backup_create": gettext_lazy("バックアップの作成"),
    "backup_restore": gettext_lazy("バックアップからの復元"),
    "erase": gettext_lazy("個人データの消去"),
    "inbound_task": gettext_lazy("受電からのタスク依頼"),
    "inbound_transfer": gettext_lazy("区職員への転送"),
    "inbound_transfer_unanswered": gettext_lazy("応答のない転送を折返しに変更"),
    "late_charge_rate_register": gettext_lazy("延滞金の割合の登録"),
    "late_charge_rate_change": gettext_lazy("延滞金の割合の訂正"),
    "sms_template_save": gettext_lazy("SMSテンプレートの保存"),
    "sms_template_approve": gettext_lazy("SMSテンプレートの承認"),
    "sms_template_policy": gettext_lazy("SMSテンプレートの差込・URL許可"),
    "sms_template_preview": gettext_lazy("SMSテンプレートの実データでのプレビュー"),
    "sms_campaign_create": gettext_lazy("SMSキャンペーンの作成"),
    "sms_campaign_approve": gettext_lazy("SMSキャンペーンの承認"),
    "sms_campaign_control": gettext_lazy("SMSキャンペーンの一時停止・再開・中止"),
    "sms_preference": gettext_lazy("SMSの希望の記録"),
    "sms_delivery_report": gettext_lazy("SMSの配信結果"),
    "sms_callback_refused": gettext_lazy("SMS配信結果の受付拒否"),
    "sms_test_send": gettext_lazy("SMSの試験送信"),
    "report_records_view": gettext_lazy("集計の元になった記録の閲覧"),
    "monthly_report": gettext_lazy("業務報告書の作成"),
    "monthly_report_download": gettext_lazy("業務報告書のダウンロード"),
}

_MAX_LENGTHS = {"action": 40, "object_type": 40, "object_id": 100}
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


# --- writing ---------------------------------------------------------------------------


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
        digest = _entry_hash(seq=seq, at=at, prev_hash=prev_hash, **fields)
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
    key = _key()
    entry_names = list(_EntryFields.__annotations__)
    names = ("seq", "at", "prev_hash", "hash", *entry_names)
    rows = []
    with transaction.atomic():
        _lock_chain()
        seq, prev_hash = _chain_head()
        for entry_fields in fields:
            at = timezone.now()
            digest = _entry_hash(seq=seq, at=at, prev_hash=prev_hash, key=key, **entry_fields)
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


def _key() -> bytes:
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY (SAIKOKU_AUDIT_KEY) must not be empty")
    return key.encode("utf-8")


# One encoder for all entries (json.dumps with options builds a new one per call).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _iso(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _entry_hash(
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
        "at": _iso(at),
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
    return hmac.digest(key or _key(), message, hashlib.sha256).hex()


# --- request helpers -------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The address of the person at the keyboard, for the audit trail.

    X-Forwarded-For is anyone's to write, so it is only believed when the direct peer
    is one of SAIKOKU_TRUSTED_PROXIES (addresses or networks). The header is read from
    the right: each trusted proxy appends the peer it saw, and the first hop that is
    not a trusted proxy is the client.
    """
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    if not is_trusted_proxy(remote):
        return remote[:64]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _parse_ip(hop) is None:
            # A malformed hop means the header is not what our proxies wrote.
            return remote[:64]
        if not is_trusted_proxy(hop):
            return hop[:64]
    return (hops[0] if hops else remote)[:64]


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    ip = _parse_ip(address)
    if ip is None:
        return False
    for entry in getattr(settings, "SAIKOKU_TRUSTED_PROXIES", []):
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            raise ImproperlyConfigured(
                f"SAIKOKU_TRUSTED_PROXIES holds {entry!r}, not an address or network"
            ) from None
    return False


# --- reading and verifying -------------------------------------------------------------


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
    return {"seq": last[0], "hash": last[1], "at": _iso(last[2]), "count": count}


def verify_chain(expected_head: dict[str, Any] | None = None) -> VerifyResult:
    """Recomputes every entry's HMAC and link, in seq order, in constant memory.

    Stops at the first bad entry and names its seq. With `expected_head` ({"seq": n,
    "hash": h} as once returned by `chain_head()`), also fails when that entry is no
    longer in the chain unchanged, which is how a cut-off tail is detected.
    """
    key = _key()
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
        recomputed = _entry_hash(key=key, **entry)
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
        head = {"seq": seq, "hash": stored_hash, "at": _iso(entry["at"]), "count": seq}
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
