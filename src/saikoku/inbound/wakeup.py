"""Waking a waiting screen the moment something for its user arrives: the long-poll
behind the screen pops (the operator's call, the ward clerk's transfer).

A pop request with `wait=1` that finds nothing new waits on the server, up to
SAIKOKU_POP_WAIT_SECONDS, instead of the browser asking again later. The change that
concerns a user calls `wake(user)` inside its transaction; on commit it wakes the
waiting requests of this process at once (threading.Event), and on PostgreSQL its
NOTIFY on the user's channel wakes those of the other server processes, which LISTEN
while they wait. A waiting request also looks again every RECHECK_SECONDS, which
covers a change made without a wake (or in another process on SQLite, which has no
notifications): one indexed query a second per waiting screen, never a busy loop.

Each waiting request holds a server thread: gunicorn runs gthread workers with enough
threads for the screens that wait (docs/inbound.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction

__all__ = ["wait_until", "wake"]

RECHECK_SECONDS = 1.0

# The requests of this process waiting per user id.
_waiting: dict[int, set[threading.Event]] = {}
_waiting_lock = threading.Lock()


def _channel(user_id: int) -> str:
    # Digits only, so the name is safe to put into LISTEN (it takes no parameters).
    return f"saikoku_pop_{int(user_id)}"


def _notifies() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _wake_here(user_id: int) -> None:
    with _waiting_lock:
        for waiter in _waiting.get(user_id, ()):
            waiter.set()


def wake(user_id: int) -> None:
    """Wakes the user's waiting pops when the current transaction commits."""
    transaction.on_commit(lambda: _wake_here(user_id))
    if connection.vendor == "postgresql":
        # Delivered by PostgreSQL on commit, to every process listening.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [_channel(user_id)])


def wait_until(user_id: int, changed: Callable[[], bool], *, seconds: float) -> bool:
    """Returns as soon as `changed()` is true (True), or after `seconds` (False)."""
    deadline = time.monotonic() + seconds
    if _notifies():
        return _wait_notified(user_id, changed, deadline)
    waiter = threading.Event()
    with _waiting_lock:
        _waiting.setdefault(user_id, set()).add(waiter)
    try:
        # Registered before the first look: a change committed after it wakes us.
        while not changed():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            waiter.wait(min(left, RECHECK_SECONDS))
            waiter.clear()
        return True
    finally:
        with _waiting_lock:
            _waiting[user_id].discard(waiter)
            if not _waiting[user_id]:
                del _waiting[user_id]


def _wait_notified(user_id: int, changed: Callable[[], bool], deadline: float) -> bool:
    channel = _channel(user_id)
    with connection.cursor() as cursor:
        cursor.execute(f'LISTEN "{channel}"')
    try:
        # Listening before the first look: a change committed after it notifies us.
        while not changed():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            raw = connection.connection
            for _notification in raw.notifies(timeout=min(left, RECHECK_SECONDS), stop_after=1):
                pass
        return True
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'UNLISTEN "{channel}"')
