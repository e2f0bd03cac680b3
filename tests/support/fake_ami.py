"""A small fake Asterisk Manager Interface for the dialer and inbound tests: a thread on
127.0.0.1 with a random port that speaks the protocol (banner, "Key: value" lines,
messages ended by a blank line), records every action it receives and answers as told.

For the inbound listener it also plays a script of events after each login
(`events`), and can drop the first connections right after their login
(`drop_logins`) to exercise the reconnect."""

from __future__ import annotations

import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Script:
    secret: str = "s3cret"
    originate: str = "Success"  # "Success", "Error" or "silent" (never answers)
    redirect: str = "Success"  # the answer to a Redirect (a transfer)
    actions: list[dict[str, str]] = field(default_factory=list)
    # Sent, in order, after every successful login (events of calls).
    events: list[dict[str, str]] = field(default_factory=list)
    # This many connections are closed by the server right after their login.
    drop_logins: int = 0
    logins: int = 0


class _Handler(socketserver.StreamRequestHandler):
    server: FakeAmi

    def handle(self) -> None:
        script = self.server.script
        self.wfile.write(b"Asterisk Call Manager/5.0\r\n")
        while True:
            message = self._read()
            if message is None:
                return
            script.actions.append(message)
            action = message.get("Action", "")
            action_id = message.get("ActionID", "")
            if action == "Login":
                if message.get("Secret") == script.secret:
                    # An event before the response, as a real Asterisk sends.
                    self._send({"Event": "FullyBooted", "Privilege": "system,all"})
                    self._send(
                        {
                            "Response": "Success",
                            "ActionID": action_id,
                            "Message": "Authentication accepted",
                        }
                    )
                    script.logins += 1
                    if script.logins <= script.drop_logins:
                        return  # the connection is lost
                    for event in script.events:
                        self._send(event)
                else:
                    self._send(
                        {
                            "Response": "Error",
                            "ActionID": action_id,
                            "Message": "Authentication failed",
                        }
                    )
                    return
            elif action == "Originate":
                if script.originate == "silent":
                    time.sleep(2)
                    return
                text = (
                    "Originate successfully queued"
                    if script.originate == "Success"
                    else "Extension does not exist."
                )
                self._send({"Response": script.originate, "ActionID": action_id, "Message": text})
            elif action == "Redirect":
                self._send(
                    {"Response": script.redirect, "ActionID": action_id, "Message": "Redirect"}
                )
            elif action == "Logoff":
                self._send(
                    {
                        "Response": "Goodbye",
                        "ActionID": action_id,
                        "Message": "Thanks for all the fish.",
                    }
                )
                return

    def _read(self) -> dict[str, str] | None:
        message: dict[str, str] = {}
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            line = line.rstrip(b"\r\n")
            if not line:
                if message:
                    return message
                continue
            name, _sep, value = line.decode().partition(":")
            message[name.strip()] = value.strip()

    def _send(self, fields: dict[str, str]) -> None:
        text = "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
        self.wfile.write(text.encode())


class FakeAmi(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> FakeAmi:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()
