"""The application under drill (tests/drills): the real app served by gunicorn against
our own PostgreSQL clusters (support/pg_cluster.py), and operators working the call
screen over HTTP, each remembering every write the app acknowledged.

An operator's round is the call screen's own loop: the screen (which claims a payer),
then either "no answer" or, every other round, the identity check and a promise to
pay; the save's redirect is the acknowledgement. Each save is one transaction of
`contact_record_create`: the contact record, the promise (for a promise) and the audit
entry. A payer is worked once per drill, so (operator, payer) names the record.

`python tests/support/drill_app.py seed OUT.json` (DATABASE_URL set) migrates and fills
an empty database: a small ward imported through the real import, the contact rules open at
every hour, a supervisor and operators with their call lists, and a verified login
session for each operator (bench/benchlogin.py), written to OUT.json.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PAYERS = 160
CSRF = "d" * 32


def app_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of every process of the app (server and commands): the same
    data folder, so the same generated keys (audit, master), for all of them."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "saikoku.settings",
        "SAIKOKU_DATA_DIR": str(data_dir),
        "SAIKOKU_DEBUG": "0",
        # A new connection per request: after a failover the next request finds the
        # promoted server through the multi-host URL by itself.
        "SAIKOKU_DB_CONN_MAX_AGE": "0",
        "SAIKOKU_LOG_FILE": str(data_dir / "saikoku.log"),
    }


def saikoku(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "saikoku"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def seed(env: dict[str, str], out: Path) -> dict:
    """Migrates and fills the database DATABASE_URL names (in one child process)."""
    subprocess.run(
        [sys.executable, __file__, "seed", str(out)], env=env, cwd=ROOT, check=True, timeout=300
    )
    return json.loads(out.read_text())


def _seed_here(out: Path, operators: int = 4) -> None:
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from benchlogin import contact_hours_all_day, verified_session_key
    from saikoku.interchange.services import package_import
    from saikoku.outreach.lists.services import call_list_assign, call_list_build
    from support.packages import assessment_row, bill_row, ward_package

    today = timezone.localdate()
    persons, assessments, bills = [], [], []
    for i in range(1, PAYERS + 1):
        no = f"3{i:011d}"
        persons.append(
            {
                "resident_no": no,
                "household_no": f"8{i:06d}",
                "is_householder": "1",
                "name": f"訓練 {i}",
                "name_kana": "クンレン タロウ",
                "birth_date": "1970-01-01",
                "address": f"東京都新宿区市谷{i}-1",
                "phone_1": f"03-3{i // 100:03d}-{i % 100:04d}",
            }
        )
        notice = f"R-{i:06d}"
        assessments.append(
            assessment_row("RT", today.year, notice, no, 48000, notice_issued_on="2025-06-10")
        )
        due = (today - dt.timedelta(days=90)).isoformat()
        bills.append(bill_row("RT", today.year, notice, 1, 12000, due, 0))
    package = out.parent / "drill-ward.zip"
    ward_package(
        package,
        {"persons.csv": persons, "assessments.csv": assessments, "bills.csv": bills},
        package_id="DRILL-0001",
        extracted_at=timezone.now() - dt.timedelta(hours=1),
    )
    result = package_import(path=package, password=None, handler="drill")
    assert result.status == "imported", result.problems
    contact_hours_all_day()
    User = get_user_model()
    supervisor = User.objects.create_user(username="drill_sv", role="supervisor")
    call_list = call_list_build(actor=supervisor, name="訓練", filters={}, now=timezone.now())
    sessions = {}
    for n in range(1, operators + 1):
        user = User.objects.create_user(username=f"drill_op{n}", role="operator")
        call_list_assign(
            actor=supervisor, call_list=call_list, count=PAYERS // operators, operator=user
        )
        sessions[user.username] = {"id": user.pk, "session": verified_session_key(user)}
    out.write_text(json.dumps(sessions))


class App:
    """The app under gunicorn (gthread), as production serves it."""

    def __init__(self, env: dict[str, str], *, workers: int = 1, threads: int = 6) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "saikoku.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                f"--threads={threads}",
                "--worker-class=gthread",
                "--timeout=120",
                "--log-level=warning",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, "gunicorn did not start"
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise TimeoutError("gunicorn did not answer within 60 s")

    def get(self, path: str, timeout: float = 5) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def readyz(self, timeout: float = 10) -> tuple[int, dict]:
        status, body = self.get("/readyz", timeout=timeout)
        return status, json.loads(body)

    def stop(self) -> None:
        try:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()


@dataclass
class Write:
    payer_id: int
    outcome: str
    acknowledged_at: float


class Operator(threading.Thread):
    """One operator at the call screen, saving one outcome after another until told to
    stop. Every save the server answered with its redirect is in `acknowledged`; a
    failed request (server error, refused or timed-out connection) is retried."""

    def __init__(self, *, port: int, username: str, session: str, timeout: float = 5.0) -> None:
        super().__init__(daemon=True, name=username)
        self.port = port
        self.username = username
        self.session = session
        self.timeout = timeout
        self.acknowledged: list[Write] = []
        self.failures = 0
        self.last_error = ""
        self.stop_event = threading.Event()

    def _request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {
            "Cookie": f"sessionid={self.session}; csrftoken={CSRF}",
            "Host": "127.0.0.1",
        }
        data = None
        if method == "POST":
            headers["X-CSRFToken"] = CSRF
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(body or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def round(self, n: int) -> None:
        status, page = self._request("GET", "/calls/")
        if status != 200:
            raise RuntimeError(f"screen {status}")
        if "data-outcome-form" not in page:
            status, _ = self._request("POST", "/calls/next/")
            if status != 302:
                raise RuntimeError(f"next {status}")
            return
        payer_id = int(re.search(r'href="/payers/(\d+)/" data-payer-page', page)[1])
        phone = re.search(r'name="phone" id="phone-\d+" value="(\d+)"', page)
        said = {"outcome": "no_answer", "phone": phone[1] if phone else ""}
        if n % 2:
            status, _ = self._request(
                "POST", "/calls/identity/", {"name": "on", "birth_date": "on"}
            )
            if status != 302:
                raise RuntimeError(f"identity {status}")
            said.update(outcome="promise_to_pay", promise_on="+7", promise_amount="1000")
        status, page = self._request("POST", "/calls/record/", said)
        if status != 302:
            raise RuntimeError(f"record {status}")
        self.acknowledged.append(Write(payer_id, said["outcome"], time.monotonic()))

    def save(self, n: int = 0) -> None:
        """Rounds until one more save is acknowledged (a round that only claimed a
        payer saved nothing)."""
        saved = len(self.acknowledged)
        for attempt in range(3):
            self.round(n + attempt)
            if len(self.acknowledged) > saved:
                return
        raise RuntimeError("three rounds without a save")

    def run(self) -> None:
        n = 0
        while not self.stop_event.is_set():
            try:
                self.round(n)
                n += 1
            except (OSError, RuntimeError, http.client.HTTPException) as error:
                self.failures += 1
                self.last_error = repr(error)
                time.sleep(0.2)
            time.sleep(0.05)


def operators_for(app: App, sessions: dict, **kwargs) -> list[Operator]:
    return [
        Operator(port=app.port, username=name, session=s["session"], **kwargs)
        for name, s in sessions.items()
    ]


def acknowledged_missing(url: str, sessions: dict, operators: list[Operator]) -> list[str]:
    """Every acknowledged write the database does not hold: the contact record, its
    promise (for a promise) and its audit entry."""
    with psycopg.connect(url) as conn:
        records = {
            (operator_id, payer_id): (record_id, promise)
            for record_id, operator_id, payer_id, promise in conn.execute(
                "SELECT r.id, r.operator_id, r.payer_id, p.id IS NOT NULL"
                " FROM outreach_contactrecord r"
                " LEFT JOIN outreach_promise p ON p.contact_record_id = r.id"
            )
        }
        audited = {
            object_id
            for (object_id,) in conn.execute(
                "SELECT object_id FROM core_auditentry WHERE action = 'contact_record'"
            )
        }
    missing = []
    for operator in operators:
        user_id = sessions[operator.username]["id"]
        for write in operator.acknowledged:
            found = records.get((user_id, write.payer_id))
            name = f"{operator.username}/payer {write.payer_id} ({write.outcome})"
            if found is None:
                missing.append(f"{name}: contact record")
                continue
            record_id, promise = found
            if write.outcome == "promise_to_pay" and not promise:
                missing.append(f"{name}: promise")
            if str(record_id) not in audited:
                missing.append(f"{name}: audit entry")
    return missing


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        _seed_here(Path(sys.argv[2]))
