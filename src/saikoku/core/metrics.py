"""Prometheus metrics and their endpoint `/metrics` (docs/operations/observability.md).

gunicorn serves the console from several worker processes, each with its own memory, so
a counter kept in one process would show a scrape only that worker's share. With
PROMETHEUS_MULTIPROC_DIR set in the environment of gunicorn (and of the SMS workers),
prometheus_client's multiprocess mode has every process write its values to files
in that folder and `/metrics` sums them, whichever worker answers. The variable must be
set before the first import of prometheus_client, which is why it is an environment
variable and not a setting; without it (development, tests) values stay in memory.

The queue figures are not counted by anyone: each scrape reads them from the task table
(`TaskQueueCollector`), so they are right however many workers run.

No label carries personal data: routes are URL names (`payer`, not `/payers/123/`),
statuses are classes (`2xx`), outcomes are fixed words.

`/metrics` is for the monitoring server, not for browsers: it answers only a client in
SAIKOKU_METRICS_NETWORKS (loopback by default) or one that sends
`Authorization: Bearer <SAIKOKU_METRICS_TOKEN>`; anyone else gets a 403.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, Min, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

__all__ = [
    "IMPORTS",
    "LOGIN_FAILURES",
    "LOGIN_LOCKOUTS",
    "REQUESTS_IN_PROGRESS",
    "REQUEST_SECONDS",
    "SMS_FAILED",
    "SMS_SENT",
    "audit_counted",
    "metrics_allowed",
    "metrics_text",
    "metrics_view",
    "request_observed",
]

# Seconds; the console's pages aim at 100 ms, an import or a report may take seconds.
_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "saikoku_http_request_duration_seconds",
    "Time from the request reaching Django to the response, by URL name, method and status class.",
    ["route", "method", "status"],
    buckets=_BUCKETS,
)
REQUESTS_IN_PROGRESS = Gauge(
    "saikoku_http_requests_in_progress",
    "Requests being served now, over all worker processes.",
    multiprocess_mode="livesum",
)
SMS_SENT = Counter(
    "saikoku_sms_sent",
    "SMS messages the provider accepted (status sent or delivered).",
)
SMS_FAILED = Counter(
    "saikoku_sms_failed",
    "SMS messages that failed for good: refused at sending (stage=send) or reported "
    "undelivered by the provider (stage=delivery).",
    ["stage"],
)
SMS_RETRIED = Counter(
    "saikoku_sms_retried",
    "Temporary SMS sending errors; the message is sent again later.",
)
IMPORTS = Counter(
    "saikoku_imports",
    "Ward package imports by outcome (done, already_imported, rejected).",
    ["outcome"],
)
LOGIN_FAILURES = Counter("saikoku_login_failures", "Failed logins (wrong ID or password).")
LOGIN_LOCKOUTS = Counter(
    "saikoku_login_lockouts",
    "Locks after repeated failed logins: a user name at an address (kind=user) or a "
    "whole address (kind=address).",
    ["kind"],
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observed(*, route: str, method: str, status: int, seconds: float) -> None:
    """One served request (core/access_log.py)."""
    REQUEST_SECONDS.labels(
        route=route or "-",
        method=method if method in _METHODS else "other",
        status=f"{status // 100}xx",
    ).observe(seconds)


def _count_audited(action: str, detail: dict[str, Any]) -> None:
    if action == "login_failed":
        LOGIN_FAILURES.inc()
    elif action == "login_lockout":
        LOGIN_LOCKOUTS.labels(kind="user").inc()
    elif action == "login_address_blocked":
        LOGIN_LOCKOUTS.labels(kind="address").inc()
    elif action == "import":
        outcome = "already_imported" if detail.get("status") == "already_imported" else "done"
        IMPORTS.labels(outcome=outcome).inc()
    elif action == "import_rejected":
        IMPORTS.labels(outcome="rejected").inc()


_AUDIT_COUNTED = frozenset(
    {"login_failed", "login_lockout", "login_address_blocked", "import", "import_rejected"}
)


def audit_counted(action: str, detail: dict[str, Any]) -> None:
    """Counts an audited event once its transaction commits (core/audit/writing.py): an import
    rolled back is then a rejected one, not a done one too. The audit entry is the one
    place each of these events is recorded, so counting there misses none."""
    if action in _AUDIT_COUNTED:
        transaction.on_commit(lambda: _count_audited(action, detail), robust=True)


# --- the task queue, read at each scrape -------------------------------------------------


class TaskQueueCollector(Collector):
    """Ready tasks per queue and how long the oldest of them has waited."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult, get_date_max

        depth = GaugeMetricFamily(
            "saikoku_task_queue_ready",
            "Tasks ready to run and not yet taken by a worker, per queue.",
            labels=["queue"],
        )
        age = GaugeMetricFamily(
            "saikoku_task_queue_oldest_seconds",
            "How long the oldest ready task of the queue has waited (0 when none).",
            labels=["queue"],
        )
        # A task waits from when it was due: its run_after, or its enqueueing when it
        # was to run at once (run_after is then django-tasks-db's "no date").
        rows = (
            DBTaskResult.objects.ready()
            .annotate(
                due=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default="run_after")
            )
            .values("queue_name")
            .annotate(n=Count("pk"), since=Min("due"))
            .order_by()
        )
        now = timezone.now()
        found = {row["queue_name"]: row for row in rows}
        queues = list(dict.fromkeys([*_configured_queues(), *found]))
        for queue in queues:
            row = found.get(queue)
            depth.add_metric([queue], row["n"] if row else 0)
            seconds = (now - row["since"]).total_seconds() if row and row["since"] else 0.0
            age.add_metric([queue], max(seconds, 0.0))
        yield depth
        yield age


def _configured_queues() -> list[str]:
    return list(settings.TASKS.get("default", {}).get("QUEUES", []))


# --- the endpoint ------------------------------------------------------------------------


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def metrics_text() -> bytes:
    """The exposition text: the processes' counters (summed over all worker processes
    in multiprocess mode), then the queue figures."""
    folder = multiprocess_dir()
    if folder:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
    else:
        registry = REGISTRY
    queue = CollectorRegistry()
    queue.register(TaskQueueCollector())
    return generate_latest(registry) + generate_latest(queue)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def metrics_allowed(request: HttpRequest) -> bool:
    """A client of SAIKOKU_METRICS_NETWORKS, or the bearer of SAIKOKU_METRICS_TOKEN.

    A request forwarded by a proxy that is not in SAIKOKU_TRUSTED_PROXIES comes from an
    unknown client: nginx on this machine would otherwise make everyone loopback."""
    from saikoku.core.audit import client_address, is_trusted_proxy

    token = settings.SAIKOKU_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META and not is_trusted_proxy(
        request.META.get("REMOTE_ADDR", "")
    ):
        return False
    try:
        ip = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    networks = _networks(tuple(settings.SAIKOKU_METRICS_NETWORKS))
    return any(ip in network for network in networks if network.version == ip.version)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """`/metrics`: for the monitoring server only (see the module's docstring)."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
