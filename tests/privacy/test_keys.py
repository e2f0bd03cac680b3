"""Encryption at rest (privacy/keys.py): nothing sensitive in clear in the database,
the import's unique key still works through the blind index, rotation, a wrong master
key, tampered ciphertext and the destruction of the data keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import TextField, Value

from saikoku.arrears.models import Account
from saikoku.core.models import AuditEntry
from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from saikoku.privacy import keys
from saikoku.privacy.fields import decrypt_existing_rows, encrypt_existing_rows
from saikoku.privacy.models import DataKey
from saikoku.privacy.rotation import data_reencrypt, master_key_rotate
from support.packages import build, example_rows

pytestmark = pytest.mark.django_db

ACCOUNT_NOS = ["7654321", "1357913", "2468024"]
CAUTION_NOTES = ["ＤＶ避難中・住所秘匿", "暴言あり要注意"]
MASTER = "test-master-key-of-the-envelope-" + "m" * 20


@pytest.fixture(autouse=True)
def _own_master_key(settings):
    settings.MASTER_KEY = MASTER
    keys.forget_cached_keys()
    yield
    keys.forget_cached_keys()


def sensitive_rows() -> dict[str, list[dict[str, str]]]:
    """The example package with known account numbers and caution notes."""
    rows = example_rows()
    persons = rows["persons.csv"]
    for person, note in zip(persons, CAUTION_NOTES, strict=False):
        person["caution"], person["caution_note"] = "1", note
    template = rows["accounts.csv"][0]
    rows["accounts.csv"] = [
        {**template, "payer_resident_no": persons[i]["resident_no"], "account_no": number}
        for i, number in enumerate(ACCOUNT_NOS)
    ]
    return rows


def clear_values() -> list[bytes]:
    return [v.encode("utf-8") for v in ACCOUNT_NOS + CAUTION_NOTES]


def table_dump() -> bytes:
    """The raw content of the tables as the engine holds them: PostgreSQL's COPY of
    each table, SQLite's dump of the whole (in-memory test) database."""
    if connection.vendor == "postgresql":
        out = b""
        with connection.cursor() as cursor:
            for table in ("arrears_account", "people_resident", "outreach_contactrecord"):
                with cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                    out += b"".join(bytes(chunk) for chunk in copy)
        return out
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump()).encode("utf-8")


def test_an_imported_package_leaves_no_account_number_or_caution_note_in_clear(tmp_path):
    result = package_import(path=build(tmp_path / "p.zip", sensitive_rows()), password=None)
    assert result.status == "imported"
    dump = table_dump()
    assert b"7654321" not in dump and dump  # the dump holds the tables at all
    for value in clear_values():
        assert value not in dump, value
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_no, account_no_hash FROM arrears_account")
        raw = cursor.fetchall()
    assert len(raw) == 3 and all(keys.is_encrypted_text(no) for no, _ in raw)
    assert all(len(index) == 64 for _, index in raw)
    # Every reader still sees the plain values.
    assert sorted(Account.objects.values_list("account_no", flat=True)) == sorted(ACCOUNT_NOS)
    assert {a.masked_account_no for a in Account.objects.all()} == {"****321", "****913", "****024"}
    notes = set(Resident.objects.exclude(caution_note="").values_list("caution_note", flat=True))
    assert notes == set(CAUTION_NOTES)


def test_the_same_package_again_updates_the_accounts_through_the_blind_index(tmp_path):
    package_import(path=build(tmp_path / "a.zip", sensitive_rows()), password=None)
    again = package_import(
        path=build(tmp_path / "b.zip", sensitive_rows(), package_id="T-0002"), password=None
    )
    assert again.status == "imported"
    assert again.counts["accounts.csv"] == {"rows": 3, "created": 0, "updated": 3}
    assert Account.objects.count() == 3
    account = Account.objects.get(account_no_hash=Account._meta.get_field(
        "account_no_hash").index_of("1357913"))  # fmt: skip
    assert account.account_no == "1357913"


def test_the_database_file_and_its_wal_hold_no_value_in_clear(tmp_path):
    """A real SQLite file (WAL mode, as installed): migrate and import in a process of
    its own, then read the bytes of the file and of its -wal."""
    package = build(tmp_path / "p.zip", sensitive_rows())
    data = tmp_path / "data"
    data.mkdir()
    own = ("SAIKOKU_", "DATABASE_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update({"SAIKOKU_DATA_DIR": str(data), "SAIKOKU_LOG_FILE": "-"})
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'saikoku.settings';"
        "django.setup(); from django.core.management import call_command;"
        "from django.db import connection;"
        "call_command('migrate', verbosity=0);"
        f"call_command('import_package', {str(package)!r});"
        # The WAL is kept (not checkpointed into the file) while a connection is open:
        "import shutil; shutil.copy(str(os.path.join(os.environ['SAIKOKU_DATA_DIR'],"
        "'saikoku.sqlite3-wal')), os.path.join(os.environ['SAIKOKU_DATA_DIR'], 'wal-copy'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    files = [data / "saikoku.sqlite3", data / "wal-copy"]
    files += [p for p in [data / "saikoku.sqlite3-wal"] if p.exists()]
    contents = {p.name: p.read_bytes() for p in files}
    assert contents["wal-copy"], "the import wrote through the WAL"
    assert any(b"arrears_account" in c for c in contents.values())
    for name, content in contents.items():
        for value in clear_values():
            assert value not in content, (name, value)


def test_rotation_rewraps_the_data_key_and_only_the_new_master_key_opens_it(settings):
    token = keys.encrypt_text("1234567", context="test")
    (key_id,) = keys.data_key_ids()
    wrapped = bytes(DataKey.objects.get().wrapped)
    new_master = keys.generate_master_key()
    assert master_key_rotate(new_master) == [key_id]
    row = DataKey.objects.get()
    assert bytes(row.wrapped) != wrapped
    assert row.master_fingerprint == keys.master_key_fingerprint(new_master)
    entry = AuditEntry.objects.filter(action="keys_rotate").get()
    assert entry.detail["to_master"] == row.master_fingerprint and new_master not in str(
        entry.detail
    )
    settings.MASTER_KEY = new_master
    keys.forget_cached_keys()
    assert keys.decrypt_text(token, context="test") == "1234567"  # same data key, no re-encryption
    settings.MASTER_KEY = MASTER
    keys.forget_cached_keys()
    with pytest.raises(keys.MasterKeyError, match="does not open"):
        keys.decrypt_text(token, context="test")


def test_reencryption_moves_every_value_onto_a_fresh_data_key(tmp_path):
    package_import(path=build(tmp_path / "a.zip", sensitive_rows()), password=None)
    (old_key,) = keys.data_key_ids()
    old_index = set(Account.objects.values_list("account_no_hash", flat=True))
    result = data_reencrypt()
    assert result.retired == [old_key] and list(keys.data_key_ids()) == [result.new_key_id]
    assert result.rows["arrears.Account.account_no"] == 3
    assert result.rows["people.Resident.caution_note"] == 2
    assert {"outreach.ContactRecord.note", "outreach.Callback.note"} <= set(result.rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_no FROM arrears_account")
        assert all(f"${result.new_key_id}$" in no for (no,) in cursor.fetchall())
    assert sorted(Account.objects.values_list("account_no", flat=True)) == sorted(ACCOUNT_NOS)
    assert set(Account.objects.values_list("account_no_hash", flat=True)).isdisjoint(old_index)
    # The unique key still finds the same accounts under the new index key.
    again = package_import(
        path=build(tmp_path / "b.zip", sensitive_rows(), package_id="T-0002"), password=None
    )
    assert again.counts["accounts.csv"]["created"] == 0 and Account.objects.count() == 3
    assert AuditEntry.objects.filter(action="keys_reencrypt").count() == 1


def test_a_wrong_master_key_is_a_clear_error_and_destroys_nothing(settings, tmp_path):
    package_import(path=build(tmp_path / "a.zip", sensitive_rows()), password=None)
    before = list(DataKey.objects.values_list("key_id", "wrapped", "master_fingerprint"))
    settings.MASTER_KEY = "a-different-master-key-" + "w" * 20
    keys.forget_cached_keys()
    with pytest.raises(keys.MasterKeyError, match="SAIKOKU_MASTER_KEY"):
        list(Account.objects.values_list("account_no", flat=True))
    with pytest.raises(CommandError) as rotate:
        call_command("keys", "rotate", "--reencrypt")
    assert rotate.value.returncode == 3
    with pytest.raises(keys.MasterKeyError):
        master_key_rotate(keys.generate_master_key())
    with pytest.raises(CommandError) as status:
        call_command("keys", "status")
    assert status.value.returncode == 3
    # No new data key was made beside the one the wrong key cannot open.
    assert list(DataKey.objects.values_list("key_id", "wrapped", "master_fingerprint")) == [
        (k, bytes(w), f) for k, w, f in before
    ]
    settings.MASTER_KEY = MASTER
    keys.forget_cached_keys()
    assert sorted(Account.objects.values_list("account_no", flat=True)) == sorted(ACCOUNT_NOS)


def test_tampered_or_moved_ciphertext_fails_its_check(tmp_path):
    package_import(path=build(tmp_path / "a.zip", sensitive_rows()), password=None)
    account = Account.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_no FROM arrears_account WHERE id = %s", [account.pk])
        (token,) = cursor.fetchone()
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    raw = TextField()  # written as it is, not encrypted again
    Account.objects.filter(pk=account.pk).update(account_no=Value(flipped, output_field=raw))
    with pytest.raises(keys.CiphertextError, match="fails its check"):
        Account.objects.get(pk=account.pk)
    # A genuine token moved into another encrypted column is refused too.
    resident = Resident.objects.filter(caution_note="").first()
    Resident.objects.filter(pk=resident.pk).update(caution_note=Value(token, output_field=raw))
    with pytest.raises(keys.CiphertextError):
        Resident.objects.get(pk=resident.pk)
    blob = bytearray(keys.encrypt_bytes(b"scan", context="inquiries/x"))
    blob[-1] ^= 1
    with pytest.raises(keys.CiphertextError):
        keys.decrypt_bytes(bytes(blob), context="inquiries/x")


def test_destroyed_data_keys_leave_the_values_unreadable_for_good():
    token = keys.encrypt_text("9876543", context="test")
    blob = keys.encrypt_bytes(b"scan", context="f")
    assert keys.destroy_data_keys() == 1
    assert not DataKey.objects.exists()
    assert AuditEntry.objects.filter(action="keys_destroy").count() == 1
    with pytest.raises(keys.DataKeyMissing, match="destroyed"):
        keys.decrypt_text(token, context="test")
    with pytest.raises(keys.DataKeyMissing):
        keys.decrypt_bytes(blob, context="f")
    # Work after erasure gets a data key of its own.
    assert keys.decrypt_text(keys.encrypt_text("x", context="t"), context="t") == "x"
    assert DataKey.objects.count() == 1


def test_a_key_made_in_a_rolled_back_transaction_is_not_used_afterwards():
    with pytest.raises(RuntimeError), transaction.atomic():
        keys.encrypt_text("first use", context="t")
        raise RuntimeError
    assert not DataKey.objects.exists()
    token = keys.encrypt_text("second use", context="t")
    assert DataKey.objects.count() == 1
    keys.forget_cached_keys()  # read back from the database alone
    assert keys.decrypt_text(token, context="t") == "second use"


def test_keys_rotate_command_with_a_new_key_file_and_its_exit_codes(settings, tmp_path):
    settings.MASTER_KEY_GENERATED_FILE = None  # the master key is given, as in production
    token = keys.encrypt_text("5555555", context="t")
    with pytest.raises(CommandError) as missing:
        call_command("keys", "rotate")
    assert missing.value.returncode == 2
    short = tmp_path / "short"
    short.write_text("too short")
    with pytest.raises(CommandError) as too_short:
        call_command("keys", "rotate", "--new-key-file", str(short))
    assert too_short.value.returncode == 2
    new_file = tmp_path / "master.key"
    new_file.write_text(keys.generate_master_key() + "\n")
    call_command("keys", "rotate", "--new-key-file", str(new_file))
    settings.MASTER_KEY = new_file.read_text().strip()
    keys.forget_cached_keys()
    assert keys.decrypt_text(token, context="t") == "5555555"


def test_keys_rotate_replaces_a_generated_development_key(settings, tmp_path):
    generated = tmp_path / ".master_key"
    generated.write_text(MASTER)
    settings.MASTER_KEY_GENERATED_FILE = generated
    token = keys.encrypt_text("4444444", context="t")
    call_command("keys", "rotate")
    assert generated.read_text() != MASTER and not Path(f"{generated}.new").exists()
    settings.MASTER_KEY = generated.read_text()
    keys.forget_cached_keys()
    assert keys.decrypt_text(token, context="t") == "4444444"


def test_the_data_migrations_encrypt_plain_rows_and_write_them_back_on_the_way_down(tmp_path):
    """encrypt_existing_rows / decrypt_existing_rows, which the data migrations run."""
    package_import(path=build(tmp_path / "a.zip", sensitive_rows()), password=None)
    raw = TextField()
    for resident in Resident.objects.exclude(caution_note=""):
        plain = Value(resident.caution_note, output_field=raw)
        Resident.objects.filter(pk=resident.pk).update(caution_note=plain)
    assert CAUTION_NOTES[0].encode() in table_dump()  # as rows stood before the migration
    assert set(
        Resident.objects.exclude(caution_note="").values_list("caution_note", flat=True)
    ) == set(CAUTION_NOTES)  # plain rows stay readable until migrated
    assert encrypt_existing_rows(Resident, "caution_note") == 2
    assert CAUTION_NOTES[0].encode() not in table_dump()
    assert decrypt_existing_rows(Resident, "caution_note") == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT caution_note FROM people_resident WHERE caution_note <> ''")
        assert {note for (note,) in cursor.fetchall()} == set(CAUTION_NOTES)


def test_a_file_of_the_earlier_format_stays_readable_and_reencryption_moves_it(settings, tmp_path):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from saikoku.privacy import files

    settings.FILES_DIR = tmp_path / "files"
    settings.FILES_KEY = "legacy-files-key-" + "l" * 30
    stored = "inquiries/" + "a" * 32
    nonce = b"\x01" * 12
    # The earlier format, as it was written: AES-GCM under a key derived from FILES_KEY.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"saikoku files v1")
    old_key = AESGCM(hkdf.derive(settings.FILES_KEY.encode()))
    legacy = b"SKF1" + nonce + old_key.encrypt(nonce, b"old scan", stored.encode())
    path = files.encrypted_file_path(stored)
    path.parent.mkdir(parents=True)
    path.write_bytes(legacy)
    assert files.encrypted_file_read(stored) == b"old scan"
    assert data_reencrypt().files == 1
    assert path.read_bytes().startswith(keys.BYTES_MAGIC)
    settings.FILES_KEY = "another-" + "k" * 30  # no longer needed
    assert files.encrypted_file_read(stored) == b"old scan"
