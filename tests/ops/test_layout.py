"""The production layout of deploy/ started on this machine (docs/operations/
production.md): nginx with TLS in front of gunicorn and a worker from the Procfile,
on PostgreSQL, with the production settings of the example env file. What a user or
an operator notices: HTTPS only, the security headers, static files from nginx under
hashed names, the health check, the client's address in the audit trail, a report
made by the worker, the request id in the logs, and a clean stop.

One stack is started for the module; the last test stops it."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from support.console_client import Console, device_json
from support.layout import ROOT, database_drop, instance_tool, saikoku, stack_start


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    started = stack_start(tmp_path_factory.mktemp("layout"), tag="layout")
    yield started
    started.stop()
    database_drop(started.database)


@pytest.fixture(scope="module")
def ward_admin(stack):
    return device_json(instance_tool(stack.env, "user", "layout_admin", "ward_admin"))


def console(stack, **options) -> Console:
    return Console(port=stack.https_port, cafile=str(stack.cafile), **options)


def test_check_deploy_passes_with_the_env_file(stack):
    done = saikoku(stack.env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_login_page_comes_over_https_with_the_security_headers(stack):
    page = console(stack).get("/login/")
    assert page.status == 200
    assert "ログイン" in page.text
    assert page.header("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "default-src 'self'" in page.header("Content-Security-Policy")
    assert "frame-ancestors 'none'" in page.header("Content-Security-Policy")
    assert page.header("X-Frame-Options") == "DENY"
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert page.header("Referrer-Policy") == "same-origin"
    assert "no-store" in page.header("Cache-Control")
    # nginx says who it is, not which version.
    assert page.header("Server") == "nginx"
    cookies = " ".join(page.headers.get_all("Set-Cookie") or [])
    assert "csrftoken=" in cookies and "Secure" in cookies


def test_plain_http_is_redirected_to_https(stack):
    plain = Console(port=stack.http_port, https=False)
    for path in ("/login/", "/healthz", "/static/saikoku/console.css"):
        answer = plain.get(path)
        assert answer.status == 301, path
        assert answer.header("Location") == f"https://localhost:{stack.https_port}{path}"


def test_static_files_come_from_nginx_under_hashed_names_with_a_long_cache(stack):
    client = console(stack)
    page = client.get("/login/")
    (css,) = re.findall(r'href="(/static/saikoku/console\.[0-9a-f]{12}\.css)"', page.text)
    (js,) = re.findall(r'src="(/static/saikoku/console\.[0-9a-f]{12}\.js)"', page.text)
    for path in (css, js):
        answer = client.get(path)
        assert answer.status == 200, path
        assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"
        assert answer.body == (stack.folder / "www" / path.lstrip("/")).read_bytes()
    assert client.get(css).header("Content-Type") == "text/css"
    # A name without its hash is asked for again each time.
    plain_name = client.get("/static/saikoku/console.css")
    assert plain_name.status == 200
    assert plain_name.header("Cache-Control") == "no-cache"
    # None of it reached gunicorn: its access log has no static path.
    assert "/static/" not in stack.running.log("web")


def test_health_through_nginx_and_metrics_only_for_the_monitoring_network(stack):
    client = console(stack)
    health = client.get("/healthz")
    assert health.status == 200
    marker = "/metrics?from-the-test"
    metrics = client.get(marker)
    assert metrics.status == 403
    assert "nginx" in metrics.text  # nginx's own page: the request stopped there
    assert marker not in stack.running.log("web")


def test_the_request_id_is_passed_on_or_made(stack):
    client = console(stack)
    given = client.get("/login/", **{"X-Request-ID": "ticket-20261202-0001"})
    assert given.header("X-Request-ID") == "ticket-20261202-0001"
    made = client.get("/login/?made")
    assert re.fullmatch(r"[0-9a-f]{32}", made.header("X-Request-ID"))
    # The application's own JSON line may come before gunicorn's access line.
    access = f"request_id={made.header('X-Request-ID')}"
    ends = time.monotonic() + 10
    while time.monotonic() < ends and access not in stack.running.log("web"):
        time.sleep(0.2)
    log = stack.running.log("web")
    assert "request_id=ticket-20261202-0001" in log
    assert access in log
    # Each line of the application is one JSON object carrying the same id.
    assert f'"request_id": "{made.header("X-Request-ID")}"' in log


def test_the_audit_trail_has_the_clients_address_not_the_proxys(stack, ward_admin):
    """The client at 127.0.0.2 logs in through nginx (at 127.0.0.1) and claims to be
    203.0.113.9 in its own X-Forwarded-For: nginx overwrites the header, so the audit
    entry of the login names the real client."""
    client = console(stack, source="127.0.0.2")
    original = client.request

    def spoofing(method, path, body=None, headers=None):
        return original(method, path, body, {**(headers or {}), "X-Forwarded-For": "203.0.113.9"})

    client.request = spoofing
    client.login("layout_admin", ward_admin)
    addresses = device_json(instance_tool(stack.env, "audit", "login"))
    assert addresses == ["127.0.0.2"]


def test_a_report_asked_for_on_the_console_is_made_by_the_worker(stack, ward_admin):
    client = console(stack)
    client.login("layout_admin", ward_admin, step_offset=1)
    asked = client.post("/reports/monthly/", {"month": "2026-10"})
    assert asked.status == 302, asked.text
    run_page = asked.header("Location")
    ends = time.monotonic() + 120
    status = ""
    while time.monotonic() < ends:
        page = client.get(run_page)
        status = re.search(r'data-run-status="(\w+)"', page.text).group(1)
        if status in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status == "done", stack.running.log("report")[-3000:]
    pdf = client.get(run_page.rstrip("/") + "/pdf")
    assert pdf.status == 200
    assert pdf.body.startswith(b"%PDF")


def test_the_daily_jobs_of_the_timer_run_against_the_instance(stack):
    """deploy/bin/saikoku-daily, what saikoku-daily.timer starts: promises, sessions,
    an encrypted backup into SAIKOKU_BACKUP_DIR and the audit trail's check, leaving
    the head the next day's run checks against."""
    done = subprocess.run(
        [str(ROOT / "deploy" / "bin" / "saikoku-daily")],
        env=stack.env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    for job in ("promises-evaluate", "clearsessions", "backup", "audit verify"):
        assert f"saikoku-daily: saikoku {job}" in done.stdout
    assert len(list((stack.folder / "backup").glob("saikoku-*.skb"))) == 1
    head = stack.folder / "data" / "LAST_HEAD.json"
    verified = saikoku(stack.env, "audit", "verify", "--head-file", str(head))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_every_process_stops_cleanly(stack):
    """Last in the module: SIGTERM to the Procfile's processes, SIGQUIT to nginx;
    each exits 0 (gunicorn lets requests finish, the worker its task)."""
    codes = stack.stop()
    assert codes == dict.fromkeys(codes, 0), codes
    assert set(codes) == {"nginx", "web", "sms", "report"}
    assert (ROOT / "deploy" / "Procfile").exists()
