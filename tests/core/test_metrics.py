"""Prometheus metrics at /metrics (core/metrics.py): what a page request, a failed login,
a lockout, an import and the task queue show; who may read them; and the sum over
several worker processes (multiprocess mode, as under gunicorn)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from saikoku.interchange.services import package_import
from support.sms_package import build_sms_package

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


def scrape(client: Client | None = None, **headers: str) -> dict[tuple[str, tuple], float]:
    """The metrics as Prometheus reads them: {(sample name, sorted labels): value}."""
    response = (client or Client()).get(reverse("metrics"), **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


LATENCY = "saikoku_http_request_duration_seconds_count"


# --- what they show ------------------------------------------------------------------------


def test_a_page_request_shows_up_in_the_latency_histogram():
    before = value(scrape(), LATENCY, route="login", method="GET", status="2xx")
    assert Client().get(reverse("login")).status_code == 200
    Client().get("/no-such-page/")
    after = scrape()
    assert value(after, LATENCY, route="login", method="GET", status="2xx") == before + 1
    assert value(after, LATENCY, route="-", method="GET", status="4xx") >= 1
    assert (
        value(
            after,
            "saikoku_http_request_duration_seconds_bucket",
            route="login",
            method="GET",
            status="2xx",
            le="+Inf",
        )
        == before + 1
    )


def test_labels_name_routes_not_paths_so_no_identifier_is_in_them(operator):
    from support.personas import verified_client

    verified_client(operator).get(reverse("payer", args=[4711]))
    text = Client().get(reverse("metrics")).content.decode()
    assert 'route="payer"' in text
    # Only the labels: a sample's value (a sum of seconds, a count) may hold any digits.
    labels = " ".join(re.findall(r"\{[^}]*\}", text))
    assert "4711" not in labels and "/payers/" not in labels and "op1" not in labels


def test_requests_in_progress_counts_the_scrape_itself():
    assert value(scrape(), "saikoku_http_requests_in_progress") == 1


def test_a_failed_login_and_a_lockout_are_counted(
    settings, operator, django_capture_on_commit_callbacks
):
    failures, lockouts = "saikoku_login_failures_total", "saikoku_login_lockouts_total"
    before = scrape()
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            attacker.post(reverse("login"), {"username": "op1", "password": "wrong-password"})
    after = scrape()
    assert value(after, failures) == value(before, failures) + settings.AXES_FAILURE_LIMIT + 1
    assert value(after, lockouts, kind="user") == value(before, lockouts, kind="user") + 1


def test_an_address_block_is_counted_as_a_lockout_of_kind_address(
    settings, django_capture_on_commit_callbacks
):
    settings.SAIKOKU_LOCKOUT_ADDRESS_FAILURES = 3
    lockouts = "saikoku_login_lockouts_total"
    before = value(scrape(), lockouts, kind="address")
    attacker = Client(REMOTE_ADDR="198.51.100.67")
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("a1", "a2", "a3"):
            attacker.post(reverse("login"), {"username": name, "password": "wrong-password"})
    assert value(scrape(), lockouts, kind="address") == before + 1


def test_a_login_failure_rolled_back_is_not_counted(operator):
    # Inside the test's transaction nothing commits: nothing may be counted.
    before = value(scrape(), "saikoku_login_failures_total")
    Client().post(reverse("login"), {"username": "op1", "password": "wrong-password"})
    assert value(scrape(), "saikoku_login_failures_total") == before


def test_imports_are_counted_by_outcome(tmp_path, django_capture_on_commit_callbacks):
    package = build_sms_package(tmp_path / "ward.zip")
    not_a_zip = tmp_path / "notes.zip"
    not_a_zip.write_text("no zip", encoding="utf-8")
    name = "saikoku_imports_total"
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        assert package_import(path=package, password=None, handler="t").status == "imported"
        assert package_import(path=package, password=None, handler="t").status == (
            "already_imported"
        )
        assert package_import(path=not_a_zip, password=None, handler="t").status == "rejected"
    after = scrape()
    for outcome in ("done", "already_imported", "rejected"):
        assert value(after, name, outcome=outcome) == value(before, name, outcome=outcome) + 1


def test_the_queue_depth_and_the_oldest_wait_follow_the_task_table():
    from saikoku.sms.tasks import sms_dispatch

    empty = scrape()
    assert value(empty, "saikoku_task_queue_ready", queue="sms") == 0
    assert value(empty, "saikoku_task_queue_oldest_seconds", queue="sms") == 0
    assert value(empty, "saikoku_task_queue_ready", queue="reports") == 0  # every queue named

    with time_machine.travel(timezone.now() - dt.timedelta(seconds=120), tick=False):
        sms_dispatch.enqueue(1)
    sms_dispatch.enqueue(2)
    # Due tomorrow: not ready, not waiting yet.
    sms_dispatch.using(run_after=timezone.now() + dt.timedelta(days=1)).enqueue(3)
    samples = scrape()
    assert value(samples, "saikoku_task_queue_ready", queue="sms") == 2
    assert 120 <= value(samples, "saikoku_task_queue_oldest_seconds", queue="sms") < 180
    assert value(samples, "saikoku_task_queue_ready", queue="default") == 0


# --- who may read them -----------------------------------------------------------------------


def test_a_client_outside_the_metrics_networks_gets_a_403():
    response = Client(REMOTE_ADDR="10.20.0.15").get(reverse("metrics"))
    assert response.status_code == 403
    assert b"saikoku_" not in response.content


def test_the_networks_are_a_setting(settings):
    settings.SAIKOKU_METRICS_NETWORKS = ["10.9.0.0/16"]
    assert Client(REMOTE_ADDR="10.9.3.4").get(reverse("metrics")).status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get(reverse("metrics")).status_code == 403


def test_the_bearer_of_the_token_may_read_them_from_anywhere(settings):
    settings.SAIKOKU_METRICS_TOKEN = TOKEN
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert "saikoku_task_queue_ready" in str(scrape(outside, HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    for wrong in (f"Bearer {TOKEN}x", TOKEN, "Bearer ", ""):
        assert outside.get(reverse("metrics"), HTTP_AUTHORIZATION=wrong).status_code == 403


def test_no_token_configured_means_no_token_opens_them(settings):
    settings.SAIKOKU_METRICS_TOKEN = ""
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_a_forwarded_for_header_opens_nothing_without_a_trusted_proxy(settings):
    outside = Client(REMOTE_ADDR="203.0.113.9")
    response = outside.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


def test_through_a_proxy_that_is_not_trusted_even_loopback_is_refused(settings):
    # nginx on this machine without SAIKOKU_TRUSTED_PROXIES: the peer is loopback, but
    # the client behind it is unknown.
    proxied = Client(REMOTE_ADDR="127.0.0.1")
    response = proxied.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403
    settings.SAIKOKU_TRUSTED_PROXIES = ["127.0.0.1"]
    assert proxied.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert proxied.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_the_allowed_networks_of_the_console_do_not_hide_the_metrics(settings):
    # The monitoring server is in no organisation's network, as for /healthz.
    settings.SAIKOKU_ALLOWED_NETWORKS_WARD = ["10.20.0.0/16"]
    settings.SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR = ["10.30.0.0/16"]
    assert Client().get(reverse("metrics")).status_code == 200
    assert Client().get(reverse("login")).status_code == 403


# --- several processes ------------------------------------------------------------------


WORKER = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from saikoku.core import metrics
    for _ in range(int(sys.argv[1])):
        metrics.SMS_SENT.inc()
        metrics.request_observed(route="login", method="GET", status=200, seconds=0.02)
    """
)


def test_the_metrics_of_several_processes_are_summed(tmp_path, monkeypatch):
    """As under gunicorn: each process writes its own values into the multiprocess
    folder; /metrics, answered by any one process, shows their sum."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "saikoku.settings",
        "SAIKOKU_DATA_DIR": str(tmp_path / "data"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    for count in ("3", "4"):
        done = subprocess.run(
            [sys.executable, "-c", WORKER, count], env=env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
    assert len(list(folder.glob("counter_*.db"))) == 2  # one file per process

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    samples = scrape()
    assert value(samples, "saikoku_sms_sent_total") == 7
    assert value(samples, LATENCY, route="login", method="GET", status="2xx") == 7
    # The queue is read from the database, not from the processes.
    assert value(samples, "saikoku_task_queue_ready", queue="sms") == 0


def test_gunicorn_start_removes_only_the_files_of_processes_that_are_gone(tmp_path, monkeypatch):
    from saikoku import gunicorn_conf

    folder = tmp_path / "prometheus"
    folder.mkdir()
    alive = folder / f"counter_{os.getpid()}.db"
    gone = folder / "counter_999999999.db"
    gauge = folder / "gauge_livesum_999999999.db"
    for file in (alive, gone, gauge):
        file.write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    gunicorn_conf.on_starting(server=None)
    assert sorted(p.name for p in folder.iterdir()) == [alive.name]
