"""Asking the phone system to transfer a call (SAIKOKU_CTI_TRANSFER):

- "ami": an AMI `Redirect` of the caller's channel to the department's extension in
  SAIKOKU_AMI_CONTEXT, through the dialer's AMI client (one client, not two);
- "webhook": a signed POST to SAIKOKU_CTI_TRANSFER_URL,
  `{"action": "transfer", "call_id": …, "to": "301"}`, signed as the PBX signs its
  events to us (docs/inbound.md);
- "none": nothing; the ward staff see the transfer on screen and call back.

A transfer that concerns both departments goes to the ring group configured for the
pair (transfer_target), which rings both at once.

Runs after the transfer's commit. A failure is logged, never raised: the task in the
department's queue is the fallback either way.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings

from saikoku.inbound.signature import signed_headers
from saikoku.outreach.calls.dialer import AmiClient, AmiError

if TYPE_CHECKING:
    from saikoku.inbound.models import InboundCall

logger = logging.getLogger(__name__)


def transfer_target(departments: list[str]) -> str:
    """The extension a live transfer to these departments rings (SAIKOKU_CTI_TRANSFER_
    EXTENSIONS). One department: its own. Both: the ring group the PBX has for the pair
    (`nhi+tax=309`, either order), so both departments' phones ring at once; a
    Redirect or the hosted PBX's transfer moves the call to one place only, so the
    parallel ringing is the PBX's. Without a group the first department's rings and
    the other's queue item is its call-back. "" when none is configured."""
    extensions = settings.SAIKOKU_CTI_TRANSFER_EXTENSIONS
    if len(departments) > 1:
        wanted = set(departments)
        for key, extension in extensions.items():
            if "+" in key and set(key.split("+")) == wanted:
                return extension
        logger.warning(
            "no ring group for %s in SAIKOKU_CTI_TRANSFER_EXTENSIONS: only %s rings",
            "+".join(sorted(wanted)),
            departments[0],
        )
    return extensions.get(departments[0], "") if departments else ""


def phone_transfer(*, call: InboundCall, extension: str) -> bool:
    """Whether the phone system accepted the transfer request."""
    method = settings.SAIKOKU_CTI_TRANSFER
    if method == "ami":
        return _ami_redirect(call, extension)
    if method == "webhook":
        return _webhook(call, extension)
    return False


def _ami_redirect(call: InboundCall, extension: str) -> bool:
    if not call.channel:
        logger.warning("transfer of call %s: no AMI channel known", call.call_id)
        return False
    try:
        with AmiClient(
            host=settings.SAIKOKU_AMI_HOST,
            port=settings.SAIKOKU_AMI_PORT,
            timeout=float(settings.SAIKOKU_AMI_TIMEOUT),
        ) as ami:
            ami.login(username=settings.SAIKOKU_AMI_USERNAME, secret=settings.SAIKOKU_AMI_SECRET)
            reply = ami.request(
                [
                    ("Action", "Redirect"),
                    ("Channel", call.channel),
                    ("Exten", extension),
                    ("Context", settings.SAIKOKU_AMI_CONTEXT),
                    ("Priority", "1"),
                    ("ActionID", f"saikoku-transfer-{call.pk}"),
                ]
            )
    except AmiError as exc:
        logger.warning("AMI redirect of call %s failed: %s", call.call_id, exc.code)
        return False
    ok = reply.get("Response") == "Success"
    if not ok:
        logger.warning("AMI redirect of call %s refused: %s", call.call_id, reply.get("Message"))
    return ok


def _webhook(call: InboundCall, extension: str) -> bool:
    url = settings.SAIKOKU_CTI_TRANSFER_URL
    if not url.startswith(("https://", "http://")):
        logger.warning("SAIKOKU_CTI_TRANSFER_URL is not an http(s) URL")
        return False
    body = json.dumps({"action": "transfer", "call_id": call.call_id, "to": extension}).encode()
    headers = signed_headers(settings.SAIKOKU_CTI_SECRET, body, now=time.time())
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=float(settings.SAIKOKU_AMI_TIMEOUT)) as reply:  # noqa: S310
            return 200 <= reply.status < 300
    except OSError as exc:
        logger.warning("transfer request for call %s failed: %s", call.call_id, exc)
        return False


__all__ = ["phone_transfer", "transfer_target"]
