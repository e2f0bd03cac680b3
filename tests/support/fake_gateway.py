"""A local fake of a JSON SMS gateway (the `http` provider's contract, docs/sms.md),
run as its own process by the tests and the bench: `python -m support.fake_gateway
--port 0 [--ignore-keys]` prints `PORT <n>` when it listens on 127.0.0.1.

It checks the bearer token and the body of every POST /messages, and counts, per
client_ref, how many messages it accepted (sent): with keys honoured (the default) a
client_ref seen before answers the same id and sends nothing; with --ignore-keys
every POST is a new message. GET /stats answers {"posts", "sent", "refs",
"duplicates", "max_per_second", "span", "per_connection"}: duplicates are messages
sent more than once for one client_ref; max_per_second the most POSTs in any
one-second window, span the seconds from the first POST to the last, per_connection
the POSTs of each client connection (a worker keeps one), most first.

Scripted answers by the destination's last digits: ...9999 -> 422 unknown_number;
...9998 -> 429 with Retry-After: 0 on its first POST; ...9997 -> 503 on its first POST.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-gateway-token"


class State:
    def __init__(self, honour_keys: bool) -> None:
        self.lock = threading.Lock()
        self.honour_keys = honour_keys
        self.posts = 0
        self.sent: dict[str, int] = {}  # client_ref -> messages sent
        self.ids: dict[str, str] = {}
        self.seen_to: dict[str, int] = {}
        self.next_id = 1
        self.post_times: list[float] = []
        self.by_connection: dict[str, int] = {}


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real gateways do
        # Headers and body go out as separate writes: without TCP_NODELAY each answer
        # waits for the client's delayed ACK (≈40 ms).
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # quiet
            return

        def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            if self.path != "/stats":
                self._answer(404, {"error": "not_found"})
                return
            with state.lock:
                stats = {
                    "posts": state.posts,
                    "sent": sum(state.sent.values()),
                    "refs": len(state.sent),
                    "duplicates": sum(n - 1 for n in state.sent.values() if n > 1),
                    "max_per_second": _max_in_a_second(state.post_times),
                    "span": (
                        state.post_times[-1] - state.post_times[0] if state.post_times else 0.0
                    ),
                    "per_connection": sorted(state.by_connection.values(), reverse=True),
                }
            self._answer(200, stats)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path != "/messages":
                self._answer(404, {"error": "not_found"})
                return
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._answer(401, {"error": "unauthorized"})
                return
            try:
                body = json.loads(raw)
                to, text, ref = body["to"], body["text"], body["client_ref"]
                assert to.startswith("+81") and to[1:].isdigit()
                assert isinstance(text, str) and text
                assert body.get("sender")
            except (ValueError, KeyError, AssertionError):
                self._answer(400, {"error": "bad_request"})
                return
            with state.lock:
                state.posts += 1
                state.post_times.append(time.monotonic())
                peer = f"{self.client_address[0]}:{self.client_address[1]}"
                state.by_connection[peer] = state.by_connection.get(peer, 0) + 1
                first = state.seen_to.get(to, 0) == 0
                state.seen_to[to] = state.seen_to.get(to, 0) + 1
                if to.endswith("9999"):
                    answer = (422, {"error": "unknown_number"}, None)
                elif to.endswith("9998") and first:
                    answer = (429, {"error": "rate_limited"}, {"Retry-After": "0"})
                elif to.endswith("9997") and first:
                    answer = (503, {"error": "unavailable"}, None)
                elif state.honour_keys and ref in state.ids:
                    answer = (200, {"id": state.ids[ref], "segments": 1}, None)
                else:
                    message_id = f"gw-{state.next_id}"
                    state.next_id += 1
                    state.ids.setdefault(ref, message_id)
                    state.sent[ref] = state.sent.get(ref, 0) + 1
                    segments = 1 if len(text) <= 70 else -(-len(text) // 67)
                    answer = (200, {"id": message_id, "segments": segments}, None)
            self._answer(answer[0], answer[1], answer[2])

    return Handler


def _max_in_a_second(times: list[float]) -> int:
    """The most POSTs in any window of one second (times in order)."""
    best = first = 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ignore-keys", action="store_true")
    args = parser.parse_args()
    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port), make_handler(State(not args.ignore_keys))
    )
    server.daemon_threads = True
    sys.stdout.write(f"PORT {server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
