"""The access log line and the request metrics: one record per request on the
`saikoku.access` logger, and its time in the latency histogram (core/metrics.py).

The line names the path without its query string: a search's query string holds the
name or phone number that was searched for, and the log is no place for those. The
health check and the metrics scrape come every few seconds from monitoring; their lines
are DEBUG, so the INFO log keeps only people's requests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from saikoku.core import metrics

logger = logging.getLogger("saikoku.access")

_MONITORING = frozenset({"healthz", "readyz", "metrics"})


def route_name(request: HttpRequest) -> str:
    """The URL name the request went to ("-" when it matches none): the metrics' label."""
    match = request.resolver_match
    if match is None:
        # Answered before URL resolution (a network refusal, the MFA redirect).
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "-"
    return match.view_name or "-"


class AccessLogMiddleware:
    """Right after RequestIdMiddleware: the time measured is nearly all of Django's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        metrics.REQUESTS_IN_PROGRESS.inc()
        try:
            response = self.get_response(request)
        finally:
            metrics.REQUESTS_IN_PROGRESS.dec()
        seconds = time.perf_counter() - started
        route = route_name(request)
        metrics.request_observed(
            route=route, method=request.method or "", status=response.status_code, seconds=seconds
        )
        duration_ms = round(seconds * 1000, 1)
        path = request.path[:200]
        logger.log(
            logging.DEBUG if route in _MONITORING else logging.INFO,
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response
