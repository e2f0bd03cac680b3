"""`saikoku cti simulate …` and `saikoku cti ami-listen`: the phone system's two ways
in, from the command line (docs/inbound.md).

- simulate: sends real signed webhook events (ringing, answered, then ended) to a
  running server, for demos and tests;
- ami-listen: keeps a logged-in AMI connection and turns its events into the same
  internal events; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import secrets
import signal
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.inbound.ami import ami_listen
from saikoku.inbound.events import Event
from saikoku.inbound.services import call_event_apply
from saikoku.inbound.signature import signed_headers
from saikoku.outreach.calls.dialer import AmiClient


def send_event(*, url: str, secret: str, payload: dict[str, str], timeout: float = 5.0) -> int:
    """POSTs one signed event; the HTTP status."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("the URL must be http(s)")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, headers=signed_headers(secret, body, now=time.time()), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


class Command(BaseCommand):
    help = _("電話システムとの連携: 受電イベントの送信（simulate）と AMI の受信（ami-listen）。")
    # simulate only sends HTTP to a server and reads no data: it runs beside a demo
    # (whose users a check refuses outside the demo's own processes). ami-listen is a
    # server process and runs every check itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        simulate = sub.add_parser("simulate", help=_("署名付きの受電イベントを送る"))
        simulate.add_argument(
            "--from", dest="caller", default="", help=_("発信者番号（空欄は非通知）")
        )
        simulate.add_argument("--extension", required=True, help=_("応答する内線"))
        simulate.add_argument("--to", default="0312345678", help=_("着信番号"))
        simulate.add_argument(
            "--url", default="http://127.0.0.1:8000/cti/events", help=_("送り先（/cti/events）")
        )
        simulate.add_argument("--call-id", default="", help=_("通話ID（省略時は自動）"))
        simulate.add_argument("--ring", type=float, default=1.0, help=_("呼出しの秒数"))
        simulate.add_argument("--talk", type=float, default=5.0, help=_("通話の秒数"))
        simulate.add_argument(
            "--no-end", action="store_true", help=_("終話イベントを送らない（通話中のまま）")
        )
        sub.add_parser("ami-listen", help=_("AMI のイベントを受信し続ける"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "simulate":
            self._simulate(options)
        else:
            self._listen()

    def _simulate(self, options: dict[str, Any]) -> None:
        secret = settings.SAIKOKU_CTI_SECRET
        if not secret:
            raise CommandError(_("SAIKOKU_CTI_SECRET が設定されていません。"), returncode=2)
        call_id = options["call_id"] or f"sim-{secrets.token_hex(6)}"
        steps = [("ringing", options["ring"]), ("answered", options["talk"])]
        if not options["no_end"]:
            steps.append(("ended", 0.0))
        for kind, pause in steps:
            payload = {
                "event": kind,
                "call_id": call_id,
                "from": options["caller"],
                "to": options["to"],
                "extension": options["extension"],
                "at": timezone.now().isoformat(),
            }
            try:
                status = send_event(url=options["url"], secret=secret, payload=payload)
            except (OSError, ValueError) as error:
                raise CommandError(
                    _("送信できませんでした: %(error)s") % {"error": error}, returncode=1
                ) from None
            self.stdout.write(f"{kind} {call_id} → {status}")
            if status >= 300:
                raise CommandError(
                    _("サーバーが受け付けませんでした（%(status)s）。") % {"status": status},
                    returncode=1,
                )
            if kind != steps[-1][0]:
                time.sleep(max(pause, 0.0))

    def _listen(self) -> None:
        self.check()
        stopping: dict[str, Any] = {"now": False, "client": None}

        def stop(_signum: int, _frame: object) -> None:
            # After the current event: the blocked read ends, the loop sees the flag.
            stopping["now"] = True
            client = stopping["client"]
            if isinstance(client, AmiClient):
                client.shutdown()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

        def connect() -> AmiClient:
            return AmiClient(
                host=settings.SAIKOKU_AMI_HOST,
                port=settings.SAIKOKU_AMI_PORT,
                timeout=float(settings.SAIKOKU_AMI_TIMEOUT),
            )

        def remember(client: AmiClient) -> None:
            stopping["client"] = client
            self.stdout.write(_("AMI に接続しました。"))

        def apply(event: Event) -> None:
            call_event_apply(event=event, source="ami", now=timezone.now())

        ami_listen(
            connect=connect,
            username=settings.SAIKOKU_AMI_USERNAME,
            secret=settings.SAIKOKU_AMI_SECRET,
            on_event=apply,
            should_stop=lambda: bool(stopping["now"]),
            on_connect=remember,
        )
        self.stdout.write(_("AMI の受信を終了しました。"))
