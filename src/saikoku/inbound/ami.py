"""Asterisk AMI events into the internal events (`saikoku cti ami-listen`).

One call is one Asterisk `Linkedid` (the Uniqueid of the caller's first channel),
which every channel of the call carries; that is the call id. The mapping:

- `Newchannel` of the call's first channel (Uniqueid = Linkedid): `ringing`, with
  the caller (`CallerIDNum`), the number dialled (`Exten`) and the channel (what a
  transfer redirects);
- `DialBegin`: `ringing` (the call reached an extension's phone);
- `BridgeEnter` of another channel of the call: `answered` at that channel's
  extension (`PJSIP/201-0000002a` → 201);
- `Hangup` of the call's first channel: `ended`;
- `BlindTransfer`: `transferred` to `Extension`;
- `AttendedTransfer`: `transferred` to the second call's extension
  (`SecondTransfererExten`, else the target channel's).

A caller ID of `<unknown>`, `anonymous` or empty is a withheld number. The time is the
event's `Timestamp` (Asterisk's `timestampevents = yes`), else the time it was read.

The listener keeps one logged-in connection through the dialer's AmiClient (one
client, not two) and reconnects with a growing pause (1, 2, 4 … 30 s) when it is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator

from django.utils import timezone

from saikoku.inbound.events import Event, caller_digits
from saikoku.outreach.calls.dialer import AmiClient, AmiError

logger = logging.getLogger(__name__)

_ENDPOINT = re.compile(r"^[A-Za-z0-9]+/([^-@/;]+)")
BACKOFF_MAX = 30.0


def extension_of(channel: str) -> str:
    """The endpoint's name in a channel name: "PJSIP/201-0000002a" → "201"."""
    match = _ENDPOINT.match(channel or "")
    return match[1] if match else ""


def _at(message: dict[str, str], now: dt.datetime) -> dt.datetime:
    stamp = message.get("Timestamp", "")
    try:
        return dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
    except ValueError:
        return now


def event_from_ami(message: dict[str, str], *, now: dt.datetime | None = None) -> Event | None:
    """The internal event an AMI event stands for, or None for one that says nothing
    about an inbound call."""
    now = now or timezone.now()
    name = message.get("Event", "")
    linked = message.get("Linkedid", "")
    first = bool(linked) and message.get("Uniqueid", "") == linked
    at = _at(message, now)
    if name == "Newchannel" and first:
        return Event(
            kind="ringing",
            call_id=linked,
            at=at,
            caller=caller_digits(message.get("CallerIDNum", "")),
            dialled=message.get("Exten", "")[:20],
            channel=message.get("Channel", "")[:100],
        )
    if name == "DialBegin" and linked:
        return Event(kind="ringing", call_id=linked, at=at)
    if name == "BridgeEnter" and linked and not first:
        extension = extension_of(message.get("Channel", ""))
        if extension:
            return Event(kind="answered", call_id=linked, at=at, extension=extension[:20])
        return None
    if name == "Hangup" and first:
        return Event(kind="ended", call_id=linked, at=at)
    if name == "BlindTransfer":
        call_id = message.get("TransfereeLinkedid") or message.get("TransfererLinkedid", "")
        target = message.get("Extension", "")
        if call_id and target:
            return Event(
                kind="transferred",
                call_id=call_id,
                at=at,
                extension=extension_of(message.get("TransfererChannel", "")),
                transfer_to=target[:20],
            )
        return None
    if name == "AttendedTransfer":
        call_id = message.get("OrigTransfererLinkedid") or message.get("TransfereeLinkedid", "")
        target = message.get("SecondTransfererExten") or extension_of(
            message.get("TransferTargetChannel", "")
        )
        if call_id and target:
            return Event(
                kind="transferred",
                call_id=call_id,
                at=at,
                extension=extension_of(message.get("OrigTransfererChannel", "")),
                transfer_to=target[:20],
            )
    return None


def backoff_delays() -> Iterator[float]:
    """1, 2, 4, 8, 16, 30, 30, … seconds."""
    delay = 1.0
    while True:
        yield delay
        delay = min(delay * 2, BACKOFF_MAX)


def ami_listen(
    *,
    connect: Callable[[], AmiClient],
    username: str,
    secret: str,
    on_event: Callable[[Event], object],
    should_stop: Callable[[], bool],
    on_connect: Callable[[AmiClient], object] = lambda client: None,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Reads AMI events until `should_stop()`, reconnecting after every failure with
    the backoff; each internal event goes to `on_event` (call_event_apply)."""
    delays = backoff_delays()
    while not should_stop():
        try:
            with connect() as ami:
                ami.login(username=username, secret=secret)
                on_connect(ami)
                logger.info("AMI listener connected")
                delays = backoff_delays()  # a good connection resets the pause
                for message in ami.events():
                    event = event_from_ami(message)
                    if event is not None:
                        on_event(event)
                    if should_stop():
                        return
        except AmiError as exc:
            logger.warning("AMI listener: %s", exc.code)
        if should_stop():
            return
        sleep(next(delays))


__all__ = ["ami_listen", "backoff_delays", "event_from_ami", "extension_of"]
