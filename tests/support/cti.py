"""The phone system's side of the inbound tests: signed webhook POSTs, as a PBX sends
them, through the project's own signing function."""

from __future__ import annotations

import json
import time
from typing import Any

from django.test import Client

from saikoku.inbound.signature import signed_headers

SECRET = "inbound-test-secret"


def event(kind: str, call_id: str, **fields: Any) -> dict[str, Any]:
    """A webhook body: `from`, `to`, `extension`, `transfer_to`, `at` as given."""
    return {
        "event": kind,
        "call_id": call_id,
        "from": fields.pop("caller", ""),
        "to": fields.pop("to", "0312345678"),
        "extension": fields.pop("extension", ""),
        "at": fields.pop("at", "2026-12-02T10:00:00+09:00"),
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
