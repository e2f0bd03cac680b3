"""Audit entries for logins, logouts and failed logins.

STYLE.md keeps business logic out of signals. Django's built-in login and logout views
report what happened only through the auth signals, so these receivers are the one
exception, and they do nothing but write the audit entry (checklist: "ID and password
access control against theft, tampering and impersonation"; logs analysed regularly).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from saikoku.core.audit import audit_record, client_address


def _addr(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action="login", client_addr=_addr(request))


def on_logged_out(
    sender: Any, request: HttpRequest | None, user: Any | None, **kwargs: Any
) -> None:
    # Logging out without being logged in changes nothing and names nobody.
    if user is None or not getattr(user, "is_authenticated", False):
        return
    audit_record(actor=user, action="logout", client_addr=_addr(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the name that was typed is kept, never the password (Django already masks
    # it in `credentials`, but nothing else from them is copied either).
    field = get_user_model().USERNAME_FIELD
    attempted = credentials.get(field, credentials.get("username", ""))
    # Whether the lock (core/lockout.py) is in force after this failure: axes'
    # receiver has run first (axes comes before core in INSTALLED_APPS).
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record(
        actor=None,
        action="login_failed",
        client_addr=_addr(request),
        detail={"username": str(attempted or "")[:150], "locked": locked},
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="saikoku.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="saikoku.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="saikoku.audit.login_failed")
