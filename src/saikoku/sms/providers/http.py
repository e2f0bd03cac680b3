"""A JSON-over-HTTPS SMS gateway, the shape Japanese bulk-SMS services offer
(docs/sms.md, "The http provider"): POST {URL}/messages with a bearer token and
{"to", "text", "client_ref", "sender"}; 2xx {"id", "segments"}; 400/404/422 are
permanent ({"error": code}); 429 and 5xx temporary (Retry-After honoured).

One persistent connection per worker process (keep-alive): a new TLS handshake per
message would cost more than the message.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from saikoku.sms.providers.base import ProviderError, SendResult

logger = logging.getLogger("saikoku.sms.http")
PERMANENT = (400, 401, 403, 404, 422)


class HttpProvider:
    name = "http"

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        url = url or settings.SAIKOKU_SMS_HTTP_URL
        if not url:
            raise ImproperlyConfigured("SAIKOKU_SMS_HTTP_URL must be set for the http provider")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured(f"SAIKOKU_SMS_HTTP_URL is not an http(s) URL: {url!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path.rstrip("/") + "/messages"
        self._token = token if token is not None else settings.SAIKOKU_SMS_HTTP_TOKEN
        self._timeout = settings.SAIKOKU_SMS_HTTP_TIMEOUT
        self._connection: http.client.HTTPConnection | None = None
        # The contract has the gateway deduplicate on client_ref; a deployment whose
        # gateway does not says so (SAIKOKU_SMS_HTTP_HONOURS_KEY).
        self.honours_idempotency_key = settings.SAIKOKU_SMS_HTTP_HONOURS_KEY

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            connection = cls(self._host, self._port, timeout=self._timeout)
            connection.connect()
            # http.client writes the headers and the body separately: without
            # TCP_NODELAY the body waits for the server's delayed ACK (≈40 ms a message).
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection

    def send(self, *, to: str, text: str, idempotency_key: str, sender: str) -> SendResult:
        body = json.dumps(
            {"to": to, "text": text, "client_ref": idempotency_key, "sender": sender},
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": idempotency_key,
        }
        try:
            connection = self._connect()
            connection.request("POST", self._path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            # A broken keep-alive connection or a gateway that is down: temporary.
            self.close()
            raise ProviderError("connection", permanent=False, detail=str(error)) from error
        status = response.status
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if 200 <= status < 300:
            return SendResult(
                provider_id=str(answer.get("id", "")), segments=int(answer.get("segments") or 1)
            )
        code = str(answer.get("error") or f"http_{status}") if isinstance(answer, dict) else ""
        if status in PERMANENT:
            raise ProviderError(code, permanent=True)
        retry_after = _seconds(response.getheader("Retry-After"))
        raise ProviderError(code or f"http_{status}", permanent=False, retry_after=retry_after)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
