"""The console's error pages (urls.py handler403/404/500, CSRF_FAILURE_VIEW): Japanese,
in the console's layout (menu and logout when logged in), never a traceback.

A 404 never says whether the thing exists: ward staff opening another department's
payer get the same page as for a number nobody has (core/permissions.py).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The layout needs the user and the session, i.e. the database, which may be what
    failed; then a page without them (Django has already logged the traceback)."""
    try:
        return render(request, "errors/500.html", status=500)
    except Exception:
        logger.exception("the 500 page could not be rendered in the layout")
        return HttpResponseServerError(render_to_string("errors/500_plain.html"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted from a page older than the session (or from elsewhere): say what to
    do rather than Django's English "CSRF verification failed"."""
    return render(request, "errors/403.html", {"csrf_failed": True}, status=403)
