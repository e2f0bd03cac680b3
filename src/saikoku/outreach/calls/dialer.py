"""Dialling a payer's number from the call screen.

Two ways, chosen by the SAIKOKU_DIALER setting (docs/operations.md):

- "tel" (default): the result carries a `tel:` URI; the operator's softphone dials it.
- "ami": the Asterisk Manager Interface over TCP. The center logs in, sends an
  Originate that rings the operator's own endpoint (SAIKOKU_AMI_CHANNEL, e.g.
  `PJSIP/{username}`) and, once answered, dials the payer's number in national format
  in SAIKOKU_AMI_CONTEXT, then logs off. Async Originate: Asterisk answers "Success"
  as soon as the call is queued, so the screen never waits for the payer to pick up.

Before either, the number must be one we may dial: a valid number on record for the
payer, not flagged invalid by the ward nor recorded as not in service or as a wrong
number by the center (PhoneStatus): eligibility.callable_phones, the rule every
channel uses; no do-not-call wish (eligibility.do_not_contact); and the contact rules
(rules.py: hours, attempts, gap) must allow a call now. Every dial, and every dial
refused, is audited ("dial").

The caller ID sent with the Originate is the payer's number, so the operator's handset
shows whom it is about to connect; the trunk's dialplan sets the center's own number
as the outgoing caller ID, as any Asterisk click-to-call setup does.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.core.phones import parse_phone
from saikoku.outreach.eligibility import callable_phones, do_not_contact
from saikoku.outreach.models import Channel, PhoneStatus
from saikoku.outreach.rules import contact_allowed
from saikoku.people.models import Phone

if TYPE_CHECKING:
    from saikoku.core.models import User

logger = logging.getLogger(__name__)

BANNER = b"Asterisk Call Manager"
# A line longer than this is not AMI; refusing it keeps a wrong peer from eating memory.
MAX_LINE = 8192


@dataclass(frozen=True)
class DialResult:
    """What happened. `ok` means the call is on its way (tel link handed out, or the
    Originate queued); otherwise `message` says why not, in Japanese, for the screen."""

    ok: bool
    code: str  # "tel", "originated", or why not: "invalid_number", "ami_timeout", …
    method: str  # "tel" | "ami"
    message: str = ""
    tel_uri: str = ""
    action_id: str = ""


class AmiError(Exception):
    """A failed exchange with Asterisk: `code` for the audit, `message` for the screen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def dial(
    *,
    actor: User,
    phone_e164: str,
    payer_id: int | None = None,
    callback_requested: bool = False,
    now: datetime | None = None,
    client_addr: str = "",
) -> DialResult:
    """Dials `phone_e164` for `actor` when the number and the contact rules allow it.

    `payer_id` names the payer being called; without it, every resident holding the
    number must pass the checks. Never raises for a refused or failed dial.
    """
    now = now or timezone.now()
    method = settings.SAIKOKU_DIALER
    info = parse_phone(phone_e164)
    callable_ = callable_phones(channel=Channel.OUTBOUND_CALL)
    phones = list(
        Phone.objects.filter(e164=phone_e164, **({"resident_id": payer_id} if payer_id else {}))
        .annotate(callable=Exists(callable_.filter(pk=OuterRef("pk"))))
        .values("pk", "is_valid", "resident_id", "resident__resident_no", "callable")
    )
    refusal = _refusal(
        info_valid=info.is_valid and info.e164 == phone_e164,
        phones=phones,
        callback_requested=callback_requested,
        now=now,
    )
    if refusal is not None:
        result = DialResult(ok=False, code=refusal[0], method=method, message=refusal[1])
    elif method == "ami":
        result = _originate(actor=actor, digits=info.digits)
    else:
        result = DialResult(ok=True, code="tel", method="tel", tel_uri=f"tel:{info.e164}")
    residents = sorted({p["resident__resident_no"] for p in phones})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="dial",
            object_type="resident" if residents else "",
            object_id=residents[0] if len(residents) == 1 else "",
            client_addr=client_addr,
            detail={
                "method": method,
                "result": result.code,
                # The last digits only: enough to tell numbers apart in the log.
                "phone": "…" + phone_e164[-4:],
                **({"residents": residents} if len(residents) > 1 else {}),
            },
        )
    return result


def _refusal(
    *,
    info_valid: bool,
    phones: Sequence[dict[str, Any]],
    callback_requested: bool,
    now: datetime,
) -> tuple[str, str] | None:
    """(code, Japanese message) when this number may not be dialled now, else None.
    The number must be one eligibility.callable_phones allows, and the payer's wishes
    (eligibility.do_not_contact) and the contact rules must allow a call."""
    if not info_valid or any(not p["is_valid"] for p in phones):
        return "invalid_number", _("有効な電話番号ではないため発信できません。")
    if not phones:
        return "unknown_number", _("この納付義務者の登録済みの番号ではないため発信できません。")
    refused = [p["pk"] for p in phones if not p["callable"]]
    if refused:
        # Valid and in E.164 form: what keeps it out is the center's own finding.
        status = (
            PhoneStatus.objects.filter(phone_id__in=refused)
            .values_list("status", flat=True)
            .first()
        )
        message = _("この番号は「%(status)s」と記録されているため発信できません。")
        label = PhoneStatus.Status(status).label if status else ""
        return "excluded_number", message % {"status": label}
    payer_ids = sorted({p["resident_id"] for p in phones})
    # The payer's own wish; only a call they asked for themselves overrides it.
    if (
        not callback_requested
        and do_not_contact(channel=Channel.OUTBOUND_CALL).filter(payer_id__in=payer_ids).exists()
    ):
        return "do_not_call", _("架電を希望しない旨の申出があるため発信できません。")
    for payer_id in payer_ids:
        decision = contact_allowed(
            payer_id=payer_id,
            channel=Channel.OUTBOUND_CALL,
            now=now,
            callback_requested=callback_requested,
        )
        if not decision.allowed:
            return decision.code or "contact_rules", decision.message
    return None


def _originate(*, actor: User, digits: str) -> DialResult:
    action_id = f"saikoku-{secrets.token_hex(8)}"
    try:
        channel = _channel(actor)
        with AmiClient(
            host=settings.SAIKOKU_AMI_HOST,
            port=settings.SAIKOKU_AMI_PORT,
            timeout=float(settings.SAIKOKU_AMI_TIMEOUT),
        ) as ami:
            ami.login(username=settings.SAIKOKU_AMI_USERNAME, secret=settings.SAIKOKU_AMI_SECRET)
            reply = ami.request(
                [
                    ("Action", "Originate"),
                    ("Channel", channel),
                    ("Exten", digits),
                    ("Context", settings.SAIKOKU_AMI_CONTEXT),
                    ("Priority", "1"),
                    ("CallerID", digits),
                    ("Async", "true"),
                    ("ActionID", action_id),
                ]
            )
            if reply.get("Response") != "Success":
                raise AmiError(
                    "ami_error",
                    _("発信できませんでした（電話システムの応答: %(reply)s）。")
                    % {"reply": reply.get("Message") or reply.get("Response", "")},
                )
    except AmiError as exc:
        logger.warning("AMI originate failed: %s", exc.code)
        return DialResult(ok=False, code=exc.code, method="ami", message=exc.message)
    return DialResult(
        ok=True,
        code="originated",
        method="ami",
        action_id=action_id,
        message=_("お使いの電話が鳴ります。受話器を取ると相手先に発信します。"),
    )


def _channel(actor: User) -> str:
    try:
        return settings.SAIKOKU_AMI_CHANNEL.format(username=actor.get_username())
    except (KeyError, IndexError, ValueError):
        raise AmiError(
            "ami_config",
            _("SAIKOKU_AMI_CHANNEL の書式が正しくありません（使えるのは {username} です）。"),
        ) from None


class AmiClient:
    """A minimal Asterisk Manager Interface client: one connection, one request at a
    time. The dialer ignores events; the inbound listener (`saikoku cti ami-listen`)
    reads them with `events()`. Every failure becomes an AmiError with a Japanese
    message."""

    # Events skipped while waiting for a response, kept for `events()` (bounded: a
    # dialer's short connection never reads them).
    PENDING_EVENTS = 1000

    def __init__(self, *, host: str, port: int, timeout: float) -> None:
        self.timeout = timeout
        self._logged_in = False
        self._pending: deque[dict[str, str]] = deque(maxlen=self.PENDING_EVENTS)
        try:
            self._socket = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError:
            raise self._timeout() from None
        except OSError:
            raise AmiError(
                "ami_unreachable",
                _(
                    "電話システムに接続できませんでした。電話システムの稼働と設定を確認してください。"
                ),
            ) from None
        self._reader = self._socket.makefile("rb")
        self._deadline: float | None = time.monotonic() + timeout
        banner = self._readline()
        if not banner.startswith(BANNER):
            self.close()
            raise AmiError("ami_protocol", _("電話システムの応答が想定と異なります。"))

    def __enter__(self) -> AmiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def login(self, *, username: str, secret: str) -> None:
        reply = self.request(
            [
                ("Action", "Login"),
                ("Username", username),
                ("Secret", secret),
                ("ActionID", f"saikoku-login-{secrets.token_hex(4)}"),
            ]
        )
        if reply.get("Response") != "Success":
            raise AmiError(
                "ami_login_failed",
                _(
                    "電話システムにログインできませんでした（%(reply)s）。"
                    "AMIの利用者名とパスワードの設定を確認してください。"
                )
                % {"reply": reply.get("Message", "")},
            )
        self._logged_in = True

    def request(self, fields: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Sends one action and returns the response carrying its ActionID."""
        for _name, value in fields:
            # A CR or LF inside a value would end the message early and smuggle in
            # another action.
            if "\r" in value or "\n" in value:
                raise AmiError("ami_protocol", _("電話システムに送れない文字が含まれています。"))
        action_id = dict(fields).get("ActionID", "")
        message = "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
        self._deadline = time.monotonic() + self.timeout
        try:
            self._socket.sendall(message.encode("utf-8"))
        except TimeoutError:
            raise self._timeout() from None
        except OSError:
            raise self._lost() from None
        while True:
            reply = self._read_message()
            # Events (FullyBooted, Newchannel, …) arrive in between; skip them.
            if "Response" in reply and reply.get("ActionID", "") == action_id:
                return reply
            if "Event" in reply:
                self._pending.append(reply)

    def events(self) -> Iterator[dict[str, str]]:
        """Every event from now on, as it arrives, with no deadline: Asterisk is
        silent while no call happens. TCP keepalive finds a dead peer; a lost
        connection ends the loop with AmiError("ami_disconnected")."""
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        while self._pending:
            yield self._pending.popleft()
        while True:
            self._deadline = None
            message = self._read_message()
            if "Event" in message:
                yield message

    def shutdown(self) -> None:
        """Ends a blocked `events()` loop from another thread or a signal handler."""
        self._logged_in = False
        with contextlib.suppress(OSError):  # already closed
            self._socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        try:
            if self._logged_in:
                self._logged_in = False
                self.request([("Action", "Logoff"), ("ActionID", "saikoku-logoff")])
        except AmiError:
            pass  # logging off is a courtesy; the connection closes below anyway
        finally:
            self._reader.close()
            self._socket.close()

    def _read_message(self) -> dict[str, str]:
        reply: dict[str, str] = {}
        while True:
            line = self._readline().rstrip(b"\r\n")
            if not line:
                if reply:
                    return reply
                continue
            name, _sep, value = line.decode("utf-8", "replace").partition(":")
            reply[name.strip()] = value.strip()

    def _readline(self) -> bytes:
        if self._deadline is None:
            self._socket.settimeout(None)  # reading events: wait as long as it takes
        else:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout()
            self._socket.settimeout(remaining)
        try:
            line = self._reader.readline(MAX_LINE)
        except TimeoutError:
            raise self._timeout() from None
        except OSError:
            raise self._lost() from None
        if not line:
            raise self._lost()
        return line

    def _timeout(self) -> AmiError:
        self._logged_in = False  # a silent peer gets no Logoff either
        return AmiError(
            "ami_timeout",
            _("電話システムが%(seconds)s秒以内に応答しませんでした。もう一度お試しください。")
            % {"seconds": f"{self.timeout:g}"},
        )

    def _lost(self) -> AmiError:
        self._logged_in = False
        return AmiError("ami_disconnected", _("電話システムとの接続が切れました。"))


__all__ = ["AmiClient", "AmiError", "DialResult", "dial"]
