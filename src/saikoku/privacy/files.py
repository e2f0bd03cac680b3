"""Sensitive files at rest, one module for every feature that keeps files (inquiry
documents now; later anything else the ward's checklist calls sensitive).

Each file is encrypted with the installation's data key (privacy/keys.py: AES-256-GCM,
envelope key wrapped by the master key) and stored as an `encrypt_bytes` blob

    b"SKE1" | data key id | 12-byte random nonce | ciphertext and 16-byte tag

under settings.FILES_DIR, with its stored name as associated data: a file copied over
another's name fails to decrypt instead of being served as the other. Nothing plain is
ever written to disk.

Files stored before the key hierarchy (b"SKF1", key derived from settings.FILES_KEY)
stay readable; `saikoku keys rotate --reencrypt` rewrites them onto the data key.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from saikoku.privacy import keys

__all__ = [
    "EncryptedFileError",
    "encrypted_file_path",
    "encrypted_file_read",
    "encrypted_file_store",
    "encrypted_files_reencrypt",
    "write_private_file",
]

LEGACY_MAGIC = b"SKF1"
NONCE_BYTES = 12
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-/")


class EncryptedFileError(Exception):
    """The stored file is missing, damaged or was encrypted with another key."""


def _legacy_aes() -> AESGCM:
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


def write_private_file(path: Path, blob: bytes) -> None:
    """Writes `blob` at `path` (mode 0600) beside its final name and renames it there:
    a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(blob)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def encrypted_file_store(data: bytes, *, purpose: str) -> str:
    """Encrypts and writes `data`; returns the stored name to keep in the database.
    `purpose` is a short folder name ("inquiries")."""
    stored_name = f"{purpose}/{uuid.uuid4().hex}"
    path = encrypted_file_path(stored_name)
    write_private_file(path, keys.encrypt_bytes(data, context=stored_name))
    return stored_name


def _decrypt(stored_name: str, blob: bytes) -> bytes:
    if keys.is_encrypted_bytes(blob):
        try:
            return keys.decrypt_bytes(blob, context=stored_name)
        except keys.CiphertextError:
            raise EncryptedFileError(
                f"{stored_name} fails its check (damaged, or moved from another name)"
            ) from None
        except keys.EncryptionError as exc:
            raise EncryptedFileError(f"{stored_name}: {exc}") from None
    if not blob.startswith(LEGACY_MAGIC) or len(blob) < len(LEGACY_MAGIC) + NONCE_BYTES + 16:
        raise EncryptedFileError(f"{stored_name} is not an encrypted file")
    nonce = blob[len(LEGACY_MAGIC) : len(LEGACY_MAGIC) + NONCE_BYTES]
    try:
        return _legacy_aes().decrypt(
            nonce, blob[len(LEGACY_MAGIC) + NONCE_BYTES :], stored_name.encode("ascii")
        )
    except InvalidTag:
        raise EncryptedFileError(f"{stored_name} fails its check (damaged or other key)") from None


def encrypted_file_read(stored_name: str) -> bytes:
    """The plain bytes of a stored file (EncryptedFileError when they cannot be had)."""
    path = encrypted_file_path(stored_name)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise EncryptedFileError(f"cannot read {stored_name}: {exc.strerror}") from None
    return _decrypt(stored_name, blob)


def encrypted_files_reencrypt() -> int:
    """Rewrites every stored file under the active data key (after `keys rotate
    --reencrypt` made a fresh one, and for files of the older SKF1 format); returns
    how many were rewritten. A file that fails to decrypt stops the run
    (EncryptedFileError) with every file either old or new, never half written."""
    root = Path(settings.FILES_DIR)
    if not root.is_dir():
        return 0
    count = 0
    for path in sorted(root.rglob("*.enc")):
        stored_name = path.relative_to(root).as_posix().removesuffix(".enc")
        plain = _decrypt(stored_name, path.read_bytes())
        write_private_file(path, keys.encrypt_bytes(plain, context=stored_name))
        count += 1
    return count
