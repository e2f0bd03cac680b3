""" "Next" benchmark: 20 operators working their calls at once on a full-scale
PostgreSQL database, against the app served as in production (gunicorn, several worker
processes with threads), with /healthz measured under the same load as the baseline.

Usage:
    .venv/bin/python bench/next_bench.py [--operators 20] [--rounds 20] [--seconds 180]
        [--talk 0.5 2] [--workers 3] [--threads 4] [--database-url URL] [--json]

The database (default postgres://postgres@127.0.0.1:5432/saikoku_bench_next, or
DATABASE_URL, or --database-url) is created when missing and filled with the
full-scale demo package (≈45,500 payers, ≈500,000 bills) through
`saikoku demo --no-serve`: about two minutes, once. Every run then:

- prepares (idempotent): a supervisor and `--operators` operators (bench_op01 …), each
  with their own login session; the contact rules opened to every hour and every day
  (so the bench runs whenever it is started; the rules are still evaluated on every
  Next, and the other limits keep their defaults); a fresh call list over all payers
  (lists.call_list_build; earlier bench lists are closed), whose highest-priority
  pending entries are assigned in slices of 400 to each operator, leaving out payers
  attempted in the last seven days (earlier runs), so every run starts alike; then
  ANALYZE of the outreach tables (what autovacuum does shortly after such a build)
  and of any table never analyzed (the demo import on a server without autovacuum);
- starts gunicorn in its own processes (`--workers` × `--threads`, gthread, persistent
  database connections: SAIKOKU_DB_CONN_MAX_AGE=60, as production runs it);
- runs one client thread per operator in this process (plain http.client, one
  keep-alive connection each), for `--rounds` rounds or `--seconds`, whichever ends
  first. A round is what an operator does per call:
    1. Next: POST /calls/next/ (claims and locks the payer) and the GET /calls/ it
       redirects to (renders the call screen): what the operator waits for after
       pressing N, measured from the POST to the end of the screen;
    2. the talk: a random pause, by default 0.5–2 s (`--talk MIN MAX`). A real call
       lasts minutes; the pause is compressed so that all 20 operators stay busy at
       once: up to 13 calls a second, where a real center of 20 operators makes
       well under one, so the figure is a stress figure. Halfway through the pause the client
       asks GET /healthz (the trivial view: no login, no database) as the baseline
       under the same load;
    3. POST /calls/record/ with the outcome no_answer (the payer goes to retry).
  The first round of each operator warms up (opens the workers' database
  connections, loads templates) and is not counted.
- reports the median and p95 of Next (and of its two requests, and of the save),
  the median of /healthz, their ratio and the load average. With --json the last line
  is one JSON object: next_median_ms, next_p95_ms, baseline_median_ms, ratio,
  operators, requests, …

Target (README.md): Next median ≤ 100 ms with 20 concurrent operators on PostgreSQL.
Run it on a machine that is otherwise idle (see `uptime`): the server, PostgreSQL and
the clients share its CPUs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from benchlogin import contact_hours_all_day, verified_session_key

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/saikoku_bench_next"
SLICE = 400


def ensure_database(url: str) -> None:
    """Creates the database and imports the full-scale demo when it is missing or empty."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}", file=sys.stderr)
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url) as conn:
        filled = conn.execute(
            "SELECT to_regclass('people_resident') IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM people_resident)"
        ).fetchone()[0]
    if not filled:
        print("importing the full-scale demo (saikoku demo --no-serve)", file=sys.stderr)
        subprocess.run(
            [str(VENV_BIN / "saikoku"), "demo", "--no-serve"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            cwd=ROOT,
        )


def prepare(operators: int) -> list[int]:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from saikoku.outreach.lists.services import call_list_assign, call_list_build
    from saikoku.outreach.models import CallList, CallListEntry, ContactRecord

    User = get_user_model()
    sv, _ = User.objects.get_or_create(username="bench_sv", defaults={"role": "supervisor"})
    users = []
    for i in range(1, operators + 1):
        user, _ = User.objects.get_or_create(
            username=f"bench_op{i:02d}", defaults={"role": "operator"}
        )
        users.append(user)
    # Open every hour of every day; attempts per day/week, the gap and the cool-down
    # keep their defaults.
    contact_hours_all_day()
    CallList.objects.filter(name__startswith="bench ").update(status="closed")
    CallListEntry.objects.filter(locked_by__in=users).update(locked_by=None, locked_until=None)
    now = timezone.now()
    started = time.perf_counter()
    call_list = call_list_build(
        actor=sv, name=f"bench {now:%Y-%m-%d %H:%M:%S}", filters={}, now=now
    )
    built = time.perf_counter() - started
    recent = ContactRecord.objects.filter(at__gte=now - dt.timedelta(days=7)).values("payer_id")
    fresh = list(
        CallListEntry.objects.filter(call_list=call_list, status="pending")
        .exclude(payer_id__in=recent)
        .order_by("-priority", "pk")
        .values_list("pk", flat=True)[: SLICE * operators]
    )
    for i, user in enumerate(users):
        call_list_assign(
            actor=sv,
            call_list=call_list,
            entry_ids=fresh[i * SLICE : (i + 1) * SLICE],
            operator=user,
        )
    # Fresh statistics for the planner, as autovacuum would gather within a minute of
    # a list build (44,000 new rows); without them the first minutes plan on guesses.
    # Tables never analyzed at all (the demo import, on a server running without
    # autovacuum) are analyzed too: the planner otherwise guesses, e.g. scans every
    # payer's assessments to open one payer.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE last_analyze IS NULL AND last_autoanalyze IS NULL"
        )
        never = {row[0] for row in cursor.fetchall()}
        for table in sorted(
            never | {"outreach_calllistentry", "outreach_calllist", "outreach_contactrecord"}
        ):
            cursor.execute(f'ANALYZE "{table}"')
    print(
        f"list built in {built:.1f} s; {len(fresh)} entries assigned to {operators} operators",
        file=sys.stderr,
    )
    return [u.pk for u in users]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "saikoku.settings",
        "SAIKOKU_DEBUG": "0",
        "SAIKOKU_DB_CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "saikoku.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--worker-class=gthread",
            "--log-level=warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


class Operator(threading.Thread):
    def __init__(
        self,
        *,
        port: int,
        session: str,
        rounds: int,
        deadline: float,
        gate,
        seed: int,
        talk: tuple[float, float],
    ):
        super().__init__(daemon=True)
        self.talk = talk
        self.port = port
        self.rounds = rounds
        self.deadline = deadline
        self.gate = gate
        self.random = random.Random(seed)
        self.csrf = "b" * 32
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"
        self.next_ms: list[float] = []
        self.claim_ms: list[float] = []
        self.screen_ms: list[float] = []
        self.record_ms: list[float] = []
        self.base_ms: list[float] = []
        self.empty = 0
        self.error = ""

    def request(self, conn, method: str, path: str, body: dict | None = None):
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1"}
        data = None
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(body or {})
        started = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the idle keep-alive connection during the talk (as any
            # server does after a few seconds): reconnect, as a browser does, and keep
            # the reconnection in the measured time.
            conn.close()
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, (time.perf_counter() - started) * 1000

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.gate.wait()
            for round_no in range(self.rounds + 1):  # round 0 warms up
                if round_no and time.monotonic() > self.deadline:
                    break
                counted = round_no > 0
                status, text, claim = self.request(conn, "POST", "/calls/next/")
                if status != 302:
                    raise RuntimeError(f"next answered {status}: {text[:300]}")
                status, text, screen = self.request(conn, "GET", "/calls/")
                if status != 200:
                    raise RuntimeError(f"screen answered {status}: {text[:300]}")
                if counted:
                    self.claim_ms.append(claim)
                    self.screen_ms.append(screen)
                    self.next_ms.append(claim + screen)
                talk = self.random.uniform(*self.talk)
                time.sleep(talk / 2)
                status, _text, base = self.request(conn, "GET", "/healthz")
                if status != 200:
                    raise RuntimeError(f"healthz answered {status}")
                if counted:
                    self.base_ms.append(base)
                time.sleep(talk / 2)
                if "data-outcome-form" not in text:
                    self.empty += counted
                    continue
                phone = re.search(r'name="phone" id="phone-\d+" value="(\d+)"', text)
                status, text, saved = self.request(
                    conn,
                    "POST",
                    "/calls/record/",
                    {"outcome": "no_answer", "phone": phone[1] if phone else ""},
                )
                if status != 302:
                    raise RuntimeError(f"record answered {status}: {text[:300]}")
                if counted:
                    self.record_ms.append(saved)
        except Exception as error:
            self.error = repr(error)
        finally:
            conn.close()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.95 + 0.5) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20, help="counted rounds per operator")
    parser.add_argument("--seconds", type=float, default=180, help="stop starting rounds after")
    parser.add_argument(
        "--talk",
        type=float,
        nargs=2,
        default=(0.5, 2.0),
        metavar=("MIN", "MAX"),
        help="seconds of talk between Next and the save (uniform)",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the bench runs on PostgreSQL (the figure README.md targets)")

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)  # the schema of the code under test
    user_ids = prepare(args.operators)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk(user_ids)
    sessions = [verified_session_key(users[pk]) for pk in user_ids]
    connections.close_all()

    port = free_port()
    server = start_server(args.database_url, port, args.workers, args.threads)
    try:
        load_before = os.getloadavg()
        gate = threading.Barrier(args.operators)
        started = time.perf_counter()
        deadline = time.monotonic() + args.seconds
        clients = [
            Operator(
                port=port,
                session=s,
                rounds=args.rounds,
                deadline=deadline,
                gate=gate,
                seed=i,
                talk=tuple(args.talk),
            )
            for i, s in enumerate(sessions)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        wall = time.perf_counter() - started
        load_after = os.getloadavg()
    finally:
        stop_server(server)
    errors = [c.error for c in clients if c.error]
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    next_ms = [v for c in clients for v in c.next_ms]
    claim_ms = [v for c in clients for v in c.claim_ms]
    screen_ms = [v for c in clients for v in c.screen_ms]
    record_ms = [v for c in clients for v in c.record_ms]
    base_ms = [v for c in clients for v in c.base_ms]
    result = {
        "operators": args.operators,
        "requests": len(next_ms),
        "empty_next": sum(c.empty for c in clients),
        "next_median_ms": round(statistics.median(next_ms), 1),
        "next_p95_ms": round(p95(next_ms), 1),
        "claim_median_ms": round(statistics.median(claim_ms), 1),
        "screen_median_ms": round(statistics.median(screen_ms), 1),
        "record_median_ms": round(statistics.median(record_ms), 1) if record_ms else None,
        "baseline_median_ms": round(statistics.median(base_ms), 1),
        "ratio": round(statistics.median(next_ms) / statistics.median(base_ms), 1),
        "next_per_s": round(len(next_ms) / wall, 1),
        "wall_s": round(wall, 1),
        "talk_s": list(args.talk),
        "server": f"gunicorn {args.workers} workers x {args.threads} threads",
        "cpus": os.cpu_count(),
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in load_after],
    }
    print(
        f"Next (claim + screen), {args.operators} operators, {len(next_ms)} counted:"
        f" median {result['next_median_ms']} ms, p95 {result['next_p95_ms']} ms"
        f" (claim {result['claim_median_ms']} ms + screen {result['screen_median_ms']} ms);"
        f" save {result['record_median_ms']} ms; /healthz median"
        f" {result['baseline_median_ms']} ms; ratio {result['ratio']};"
        f" {result['next_per_s']} Next/s; load {result['load_before'][0]} →"
        f" {result['load_after'][0]} on {result['cpus']} CPUs",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
