"""Renewal of the keys of privacy/keys.py (`saikoku keys rotate`, docs/security/keys.md).

- master key rotation: every data key is wrapped again under a new master key; no value
  changes, so it is quick and safe with the service running;
- re-encryption (`--reencrypt`): a fresh data key encrypts every encrypted field, blind
  index, stored file and staged result package again; then the old data key is
  deleted. Run it with the service stopped: a process still holding the old key would
  write values nobody can read once the old key is gone.

Both are audited (keys_rotate, keys_reencrypt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction

from saikoku.core.audit import audit_record
from saikoku.privacy import keys
from saikoku.privacy.fields import BlindIndexField, EncryptedTextField, encrypt_existing_rows
from saikoku.privacy.files import encrypted_files_reencrypt

if TYPE_CHECKING:
    from saikoku.core.models import User


@dataclass
class ReencryptResult:
    new_key_id: str
    retired: list[str]
    rows: dict[str, int] = field(default_factory=dict)  # "app.Model.field" -> rows
    files: int = 0
    staged_exports: int = 0


def master_key_rotate(new_master: str, *, actor: User | None = None) -> list[str]:
    """Wraps every data key under `new_master` (MasterKeyError when the current master
    key does not open them: nothing changes); returns the data keys' ids. The caller
    puts the new key in place (the key file, SAIKOKU_MASTER_KEY_FILE) afterwards."""
    old_fingerprint = keys.master_key_fingerprint()
    new_fingerprint = keys.master_key_fingerprint(new_master)
    with transaction.atomic():
        ids = keys.rewrap_data_keys(new_master)
        audit_record(
            actor=actor,
            action="keys_rotate",
            object_type="data_key",
            object_id=",".join(ids),
            detail={"from_master": old_fingerprint, "to_master": new_fingerprint},
        )
    return ids


def _encrypted_fields() -> list[tuple[type, str, str]]:
    """(model, encrypted field, its blind index field or "") of every installed model."""
    found = []
    for model in apps.get_models():
        indexes = {
            f.source: f.name for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)
        }
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append((model, f.name, indexes.get(f.name, "")))
    return found


def _staged_exports_reencrypt() -> int:
    """The result packages waiting for their download (outreach/results/services.py),
    each bound to its name's stem."""
    from saikoku.outreach.results.services import exports_dir
    from saikoku.privacy.files import write_private_file

    folder = exports_dir()
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.glob("*--*.zip")):
        stem = path.name.split("--", 1)[0]
        try:
            plain = keys.decrypt_bytes(path.read_bytes(), context=stem)
        except FileNotFoundError:
            continue  # downloaded meanwhile
        write_private_file(Path(path), keys.encrypt_bytes(plain, context=stem))
        count += 1
    return count


def data_reencrypt(*, actor: User | None = None) -> ReencryptResult:
    """A fresh data key, and every encrypted value, index and file moved onto it; the
    old data keys deleted last. Interrupted, it can simply be run again: until the
    end the old keys still open what was not yet rewritten."""
    with transaction.atomic():
        new_key_id, old_ids = keys.data_key_renew()
        result = ReencryptResult(new_key_id, old_ids)
        for model, name, index in _encrypted_fields():
            label = f"{model._meta.label}.{name}"
            result.rows[label] = encrypt_existing_rows(model, name, index=index)
    keys.forget_cached_keys()
    result.files = encrypted_files_reencrypt()
    result.staged_exports = _staged_exports_reencrypt()
    with transaction.atomic():
        keys.data_keys_retire(old_ids)
        audit_record(
            actor=actor,
            action="keys_reencrypt",
            object_type="data_key",
            object_id=new_key_id,
            detail={
                "retired": old_ids,
                "rows": result.rows,
                "files": result.files,
                "staged_exports": result.staged_exports,
            },
        )
    return result


__all__ = ["ReencryptResult", "data_reencrypt", "master_key_rotate"]
