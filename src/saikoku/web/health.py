"""`/readyz`: whether this server can do its work now, for the load balancer and the
monitoring (docs/operations/failover.md). `/healthz` only says the process is alive.

Each check answers ok and a short English detail; the page is 200 when every check is
ok, else 503. Nothing in it is personal data, so it is public like /healthz:

- database: a query answers;
- migrations: no migration of the code is unapplied;
- task_queue: no task has waited to be started longer than SAIKOKU_READY_QUEUE_MAX_AGE
  seconds (the workers are down or far behind);
- synchronous_standby (PostgreSQL): a primary configured with
  synchronous_standby_names has as many streaming synchronous standbys as it waits for;
  with fewer, every commit waits, so every save stalls. The database user needs the
  pg_monitor role to see pg_stat_replication's columns.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Case, F, Min, When
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

STALL = "synchronous standby missing: writes will stall"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check(False, f"database unreachable: {type(error).__name__}")
    return Check(True, connection.vendor)


@functools.cache
def code_migrations() -> frozenset[tuple[str, str]]:
    """Every migration of the running code, read once per process: building Django's
    migration graph costs tens of milliseconds, too much for every probe, and the code
    does not change while the process runs."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def migrations_check() -> Check:
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    missing = code_migrations() - applied
    if missing:
        return Check(False, f"{len(missing)} migrations not applied")
    return Check(True, "all applied")


def task_queue_check(*, now: dt.datetime, max_age: int) -> Check:
    """The oldest task ready to start: waiting since it was enqueued, or since its
    run_after when it was deferred."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    since = (
        DBTaskResult.objects.ready()
        .aggregate(
            at=Min(
                Case(
                    When(run_after=get_date_max(), then=F("enqueued_at")),
                    default=F("run_after"),
                )
            )
        )
        .get("at")
    )
    if since is None:
        return Check(True, "no task waiting")
    age = int((now - since).total_seconds())
    if age > max_age:
        return Check(False, f"oldest ready task waiting {age} s (limit {max_age} s)")
    return Check(True, f"oldest ready task waiting {age} s")


_PRIORITY = re.compile(r"^\s*(?:(?P<method>FIRST|ANY)\s+)?(?P<num>\d+)\s*\(", re.IGNORECASE)


def synchronous_standbys_required(names: str) -> int:
    """How many synchronous standbys a primary with this synchronous_standby_names
    waits for: `''` none, `a, b` or `*` one, `FIRST 2 (a, b, c)` / `ANY 2 (…)` / `2 (…)`
    two (PostgreSQL's own grammar)."""
    if not names.strip():
        return 0
    match = _PRIORITY.match(names)
    return int(match["num"]) if match else 1


def synchronous_standby_check() -> Check:
    if connection.vendor != "postgresql":
        return Check(True, "not PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('synchronous_standby_names')")
        in_recovery, names = cursor.fetchone()
        if in_recovery:
            return Check(False, "the database is a standby: it refuses writes")
        required = synchronous_standbys_required(names)
        if required == 0:
            return Check(True, "not configured")
        cursor.execute(
            "SELECT count(*), count(state),"
            " count(*) FILTER (WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum'))"
            " FROM pg_stat_replication"
        )
        senders, visible, streaming = cursor.fetchone()
    if senders and not visible:
        return Check(False, "pg_stat_replication unreadable: grant pg_monitor")
    if streaming < required:
        return Check(False, STALL)
    return Check(True, f"{streaming} streaming of {required} required")


def readiness() -> dict[str, Check]:
    checks = {"database": database_check()}
    names = ("migrations", "task_queue", "synchronous_standby")
    if not checks["database"].ok:
        return checks | {name: Check(False, "database unreachable") for name in names}
    try:
        checks["migrations"] = migrations_check()
        checks["task_queue"] = task_queue_check(
            now=timezone.now(), max_age=settings.SAIKOKU_READY_QUEUE_MAX_AGE
        )
        checks["synchronous_standby"] = synchronous_standby_check()
    except DatabaseError as error:
        failed = Check(False, f"database error: {type(error).__name__}")
        checks |= {name: failed for name in names if name not in checks}
    return checks


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every check is ok, else 503; the body lists each check."""
    checks = readiness()
    ready = all(check.ok for check in checks.values())
    body = {
        "ready": ready,
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
