"""The audit trail: chained, append-only, verifiable (BRIEF.md: every view of personal
data is logged, attributable and tamper-evident)."""

from __future__ import annotations

import datetime
import hashlib
import importlib
import itertools
import json
import os
import subprocess
import sys
import textwrap
import threading
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from saikoku.core.audit import (
    GENESIS_HASH,
    audit_entries,
    audit_record,
    audit_record_many,
    chain_head,
    client_address,
    reading,
    verify_chain,
)
from saikoku.core.models import AuditEntry
from support.personas import PASSWORD

APPEND_ONLY = importlib.import_module("saikoku.core.migrations.0002_audit_append_only")


def _fill(count: int, actor=None) -> list[AuditEntry]:
    return [
        audit_record(
            actor=actor,
            action="payer_view" if i % 3 else "search",
            object_type="resident",
            object_id=str(1000 + i),
            client_addr="192.0.2.10",
            detail={"purpose": "call", "query": f"ヤマダ {i}"},
        )
        for i in range(count)
    ]


@contextmanager
def _triggers_lifted():
    """Tampering on purpose, as someone with raw database access could.

    Inside a test's transaction the DDL is rolled back with everything else; the
    triggers are put back explicitly anyway so later statements see them again.
    """
    with connection.cursor() as cursor:
        for sql in APPEND_ONLY.statements(connection.vendor, install=False):
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in APPEND_ONLY.statements(connection.vendor, install=True):
                cursor.execute(sql)


def _sql(sql: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _move_seq(old: int, new: int) -> None:
    _sql("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [new, old])


# --- the chain -------------------------------------------------------------------------


@pytest.mark.django_db
def test_chain_of_fifty_entries_verifies(operator):
    entries = _fill(50, actor=operator)

    result = verify_chain()

    assert result.ok, result.reason
    assert result.checked == 50
    assert result.first_bad_seq is None
    assert [e.seq for e in entries] == list(range(1, 51))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert (
        result.head
        == chain_head()
        == {
            "seq": 50,
            "hash": entries[-1].hash,
            "at": entries[-1].at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "count": 50,
        }
    )


@pytest.mark.django_db
def test_a_batch_written_at_once_chains_like_entries_written_one_by_one(operator):
    audit_record(actor=operator, action="search", detail={"q": "before"})
    batch = audit_record_many(
        actor=operator,
        action="contact_record",
        object_type="contact_record",
        items=[(str(i), {"payer_id": i, "outcome": "sms_sent"}) for i in range(1, 31)],
    )
    audit_record(actor=operator, action="search", detail={"q": "after"})

    result = verify_chain()

    assert result.ok, result.reason
    assert result.checked == 32
    assert batch == list(range(2, 32))
    stored = list(AuditEntry.objects.filter(action="contact_record").order_by("seq"))
    assert [e.object_id for e in stored] == [str(i) for i in range(1, 31)]
    assert stored[5].detail == {"payer_id": 6, "outcome": "sms_sent"}
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(stored))
    assert AuditEntry.objects.get(seq=32).prev_hash == stored[-1].hash
    assert audit_record_many(actor=operator, action="search", object_type="", items=[]) == []


@pytest.mark.django_db
def test_entry_names_the_user_even_after_the_account_is_renamed(operator):
    entry = audit_record(actor=operator, action="payer_view", object_id="42")
    operator.username = "renamed"
    operator.save()

    stored = AuditEntry.objects.get(seq=entry.seq)
    assert (stored.user_id, stored.username) == (operator.pk, "op1")
    assert verify_chain().ok


@pytest.mark.django_db
def test_what_is_stored_is_exactly_what_was_hashed():
    # Values that databases like to re-render: Japanese, floats (jsonb prints 1e20 as
    # digits), dates, decimals, a NUL that PostgreSQL refuses, microseconds.
    entry = audit_record(
        actor=None,
        action="import",
        object_id="PKG-2025-06",
        detail={
            "name": "髙橋 﨑子",
            "rows": 45500,
            "ratio": 1e20,
            "share": 0.1,
            "day": datetime.date(2025, 6, 30),
            "amount": Decimal("1234.50"),
            "nested": {"b": [1, "二"], "a": None},
            "odd": "a\x00b",
        },
    )
    stored = AuditEntry.objects.get(pk=entry.pk)

    assert stored.at == entry.at
    assert stored.detail == entry.detail
    assert stored.detail["name"] == "髙橋 﨑子"
    assert stored.detail["day"] == "2025-06-30"
    assert verify_chain().ok


@pytest.mark.django_db
def test_verification_reads_in_chunks_without_losing_entries(monkeypatch):
    # The pages are read where verify_chain looks the size up.
    monkeypatch.setattr(reading, "VERIFY_CHUNK", 7)
    _fill(50)

    assert verify_chain().checked == 50


@pytest.mark.django_db
def test_empty_trail_verifies_and_its_head_is_genesis():
    assert verify_chain().ok
    assert chain_head() == {"seq": 0, "hash": GENESIS_HASH, "at": None, "count": 0}


@pytest.mark.django_db
def test_too_long_identifiers_are_refused_not_cut():
    with pytest.raises(ValueError, match="object_id"):
        audit_record(actor=None, action="search", object_id="x" * 101)
    assert AuditEntry.objects.count() == 0


# --- tampering is detected -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("object_id", "9999"),
        ("action", "search"),
        ("username", "someone_else"),
        ("client_addr", "198.51.100.1"),
        ("detail", '{"purpose": "call", "query": "ヤマダ 99"}'),
        ("at", "2020-01-01 00:00:00"),
        ("user_id", None),
    ],
)
def test_altered_field_is_detected_at_its_entry(operator, column, value):
    _fill(50, actor=operator)
    with _triggers_lifted():
        _sql(f"UPDATE core_auditentry SET {column} = %s WHERE seq = 17", [value])  # noqa: S608

    result = verify_chain()

    assert not result.ok
    assert (result.first_bad_seq, result.code) == (17, "hash_mismatch")
    assert result.checked == 16
    assert "17" in result.reason


@pytest.mark.django_db
def test_removed_middle_entry_is_detected():
    _fill(50)
    with _triggers_lifted():
        _sql("DELETE FROM core_auditentry WHERE seq = 20")

    result = verify_chain()

    assert (result.ok, result.first_bad_seq, result.code) == (False, 20, "seq_gap")


@pytest.mark.django_db
def test_removed_entry_with_renumbered_successors_is_detected():
    _fill(50)
    with _triggers_lifted():
        _sql("DELETE FROM core_auditentry WHERE seq = 20")
        for seq in range(21, 51):
            _move_seq(seq, seq - 1)

    result = verify_chain()

    assert (result.first_bad_seq, result.code) == (20, "prev_hash_mismatch")


@pytest.mark.django_db
def test_forged_entry_appended_without_the_key_is_detected():
    _fill(50)
    head = chain_head()
    AuditEntry.objects.create(  # INSERT is allowed: append-only, not read-only
        seq=51,
        at=datetime.datetime.now(tz=datetime.UTC),
        action="login",
        prev_hash=head["hash"],
        hash=hashlib.sha256(b"a guess without the key").hexdigest(),
    )

    result = verify_chain()

    assert (result.first_bad_seq, result.code) == (51, "hash_mismatch")


@pytest.mark.django_db
def test_forged_entry_inserted_in_the_middle_is_detected():
    entries = _fill(50)
    with _triggers_lifted():
        # Make room at seq 30 without tripping the unique constraint half-way.
        for seq in range(50, 29, -1):
            _move_seq(seq, seq + 1)
    AuditEntry.objects.create(
        seq=30,
        at=entries[28].at,
        action="search",
        prev_hash=entries[28].hash,
        hash=entries[29].hash,  # even a real hash copied from elsewhere does not fit
    )

    result = verify_chain()

    assert (result.first_bad_seq, result.code) == (30, "hash_mismatch")


@pytest.mark.django_db
def test_swapped_entries_are_detected():
    _fill(50)
    with _triggers_lifted():
        _move_seq(10, -1)
        _move_seq(11, 10)
        _move_seq(-1, 11)

    result = verify_chain()

    assert (result.first_bad_seq, result.code) == (10, "prev_hash_mismatch")


@pytest.mark.django_db
def test_swapped_contents_are_detected():
    _fill(50)
    columns = "object_id, detail, at, hash, prev_hash"
    with _triggers_lifted():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM core_auditentry WHERE seq IN (10, 11) ORDER BY seq"  # noqa: S608
            )
            ten, eleven = cursor.fetchall()
        assignments = ", ".join(f"{c.strip()} = %s" for c in columns.split(","))
        _sql(f"UPDATE core_auditentry SET {assignments} WHERE seq = 10", list(eleven))  # noqa: S608
        _sql(f"UPDATE core_auditentry SET {assignments} WHERE seq = 11", list(ten))  # noqa: S608

    result = verify_chain()

    assert (result.first_bad_seq, result.code) == (10, "prev_hash_mismatch")


@pytest.mark.django_db
def test_cut_off_tail_is_detected_against_the_head_the_ward_holds():
    _fill(50)
    held_by_ward = chain_head()
    with _triggers_lifted():
        _sql("DELETE FROM core_auditentry WHERE seq > 45")

    # Without the held head the shortened chain is internally consistent...
    assert verify_chain().ok
    # ...which is why the ward keeps the head.
    result = verify_chain(expected_head=held_by_ward)
    assert (result.ok, result.first_bad_seq, result.code) == (False, 46, "tail_truncated")
    assert result.head["seq"] == 45


@pytest.mark.django_db
def test_held_head_still_verifies_after_more_entries():
    _fill(20)
    held_by_ward = chain_head()
    _fill(5)

    result = verify_chain(expected_head=held_by_ward)

    assert result.ok
    assert result.head["seq"] == 25


@pytest.mark.django_db
def test_head_that_differs_from_the_chain_fails():
    _fill(20)
    result = verify_chain(expected_head={"seq": 12, "hash": "f" * 64})

    assert (result.first_bad_seq, result.code) == (12, "head_mismatch")


# --- the database refuses changes ------------------------------------------------------


def _refused(operation) -> None:
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        operation()


@pytest.mark.django_db
def test_database_refuses_every_update_and_delete():
    entry = _fill(3)[1]

    _refused(lambda: AuditEntry.objects.filter(seq=2).update(action="search"))
    _refused(lambda: AuditEntry.objects.filter(seq=2).delete())
    _refused(entry.delete)
    entry.object_id = "other"
    _refused(entry.save)
    _refused(lambda: _sql("UPDATE core_auditentry SET object_id = 'x'"))
    _refused(lambda: _sql("DELETE FROM core_auditentry WHERE seq = 3"))
    if connection.vendor == "postgresql":
        _refused(lambda: _sql("TRUNCATE core_auditentry"))
    else:
        # SQLite has no TRUNCATE; its DELETE without WHERE is refused like any other.
        _refused(lambda: _sql("DELETE FROM core_auditentry"))

    assert AuditEntry.objects.count() == 3
    assert verify_chain().ok


# --- the command -----------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_command_verify_reports_ok_with_the_head():
    entries = _fill(12)

    code, out, _ = _run("verify")

    assert code == 0
    assert out.strip() == f"OK: 12 件の記録を検証しました。先頭 seq=12 hash={entries[-1].hash}"


@pytest.mark.django_db
def test_command_verify_exits_1_naming_the_first_bad_entry():
    _fill(12)
    with _triggers_lifted():
        _sql("UPDATE core_auditentry SET object_id = 'x' WHERE seq = 7")

    code, out, err = _run("verify")

    assert code == 1
    assert out == ""
    assert "seq=7" in err
    assert "hash_mismatch" in err


@pytest.mark.django_db
def test_command_head_json_is_what_verify_accepts_as_head_file(tmp_path):
    _fill(30)
    code, out, _ = _run("head", "--json")
    assert code == 0
    head_file = tmp_path / "head.json"
    head_file.write_text(out, encoding="utf-8")
    assert json.loads(out) == chain_head()

    assert _run("verify", "--head-file", str(head_file))[0] == 0

    with _triggers_lifted():
        _sql("DELETE FROM core_auditentry WHERE seq > 28")
    code, _, err = _run("verify", "--head-file", str(head_file))
    assert code == 1
    assert "seq=29" in err
    assert "tail_truncated" in err


@pytest.mark.django_db
def test_command_verify_with_expected_seq_and_hash():
    entries = _fill(5)

    assert _run("verify", "--expect-seq", "5", "--expect-hash", entries[-1].hash)[0] == 0
    assert _run("verify", "--expect-seq", "5", "--expect-hash", "0" * 64)[0] == 1
    with pytest.raises(CommandError):
        _run("verify", "--expect-seq", "5")


@pytest.mark.django_db
def test_command_head_plain_text():
    entries = _fill(2)
    code, out, _ = _run("head")
    assert code == 0
    assert out.startswith(f"seq=2 hash={entries[-1].hash} at=")
    assert out.strip().endswith("count=2")


# --- logins ----------------------------------------------------------------------------


def _request(rf, addr: str = "203.0.113.5"):
    request = rf.post("/login/", REMOTE_ADDR=addr)
    request.session = SessionStore()
    request.user = AnonymousUser()  # as AuthenticationMiddleware leaves it
    return request


@pytest.mark.django_db
def test_login_and_logout_are_recorded_with_user_and_address(rf, operator):
    request = _request(rf)
    user = authenticate(request, username="op1", password=PASSWORD)
    login(request, user)
    logout(request)

    entries = list(AuditEntry.objects.values_list("action", "user_id", "username", "client_addr"))
    assert entries == [
        ("login", operator.pk, "op1", "203.0.113.5"),
        ("logout", operator.pk, "op1", "203.0.113.5"),
    ]
    assert verify_chain().ok


@pytest.mark.django_db
def test_failed_login_records_the_typed_name_but_never_the_password(rf, operator):
    typed_password = "Wrong-Password-123"
    assert authenticate(_request(rf), username="op1", password=typed_password) is None

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.user_id, entry.client_addr) == ("login_failed", None, "203.0.113.5")
    assert entry.detail == {"username": "op1", "locked": False}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditentry")
        stored = repr(cursor.fetchall())
    assert typed_password not in stored


@pytest.mark.django_db
def test_anonymous_logout_writes_nothing(rf):
    logout(_request(rf))
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_login_through_the_test_client_is_recorded(client, operator):
    assert client.login(username="op1", password=PASSWORD)
    assert not client.login(username="op1", password="nope")

    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["login", "login_failed"]


# --- client address --------------------------------------------------------------------


def test_forwarded_for_is_ignored_from_an_untrusted_peer(rf, settings):
    settings.SAIKOKU_TRUSTED_PROXIES = ["10.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert client_address(request) == "198.51.100.7"


def test_forwarded_for_names_the_client_behind_trusted_proxies(rf, settings):
    settings.SAIKOKU_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get(
        "/",
        REMOTE_ADDR="10.0.0.1",
        # spoofed by the client, then the real client, then an inner proxy
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.20, 10.1.1.1",
    )

    assert client_address(request) == "203.0.113.20"


def test_malformed_forwarded_for_falls_back_to_the_peer(rf, settings):
    settings.SAIKOKU_TRUSTED_PROXIES = ["10.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="unknown")

    assert client_address(request) == "10.0.0.1"


# --- selector --------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_entries_filters_by_user_action_and_period(operator, supervisor):
    first = audit_record(actor=operator, action="search")
    second = audit_record(actor=supervisor, action="payer_view", object_id="1")
    third = audit_record(actor=operator, action="payer_view", object_id="2")

    assert list(audit_entries()) == [third, second, first]
    assert list(audit_entries(user_id=operator.pk)) == [third, first]
    assert list(audit_entries(action="payer_view")) == [third, second]
    assert list(audit_entries(since=second.at)) == [third, second]
    assert list(audit_entries(until=second.at)) == [first]
    assert list(audit_entries(user_id=operator.pk, action="payer_view")) == [third]


# --- concurrency -----------------------------------------------------------------------

WRITERS = 8
PER_WRITER = 25


def _append_from_threads() -> None:
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_WRITER):
                with transaction.atomic():
                    audit_record(actor=None, action="search", detail={"writer": n, "i": i})
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


_SQLITE_WRITER = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from django.db import transaction
    from saikoku.core.audit import audit_record
    n = int(sys.argv[1])
    for i in range({per_writer}):
        with transaction.atomic():
            audit_record(actor=None, action="search", detail={{"writer": n, "i": i}})
    """
)


def _append_from_processes(tmp_path: Path) -> None:
    """SQLite serialises writers per database file, across processes: the real case."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        "SAIKOKU_DATA_DIR": str(tmp_path),
        "SAIKOKU_SECRET_KEY": "test-secret",
        "SAIKOKU_AUDIT_KEY": "test-audit-key",
        "DJANGO_SETTINGS_MODULE": "saikoku.settings",
    }
    saikoku = [sys.executable, "-m", "saikoku"]
    subprocess.run([*saikoku, "migrate", "-v0"], env=env, check=True, timeout=120)
    script = _SQLITE_WRITER.format(per_writer=PER_WRITER)
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(n)], env=env) for n in range(WRITERS)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * WRITERS
    done = subprocess.run(
        [*saikoku, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"OK: {WRITERS * PER_WRITER} 件の記録を検証しました。")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_build_one_contiguous_chain(tmp_path):
    if connection.vendor == "postgresql":
        _append_from_threads()
        seqs = list(AuditEntry.objects.values_list("seq", flat=True))
        assert seqs == list(range(1, WRITERS * PER_WRITER + 1))
        result = verify_chain()
        assert result.ok, result.reason
        assert result.checked == WRITERS * PER_WRITER
    else:
        _append_from_processes(tmp_path)
