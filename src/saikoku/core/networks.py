"""Where each organisation's users may work from (checklist: "networks limited to
specific peers").

`SAIKOKU_ALLOWED_NETWORKS_WARD` and `SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR` list the
addresses and CIDR networks of the ward's and the contractor's offices (default:
everywhere). The client address is `core.audit.client_address`, so
`SAIKOKU_TRUSTED_PROXIES` decides which address counts, as for the audit trail.

- A logged-in user's every request must come from their organisation's networks
  (the user's `organisation`, else the one of their role; a user with neither must
  be inside both lists). Elsewhere: a plain Japanese 403 page
  (`core.middleware.AllowedNetworkMiddleware`).
- Before login nobody is known yet: an address in neither list gets the same page
  for everything, the login page included.
- A login whose password matched but whose address is outside the user's own
  organisation's networks is refused with the generic failure
  (`network_login_check`): a 403 there would tell whoever is outside that the
  password was right.
- Each refusal is audited (`network_refused`) once per session (or address, before
  login) and hour, not once per request: the trail must stay readable.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from saikoku.core.audit import audit_record, client_address
from saikoku.core.models import ROLE_ORGANISATION, Organisation

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# How long one refusal of the same session (or address) is not audited again.
AUDIT_ONCE_SECONDS = 3600

__all__ = [
    "address_allowed",
    "network_login_check",
    "network_refusal_audit",
    "organisation_of",
    "request_allowed",
]


@functools.cache
def _parse(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _networks(organisation: str) -> tuple[Network, ...]:
    entries: Iterable[str] = (
        settings.SAIKOKU_ALLOWED_NETWORKS_WARD
        if organisation == Organisation.WARD
        else settings.SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR
    )
    return _parse(tuple(entries))


def _inside(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # no address at all, or not one: not inside any network
    return any(ip in network for network in networks if network.version == ip.version)


def organisation_of(user: Any) -> str:
    """The user's organisation; else the one their role belongs to; else ""."""
    return user.organisation or ROLE_ORGANISATION.get(user.role, "")


def address_allowed(address: str, organisation: str | None) -> bool:
    """Whether the address may be used by the organisation's users. None: nobody is
    known yet (before login), so any organisation's network will do; "": a user of
    no organisation, who must be inside both."""
    organisations = (Organisation.WARD, Organisation.CONTRACTOR)
    if organisation is None:
        return any(_inside(address, _networks(org)) for org in organisations)
    if organisation == "":
        return all(_inside(address, _networks(org)) for org in organisations)
    return _inside(address, _networks(organisation))


def request_allowed(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    organisation = organisation_of(user) if user is not None and user.is_authenticated else None
    return address_allowed(client_address(request), organisation)


def network_refusal_audit(request: HttpRequest, user: Any | None, *, login: bool) -> None:
    """Audits a refusal, once per session (or, without one, address) and hour."""
    address = client_address(request)
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None) or ""
    who = getattr(user, "pk", None) or ""
    key = f"saikoku:network_refused:{who}:{session_key}:{address}"
    if not cache.add(key, True, timeout=AUDIT_ONCE_SECONDS):
        return
    known = user if user is not None and getattr(user, "pk", None) is not None else None
    audit_record(
        actor=known,
        action="network_refused",
        object_type="user" if known else "address",
        object_id=known.get_username() if known else address,
        client_addr=address,
        detail={
            "login": login,
            "organisation": organisation_of(known) if known else "",
            "path": request.path[:200],
        },
    )


def network_login_check(request: HttpRequest | None, user: Any) -> bool:
    """The login check (core/login_flow.py): the password matched; the address must be
    one of the user's organisation's networks."""
    if request is None:
        return True  # a login by code, not over the network
    if address_allowed(client_address(request), organisation_of(user)):
        return True
    network_refusal_audit(request, user, login=True)
    return False
