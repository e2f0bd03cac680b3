""""Next" benchmark: 20 operators at once on PostgreSQL, each taking the next payer and
saving a no_answer outcome in a loop, against a real HTTP server.

Usage:
    # once: a full-scale database (the demo package, ≈45,500 payers)
    createdb -h 127.0.0.1 -U postgres bench_calls
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_calls .venv/bin/saikoku demo --no-serve
    # then, as often as wanted:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_calls \\
        .venv/bin/python bench/next_bench.py [--operators 20] [--rounds 25] [--json]

What it does:
- Prepares the database (idempotent): a supervisor and `--operators` operators
  (bench_op01 …), contact rules opened to every hour and day with high limits (the
  benchmark runs whenever it is started; the rules are still evaluated on every Next),
  and a fresh call list over all payers built with lists.call_list_build, whose
  entries are assigned in slices of 400 to each operator.
- Starts Django's threaded WSGI server in this process on a free port (the real
  middleware, sessions, CSRF, audit trail and templates), and one client thread per
  operator, each with its own session cookie.
- Each client, `--rounds` times: POST /calls/next/ and GET /calls/ (what the operator
  waits for after pressing N: the claim with its lock, then the screen), then POST
  /calls/record/ with outcome no_answer, then GET /healthz (the trivial baseline view,
  same server, same moment).
- Reports the median and p95 of Next (claim + screen), of the claim alone and of the
  baseline, and their ratio. With --json the last line is one JSON object with
  next_median_ms, next_p95_ms, claim_median_ms, baseline_median_ms, ratio, operators.
Target (issue 4): Next median ≤ 100 ms with 20 concurrent operators.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse


def prepare(operators: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from saikoku.outreach.lists import call_list_assign, call_list_build
    from saikoku.outreach.models import CallList, CallListEntry, ContactSettings

    User = get_user_model()
    sv, _ = User.objects.get_or_create(username="bench_sv", defaults={"role": "supervisor"})
    users = []
    for i in range(1, operators + 1):
        user, _ = User.objects.get_or_create(
            username=f"bench_op{i:02d}", defaults={"role": "operator"}
        )
        users.append(user)
    ContactSettings.objects.update_or_create(
        pk=1,
        defaults={
            "weekday_start": "00:00",
            "weekday_end": "23:59:59",
            "saturday_allowed": True,
            "saturday_start": "00:00",
            "saturday_end": "23:59:59",
            "sunday_allowed": True,
            "holiday_allowed": True,
            "max_attempts_per_day": 50,
            "max_attempts_per_week": 200,
        },
    )
    CallList.objects.filter(name__startswith="bench ").update(status="closed")
    CallListEntry.objects.filter(locked_by__in=users).update(locked_by=None, locked_until=None)
    started = time.perf_counter()
    call_list = call_list_build(
        actor=sv, name=f"bench {timezone.now():%Y-%m-%d %H:%M:%S}", filters={}, now=timezone.now()
    )
    built = time.perf_counter() - started
    for user in users:
        call_list_assign(actor=sv, call_list=call_list, count=400, operator=user)
    pending = CallListEntry.objects.filter(call_list=call_list, status="pending").count()
    print(f"list built in {built:.2f} s: {pending} callable entries", file=sys.stderr)
    return [u.pk for u in users]


def session_cookie(user_id: int) -> str:
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(pk=user_id)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


class Operator(threading.Thread):
    def __init__(self, port: int, session: str, rounds: int, start_gate: threading.Barrier):
        super().__init__(daemon=True)
        self.port = port
        self.rounds = rounds
        self.gate = start_gate
        self.csrf = "b" * 32
        self.cookie = f"sessionid={session}; csrftoken={self.csrf}"
        self.next_ms: list[float] = []
        self.claim_ms: list[float] = []
        self.base_ms: list[float] = []
        self.empty = 0
        self.error: str = ""

    def request(self, conn, method: str, path: str, body: dict | None = None):
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1"}
        data = None
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(body or {})
        started = time.perf_counter()
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, (time.perf_counter() - started) * 1000

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.gate.wait()
            for _round in range(self.rounds):
                status, _text, claim = self.request(conn, "POST", "/calls/next/")
                if status != 302:
                    raise RuntimeError(f"next answered {status}")
                status, text, screen = self.request(conn, "GET", "/calls/")
                if status != 200:
                    raise RuntimeError(f"screen answered {status}")
                self.claim_ms.append(claim)
                self.next_ms.append(claim + screen)
                if "data-outcome-form" not in text:
                    self.empty += 1
                else:
                    phone = re.search(r'name="phone" id="phone-\d+" value="(\d+)"', text)
                    status, text, _ms = self.request(
                        conn,
                        "POST",
                        "/calls/record/",
                        {"outcome": "no_answer", "phone": phone[1] if phone else ""},
                    )
                    if status != 302:
                        raise RuntimeError(f"record answered {status}: {text[:300]}")
                status, _text, base = self.request(conn, "GET", "/healthz")
                self.base_ms.append(base)
        except Exception as error:
            self.error = repr(error)
        finally:
            conn.close()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        print("note: not PostgreSQL; the issue's figure is for PostgreSQL", file=sys.stderr)
    user_ids = prepare(args.operators)
    sessions = [session_cookie(pk) for pk in user_ids]
    connections.close_all()

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *a) -> None:  # no access log on stderr
            pass

    settings.DEBUG = False
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.daemon_threads = True
    server.set_app(get_wsgi_application())
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    gate = threading.Barrier(args.operators)
    clients = [Operator(port, s, args.rounds, gate) for s in sessions]
    started = time.perf_counter()
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    wall = time.perf_counter() - started
    server.shutdown()
    errors = [c.error for c in clients if c.error]
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    next_ms = [v for c in clients for v in c.next_ms]
    claim_ms = [v for c in clients for v in c.claim_ms]
    base_ms = [v for c in clients for v in c.base_ms]
    empty = sum(c.empty for c in clients)
    result = {
        "operators": args.operators,
        "rounds": args.rounds,
        "requests": len(next_ms),
        "empty_next": empty,
        "next_median_ms": round(statistics.median(next_ms), 1),
        "next_p95_ms": round(p95(next_ms), 1),
        "claim_median_ms": round(statistics.median(claim_ms), 1),
        "claim_p95_ms": round(p95(claim_ms), 1),
        "baseline_median_ms": round(statistics.median(base_ms), 1),
        "ratio": round(statistics.median(next_ms) / statistics.median(base_ms), 1),
        "wall_s": round(wall, 1),
        "database": connection.vendor,
    }
    print(
        f"Next (claim + screen), {args.operators} operators: median {result['next_median_ms']} ms,"
        f" p95 {result['next_p95_ms']} ms; claim alone median {result['claim_median_ms']} ms;"
        f" /healthz median {result['baseline_median_ms']} ms; ratio {result['ratio']};"
        f" {empty} empty answers",
        file=sys.stderr,
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
