"""The phone system's side of the inbound tests: signed webhook POSTs, as a PBX sends
them, through the project's own signing function; and a hosted PBX's endpoint that
records the transfer requests it gets (the `pbx` fixture serves it)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import time
from typing import Any

from django.test import Client
from django.utils import timezone

from saikoku.inbound.signature import signed_headers

SECRET = "inbound-test-secret"


def event(kind: str, call_id: str, **fields: Any) -> dict[str, Any]:
    """A webhook body: `from`, `to`, `extension`, `transfer_to`, `at` as given (`at`
    defaults to now; `seconds=` puts it that far from now)."""
    seconds = fields.pop("seconds", 0)
    if seconds:
        fields["at"] = (timezone.now() + dt.timedelta(seconds=seconds)).isoformat()
    return {
        "event": kind,
        "call_id": call_id,
        "from": fields.pop("caller", ""),
        "to": fields.pop("to", "0312345678"),
        "extension": fields.pop("extension", ""),
        "at": fields.pop("at", "") or timezone.now().isoformat(),
        **fields,
    }


def post_event(
    client: Client,
    payload: dict[str, Any] | bytes,
    *,
    secret: str = SECRET,
    now: float | None = None,
    headers: dict[str, str] | None = None,
):
    """One signed POST to /cti/events; `headers` replaces the signed ones."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = signed_headers(secret, body, now=time.time() if now is None else now)
    signed.pop("Content-Type")
    return client.post(
        "/cti/events", data=body, content_type="application/json", headers=headers or signed
    )


class Pbx(http.server.BaseHTTPRequestHandler):
    """Answers 202 to every POST and keeps (headers, body)."""

    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass
