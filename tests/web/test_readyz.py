"""/readyz (web/health.py): whether the server can work now, with each check in the
body; 503 when one fails. The synchronous standby going missing on a real primary is
drilled in tests/drills/test_failover.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

pytestmark = pytest.mark.django_db


def _readyz() -> tuple[int, dict]:
    response = Client().get("/readyz")
    return response.status_code, response.json()


def _waiting_task(seconds: int) -> None:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="saikoku.sms.tasks.sms_dispatch",
        queue_name="sms",
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_a_migrated_database_with_an_idle_queue_is_ready_without_login():
    status, body = _readyz()
    assert status == 200
    assert body["ready"] is True
    assert set(body["checks"]) == {"database", "migrations", "task_queue", "synchronous_standby"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"] == connection.vendor
    expected = "not configured" if connection.vendor == "postgresql" else "not PostgreSQL"
    assert body["checks"]["synchronous_standby"]["detail"] == expected


def test_a_task_waiting_longer_than_the_limit_makes_the_server_not_ready(settings):
    settings.SAIKOKU_READY_QUEUE_MAX_AGE = 300
    _waiting_task(60)
    status, body = _readyz()
    assert status == 200 and body["checks"]["task_queue"]["detail"].startswith(
        "oldest ready task waiting"
    )
    _waiting_task(900)
    status, body = _readyz()
    assert status == 503 and body["ready"] is False
    assert body["checks"]["task_queue"]["ok"] is False
    assert "limit 300 s" in body["checks"]["task_queue"]["detail"]
    settings.SAIKOKU_READY_QUEUE_MAX_AGE = 3600
    assert _readyz()[0] == 200


def test_a_deferred_task_counts_from_when_it_may_run():
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="saikoku.sms.tasks.sms_dispatch",
        queue_name="sms",
        backend_name="default",
        run_after=timezone.now() + dt.timedelta(hours=1),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - dt.timedelta(days=1)
    )
    assert _readyz()[0] == 200


def test_an_unapplied_migration_makes_the_server_not_ready():
    MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first().delete()
    status, body = _readyz()
    assert status == 503
    assert body["checks"]["migrations"] == {"ok": False, "detail": "1 migrations not applied"}


def test_the_body_names_no_person_and_no_server():
    _waiting_task(900)
    text = Client().get("/readyz").content.decode()
    for word in ("sms_dispatch", "saikoku.sms", "127.0.0.1", "postgres://"):
        assert word not in text
