"""Screen pop benchmark: simulated calls through the signed webhook against the app
served as in production (gunicorn on PostgreSQL), with a real browser logged in as the
operator, measuring the time from the `answered` POST to the payer's name on the page.

Usage:
    .venv/bin/python bench/screen_pop_bench.py [--calls 100] [--workers 2] [--threads 4]
        [--wait-seconds 20] [--database-url URL] [--json]

The database (default: next_bench.py's, postgres://postgres@127.0.0.1:5432/
saikoku_bench_next, or DATABASE_URL, or --database-url) is created and filled with the
full-scale demo when missing (bench/next_bench.py's `ensure_database`, reused). Every
run then:

- prepares (idempotent) the operator bench_pop at extension 2999 with an enrolled
  authenticator, and picks `--calls` mobile numbers of payers at random (each number
  belongs to one payer; the name expected on screen is that payer's);
- starts gunicorn (`--workers` × `--threads`, gthread, persistent connections) with a
  fresh SAIKOKU_CTI_SECRET;
- logs Chromium (/usr/bin/chromium, Playwright) in through the real login form and its
  second factor, and opens /inbound/, whose pop request waits on the server for the
  next call (the long-poll, SAIKOKU_POP_WAIT_SECONDS = --wait-seconds); with
  `--wait-seconds 0` the page polls every 500 ms instead, the way it did before: run
  both to compare them under the same load;
- per call: a signed `ringing` POST, then the clock starts, the signed `answered` POST
  (its response time is the webhook's own handling), and the browser waits for the
  payer's name in the pop ([data-call=<id>] [data-pop-name]); then `ended`. Between
  calls, GET /healthz is timed as the baseline of the same run.
- reports the median and p95 of the screen pop, the webhook's median and p95, the
  median of /healthz and the webhook's ratio to it. With --json the last line is one
  JSON object.

Target: screen pop p95 ≤ 1 s (aim ≤ 300 ms). Polling every 500 ms, the pop waits on
average 250 ms for the next poll, plus the poll's own round trip; the long-poll answers
when the webhook's commit wakes it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import next_bench  # the database, server and figures of the Next bench, reused

ROOT = next_bench.ROOT
CHROMIUM = "/usr/bin/chromium"
USERNAME = "bench_pop"
PASSWORD = "bench-pop-password-2026"  # noqa: S105 (a bench user on a bench database)
EXTENSION = "2999"


def prepare(calls: int, seed: int) -> list[tuple[str, str]]:
    """The operator, and (number, payer's name) pairs of numbers held by one payer."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Exists, OuterRef

    from saikoku.arrears.models import Assessment
    from saikoku.core.mfa import totp_device_create, totp_device_enrolled
    from saikoku.people.models import Phone

    user_model = get_user_model()
    user = user_model.objects.filter(username=USERNAME).first()
    if user is None:
        user = user_model.objects.create_user(
            username=USERNAME, password=PASSWORD, role="operator", extension=EXTENSION
        )
    user.set_password(PASSWORD)
    user.extension = EXTENSION
    user.is_active = True
    user.save()
    if totp_device_enrolled(user) is None:
        totp_device_create(user=user, confirmed=True)
    single = (
        Phone.objects.filter(kind="mobile", is_valid=True)
        .filter(Exists(Assessment.objects.filter(payer=OuterRef("resident"))))
        .exclude(digits="")
        .values("digits")
        .annotate(n=Count("resident", distinct=True))
        .filter(n=1)
        .values_list("digits", flat=True)[:5000]
    )
    pool = list(single)
    if len(pool) < calls:
        raise SystemExit(f"only {len(pool)} numbers held by one payer")
    picked = random.Random(seed).sample(pool, calls)
    names = dict(Phone.objects.filter(digits__in=picked).values_list("digits", "resident__name"))
    return [(digits, names[digits]) for digits in picked]


def login_code() -> str:
    from django.contrib.auth import get_user_model

    from saikoku.core.mfa import totp_code, totp_device_enrolled

    device = totp_device_enrolled(get_user_model().objects.get(username=USERNAME))
    assert device is not None
    device.refresh_from_db()
    while True:
        step = int(time.time() - device.t0) // device.step
        for candidate in (step, step + 1):
            if candidate > device.last_t:
                return totp_code(device, at=device.t0 + candidate * device.step)
        time.sleep(1)


def post(conn: http.client.HTTPConnection, secret: str, payload: dict) -> float:
    """One signed event; its response time in ms."""
    from saikoku.inbound.signature import signed_headers

    body = json.dumps(payload).encode()
    started = time.perf_counter()
    conn.request(
        "POST", "/cti/events", body=body, headers=signed_headers(secret, body, now=time.time())
    )
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 204:
        raise SystemExit(f"webhook answered {response.status}")
    return elapsed


def healthz(conn: http.client.HTTPConnection) -> float:
    started = time.perf_counter()
    conn.request("GET", "/healthz")
    conn.getresponse().read()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--wait-seconds", type=int, default=20, help="the long-poll's wait; 0: poll every 500 ms"
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", next_bench.DEFAULT_URL)
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the bench runs on PostgreSQL (the figure of docs/inbound.md)")

    # The database is the demo's (its users exist): say so, as `saikoku demo` does.
    os.environ["SAIKOKU_DEMO"] = "true"
    _migrated(args.database_url)
    next_bench.ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    secret = secrets.token_urlsafe(32)
    os.environ["SAIKOKU_CTI_SECRET"] = secret
    os.environ["SAIKOKU_POP_WAIT_SECONDS"] = str(args.wait_seconds)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    calls = prepare(args.calls, args.seed)
    connections.close_all()

    from playwright.sync_api import sync_playwright

    port = next_bench.free_port()
    server = next_bench.start_server(args.database_url, port, args.workers, args.threads)
    pop_ms: list[float] = []
    hook_ms: list[float] = []
    base_ms: list[float] = []
    run = secrets.token_hex(4)
    # Computed before Playwright's event loop starts (Django's ORM refuses to run in
    # a thread with a running loop); a code stays good for its step and the next.
    code = login_code()
    connections.close_all()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            # Static files come from the reverse proxy in production (collectstatic),
            # not from gunicorn: the browser gets them from the source folder here.
            page.route("**/static/**", _static)
            base = f"http://127.0.0.1:{port}"
            page.goto(f"{base}/login/")
            page.fill("#id_username", USERNAME)
            page.fill("#id_password", PASSWORD)
            page.press("#id_password", "Enter")
            page.wait_for_url("**/mfa/")
            page.fill("#id_token", code)
            page.press("#id_token", "Enter")
            page.wait_for_url(lambda url: "/mfa/" not in url and "/login/" not in url)
            page.goto(f"{base}/inbound/")
            page.wait_for_selector("#pop")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for i, (digits, name) in enumerate(calls):
                call_id = f"bench-{run}-{i}"
                event = {"call_id": call_id, "from": digits, "to": "0312345678",
                         "extension": EXTENSION}  # fmt: skip
                post(conn, secret, {**event, "event": "ringing", "at": _now()})
                started = time.perf_counter()
                hook_ms.append(post(conn, secret, {**event, "event": "answered", "at": _now()}))
                try:
                    page.wait_for_selector(
                        f'[data-call="{call_id}"] [data-pop-name]:has-text("{name}")',
                        timeout=10000,
                    )
                except Exception:
                    print(page.inner_html("#pop")[:2000], file=sys.stderr)
                    raise
                pop_ms.append((time.perf_counter() - started) * 1000)
                post(conn, secret, {**event, "event": "ended", "at": _now()})
                base_ms.append(healthz(conn))
                # Calls arrive at random moments relative to the page's polling.
                time.sleep(random.uniform(0.05, 0.5))
            browser.close()
    finally:
        next_bench.stop_server(server)
    result = {
        "calls": len(pop_ms),
        "pop_wait_seconds": args.wait_seconds,
        "pop_median_ms": round(statistics.median(pop_ms), 1),
        "pop_p95_ms": round(next_bench.p95(pop_ms), 1),
        "webhook_median_ms": round(statistics.median(hook_ms), 1),
        "webhook_p95_ms": round(next_bench.p95(hook_ms), 1),
        "baseline_median_ms": round(statistics.median(base_ms), 1),
        "webhook_ratio": round(statistics.median(hook_ms) / statistics.median(base_ms), 1),
        "target_p95_ms": 1000,
        "load": os.getloadavg(),
    }
    mode = f"long-poll {args.wait_seconds} s" if args.wait_seconds else "polling every 500 ms"
    print(
        f"screen pop ({mode}) over {result['calls']} calls: median {result['pop_median_ms']} ms, "
        f"p95 {result['pop_p95_ms']} ms (target p95 ≤ 1000 ms); webhook median "
        f"{result['webhook_median_ms']} ms, p95 {result['webhook_p95_ms']} ms; /healthz "
        f"median {result['baseline_median_ms']} ms (ratio {result['webhook_ratio']})"
    )
    if args.json:
        print(json.dumps(result))


def _static(route) -> None:
    name = route.request.url.split("/static/", 1)[1].split("?", 1)[0]
    path = (ROOT / "src" / "saikoku" / "static" / name).resolve()
    if not path.is_relative_to(ROOT / "src" / "saikoku" / "static") or not path.is_file():
        route.fulfill(status=404)
        return
    types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    route.fulfill(
        status=200,
        body=path.read_bytes(),
        content_type=types.get(path.suffix, "application/octet-stream"),
    )


def _migrated(url: str) -> None:
    """Creates the database and its tables first: ensure_database's emptiness check
    reads people_resident, which a brand-new database does not have yet."""
    import subprocess
    import urllib.parse

    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [str(next_bench.VENV_BIN / "saikoku"), "migrate", "--verbosity=0"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        cwd=ROOT,
    )


def _now() -> str:
    from django.utils import timezone

    return timezone.now().isoformat()


if __name__ == "__main__":
    main()
