"""Lockout after repeated failed logins, with django-axes, in a way one attacker cannot
turn against every user (OWASP ASVS 5.0 V6.3).

- **Per user and address.** Failures are counted per user name + client address pair
  (axes' `AccessAttempt` rows, `AXES_LOCKOUT_PARAMETERS`): `SAIKOKU_LOCKOUT_FAILURES`
  of them lock that pair. An attacker guessing a user's password locks the user out
  of the attacker's address only; the user at their own desk still logs in.
- **Per address on top.** An address with `SAIKOKU_LOCKOUT_ADDRESS_FAILURES` failures
  over all names is blocked (`LockoutHandler`): the attacker trying many names.
- **Ends by itself or by a ward_admin.** Both end `SAIKOKU_LOCKOUT_COOLOFF_SECONDS`
  after the last failure (axes' cool-off; a failure while locked starts it again), or
  when a ward_admin presses ロックを解除 on the handler's page (`lockout_unlock`).
- **The address** is `core.audit.client_address`: `SAIKOKU_TRUSTED_PROXIES` decides
  which address counts, for the lockout as for the audit trail.
- **Nothing tells a lock apart.** A refused attempt gets exactly the page of a wrong
  password (`lockout_response` returns the login view's own answer) after the same
  password-hashing work (`LockoutBackend`); Django's ModelBackend already hashes the
  typed password for an unknown name. So the words, the status and the time are the
  same for an unknown user, a wrong password and a locked account.
- **Audited.** Every failure is `login_failed` (core/auth_audit.py, with whether the
  lock is in force); the moment a pair locks is `login_lockout`, and it ends that
  user's sessions (`core.sessions.user_sessions_end`: whoever holds a session may be
  the one the attacker is after); an address block is `login_address_blocked`; the
  ward_admin's unlock is `lockout_unlock`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from saikoku.core.audit import audit_record, client_address

__all__ = [
    "LockedAddress",
    "LockoutBackend",
    "LockoutHandler",
    "address_failures",
    "connect",
    "lockout_address",
    "lockout_response",
    "lockout_unlock",
    "user_lockouts",
]


def lockout_address(request: HttpRequest) -> str | None:
    """The client address axes counts: the audit trail's, through the trusted proxies.
    None when there is none (axes stores the address in an IP field)."""
    return client_address(request) or None


def _threshold(request: HttpRequest | None = None) -> datetime.datetime:
    """Failures older than this no longer count (the cool-off after the last one)."""
    if request is not None and hasattr(request, "axes_attempt_time"):
        return get_cool_off_threshold(request)
    return timezone.now() - settings.AXES_COOLOFF_TIME


def address_failures(address: str | None, request: HttpRequest | None = None) -> int:
    """Failures from the address over all user names still inside the cool-off."""
    if not address:
        return 0
    rows = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=_threshold(request))
    return rows.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler (the per-pair count and lock) with the per-address limit
    on top."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        limit = settings.SAIKOKU_LOCKOUT_ADDRESS_FAILURES
        return address_failures(request.axes_ip_address, request) >= limit

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None:
            return
        limit = settings.SAIKOKU_LOCKOUT_ADDRESS_FAILURES
        failures = address_failures(request.axes_ip_address, request)
        if failures < limit:
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        if failures == limit:
            # The moment the block begins, once; each later failure is its own
            # login_failed entry.
            audit_record(
                actor=None,
                action="login_address_blocked",
                object_type="address",
                object_id=request.axes_ip_address or "",
                client_addr=request.axes_ip_address or "",
                detail={"failures": failures},
            )


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend, first in AUTHENTICATION_BACKENDS: a locked pair or blocked
    address is refused before the password is looked at."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            # A login by code, not over HTTP (a command, a script): no client address
            # to count; the other backends decide alone.
            return None
        try:
            super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            # The same hashing work as a wrong password (ModelBackend verifies the
            # typed password) or an unknown name (ModelBackend hashes it anyway), so
            # the time of the answer does not tell a locked account apart.
            get_user_model()().set_password(password or "")
            raise
        return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """What a refused attempt gets: the login view's own answer to a wrong password
    (the form again, with the same generic message and status)."""
    if original_response is not None:
        return original_response
    return HttpResponseRedirect(reverse(settings.LOGIN_URL))


def _on_locked_out(
    sender: Any,
    request: Any,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    """The pair reached the limit: audited and the user's sessions ended, once, at the
    failure that locked it (axes announces every failure beyond the limit too)."""
    if request is None or getattr(request, "axes_failures_since_start", None) != (
        settings.AXES_FAILURE_LIMIT
    ):
        return
    from saikoku.core.sessions import user_sessions_end

    user = get_user_model().objects.filter(username=username or "").first()
    ended = user_sessions_end(user) if user is not None else 0
    audit_record(
        actor=None,
        action="login_lockout",
        object_type="user",
        object_id=(username or "")[:100],
        client_addr=ip_address or "",
        detail={
            "known_user": user is not None,
            "failures": settings.AXES_FAILURE_LIMIT,
            "sessions_ended": ended,
        },
    )


def connect() -> None:
    # axes announces a lock only by its signal; the receiver writes the audit entry
    # and ends the sessions (the same exception to "no logic in signals" as the login
    # audit entries in auth_audit.py).
    user_locked_out.connect(_on_locked_out, dispatch_uid="saikoku.lockout.locked_out")


@dataclass(frozen=True)
class LockedAddress:
    """One address the user is locked out from, and until when (unless unlocked)."""

    address: str
    failures: int
    until: datetime.datetime


def user_lockouts(user: Any) -> list[LockedAddress]:
    """The addresses from which the user's name is locked now (the handler's page)."""
    rows = (
        AccessAttempt.objects.filter(
            username=user.get_username(),
            attempt_time__gte=_threshold(),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        )
        .values("ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("-last")
    )
    return [
        LockedAddress(
            address=row["ip_address"] or "",
            failures=row["failures"],
            until=row["last"] + settings.AXES_COOLOFF_TIME,
        )
        for row in rows
    ]


def lockout_unlock(*, actor: Any, user: Any, client_addr: str = "") -> int:
    """A ward_admin lifts the user's lock from every address (their failures are
    forgotten); returns how many addresses were locked. Audited even when none was,
    so the trail shows the request."""
    locked = [row.address for row in user_lockouts(user)]
    with transaction.atomic(durable=True):
        AxesProxyHandler.reset_attempts(username=user.get_username())
        audit_record(
            actor=actor,
            action="lockout_unlock",
            object_type="user",
            object_id=user.get_username(),
            client_addr=client_addr,
            detail={"addresses": locked},
        )
    return len(locked)
