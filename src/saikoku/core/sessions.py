"""Who is logged in where: each login's session registered against its user, so a
user's sessions can be listed and ended together.

Why a small table of our own rather than django-user-sessions: that package replaces
the session engine and its last release predates Django 5.2; the project keeps
Django's own database sessions and only needs key → user, written once at login
(`session_register`) and found by an index (`user_sessions_end`).

`user_sessions_end` is the one way to log a user out everywhere: a disabled account,
a reset second factor, a changed password (keeping the current session), and the
lockout all call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from saikoku.core.audit import audit_record, client_address
from saikoku.core.models import UserSession

# When the session's login happened (epoch seconds): the absolute timeout counts from
# here (core/middleware.AbsoluteSessionMiddleware), however active the session is.
LOGIN_AT_KEY = "_login_at"

__all__ = [
    "LOGIN_AT_KEY",
    "SessionRow",
    "session_end_own",
    "session_register",
    "session_rekey",
    "sessions_of",
    "user_sessions_end",
]


def _store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def session_register(request: HttpRequest, user: Any) -> None:
    """Called at every login (Django's `login()` announces it only by signal, so
    core/apps.py connects this, as it does the login audit entry): stamps the login
    time into the session and records which user the session key belongs to."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LOGIN_AT_KEY] = time.time()
    if session.session_key is None:
        session.save()
    now = timezone.now()
    meta = getattr(request, "META", {})
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user_id": user.pk,
            "started_at": now,
            "client_addr": client_address(request) if meta else "",
            "user_agent": str(meta.get("HTTP_USER_AGENT", ""))[:300],
        },
    )


def session_rekey(old_key: str | None, new_key: str | None) -> None:
    """The session got a new key (completing the second factor, a password change):
    its row follows, so it is still found and listed."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_forget(session_key: str | None) -> None:
    """A logout: the session is gone, so is its row."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(user: Any, *, except_key: str | None = None) -> int:
    """Ends every session of the user but `except_key` (the one making the change);
    returns how many. Each session is deleted through the session engine, so the next
    request of that browser is anonymous."""
    rows = UserSession.objects.filter(user_id=user.pk)
    if except_key:
        rows = rows.exclude(session_key=except_key)
    keys = list(rows.values_list("session_key", flat=True))
    store = _store()
    with transaction.atomic():
        for key in keys:
            store.delete(key)
        UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


@dataclass(frozen=True)
class SessionRow:
    pk: int
    started_at: datetime
    last_seen_at: datetime
    client_addr: str
    browser: str
    current: bool


def _alive(keys: list[str]) -> dict[str, datetime | None]:
    """The keys whose session still exists and has not expired (a session that timed
    out leaves its row behind until `clearsessions`), each with the time it was last
    renewed: the sliding timeout writes the row again as it is used
    (core/middleware.py), so "last seen" costs no write of its own; it is exact to
    within half the idle timeout."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return {key: None for key in keys if _store().exists(key)}
    from django.contrib.sessions.models import Session

    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    return {key: expiry - age for key, expiry in rows.values_list("session_key", "expire_date")}


def sessions_of(user: Any, *, current_key: str | None) -> list[SessionRow]:
    """The user's live sessions, newest first; rows of ended sessions are dropped."""
    rows = list(UserSession.objects.filter(user_id=user.pk).order_by("-started_at", "-pk"))
    alive = _alive([row.session_key for row in rows])
    dead = [row.pk for row in rows if row.session_key not in alive]
    if dead:
        UserSession.objects.filter(pk__in=dead).delete()
    return [
        SessionRow(
            pk=row.pk,
            started_at=row.started_at,
            last_seen_at=max(row.started_at, alive[row.session_key] or row.started_at),
            client_addr=row.client_addr,
            browser=browser_name(row.user_agent),
            current=row.session_key == current_key,
        )
        for row in rows
        if row.session_key in alive
    ]


def session_end_own(*, request: HttpRequest, session_id: int) -> bool:
    """Ends one of the requesting user's own sessions (another user's id: False)."""
    user = request.user
    if not user.is_authenticated:
        return False
    row = UserSession.objects.filter(pk=session_id, user=user).first()
    if row is None:
        return False
    with transaction.atomic():
        _store().delete(row.session_key)
        row.delete()
        audit_record(
            actor=user,
            action="session_end",
            object_type="user",
            object_id=user.get_username(),
            client_addr=client_address(request),
            detail={"own": True, "current": row.session_key == request.session.session_key},
        )
    return True


# Browser and system names as a person would say them; the first match wins, and the
# order matters (Edge's string also says Chrome, Chrome's also says Safari).
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str) -> str:
    """A short "Chrome / Windows" for the session list (the full string is kept)."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} / {system}"
    return browser or system or user_agent[:40]
