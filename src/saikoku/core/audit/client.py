"""Who is at the keyboard: the client address the audit trail records for a request,
and which peers are trusted proxies (SAIKOKU_TRUSTED_PROXIES).

Apart from the chain because other checks ask the same question: the login lockout
(core/lockout.py), the network allow-list (core/networks.py), the request id
(core/request_id.py) and the metrics endpoint.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the person at the keyboard, for the audit trail.

    X-Forwarded-For is anyone's to write, so it is only believed when the direct peer
    is one of SAIKOKU_TRUSTED_PROXIES (addresses or networks). The header is read from
    the right: each trusted proxy appends the peer it saw, and the first hop that is
    not a trusted proxy is the client.
    """
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    if not is_trusted_proxy(remote):
        return remote[:64]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _parse_ip(hop) is None:
            # A malformed hop means the header is not what our proxies wrote.
            return remote[:64]
        if not is_trusted_proxy(hop):
            return hop[:64]
    return (hops[0] if hops else remote)[:64]


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    ip = _parse_ip(address)
    if ip is None:
        return False
    for entry in getattr(settings, "SAIKOKU_TRUSTED_PROXIES", []):
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            raise ImproperlyConfigured(
                f"SAIKOKU_TRUSTED_PROXIES holds {entry!r}, not an address or network"
            ) from None
    return False
