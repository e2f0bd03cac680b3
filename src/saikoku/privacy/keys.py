"""Envelope encryption of the most sensitive data at rest (docs/security/keys.md).

The key hierarchy has two levels:

- the master key: settings.MASTER_KEY (SAIKOKU_MASTER_KEY or SAIKOKU_MASTER_KEY_FILE;
  generated into the data folder when unset, like the other local secrets). It never
  encrypts data; HKDF-SHA256 turns it into the key-encryption key that wraps the data
  keys, and into a fingerprint that names it without revealing it;
- the data key: 32 random bytes per installation, kept only wrapped (AES-256-GCM under
  the key-encryption key) in the privacy.DataKey table, so a database backup carries
  it and is still useless without the master key, which is backed up apart.

The data key encrypts values with AES-256-GCM (`encrypt_text`, `encrypt_bytes`) and,
through HKDF, gives the key of the blind indexes (`blind_index`): an HMAC of a value
that lets an import find "the same account number" without the number in clear.

Every ciphertext names the data key that made it, and its associated data binds it to
a context (the model field, the stored file's name): a value moved to another column
or file fails its check instead of being read as the other.

Text token:   "skv1$" | key id | "$" | base64url(nonce | ciphertext and tag)
Bytes blob:   b"SKE1" | key id (16 ASCII) | nonce (12) | ciphertext and tag

Unwrapped keys are cached in the process. A key created inside a transaction becomes
the cached active key only once that transaction commits: a rolled-back first use
never leaves the process encrypting under a key the database does not hold.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from saikoku.privacy.models import DataKey

TEXT_PREFIX = "skv1$"
BYTES_MAGIC = b"SKE1"
KEY_ID_CHARS = 16
NONCE_BYTES = 12
TAG_BYTES = 16
DATA_KEY_BYTES = 32
MIN_MASTER_KEY_CHARS = 32
_WRAP_LABEL = b"saikoku data key wrap v1"


class EncryptionError(Exception):
    """Base of the errors of this module; the message says what to do."""


class MasterKeyError(EncryptionError):
    """The master key is missing or is not the one the data key was wrapped with."""


class DataKeyMissing(EncryptionError):
    """The data key a value names is not in the database (destroyed at erasure, or the
    value comes from another installation)."""


class CiphertextError(EncryptionError):
    """A value or file is not a ciphertext of this module, or fails its check
    (damaged, tampered with, or moved to another field or name)."""


# ---------------------------------------------------------------------------------------
# The master key


def _master_secret(master: str | None = None) -> str:
    secret = str(settings.MASTER_KEY) if master is None else master
    if len(secret) < MIN_MASTER_KEY_CHARS:
        raise MasterKeyError(
            "the master key (SAIKOKU_MASTER_KEY or SAIKOKU_MASTER_KEY_FILE) must be at least "
            f"{MIN_MASTER_KEY_CHARS} characters of random text, e.g. the output of "
            "`openssl rand -base64 48`"
        )
    return secret


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


_kek_cache: dict[str, tuple[str, AESGCM]] = {}


def _kek(master: str | None = None) -> tuple[str, AESGCM]:
    """(fingerprint, wrapping cipher) of a master key: the settings' one by default."""
    secret = _master_secret(master)
    found = _kek_cache.get(secret)
    if found is None:
        raw = secret.encode("utf-8")
        fingerprint = _derive(raw, b"saikoku master fingerprint v1").hex()[:16]
        found = (fingerprint, AESGCM(_derive(raw, b"saikoku master wrap v1")))
        _kek_cache[secret] = found
    return found


def master_key_fingerprint(master: str | None = None) -> str:
    """16 hex digits naming a master key (the settings' one by default); safe to print
    and audit, useless to recover the key."""
    return _kek(master)[0]


def generate_master_key() -> str:
    """A new random master key (64 URL-safe characters)."""
    return secrets.token_urlsafe(48)


def _wrap(kek: AESGCM, key_id: str, data_key: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + kek.encrypt(nonce, data_key, _WRAP_LABEL + key_id.encode("ascii"))


def _unwrap(row: DataKey, master: str | None = None) -> bytes:
    fingerprint, kek = _kek(master)
    blob = bytes(row.wrapped)
    try:
        return kek.decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _WRAP_LABEL + row.key_id.encode("ascii")
        )
    except InvalidTag:
        raise MasterKeyError(
            f"the master key (fingerprint {fingerprint}) does not open data key {row.key_id}, "
            f"which was wrapped by the master key with fingerprint {row.master_fingerprint}: "
            "set SAIKOKU_MASTER_KEY (or _FILE) to that key. Nothing was changed."
        ) from None


# ---------------------------------------------------------------------------------------
# The data keys (privacy.DataKey rows) and the process's cache of them

_lock = threading.Lock()
# (master fingerprint, key id) -> unwrapped data key. A key id names the same bytes
# for ever, so these may be cached even before their row is committed.
_data_keys: dict[tuple[str, str], bytes] = {}
# master fingerprint -> the active key's id, only once its row is known committed.
_active: dict[str, str] = {}
# Ids of keys this process created whose transaction has not committed (yet, or ever).
_pending: set[str] = set()


def forget_cached_keys() -> None:
    """Drops every key this process holds unwrapped; the next use reads the database.
    Rotation and destruction call it; so may tests that change the master key."""
    with _lock:
        _data_keys.clear()
        _active.clear()
        _kek_cache.clear()


def _model() -> type[DataKey]:
    from saikoku.privacy.models import DataKey

    return DataKey


def _key_bytes(key_id: str) -> bytes:
    fingerprint = master_key_fingerprint()
    found = _data_keys.get((fingerprint, key_id))
    if found is not None:
        return found
    row = _model().objects.filter(key_id=key_id).first()
    if row is None:
        raise DataKeyMissing(
            f"data key {key_id} is not in the database (destroyed at erasure, or the value "
            "was copied from another installation): the value cannot be decrypted"
        )
    data_key = _unwrap(row)
    with _lock:
        _data_keys[(fingerprint, key_id)] = data_key
    return data_key


def _remember_active(fingerprint: str, key_id: str) -> None:
    with _lock:
        _pending.discard(key_id)
        _active[fingerprint] = key_id


def _create_data_key() -> DataKey:
    """A new active data key, wrapped under the settings' master key."""
    fingerprint, kek = _kek()
    key_id = secrets.token_hex(KEY_ID_CHARS // 2)
    data_key = secrets.token_bytes(DATA_KEY_BYTES)
    row = _model().objects.create(
        key_id=key_id,
        wrapped=_wrap(kek, key_id, data_key),
        master_fingerprint=fingerprint,
        active=True,
        created_at=timezone.now(),
    )
    with _lock:
        _data_keys[(fingerprint, key_id)] = data_key
        _pending.add(key_id)
    return row


def _active_key() -> tuple[str, bytes]:
    """(id, bytes) of the data key new values are encrypted with; made on first use."""
    fingerprint = master_key_fingerprint()
    key_id = _active.get(fingerprint)
    if key_id is not None:
        return key_id, _key_bytes(key_id)
    DataKey = _model()
    row = DataKey.objects.filter(active=True).first()
    if row is None:
        try:
            with transaction.atomic():
                row = _create_data_key()
        except IntegrityError:  # another process made it first: use theirs
            row = DataKey.objects.get(active=True)
        else:
            # Cached as active once committed (at once outside a transaction).
            transaction.on_commit(lambda: _remember_active(fingerprint, row.key_id))
            return row.key_id, _key_bytes(row.key_id)
    data_key = _key_bytes(row.key_id)
    if row.key_id not in _pending:  # committed by another transaction or process
        _remember_active(fingerprint, row.key_id)
    return row.key_id, data_key


# ---------------------------------------------------------------------------------------
# Values


def _aad(kind: bytes, key_id: str, context: str) -> bytes:
    return kind + b"|" + key_id.encode("ascii") + b"|" + context.encode("utf-8")


def _seal(key_id: str, data_key: bytes, data: bytes, kind: bytes, context: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, data, _aad(kind, key_id, context))


def _open(key_id: str, sealed: bytes, kind: bytes, context: str, what: str) -> bytes:
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise CiphertextError(f"{what} is too short to be a ciphertext")
    try:
        return AESGCM(_key_bytes(key_id)).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(kind, key_id, context)
        )
    except InvalidTag:
        raise CiphertextError(
            f"{what} fails its check: damaged, tampered with, or moved from another "
            f"field or file (context {context!r})"
        ) from None


def encrypt_bytes(data: bytes, *, context: str = "") -> bytes:
    """`data` encrypted under the active data key (a blob starting with b"SKE1").
    The same `context` must be given to decrypt (e.g. the stored file's name)."""
    key_id, data_key = _active_key()
    return BYTES_MAGIC + key_id.encode("ascii") + _seal(key_id, data_key, data, b"b", context)


def decrypt_bytes(blob: bytes, *, context: str = "") -> bytes:
    """The plain bytes of an `encrypt_bytes` blob (CiphertextError, DataKeyMissing or
    MasterKeyError when they cannot be had)."""
    head = len(BYTES_MAGIC) + KEY_ID_CHARS
    if not blob.startswith(BYTES_MAGIC) or len(blob) < head:
        raise CiphertextError("the data is not an encrypted blob")
    key_id = blob[len(BYTES_MAGIC) : head].decode("ascii", "replace")
    return _open(key_id, blob[head:], b"b", context, "the encrypted blob")


def is_encrypted_bytes(blob: bytes) -> bool:
    return blob.startswith(BYTES_MAGIC)


def text_encryptor(*, context: str = "") -> Callable[[str], str]:
    """A function encrypting many texts under one look-up of the active key (bulk
    writes: an import encrypts thousands of values). Empty text stays empty."""
    key_id, data_key = _active_key()
    head = TEXT_PREFIX + key_id + "$"

    def encrypt(text: str) -> str:
        if not text:
            return text
        sealed = _seal(key_id, data_key, text.encode("utf-8"), b"t", context)
        return head + base64.urlsafe_b64encode(sealed).decode("ascii")

    return encrypt


def encrypt_text(text: str, *, context: str = "") -> str:
    """`text` encrypted under the active data key, as ASCII text for a text column
    ("skv1$…"). Empty text stays empty: a blank field says nothing worth hiding."""
    if not text:
        return text
    return text_encryptor(context=context)(text)


def is_encrypted_text(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TEXT_PREFIX)


def decrypt_text(token: str, *, context: str = "") -> str:
    """The plain text of an `encrypt_text` token; "" for "". CiphertextError,
    DataKeyMissing or MasterKeyError when it cannot be had."""
    if not token:
        return token
    if not is_encrypted_text(token):
        raise CiphertextError("the value is not an encrypted text")
    key_id, _, encoded = token[len(TEXT_PREFIX) :].partition("$")
    if len(key_id) != KEY_ID_CHARS:
        raise CiphertextError("the encrypted text names no data key")
    try:
        sealed = base64.urlsafe_b64decode(encoded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise CiphertextError("the encrypted text is not base64") from None
    return _open(key_id, sealed, b"t", context, "the encrypted text").decode("utf-8")


def blind_indexer(*, context: str = "") -> Callable[[str], str]:
    """A function giving the blind index of many values under one key look-up."""
    _key_id, data_key = _active_key()
    index_key = _derive(data_key, b"saikoku blind index v1|" + context.encode("utf-8"))

    def index(value: str) -> str:
        return hmac.new(index_key, value.encode("utf-8"), sha256).hexdigest()

    return index


def blind_index(value: str, *, context: str = "") -> str:
    """The keyed hash (HMAC-SHA256, 64 hex digits) that stands for `value` in unique
    keys and look-ups: equal values give equal indexes, and without the data key the
    index says nothing about the value. Changes when the data key is renewed
    (`keys rotate --reencrypt` recomputes every index)."""
    return blind_indexer(context=context)(value)


# ---------------------------------------------------------------------------------------
# Status, rotation, destruction


@dataclass(frozen=True)
class DataKeyInfo:
    key_id: str
    active: bool
    master_fingerprint: str
    created_at: datetime
    rewrapped_at: datetime | None
    opens: bool  # the settings' master key unwraps it


@dataclass(frozen=True)
class KeyStatus:
    master_fingerprint: str
    master_generated: bool  # generated into the data folder (development only)
    data_keys: tuple[DataKeyInfo, ...]


def key_status() -> KeyStatus:
    """What the database holds and whether the settings' master key opens it."""
    fingerprint = master_key_fingerprint()
    infos = []
    for row in _model().objects.order_by("created_at", "pk"):
        try:
            _unwrap(row)
            opens = True
        except MasterKeyError:
            opens = False
        infos.append(
            DataKeyInfo(
                row.key_id,
                row.active,
                row.master_fingerprint,
                row.created_at,
                row.rewrapped_at,
                opens,
            )
        )
    return KeyStatus(fingerprint, bool(settings.MASTER_KEY_GENERATED_FILE), tuple(infos))


def rewrap_data_keys(new_master: str) -> list[str]:
    """Wraps every data key under `new_master` instead of the settings' master key;
    returns their ids. All or nothing: if the current master key does not open every
    key, MasterKeyError and nothing changes. Run inside the caller's transaction; the
    caller then puts `new_master` in place of the old one."""
    _master_secret(new_master)
    new_fingerprint, new_kek = _kek(new_master)
    rows = list(_model().objects.select_for_update().order_by("pk"))
    opened = [(row, _unwrap(row)) for row in rows]  # every key opens, or nothing changes
    now = timezone.now()
    for row, data_key in opened:
        row.wrapped = _wrap(new_kek, row.key_id, data_key)
        row.master_fingerprint = new_fingerprint
        row.rewrapped_at = now
        row.save(update_fields=["wrapped", "master_fingerprint", "rewrapped_at"])
    transaction.on_commit(forget_cached_keys)
    return [row.key_id for row, _ in opened]


def data_key_renew() -> tuple[str, list[str]]:
    """Makes a fresh data key the active one; returns (its id, the ids of the keys it
    replaces). The old keys stay until `data_keys_retire` so that their values can
    still be read while being re-encrypted. MasterKeyError if the master key does not
    open the current keys (nothing changes)."""
    DataKey = _model()
    old = list(DataKey.objects.select_for_update().order_by("pk"))
    for row in old:
        _key_bytes(row.key_id)  # every old key must open before anything changes
    DataKey.objects.filter(active=True).update(active=False)
    with _lock:
        _active.clear()
    row = _create_data_key()
    transaction.on_commit(forget_cached_keys)
    return row.key_id, [r.key_id for r in old]


def data_keys_retire(key_ids: list[str]) -> int:
    """Deletes the given inactive data keys (after re-encryption): values under them
    become unreadable. Returns how many were deleted."""
    deleted, _ = _model().objects.filter(key_id__in=key_ids, active=False).delete()
    forget_cached_keys()
    return deleted


def destroy_data_keys(*, actor: object | None = None) -> int:
    """Deletes every data key (contract-end erasure): from then on no encrypted value,
    stored file or staged export of this installation can be decrypted by anyone,
    with or without the master key. Audited (keys_destroy, `actor` None for a command).
    Returns how many keys were destroyed. A later
    encryption makes a new data key. Other running processes may still hold the old
    key in memory: stop the service first (docs/security/keys.md)."""
    from saikoku.core.audit import audit_record

    with transaction.atomic():
        ids = list(data_key_ids())
        deleted, _ = _model().objects.all().delete()
        audit_record(
            actor=actor,
            action="keys_destroy",
            object_type="data_key",
            object_id=",".join(ids),
            detail={"destroyed": deleted},
        )
    forget_cached_keys()
    transaction.on_commit(forget_cached_keys)
    return deleted


def data_key_ids() -> Iterator[str]:
    return iter(_model().objects.order_by("pk").values_list("key_id", flat=True))


__all__ = [
    "BYTES_MAGIC",
    "MIN_MASTER_KEY_CHARS",
    "TEXT_PREFIX",
    "CiphertextError",
    "DataKeyInfo",
    "DataKeyMissing",
    "EncryptionError",
    "KeyStatus",
    "MasterKeyError",
    "blind_index",
    "blind_indexer",
    "data_key_ids",
    "data_key_renew",
    "data_keys_retire",
    "decrypt_bytes",
    "decrypt_text",
    "destroy_data_keys",
    "encrypt_bytes",
    "encrypt_text",
    "forget_cached_keys",
    "generate_master_key",
    "is_encrypted_bytes",
    "is_encrypted_text",
    "key_status",
    "master_key_fingerprint",
    "rewrap_data_keys",
    "text_encryptor",
]
