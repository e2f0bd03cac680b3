"""Sensitive files at rest: AES-256-GCM, one module for every feature that keeps files
(inquiry documents now; later anything else the ward's checklist calls sensitive).

The key is settings.FILES_KEY (SAIKOKU_FILES_KEY or _FILE; generated into the data
folder when unset, like the other local secrets). The AES key is derived from it with
HKDF-SHA256, so any long random text serves. Each file is stored as

    b"SKF1" | 12-byte random nonce | ciphertext and 16-byte tag

under settings.FILES_DIR, with its stored name as associated data: a file copied over
another's name fails to decrypt instead of being served as the other. Nothing plain is
ever written to disk.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "EncryptedFileError",
    "encrypted_file_path",
    "encrypted_file_read",
    "encrypted_file_store",
]

MAGIC = b"SKF1"
NONCE_BYTES = 12
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-/")


class EncryptedFileError(Exception):
    """The stored file is missing, damaged or was encrypted with another key."""


def _aes() -> AESGCM:
    secret = str(settings.FILES_KEY)
    if not secret:
        raise ImproperlyConfigured("FILES_KEY (SAIKOKU_FILES_KEY) must not be empty")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"saikoku files v1").derive(
        secret.encode("utf-8")
    )
    return AESGCM(key)


def encrypted_file_path(stored_name: str) -> Path:
    if not stored_name or set(stored_name) - _SAFE or ".." in stored_name:
        raise EncryptedFileError(f"bad stored name {stored_name!r}")
    return Path(settings.FILES_DIR) / f"{stored_name}.enc"


def encrypted_file_store(data: bytes, *, purpose: str) -> str:
    """Encrypts and writes `data`; returns the stored name to keep in the database.
    `purpose` is a short folder name ("inquiries")."""
    stored_name = f"{purpose}/{uuid.uuid4().hex}"
    path = encrypted_file_path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    nonce = secrets.token_bytes(NONCE_BYTES)
    blob = MAGIC + nonce + _aes().encrypt(nonce, data, stored_name.encode("ascii"))
    # Written beside its final name and renamed: a crash never leaves half a file.
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(blob)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return stored_name


def encrypted_file_read(stored_name: str) -> bytes:
    """The plain bytes of a stored file (EncryptedFileError when they cannot be had)."""
    path = encrypted_file_path(stored_name)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise EncryptedFileError(f"cannot read {stored_name}: {exc.strerror}") from None
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise EncryptedFileError(f"{stored_name} is not an encrypted file")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        return _aes().decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], stored_name.encode("ascii"))
    except InvalidTag:
        raise EncryptedFileError(f"{stored_name} fails its check (damaged or other key)") from None
