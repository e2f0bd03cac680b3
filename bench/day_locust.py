"""The users of bench/day_load.py, for locust (run by that script, not by hand).

Read from the JSON file named by LOAD_DAY_CONFIG (written by day_load.py): the
sessions of the operators, supervisors and inbound operators, the CTI secret, the
numbers that call in, the pacing. Every request is written, with its start time
and whether it failed, to the JSON file named by LOAD_DAY_SAMPLES when locust quits;
day_load.py computes the figures from that file.

What each user posts is what the browser posts: the form's fields, the CSRF token of
the page (`csrfmiddlewaretoken`) with its cookie, htmx's `HX-Request` header where
the page uses htmx.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import urllib.parse
import uuid
from collections import deque
from pathlib import Path

from locust import FastHttpUser, constant, events, task

from saikoku.inbound.signature import signed_headers

CONFIG = json.loads(Path(os.environ["LOAD_DAY_CONFIG"]).read_text())
CSRF_COOKIE = "c" * 32  # the csrftoken cookie's secret; pages mask it into their forms
SAMPLES: list[list] = []  # [start (epoch s), name, ms, failure ("" when none)]
STEPS: list[list] = []  # composite steps: [start, name, ms]
POPS: list[float] = []  # ms from the `answered` POST to the pop showing the call
ANSWERED: dict[str, float] = {}  # call_id -> when `answered` was sent

_sessions = {kind: deque(CONFIG[kind]) for kind in ("operators", "supervisors", "inbound")}
_extensions = deque(s["extension"] for s in CONFIG["inbound"])
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_PAYER = re.compile(r'href="/payers/(\d+)/" data-payer-page')
_PHONE = re.compile(r'name="phone" id="phone-\d+" value="(\d+)" checked')
_SHOWN = re.compile(r'hx-get="/inbound/pop/\?shown=([^"]*)"')
_CALL = re.compile(r'data-call="([^"]+)"')


@events.request.add_listener
def _record(request_type, name, response_time, exception, start_time=None, **kwargs) -> None:
    failed = "" if exception is None else str(exception)[:300]
    SAMPLES.append([start_time or time.time(), name, response_time, failed])


@events.quitting.add_listener
def _dump(environment, **kwargs) -> None:
    Path(os.environ["LOAD_DAY_SAMPLES"]).write_text(
        json.dumps({"samples": SAMPLES, "steps": STEPS, "pops": POPS})
    )


def _why(page: str) -> str:
    """The page's error messages (role="alert"), as the user would read them."""
    alerts = re.findall(r'role="alert"[^>]*>(.*?)</(?:p|div)>', page, flags=re.S)
    text = " / ".join(
        re.sub(r"<svg.*?</svg>|<[^>]+>|\s+", " ", a, flags=re.S).strip() for a in alerts
    )
    return text[:200] or page[:200]


def _pause(span: list[float]) -> None:
    time.sleep(random.uniform(*span))


class Console(FastHttpUser):
    """A logged-in user of the console: its session cookie, the CSRF cookie, and the
    token of the last page it was shown."""

    abstract = True
    kind = ""
    wait_time = constant(0)  # each task paces itself

    def on_start(self) -> None:
        self.me = _sessions[self.kind].popleft()
        self.headers = {"Cookie": f"sessionid={self.me['session']}; csrftoken={CSRF_COOKIE}"}
        self.token = ""

    def get(self, path: str, name: str, *, htmx: bool = False, expect=(200,)):
        headers = {**self.headers, **({"HX-Request": "true"} if htmx else {})}
        with self.client.get(path, headers=headers, name=name, catch_response=True) as r:
            if r.status_code not in expect:
                r.failure(f"{r.status_code}")
            elif r.status_code == 200 and not htmx:
                found = _TOKEN.search(r.text or "")
                self.token = found[1] if found else self.token
        return r

    def post(self, path: str, name: str, fields: dict, *, expect=(302,)):
        # Form-encoded as the browser does: a checkbox list as one pair per value.
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields}, doseq=True)
        with self.client.post(
            path,
            data=body,
            headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code not in expect:
                r.failure(f"{r.status_code}: {_why(r.text or '')}")
        return r


class Operator(Console):
    """The outbound loop: Next, the payer page, the outcome; /healthz in the talk."""

    kind = "operators"
    fixed_count = len(CONFIG["operators"])

    def on_start(self) -> None:
        super().on_start()
        self.get("/calls/", "call screen (first)")

    @task
    def call(self) -> None:
        started = time.time()
        claim = self.post("/calls/next/", "POST /calls/next/", {})
        screen = self.get("/calls/", "GET /calls/ (call screen)")
        STEPS.append([started, "Next", (time.time() - started) * 1000])
        text = screen.text or ""
        payer = _PAYER.search(text)
        if claim.status_code != 302 or payer is None:
            _pause(CONFIG["idle"])  # nothing to call (or an error already counted)
            return
        _pause(CONFIG["look"])
        self.get(f"/payers/{payer[1]}/", "GET /payers/[id]/ (payer page)")
        _pause(CONFIG["talk"])
        self.get("/healthz", "GET /healthz")
        _pause(CONFIG["talk"])
        phone = _PHONE.search(text)
        outcome = random.choices(["no_answer", "busy", "voicemail"], weights=[6, 2, 2])[0]
        # The outcome form as the browser sends it: the checked number, the outcome,
        # the empty optional fields, the callback owner's default.
        self.post(
            "/calls/record/",
            "POST /calls/record/ (outcome save)",
            {
                "phone": phone[1] if phone else "",
                "outcome": outcome,
                "party": "",
                "promise_on": "",
                "promise_amount": "",
                "note": "",
                "callback_at": "",
                "callback_for": "me",
            },
        )
        _pause(CONFIG["wrap"])


class Supervisor(Console):
    """Builds call lists: the builder, its live counts (htmx), the save."""

    kind = "supervisors"
    fixed_count = len(CONFIG["supervisors"])

    FILTERS = (
        {"levies": ["RT"], "days_past_due_max": "60", "has_callable_number": "on"},
        {"levies": ["NH"], "balance_min": "50000", "has_callable_number": "on"},
        {"levies": ["LV", "RT"], "days_past_due_min": "30", "days_past_due_max": "365"},
        {"first_time": "on", "has_callable_number": "on"},
        {"levies": ["NH"], "not_contacted_days": "30"},
    )

    @task
    def build(self) -> None:
        self.get("/lists/new/", "GET /lists/new/ (list builder)")
        filters = dict(random.choice(self.FILTERS))
        query = urllib.parse.urlencode(filters, doseq=True)
        _pause(CONFIG["supervisor_think"])
        self.get(f"/lists/new/?{query}", "GET /lists/new/?… (live counts, htmx)", htmx=True)
        _pause(CONFIG["supervisor_think"])
        started = time.time()
        saved = self.post(
            "/lists/new/",
            "POST /lists/new/ (list build)",
            {"name": f"load {uuid.uuid4().hex[:8]}", **filters},
        )
        if saved.status_code == 302:
            self.get(saved.headers.get("Location", "/lists/"), "GET /lists/[id]/ (list detail)")
        STEPS.append([started, "list build + detail", (time.time() - started) * 1000])
        _pause(CONFIG["supervisor_pause"])


class InboundOperator(Console):
    """An operator on the inbound page: htmx polls the pop every 500 ms."""

    kind = "inbound"
    fixed_count = len(CONFIG["inbound"])

    def on_start(self) -> None:
        super().on_start()
        self.shown = "-"
        self.get("/inbound/", "GET /inbound/")

    @task
    def poll(self) -> None:
        r = self.get(
            f"/inbound/pop/?shown={self.shown}", "GET /inbound/pop/ (poll)", htmx=True,
            expect=(200, 204),
        )  # fmt: skip
        if r.status_code == 200:
            text = r.text or ""
            shown = _SHOWN.search(text)
            self.shown = shown[1] if shown else self.shown
            call = _CALL.search(text)
            if call and call[1] in ANSWERED:
                POPS.append((time.time() - ANSWERED.pop(call[1])) * 1000)
        time.sleep(0.5)


class Phone(FastHttpUser):
    """The phone system, one line per inbound operator: a call rings, is answered at
    that operator's extension and ends, each event a signed POST to /cti/events."""

    fixed_count = len(CONFIG["inbound"])
    wait_time = constant(0)

    def on_start(self) -> None:
        self.extension = _extensions.popleft()

    def event(self, kind: str, call_id: str, caller: str) -> None:
        body = json.dumps(
            {
                "event": kind,
                "call_id": call_id,
                "from": caller,
                "to": "0312345678",
                "extension": self.extension,
                "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            }
        ).encode()
        headers = signed_headers(CONFIG["cti_secret"], body, now=time.time())
        with self.client.post(
            "/cti/events", data=body, headers=headers, name="POST /cti/events", catch_response=True
        ) as r:
            if r.status_code != 204:
                r.failure(f"{r.status_code}")

    @task
    def call(self) -> None:
        _pause(CONFIG["call_gap"])
        call_id = f"load-{uuid.uuid4().hex[:12]}"
        caller = random.choice(CONFIG["callers"])
        self.event("ringing", call_id, caller)
        time.sleep(random.uniform(1, 3))
        ANSWERED[call_id] = time.time()
        self.event("answered", call_id, caller)
        _pause(CONFIG["inbound_talk"])
        self.event("ended", call_id, caller)
        ANSWERED.pop(call_id, None)
