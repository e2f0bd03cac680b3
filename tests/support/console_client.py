"""A small HTTP(S) client for the tests that start the production layout: talks to
nginx like a browser (cookies, the CSRF token, the login with its TOTP step), from a
chosen loopback source address so the client's address differs from nginx's own."""

from __future__ import annotations

import http.client
import json
import re
import ssl
import time
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django_otp.oath import TOTP

from support.personas import PASSWORD


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class Console:
    def __init__(
        self,
        *,
        port: int,
        https: bool = True,
        cafile: str = "",
        host: str = "localhost",
        source: str = "127.0.0.1",
    ) -> None:
        self.port, self.https, self.host, self.source = port, https, host, source
        self.context = ssl.create_default_context(cafile=cafile) if https else None
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}:{self.port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        if self.https:
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                self.host, self.port, context=self.context, source_address=(self.source, 0),
                timeout=60,
            )  # fmt: skip
        else:
            connection = http.client.HTTPConnection(
                self.host, self.port, source_address=(self.source, 0), timeout=60
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        for raw in answer.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(raw)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(answer.status, answer.msg, data)

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict[str, str]) -> Response:
        """A form post as the browser sends it: CSRF token, Origin and Referer."""
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
        )

    def login(
        self, username: str, device: dict, *, password: str = PASSWORD, step_offset: int = 0
    ) -> Response:
        """The real login: the password form, then the code page; returns the landing
        redirect. `device` is what support.instance_tool's `user` printed. A code is
        accepted once: a second login of the same user within one step takes the next
        step's code (step_offset=1; the server allows one step of drift)."""
        self.get("/login/")
        answer = self.post("/login/", {"username": username, "password": password})
        assert answer.status == 302 and answer.header("Location").endswith("/mfa/"), answer.text
        self.get("/mfa/")
        totp = TOTP(bytes.fromhex(device["key"]), device["step"], device["t0"], device["digits"])
        totp.time = time.time() + step_offset * device["step"]
        answer = self.post("/mfa/", {"token": f"{totp.token():0{device['digits']}d}"})
        assert answer.status == 302, answer.text
        return answer


def device_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def hrefs(html: str, pattern: str) -> list[str]:
    """The links of a page whose path matches the pattern."""
    return [h for h in re.findall(r'href="([^"]+)"', html) if re.search(pattern, h)]
