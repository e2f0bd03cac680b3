"""The webhook's signature: HMAC-SHA256 with SAIKOKU_CTI_SECRET over the timestamp, a
dot and the raw body, sent as `X-Saikoku-Signature: sha256=<hex>` beside
`X-Saikoku-Timestamp: <Unix seconds>` (docs/inbound.md). No Django here: the
simulator and the bench sign with the same function the server checks with."""

from __future__ import annotations

import hmac

# A timestamp further than this from the server's clock is refused, and a signature
# seen within it is a replay.
WINDOW_SECONDS = 300
TIMESTAMP_HEADER = "X-Saikoku-Timestamp"
SIGNATURE_HEADER = "X-Saikoku-Signature"


def signature_of(secret: str, timestamp: str, body: bytes) -> str:
    """The header value: "sha256=" and the hex HMAC of timestamp + "." + body."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, "sha256")
    return "sha256=" + mac.hexdigest()


def signature_problem(
    *, secret: str, timestamp: str, signature: str, body: bytes, now: float
) -> str:
    """Why the request must be refused ("" when the signature holds): no_secret,
    bad_timestamp, stale, bad_signature. Replays are the caller's check (it needs the
    store of seen signatures)."""
    if not secret:
        return "no_secret"
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return "bad_timestamp"
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        return "stale"
    expected = signature_of(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        return "bad_signature"
    return ""


def signed_headers(secret: str, body: bytes, *, now: float) -> dict[str, str]:
    """The two headers for `body` sent at `now` (the simulator's and the bench's)."""
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature_of(secret, timestamp, body),
        "Content-Type": "application/json",
    }


__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WINDOW_SECONDS",
    "signature_of",
    "signature_problem",
    "signed_headers",
]
