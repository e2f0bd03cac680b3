"""The request id (core/request_id.py): taken from a trusted proxy or made, sent back in
X-Request-ID, written on every log line and into the audit entries; old entries without
one still verify, and the column was added without losing the append-only triggers."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import importlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse
from django_tasks.signals import task_finished, task_started

from saikoku.core.audit import audit_record, verify_chain
from saikoku.core.audit.hashing import entry_hash
from saikoku.core.logformat import JsonFormatter, RequestContextFilter
from saikoku.core.models import AuditEntry
from saikoku.core.request_id import current_request_id, request_id_scope
from support.personas import verified_client

PROXY = "10.0.0.5"
NGINX_ID = "0f4e8d2c9b7a61534e2d1c0b9a887766"  # the form of nginx's $request_id
APPEND_ONLY = importlib.import_module("saikoku.core.migrations.0002_audit_append_only")

pytestmark = pytest.mark.django_db


@pytest.fixture
def behind_proxy(settings):
    settings.SAIKOKU_TRUSTED_PROXIES = [PROXY]


@contextmanager
def captured_log(logger_name: str, formatter: logging.Formatter | None = None):
    """The lines the project's handler would write for this logger: its filter and
    its JSON formatter (settings.LOGGING), into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(formatter or JsonFormatter())
    target = logging.getLogger(logger_name)
    old_level = target.level
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        target.removeHandler(handler)
        target.setLevel(old_level)


# --- taken or made ---------------------------------------------------------------------


def test_every_response_carries_a_request_id_of_its_own():
    first = Client().get(reverse("healthz"))
    second = Client().get(reverse("healthz"))
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_id_of_a_trusted_proxy_is_kept(behind_proxy):
    response = Client(REMOTE_ADDR=PROXY).get(reverse("healthz"), HTTP_X_REQUEST_ID=NGINX_ID)
    assert response["X-Request-ID"] == NGINX_ID


def test_an_untrusted_clients_request_id_is_ignored(behind_proxy):
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID=NGINX_ID)
    assert response["X-Request-ID"] != NGINX_ID
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_without_trusted_proxies_nobodys_request_id_is_taken():
    response = Client().get(reverse("healthz"), HTTP_X_REQUEST_ID=NGINX_ID)
    assert response["X-Request-ID"] != NGINX_ID


@pytest.mark.parametrize(
    "given",
    [
        "short",  # under 8 characters
        "x" * 65,  # over 64
        "abc def ghi",  # a space
        "abcdefgh\nFAKE LOG LINE",  # a line break: a forged log line
        "<script>alert(1)</script>",
        "山田太郎の依頼です",  # not ASCII
    ],
)
def test_a_malformed_id_even_from_a_trusted_proxy_is_replaced(behind_proxy, given):
    response = Client(REMOTE_ADDR=PROXY).get(reverse("healthz"), HTTP_X_REQUEST_ID=given)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_no_request_id_is_left_behind_after_the_request():
    Client().get(reverse("healthz"))
    assert current_request_id() == ""


# --- into the audit trail ---------------------------------------------------------------


def test_the_audit_entry_of_a_page_view_names_the_request(behind_proxy, auditor):
    client = verified_client(auditor, REMOTE_ADDR=PROXY)
    response = client.get(reverse("audit_log"), HTTP_X_REQUEST_ID=NGINX_ID)
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="audit_view").latest("seq")
    assert entry.request_id == NGINX_ID == response["X-Request-ID"]
    assert verify_chain().ok


def test_a_generated_id_reaches_the_audit_entry_too(auditor):
    response = verified_client(auditor).get(reverse("audit_log"))
    entry = AuditEntry.objects.filter(action="audit_view").latest("seq")
    assert entry.request_id == response["X-Request-ID"]


def test_an_entry_outside_any_request_has_no_request_id():
    entry = audit_record(actor=None, action="search")
    assert entry.request_id is None


def _hash_before_request_ids(entry: AuditEntry) -> str:
    """The canonical form as it was before entries kept a request id (docs/audit.md)."""
    payload = {
        "v": 1,
        "seq": entry.seq,
        "at": entry.at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "user": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "client_addr": entry.client_addr,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    message = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    return hmac.digest(django_settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hex()


def test_a_chain_of_old_entries_and_new_ones_with_request_ids_verifies():
    old = [audit_record(actor=None, action="search", detail={"n": i}) for i in range(3)]
    with request_id_scope(NGINX_ID):
        new = [audit_record(actor=None, action="payer_view", object_id=str(i)) for i in range(3)]
    later = audit_record(actor=None, action="search")

    # An entry without a request id hashes exactly as every entry did before.
    for entry in [*old, later]:
        stored = AuditEntry.objects.get(seq=entry.seq)
        assert stored.request_id is None
        assert stored.hash == _hash_before_request_ids(stored)
    assert {AuditEntry.objects.get(seq=e.seq).request_id for e in new} == {NGINX_ID}
    result = verify_chain()
    assert result.ok, result.reason
    assert result.checked == 7


@contextmanager
def _triggers_lifted():
    with connection.cursor() as cursor:
        for sql in APPEND_ONLY.statements(connection.vendor, install=False):
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in APPEND_ONLY.statements(connection.vendor, install=True):
                cursor.execute(sql)


@pytest.mark.parametrize("value", ["ffffffffffffffffffffffffffffffff", None])
def test_a_changed_request_id_is_tampering(value):
    audit_record(actor=None, action="search")
    with request_id_scope(NGINX_ID):
        audit_record(actor=None, action="payer_view")
    audit_record(actor=None, action="search")
    with _triggers_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET request_id = %s WHERE seq = 2", [value])
    result = verify_chain()
    assert not result.ok
    assert (result.first_bad_seq, result.code) == (2, "hash_mismatch")


def test_giving_an_old_entry_a_request_id_is_tampering():
    audit_record(actor=None, action="search")
    with _triggers_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET request_id = %s WHERE seq = 1", [NGINX_ID])
    assert verify_chain().code == "hash_mismatch"


# --- the migration kept the triggers ------------------------------------------------------


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditentry'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditentry'::regclass "
                "AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


def test_after_the_migrations_the_audit_table_still_refuses_updates():
    # The test database was built by running every migration, 0005 included.
    expected = (
        {"core_auditentry_no_update", "core_auditentry_no_delete"}
        if connection.vendor == "sqlite"
        else {"core_auditentry_no_update_delete", "core_auditentry_no_truncate"}
    )
    assert _trigger_names() == expected
    with request_id_scope(NGINX_ID):
        audit_record(actor=None, action="search")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(request_id="changed-later")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=1).delete()
    assert AuditEntry.objects.get(seq=1).request_id == NGINX_ID


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses to run in one
def test_the_request_id_column_is_added_without_rebuilding_the_table():
    """What migration 0005 runs on this engine: one ALTER TABLE ADD COLUMN. A rebuilt
    table (SQLite's CREATE TABLE "new__…", copy, drop, rename) would drop the triggers."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("core", "0005_auditentry_request_id")
    state = loader.project_state(("core", "0004_audit_analysis"))
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state, editor, collect_sql=True)
    statements = [s for s in editor.collected_sql if not s.startswith("--")]
    assert len(statements) == 1, statements
    assert re.match(r'ALTER TABLE "core_auditentry" ADD COLUMN "request_id"', statements[0])


# --- into the log ----------------------------------------------------------------------


def test_the_access_log_line_is_one_json_object_with_the_request_and_user_ids(
    behind_proxy, auditor
):
    client = verified_client(auditor, REMOTE_ADDR=PROXY)
    with captured_log("saikoku.access") as log:
        response = client.get(reverse("audit_log") + "?action=search", HTTP_X_REQUEST_ID=NGINX_ID)
    lines = log.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["request_id"] == NGINX_ID == response["X-Request-ID"]
    assert line["user_id"] == auditor.pk
    assert (line["level"], line["logger"]) == ("INFO", "saikoku.access")
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "GET",
        "/audit/",
        "audit_log",
        200,
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert datetime.datetime.fromisoformat(line["time"]).tzinfo is not None
    # The query string (a search's name or number) and the user's name stay out.
    assert "action=search" not in lines[0] and auditor.username not in lines[0]


def test_a_log_record_written_during_a_request_carries_its_id(behind_proxy, auditor):
    client = verified_client(auditor, REMOTE_ADDR=PROXY)
    with captured_log("django.request") as log:
        client.get(reverse("handler_list"), HTTP_X_REQUEST_ID=NGINX_ID)  # a 403 for auditors
    line = json.loads(log.getvalue().splitlines()[0])
    assert line["request_id"] == NGINX_ID
    assert line["level"] == "WARNING" and "Forbidden" in line["message"]


def test_extra_fields_other_than_the_access_fields_are_not_written():
    with captured_log("saikoku.test") as log:
        logging.getLogger("saikoku.test").info("payer seen", extra={"phone": "09012345678"})
    assert "09012345678" not in log.getvalue()
    assert json.loads(log.getvalue())["message"] == "payer seen"


def test_the_text_form_shows_the_request_id():
    text = logging.Formatter(django_settings.LOGGING["formatters"]["plain"]["format"])
    with captured_log("saikoku.test", text) as log, request_id_scope(NGINX_ID):
        logging.getLogger("saikoku.test").warning("something")
    assert f"WARNING saikoku.test [{NGINX_ID}] something" in log.getvalue()


def test_a_production_server_logs_json_lines_on_stderr(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "saikoku.settings",
        "SAIKOKU_DATA_DIR": str(tmp_path),
        "SAIKOKU_PRODUCTION": "true",
        "SAIKOKU_LOG_FILE": "-",
    }
    env.pop("SAIKOKU_LOG_FORMAT", None)
    code = textwrap.dedent(
        f"""
        import django, logging
        django.setup()
        from saikoku.core.request_id import request_id_scope
        with request_id_scope("{NGINX_ID}"):
            logging.getLogger("saikoku.sms").warning("SMS %s failed permanently: %s", 7, "x")
        logging.getLogger("saikoku.sms").info("second")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [line["message"] for line in lines] == ["SMS 7 failed permanently: x", "second"]
    assert [line["request_id"] for line in lines] == [NGINX_ID, None]
    assert not (tmp_path / "saikoku.log").exists()


# --- background tasks ---------------------------------------------------------------------


def test_a_task_run_has_its_own_request_id_in_its_audit_entries():
    from saikoku.sms.tasks import sms_dispatch

    result = sms_dispatch.enqueue(1)
    # What the worker (django-tasks-db's db_worker) sends around each run.
    task_started.send(sender=object, task_result=result)
    try:
        entry = audit_record(actor=None, action="search")
    finally:
        task_finished.send(sender=object, task_result=result)
    assert entry.request_id == f"task-{result.id}"
    assert current_request_id() == ""


def test_enqueueing_a_task_logs_its_id_under_the_request_id():
    from saikoku.sms.tasks import sms_dispatch

    with captured_log("saikoku.tasks") as log, request_id_scope(NGINX_ID):
        result = sms_dispatch.enqueue(1)
    line = json.loads(log.getvalue().splitlines()[0])
    assert line["request_id"] == NGINX_ID
    assert str(result.id) in line["message"]


def test_the_canonical_form_is_unchanged_for_entries_without_request_id():
    # Guard: the module's own hash of an entry without request id is the old one.
    entry = audit_record(actor=None, action="search", detail={"a": 1})
    assert entry_hash(
        seq=entry.seq,
        at=entry.at,
        user_id=None,
        username="",
        action="search",
        object_type="",
        object_id="",
        client_addr="",
        detail={"a": 1},
        prev_hash=entry.prev_hash,
    ) == _hash_before_request_ids(entry)
