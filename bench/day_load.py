"""An operator day at full scale: 50 operators, 5 supervisors, an SMS campaign and
inbound calls at once, against the app served as in production (gunicorn on
PostgreSQL), driven by locust; /healthz measured in the same run as the baseline.

Usage:
    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/day_load.py [--operators 50] [--supervisors 5] [--inbound 5]
        [--duration 300] [--warmup 20] [--pace 1.0] [--workers 3] [--threads 8] [--rebuild]
        [--database-url URL] [--data-dir DIR] [--json]

The database (default postgres://postgres@127.0.0.1:5432/load_day, or --database-url)
and its data folder (default /tmp/load_day: the secret key, the audit key, the demo
package, the log) are built once with `saikoku demo --no-serve`: the full-scale demo
(≈44,200 payers among ≈82,600 residents) through the production import; about three
minutes on an idle 2-core machine. Later runs reuse them; `--rebuild` drops both and
builds them again. docs/operations/load.md describes the run and its figures.

Every run then prepares, through the project's services (idempotent):
- the users, each with an enrolled authenticator and a verified session (password and
  second factor done, bench/benchlogin.py): `--operators` operators load_op01… at
  extensions 3001…, `--supervisors` supervisors load_sv01…, `--inbound` operators
  load_in01… at extensions 3201… who answer inbound calls, a ward_admin load_wa;
- the contact rules opened to every hour of every day (the bench runs whenever it
  is started; the rules are still evaluated on every Next);
- a call list over every payer (lists.call_list_build), its highest-priority pending
  entries not attempted in the last seven days assigned in slices to each operator;
  earlier bench lists closed, earlier bench campaigns cancelled;
- an SMS template (approved by the ward_admin) and a campaign to the NH payers with
  a mobile number (created by one supervisor, approved by another);
- ANALYZE of the outreach tables and of any table never analyzed.

Then it starts the fake SMS gateway (tests/support/fake_gateway.py, the `http`
provider's contract), gunicorn (`--workers` × `--threads`, gthread, persistent
connections, idle connections kept 75 s), one `saikoku sms worker` sending the
campaign, and locust headless (bench/day_locust.py) for `--warmup` + `--duration`
seconds, each user pausing as a person does (about 30 s per outbound call, the
pauses in main(); `--pace 0.25` makes every pause a quarter as long, a stress run):
- operators: POST /calls/next/ and the call screen it redirects to ("Next"), the
  payer page, /healthz during the talk, POST /calls/record/ with an outcome
  (no answer, busy, voicemail) exactly as the call screen's form posts it;
- supervisors: the list builder, its live counts (htmx), the save and the list;
- inbound: signed `ringing`/`answered`/`ended` webhooks to /cti/events at the inbound
  operators' extensions while their pages poll /inbound/pop/ every 500 ms.

Figures, over the requests started after the warm-up: p50 and p95 per screen, the
error count, requests per second, each screen's p50 against /healthz's p50, the
screen pop's delay, and the CPU seconds of gunicorn, of the PostgreSQL backends
serving the database (read from /proc), of the SMS worker and of locust. Targets: no
errors; p95 ≤ 300 ms for Next, the payer page and the outcome save. With --json the
last line is one JSON object.

The machine's load average is printed with the figures: the server, PostgreSQL, the
worker and locust share its CPUs, so the figures are upper bounds on a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from benchlogin import contact_hours_all_day, verified_session_key

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/load_day"
DEFAULT_DATA_DIR = str(Path(tempfile.gettempdir()) / "load_day")
PASSWORD = "load-day-bench-password-2026"  # noqa: S105 (bench users on a bench database)
SLICE = 300  # entries per operator: more than a run of 300 s can call
TARGET_P95_MS = 300
TARGETED = ("Next", "GET /payers/[id]/ (payer page)", "POST /calls/record/ (outcome save)")
HEALTHZ = "GET /healthz"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Seconds locust runs past the measured window: the requests it cuts off when it
# stops are not counted as errors.
TAIL = 10


# --- the database -------------------------------------------------------------------


def ensure_database(url: str, data_dir: Path, *, rebuild: bool) -> None:
    """Creates the database and imports the full-scale demo when it is missing or
    empty (or always, with `rebuild`: the database and the data folder dropped first)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if rebuild:
            print(f"dropping database {name} and {data_dir}", file=sys.stderr)
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(data_dir, ignore_errors=True)
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url) as conn:
        # Two statements: a query naming a table that does not exist yet fails to parse.
        filled = conn.execute("SELECT to_regclass('people_resident') IS NOT NULL").fetchone()[0]
        if filled:
            filled = conn.execute("SELECT EXISTS (SELECT 1 FROM people_resident)").fetchone()[0]
    if not filled:
        print("building the full-scale demo (saikoku demo --no-serve)", file=sys.stderr)
        subprocess.run(
            [str(VENV_BIN / "saikoku"), "demo", "--no-serve"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            cwd=ROOT,
        )


# --- the users, the list, the campaign --------------------------------------------


def _user(username: str, role: str, extension: str = ""):
    from django.contrib.auth import get_user_model

    from saikoku.core.mfa import totp_device_create, totp_device_enrolled

    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username=username, password=PASSWORD, role=role)
    user.role, user.extension, user.is_active = role, extension, True
    user.save()
    if totp_device_enrolled(user) is None:
        totp_device_create(user=user, confirmed=True)
    return user


def prepare(args: argparse.Namespace) -> dict:
    from django.db import connection
    from django.db.models import Count, Exists, OuterRef
    from django.utils import timezone

    from saikoku.arrears.models import Assessment
    from saikoku.outreach.lists.services import call_list_assign, call_list_build
    from saikoku.outreach.models import CallList, CallListEntry, ContactRecord
    from saikoku.people.models import Phone
    from saikoku.sms.campaigns import (
        sms_campaign_approve,
        sms_campaign_cancel,
        sms_campaign_create,
    )
    from saikoku.sms.models import SmsCampaign, SmsTemplate
    from saikoku.sms.templates import sms_template_approve, sms_template_save

    started = time.perf_counter()
    operators = [
        _user(f"load_op{i:02d}", "operator", f"{3000 + i}") for i in range(1, args.operators + 1)
    ]
    supervisors = [
        _user(f"load_sv{i:02d}", "supervisor") for i in range(1, max(args.supervisors, 2) + 1)
    ]
    inbound = [
        _user(f"load_in{i:02d}", "operator", f"{3200 + i}") for i in range(1, args.inbound + 1)
    ]
    ward_admin = _user("load_wa", "ward_admin")
    contact_hours_all_day()
    CallList.objects.filter(name__startswith="load ").update(status="closed")
    CallListEntry.objects.filter(locked_by__in=operators).update(locked_by=None, locked_until=None)
    for campaign in SmsCampaign.objects.filter(
        name__startswith="load ", status__in=["pending", "running", "paused"]
    ):
        sms_campaign_cancel(actor=supervisors[0], campaign=campaign)

    now = timezone.now()
    call_list = call_list_build(
        actor=supervisors[0], name=f"load {now:%Y-%m-%d %H:%M:%S}", filters={}, now=now
    )
    recent = ContactRecord.objects.filter(at__gte=now - dt.timedelta(days=7)).values("payer_id")
    fresh = list(
        CallListEntry.objects.filter(call_list=call_list, status="pending")
        .exclude(payer_id__in=recent)
        .order_by("-priority", "pk")
        .values_list("pk", flat=True)[: SLICE * len(operators)]
    )
    for i, user in enumerate(operators):
        call_list_assign(
            actor=supervisors[0],
            call_list=call_list,
            entry_ids=fresh[i * SLICE : (i + 1) * SLICE],
            operator=user,
        )

    template = SmsTemplate.objects.filter(name="load お知らせ").first()
    if template is None:
        template = sms_template_save(
            actor=supervisors[0],
            name="load お知らせ",
            department="nhi",
            texts={"ja": "{department}からのお知らせです。{callback_number}へお電話ください。"},
        )
    if template.status != "approved":
        template = sms_template_approve(
            actor=ward_admin, template=template, version=template.version
        )
    campaign = sms_campaign_create(
        actor=supervisors[0],
        name=f"load {now:%Y-%m-%d %H:%M:%S}",
        template=template,
        filters={"levies": ["NH"]},
        scheduled_at=now,
    )
    sms_campaign_approve(actor=supervisors[1], campaign=campaign)

    # The numbers that call in: mobile numbers held by one payer each.
    callers = list(
        Phone.objects.filter(kind="mobile", is_valid=True)
        .filter(Exists(Assessment.objects.filter(payer=OuterRef("resident"))))
        .exclude(digits="")
        .values("digits")
        .annotate(n=Count("resident", distinct=True))
        .filter(n=1)
        .values_list("digits", flat=True)[:500]
    )
    # Fresh statistics, as autovacuum would gather shortly after a list build; tables
    # never analyzed (a server without autovacuum) too.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables"
            " WHERE last_analyze IS NULL AND last_autoanalyze IS NULL"
        )
        never = {row[0] for row in cursor.fetchall()}
        outreach = {"outreach_calllistentry", "outreach_calllist", "outreach_contactrecord"}
        for table in sorted(never | outreach | {"sms_smsmessage"}):
            cursor.execute(f'ANALYZE "{table}"')
    messages = campaign.messages.count()
    print(
        f"prepared in {time.perf_counter() - started:.1f} s: {len(fresh)} entries assigned to"
        f" {len(operators)} operators; campaign of {messages} messages",
        file=sys.stderr,
    )

    def session(user) -> dict:
        return {"session": verified_session_key(user), "extension": user.extension}

    return {
        "operators": [session(u) for u in operators],
        "supervisors": [session(u) for u in supervisors[: args.supervisors]],
        "inbound": [session(u) for u in inbound],
        "callers": callers,
        "campaign_id": campaign.pk,
        "campaign_messages": messages,
        "assigned": len(fresh),
    }


# --- the processes --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(process: subprocess.Popen, port: int) -> None:
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn did not start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in task.read_text().split()]
    return found


class CpuMeter(threading.Thread):
    """CPU seconds of process groups while the run lasts, read from /proc every
    second: per pid the last reading minus the reading at the start (zero for a
    process born during the run). PostgreSQL's backends are those pg_stat_activity
    shows on the bench database (the bench's own connection left out)."""

    def __init__(self, url: str, roots: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.roots = roots
        self.first: dict[tuple[str, int], int] = {}
        self.last: dict[tuple[str, int], int] = {}
        self.stopped = threading.Event()
        self.started = threading.Event()

    def pids(self, conn) -> dict[str, list[int]]:
        groups = {}
        for name, root in self.roots.items():
            pids, todo = [], [root]
            while todo:
                pid = todo.pop()
                pids.append(pid)
                todo += _children(pid)
            groups[name] = pids
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
        groups["postgres"] = [row[0] for row in rows]
        return groups

    def sample(self, conn, *, first: bool) -> None:
        for name, pids in self.pids(conn).items():
            for pid in pids:
                ticks = _cpu_ticks(pid)
                if ticks is None:
                    continue
                key = (name, pid)
                self.first.setdefault(key, ticks if first else 0)
                self.last[key] = ticks

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            self.sample(conn, first=True)
            self.started.set()
            while not self.stopped.wait(1.0):
                self.sample(conn, first=False)
            self.sample(conn, first=False)

    def seconds(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for (name, pid), ticks in self.last.items():
            totals[name] = totals.get(name, 0) + (ticks - self.first[(name, pid)]) / CLK_TCK
        return {name: round(v, 1) for name, v in sorted(totals.items())}


# --- the figures ----------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * q + 0.5) - 1, 0)]


def figures(data: dict, since: float, until: float) -> dict:
    by_name: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    failures: dict[str, int] = {}
    for start, name, ms, failed in data["samples"]:
        if not since <= start <= until:
            continue
        by_name.setdefault(name, []).append(ms)
        errors[name] = errors.get(name, 0) + int(bool(failed))
        if failed:
            failures[f"{name}: {failed[:120]}"] = failures.get(f"{name}: {failed[:120]}", 0) + 1
    requests = sum(len(v) for v in by_name.values())
    for start, name, ms in data["steps"]:
        if since <= start <= until:
            by_name.setdefault(name, []).append(ms)
    base = percentile(by_name[HEALTHZ], 0.5) if by_name.get(HEALTHZ) else None
    screens = {}
    for name, values in sorted(by_name.items()):
        p50 = percentile(values, 0.5)
        screens[name] = {
            "count": len(values),
            "p50_ms": round(p50, 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "errors": errors.get(name, 0),
            "ratio_p50_to_healthz": round(p50 / base, 1) if base else None,
        }
    pops = data["pops"]
    return {
        "screens": screens,
        "requests": requests,
        "errors": sum(errors.values()),
        "failures": failures,
        "requests_per_s": round(requests / (until - since), 1),
        "healthz_p50_ms": round(base, 1) if base else None,
        "pop_delay_ms": {
            "count": len(pops),
            "p50": round(percentile(pops, 0.5), 1) if pops else None,
            "p95": round(percentile(pops, 0.95), 1) if pops else None,
        },
    }


def table(result: dict) -> str:
    lines = [
        f"{'screen':<44} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} {'p50/healthz':>11}"
    ]
    for name, s in result["screens"].items():
        mark = " *" if name in TARGETED else ""
        ratio = "" if s["ratio_p50_to_healthz"] is None else f"{s['ratio_p50_to_healthz']}"
        lines.append(
            f"{name + mark:<44} {s['count']:>6} {s['p50_ms']:>8} {s['p95_ms']:>8}"
            f" {s['errors']:>6} {ratio:>11}"
        )
    return "\n".join(lines)


# --- the run ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--supervisors", type=int, default=5)
    parser.add_argument("--inbound", type=int, default=5, help="operators answering calls")
    parser.add_argument("--duration", type=float, default=300, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=20, help="seconds not counted")
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="multiplies every pause (0.25: four times the calls per operator, a stress run)",
    )
    parser.add_argument("--workers", type=int, default=3)
    # 8 threads: a thread waiting on PostgreSQL holds no CPU, and with 4 the operators'
    # requests queued behind the supervisors' list counts (docs/operations/load.md).
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the data again")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the bench runs on PostgreSQL")

    data_dir = Path(args.data_dir).resolve()
    cti_secret = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "saikoku.settings",
        "SAIKOKU_DATA_DIR": str(data_dir),
        # The database is the demo's (its users exist): say so, as `saikoku demo` does.
        "SAIKOKU_DEMO": "true",
        "SAIKOKU_DEBUG": "0",
        "SAIKOKU_DB_CONN_MAX_AGE": "60",
        "SAIKOKU_CTI_SECRET": cti_secret,
        # The send window opened to every hour (the bench runs whenever started).
        "SAIKOKU_SMS_WINDOW_START": "00:00",
        "SAIKOKU_SMS_WINDOW_END": "24:00",
        "SAIKOKU_SMS_WINDOW_EVERY_DAY": "true",
    }
    os.environ.update(env)
    ensure_database(args.database_url, data_dir, rebuild=args.rebuild)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)  # the schema of the code under test
    config = prepare(args)
    connections.close_all()

    sys.path.insert(0, str(ROOT / "tests"))
    from support.fake_gateway import TOKEN
    from support.gateway_process import fake_gateway

    folder = Path(tempfile.mkdtemp(prefix="load_day-"))
    # The pauses of a person, in seconds (uniform between the two), times --pace. An
    # outbound call that nobody answers, the day's most common, takes about half a
    # minute: the screen read, the dial and 20-30 s of ringing, the save.
    pauses = {
        "look": [2.0, 5.0],  # reading the call screen before opening the payer page
        "talk": [5.0, 15.0],  # each half of the call, /healthz between them
        "wrap": [2.0, 5.0],  # after the save
        "idle": [5.0, 5.0],  # nothing to call: look again later
        "supervisor_think": [5.0, 15.0],  # reading the counts before changing a filter
        "supervisor_pause": [60.0, 120.0],  # the list read and assigned before the next
        "call_gap": [5.0, 20.0],  # between two inbound calls at one extension
        "inbound_talk": [10.0, 30.0],
    }
    config.update(
        cti_secret=cti_secret,
        **{name: [v * args.pace for v in span] for name, span in pauses.items()},
    )
    (folder / "config.json").write_text(json.dumps(config))
    port = free_port()
    with fake_gateway() as gateway:
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "saikoku.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={args.workers}",
                f"--threads={args.threads}",
                "--worker-class=gthread",
                # Idle connections kept longer than a pause: a browser reopens a
                # connection the server closed, locust's client counts it an error.
                "--keep-alive=75",
                "--log-level=warning",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        worker = subprocess.Popen(
            [str(VENV_BIN / "saikoku"), "sms", "worker", "--worker-id", "load-day"],
            env={
                **env,
                "SAIKOKU_SMS_PROVIDER": "http",
                "SAIKOKU_SMS_HTTP_URL": gateway.url,
                "SAIKOKU_SMS_HTTP_TOKEN": TOKEN,
            },
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        locust = None
        try:
            wait_healthy(server, port)
            sent_before = gateway.stats()["sent"]
            users = len(config["operators"]) + len(config["supervisors"])
            users += 2 * len(config["inbound"])
            load_before = os.getloadavg()
            started = time.time()
            locust = subprocess.Popen(
                [
                    str(VENV_BIN / "locust"),
                    "-f",
                    str(ROOT / "bench" / "day_locust.py"),
                    "--headless",
                    f"--users={users}",
                    f"--spawn-rate={users}",
                    f"--run-time={int(args.warmup + args.duration + TAIL)}s",
                    f"--host=http://127.0.0.1:{port}",
                    "--only-summary",
                    "--loglevel=WARNING",
                ],
                env={
                    **env,
                    "LOAD_DAY_CONFIG": str(folder / "config.json"),
                    "LOAD_DAY_SAMPLES": str(folder / "samples.json"),
                },
                stdout=subprocess.DEVNULL,
                stderr=open(folder / "locust.log", "w"),  # noqa: SIM115
                start_new_session=True,
            )
            time.sleep(args.warmup)
            meter = CpuMeter(
                args.database_url,
                {"gunicorn": server.pid, "sms_worker": worker.pid, "locust": locust.pid},
            )
            meter.start()
            meter.started.wait(10)
            measured_from = time.time()
            time.sleep(args.duration)
            measured_to = time.time()
            sent = gateway.stats()["sent"] - sent_before
            meter.stopped.set()
            locust.wait(timeout=TAIL + 120)
            meter.join(10)
            load_after = os.getloadavg()
        finally:
            if locust is not None:
                stop(locust)
            stop(worker)
            stop(server)
    samples_file = folder / "samples.json"
    if not samples_file.exists():
        raise SystemExit(f"locust wrote no samples: {(folder / 'locust.log').read_text()[-3000:]}")
    data = json.loads(samples_file.read_text())
    window = measured_to - measured_from
    result = figures(data, measured_from, measured_to)
    cpu = meter.seconds()
    result.update(
        operators=len(config["operators"]),
        supervisors=len(config["supervisors"]),
        inbound_operators=len(config["inbound"]),
        measured_s=round(window, 1),
        warmup_s=args.warmup,
        sms_sent=sent,
        sms_per_s=round(sent / (measured_to - started), 1),
        campaign_messages=config["campaign_messages"],
        cpu_s=cpu,
        cpu_cores={name: round(v / window, 2) for name, v in cpu.items()},
        # What one request costs the machine, whatever else runs on it: the figure
        # to size a server with (the latencies depend on the machine's other load).
        cpu_ms_per_request={
            name: round(v * 1000 / max(result["requests"], 1), 1) for name, v in cpu.items()
        },
        server=f"gunicorn {args.workers} workers x {args.threads} threads",
        cpus=os.cpu_count(),
        load_before=[round(v, 2) for v in load_before],
        load_after=[round(v, 2) for v in load_after],
        target_p95_ms=TARGET_P95_MS,
        pace=args.pace,
    )
    missed = [n for n in TARGETED if result["screens"].get(n, {}).get("p95_ms", 1e9) > 300]
    result["targets_met"] = not missed and result["errors"] == 0
    print(table(result), file=sys.stderr)
    for failure, n in sorted(result["failures"].items()):
        print(f"  {n} × {failure}", file=sys.stderr)
    pop = result["pop_delay_ms"]
    print(
        f"\n* target p95 ≤ {TARGET_P95_MS} ms.  {result['requests']} requests in"
        f" {window:.0f} s: {result['requests_per_s']} requests/s, {result['errors']} errors;"
        f" /healthz p50 {result['healthz_p50_ms']} ms\n"
        f"screen pop delay (answered → shown): p50 {pop['p50']} ms, p95 {pop['p95']} ms"
        f" over {pop['count']} calls; SMS sent {sent} ({result['sms_per_s']}/s)\n"
        f"CPU seconds: {cpu} (cores: {result['cpu_cores']}; ms per request:"
        f" {result['cpu_ms_per_request']}) on {result['cpus']} CPUs;"
        f" load {result['load_before'][0]} → {result['load_after'][0]}\n"
        f"targets {'met' if result['targets_met'] else 'missed: ' + ', '.join(missed)}",
        file=sys.stderr,
    )
    shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
