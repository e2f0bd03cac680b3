"""Model fields that keep their value encrypted at rest (privacy/keys.py).

`EncryptedTextField` stores "skv1$…" tokens in a text column and gives back the plain
text on every read, ORM or `values()`; the associated data is the field's label
("arrears.Account.account_no"), so a token copied into another column fails its check.
Such a column cannot be searched or compared in SQL: a value that must be looked up
or kept unique gets a `BlindIndexField` beside it (a keyed hash of the plain value).

Raw-SQL writers (the import's set-based upsert) call `field.encryptor()` and
`field.indexer()` once per batch and encrypt the values themselves.

A value read from the database that is not a token is returned as it is: rows written
before the column was encrypted stay readable until their data migration runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from saikoku.privacy import keys


def field_context(model: type[models.Model], name: str) -> str:
    """The associated data of a field's ciphertexts and indexes."""
    return f"{model._meta.label}.{name}"


class EncryptedTextField(models.TextField):
    """Text encrypted with the installation's data key. `max_length` bounds the plain
    text (forms, import checks); the column itself is unbounded text."""

    description = "Text encrypted at rest (AES-256-GCM, envelope key)"

    @property
    def context(self) -> str:
        return field_context(self.model, self.name)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or not keys.is_encrypted_text(value):
            return value
        return keys.decrypt_text(value, context=self.context)

    def to_python(self, value: Any) -> Any:
        if keys.is_encrypted_text(value):
            return keys.decrypt_text(value, context=self.context)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or keys.is_encrypted_text(value):
            return value
        return keys.encrypt_text(str(value), context=self.context)

    def encryptor(self) -> Callable[[str], str]:
        """Encrypts many plain values for a raw write (one key look-up)."""
        return keys.text_encryptor(context=self.context)


class BlindIndexField(models.CharField):
    """The blind index (keyed hash, privacy.keys.blind_index) of the model's field
    `source`, kept up to date on every save and bulk_create; the field to put in a
    unique constraint or a filter instead of the encrypted one."""

    description = "Keyed hash of an encrypted field"

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("editable", False), ("default", "")):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return field_context(self.model, self.source)

    def indexer(self) -> Callable[[str], str]:
        """Indexes many plain values for a raw write or a look-up (one key look-up)."""
        return keys.blind_indexer(context=self.context)

    def index_of(self, value: str) -> str:
        """The index a plain value has: filter(account_no_hash=field.index_of(no))."""
        return self.indexer()(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.index_of(str(getattr(model_instance, self.source) or ""))
        setattr(model_instance, self.attname, value)
        return value


def encrypt_existing_rows(
    model: type[models.Model], name: str, *, index: str = "", chunk: int = 1000
) -> int:
    """Encrypts the values of `model.name` still in clear (data migrations, and values
    under an older data key after `keys rotate --reencrypt`), and fills the blind index
    field `index`; returns how many rows were rewritten. Works on historical models."""
    from django.db.models import Q

    context = field_context(model, name)
    manager = model._base_manager
    todo = manager.exclude(Q(**{name: ""}) | Q(**{f"{name}__isnull": True}))
    pks = list(todo.order_by("pk").values_list("pk", flat=True))
    if not pks:
        return 0
    encrypt = keys.text_encryptor(context=context)
    digest = keys.blind_indexer(context=context) if index else None
    fields = [name, index] if index else [name]
    for start in range(0, len(pks), chunk):
        # values() runs the field's from_db_value: plain or any data key's token in,
        # the plain text out.
        rows = manager.filter(pk__in=pks[start : start + chunk]).values_list("pk", name)
        objects = []
        for pk, plain in rows:
            obj = model(pk=pk)
            setattr(obj, name, encrypt(plain))
            if digest is not None:
                setattr(obj, index, digest(plain))
            objects.append(obj)
        manager.bulk_update(objects, fields)
    return len(pks)


def decrypt_existing_rows(model: type[models.Model], name: str) -> int:
    """The reverse of encrypt_existing_rows (a migration rolled back): writes the plain
    text back into the column; returns how many rows."""
    from django.db.models import TextField, Value

    manager = model._base_manager
    count = 0
    for pk, plain in manager.exclude(**{name: ""}).values_list("pk", name).iterator():
        # A Value with a plain TextField output is written as it is, not re-encrypted.
        manager.filter(pk=pk).update(**{name: Value(plain, output_field=TextField())})
        count += 1
    return count


__all__ = [
    "BlindIndexField",
    "EncryptedTextField",
    "decrypt_existing_rows",
    "encrypt_existing_rows",
    "field_context",
]
