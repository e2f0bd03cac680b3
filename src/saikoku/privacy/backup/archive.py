"""The encrypted archive's format, its key and its fingerprints.

A backup is one file:

    header   b"SKBACKUP" | version (1 byte) | backup key fingerprint (8) | salt (16)
             | nonce prefix (7)
    records  length (4 bytes, big-endian) | AES-256-GCM ciphertext and tag, repeated

The key of the records is HKDF-SHA256 of settings.BACKUP_KEY with the archive's salt.
Record i is sealed with the nonce prefix | i (4 bytes) | 1 for the last record, else 0,
and the header as associated data (the STREAM construction): a flipped bit fails its
record's tag, a cut-off file lacks its last record, records cannot be reordered or
moved between archives. Record 0 is the manifest (JSON): the engine, the applied
migrations, the row count of every table and the audit chain's head, all as of the
snapshot, and the SHA-256 of the payload that follows (snapshot.py makes the payload).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import struct
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from saikoku.privacy.backup.exceptions import BackupError

MAGIC = b"SKBACKUP"
VERSION = 1
FINGERPRINT_BYTES = 8
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 1 + FINGERPRINT_BYTES + SALT_BYTES + PREFIX_BYTES
TAG_BYTES = 16
CHUNK_BYTES = 1024 * 1024
# The manifest is a few kilobytes; a payload record is a chunk and its tag.
MAX_RECORD_BYTES = CHUNK_BYTES + TAG_BYTES
MIN_KEY_CHARS = 32


# ---------------------------------------------------------------------------------------
# Keys and fingerprints


def _derive(secret: bytes, info: bytes, salt: bytes | None = None, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def backup_secret(secret: str | None = None) -> bytes:
    """The backup key as bytes (the settings' one by default); BackupError "bad_key"
    when it is too short or is the master key."""
    value = str(settings.BACKUP_KEY) if secret is None else secret
    if len(value) < MIN_KEY_CHARS:
        raise BackupError(
            "bad_key",
            _("バックアップの鍵（SAIKOKU_BACKUP_KEY）は32文字以上の乱数にしてください。"),
        )
    if value == str(settings.MASTER_KEY):
        # The master key must never travel with the data it protects.
        raise BackupError(
            "bad_key",
            _("バックアップの鍵にマスター鍵と同じ値は使えません（SAIKOKU_BACKUP_KEY）。"),
        )
    return value.encode("utf-8")


def backup_key_fingerprint(secret: str | None = None) -> str:
    """16 hex digits naming the backup key (the settings' one by default)."""
    return _derive(backup_secret(secret), b"saikoku backup fingerprint v1")[
        :FINGERPRINT_BYTES
    ].hex()


def audit_key_fingerprint() -> str:
    """16 hex digits naming the audit trail's HMAC key: a restore checks it before it
    restores, since a chain under another key cannot be verified."""
    key = str(settings.AUDIT_HMAC_KEY).encode("utf-8")
    return hmac.new(key, b"saikoku audit key fingerprint v1", hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------------------------------
# The archive


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def write_archive(out: IO[bytes], manifest: dict[str, Any], payload: Path) -> None:
    """Writes manifest and payload as one encrypted archive (the module's format)."""
    secret = backup_secret()
    salt = secrets.token_bytes(SALT_BYTES)
    prefix = secrets.token_bytes(PREFIX_BYTES)
    header = MAGIC + bytes([VERSION]) + bytes.fromhex(backup_key_fingerprint()) + salt + prefix
    cipher = AESGCM(_derive(secret, b"saikoku backup v1", salt=salt))
    out.write(header)
    index = 0

    def record(data: bytes, last: bool) -> None:
        nonlocal index
        sealed = cipher.encrypt(_nonce(prefix, index, last), data, header)
        out.write(struct.pack(">I", len(sealed)) + sealed)
        index += 1

    record(json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8"), False)
    with payload.open("rb") as source:
        chunk = source.read(CHUNK_BYTES)
        while True:
            following = source.read(CHUNK_BYTES)
            record(chunk, last=not following)
            if not following:
                break
            chunk = following


def read_archive(path: Path, payload_out: IO[bytes]) -> dict[str, Any]:
    """Decrypts and checks an archive: returns its manifest and writes its payload to
    `payload_out`. BackupError (code not_a_backup, foreign_key, damaged, truncated)
    as soon as something fails; the payload is then incomplete and must be dropped."""
    name = path.name
    try:
        source = path.open("rb")
    except OSError as exc:
        raise BackupError(
            "unreadable",
            _("%(name)s を読めません: %(error)s") % {"name": name, "error": exc.strerror},
        ) from None
    with source:
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise BackupError(
                "not_a_backup",
                _("%(name)s は saikoku のバックアップではありません。") % {"name": name},
            )
        if header[len(MAGIC)] != VERSION:
            raise BackupError(
                "not_a_backup",
                _("%(name)s はこの版では読めない形式のバックアップです。") % {"name": name},
            )
        at = len(MAGIC) + 1
        fingerprint = header[at : at + FINGERPRINT_BYTES].hex()
        salt = header[at + FINGERPRINT_BYTES : at + FINGERPRINT_BYTES + SALT_BYTES]
        prefix = header[-PREFIX_BYTES:]
        if fingerprint != backup_key_fingerprint():
            raise BackupError(
                "foreign_key",
                _(
                    "%(name)s は別の鍵（指紋 %(theirs)s）で暗号化されています。この設置の"
                    "バックアップの鍵（指紋 %(ours)s）では開けません。"
                )
                % {"name": name, "theirs": fingerprint, "ours": backup_key_fingerprint()},
            )
        cipher = AESGCM(_derive(backup_secret(), b"saikoku backup v1", salt=salt))
        digest = hashlib.sha256()
        manifest: dict[str, Any] | None = None
        index = 0
        while True:
            length = source.read(4)
            if len(length) < 4:
                raise BackupError(
                    "truncated",
                    _("%(name)s は途中で切れています（最後の区画がありません）。") % {"name": name},
                )
            size = struct.unpack(">I", length)[0]
            if not TAG_BYTES <= size <= MAX_RECORD_BYTES:
                raise BackupError(
                    "damaged",
                    _("%(name)s は壊れています（区画 %(index)d の長さが不正）。")
                    % {"name": name, "index": index},
                )
            sealed = source.read(size)
            if len(sealed) < size:
                raise BackupError(
                    "truncated",
                    _("%(name)s は途中で切れています（区画 %(index)d）。")
                    % {"name": name, "index": index},
                )
            plain, last = _open_record(cipher, prefix, index, sealed, header)
            if plain is None:
                raise BackupError(
                    "damaged",
                    _("%(name)s は壊れているか改ざんされています（区画 %(index)d の検査に失敗）。")
                    % {"name": name, "index": index},
                )
            if index == 0:
                manifest = json.loads(plain.decode("utf-8"))
            else:
                digest.update(plain)
                payload_out.write(plain)
            index += 1
            if last:
                break
        if source.read(1):
            raise BackupError(
                "damaged",
                _("%(name)s の最後の区画の後に余分なデータがあります。") % {"name": name},
            )
    if manifest is None or index < 2:
        raise BackupError("damaged", _("%(name)s に中身がありません。") % {"name": name})
    if digest.hexdigest() != manifest.get("payload", {}).get("sha256"):
        raise BackupError(
            "damaged",
            _("%(name)s の中身の SHA-256 が目録と一致しません。") % {"name": name},
        )
    return manifest


def _open_record(
    cipher: AESGCM, prefix: bytes, index: int, sealed: bytes, header: bytes
) -> tuple[bytes | None, bool]:
    for last in (False, True):
        try:
            return cipher.decrypt(_nonce(prefix, index, last), sealed, header), last
        except InvalidTag:
            continue
    return None, False
