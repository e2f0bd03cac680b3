"""The request id: one short token that ties a request's access log line, its other log
records, its audit entries and nginx's own log together (docs/operations/observability.md).

nginx sends its `$request_id` as X-Request-ID. The header is anyone's to write, so it is
taken only from a peer in SAIKOKU_TRUSTED_PROXIES (as X-Forwarded-For is, core/audit/client.py)
and only when it looks like an id (letters, digits, `.`, `_`, `-`; 8 to 64 characters):
anything else would let a client put text of its choosing into the log and the audit
trail. Otherwise the server makes one. The id travels in a context variable, so code far
from the request (`audit_record`, a logger) finds it without being handed it; a task run
by a background worker gets its own (`task_started`).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("saikoku.tasks")

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{8,64}")

# The id of the request (or task run) this code is working for; "" outside of one.
_request_id: ContextVar[str] = ContextVar("saikoku_request_id", default="")
# The request itself, for the log filter's user id (core/logformat.py).
_request: ContextVar[HttpRequest | None] = ContextVar("saikoku_request", default=None)

__all__ = [
    "HEADER",
    "RequestIdMiddleware",
    "current_request",
    "current_request_id",
    "new_request_id",
    "request_id_scope",
    "valid_request_id",
]


def current_request_id() -> str:
    return _request_id.get()


def current_request() -> HttpRequest | None:
    return _request.get()


def new_request_id() -> str:
    # 32 hex digits: the same form as nginx's $request_id.
    return uuid.uuid4().hex


def valid_request_id(value: str) -> bool:
    return _VALID.fullmatch(value) is not None


@contextmanager
def request_id_scope(value: str, request: HttpRequest | None = None) -> Iterator[str]:
    """Makes `value` the current request id until the block ends."""
    id_token = _request_id.set(value)
    request_token = _request.set(request)
    try:
        yield value
    finally:
        _request.reset(request_token)
        _request_id.reset(id_token)


def incoming_request_id(request: HttpRequest) -> str:
    """The proxy's X-Request-ID when a trusted proxy sent a well-formed one, else new."""
    from saikoku.core.audit import is_trusted_proxy

    given = request.headers.get(HEADER, "")
    if given and valid_request_id(given) and is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
        return given
    return new_request_id()


class RequestIdMiddleware:
    """First of all middleware: everything after it, the access log line included, runs
    with the request id set; the response carries it back in X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = incoming_request_id(request)
        request.request_id = value  # type: ignore[attr-defined]
        with request_id_scope(value, request):
            response = self.get_response(request)
        response[HEADER] = value
        return response


# --- background tasks ------------------------------------------------------------------


def on_task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """The line that joins a request to the tasks it started: it carries the request's
    id, and the task's run will carry `task-<this id>`."""
    logger.info("task %s (%s) enqueued", task_result.id, task_result.task.module_path)


def on_task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """A task run gets an id of its own (its result id), for its log and audit entries."""
    _task_tokens.append(_request_id.set(f"task-{task_result.id}"[:64]))


def on_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if _task_tokens:
        _request_id.reset(_task_tokens.pop())


# The worker runs one task at a time in its thread: started and finished pair up.
_task_tokens: list[Any] = []


def connect() -> None:
    from django_tasks.signals import task_enqueued, task_finished, task_started

    task_enqueued.connect(on_task_enqueued, dispatch_uid="saikoku.request_id.task_enqueued")
    task_started.connect(on_task_started, dispatch_uid="saikoku.request_id.task_started")
    task_finished.connect(on_task_finished, dispatch_uid="saikoku.request_id.task_finished")
