"""The way in, step by step, in one place:

1. the password (Django's `authenticate()` through `core.backends.HandlerBackend`:
   an active account inside its validity period, then every check in
   `LOGIN_CHECKS`, where lockout and allowed networks register theirs). Any refusal
   is the same generic "wrong ID or password" as a wrong password, so nothing tells
   an attacker which;
2. Django's `login()`: a new session key; the session is registered to the user and
   stamped with the login time (`core.sessions.session_register`, by signal);
3. the second factor (`mfa_step_url`): enrolment on the first login, else the code;
   until it is done, `core.middleware.MfaRequiredMiddleware` lets the session reach
   nothing but these pages;
4. `mfa_complete`: the session is marked verified and gets a new key again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from saikoku.core.sessions import session_forget, session_register, session_rekey

# A check `check(request, user) -> bool` run on every password login after the
# password matched: False refuses the login with the generic failure message.
LoginCheck = Callable[[HttpRequest | None, Any], bool]
LOGIN_CHECKS: list[LoginCheck] = []

# Where the page the user asked for before logging in waits until the second factor.
NEXT_KEY = "_mfa_next"

__all__ = [
    "LOGIN_CHECKS",
    "LoginCheck",
    "full_page_redirect",
    "login_allowed",
    "login_redirect",
    "mfa_complete",
    "mfa_pending_next",
    "mfa_step_url",
    "register_login_check",
    "screen_to_return_to",
]


def register_login_check(check: LoginCheck) -> None:
    """Adds a check (once) to every password login (from an AppConfig.ready)."""
    if check not in LOGIN_CHECKS:
        LOGIN_CHECKS.append(check)


def login_allowed(request: HttpRequest | None, user: Any) -> bool:
    return all(check(request, user) for check in LOGIN_CHECKS)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _same_origin_path(request: HttpRequest, url: str) -> str | None:
    """The path (and query) of `url` when it is a page of this site, else None."""
    split = urlsplit(url)
    if split.scheme != request.scheme or split.netloc != request.get_host():
        return None
    return urlunsplit(split._replace(scheme="", netloc="", fragment="")) or None


def screen_to_return_to(request: HttpRequest) -> str | None:
    """The screen the user was on when this request found no (verified) session: the
    page itself for a plain GET; for an htmx request the page that sent it
    (HX-Current-URL); for a form post the page the form was on (the same-origin
    Referer). Never the URL of a POST or a fragment: opened after login, it would
    answer 405 or a piece of a page."""
    if _is_htmx(request):
        path = _same_origin_path(request, request.headers.get("HX-Current-URL", ""))
    elif request.method in ("GET", "HEAD"):
        path = request.get_full_path()
    else:
        path = _same_origin_path(request, request.headers.get("Referer", ""))
    if path is None or urlsplit(path).path == reverse(settings.LOGIN_URL):
        return None
    return path


def full_page_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect of the whole page: for htmx an HX-Redirect (200), because the
    browser would follow a 302 inside the fragment request and htmx would then swap
    the target page into the fragment."""
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def login_redirect(request: HttpRequest) -> HttpResponse:
    """To the login page, for any request that needs a session and has none (never
    logged in, the idle timeout, the absolute one): the one place for that redirect.
    `next` is the screen the user was on (`screen_to_return_to`)."""
    url = reverse(settings.LOGIN_URL)
    back = screen_to_return_to(request)
    if back:
        url += "?next=" + quote(back)  # "/" kept, as Django's own redirect_to_login does
    return full_page_redirect(request, url)


def mfa_step_url(user: Any) -> str:
    """Enrolment when the user has no confirmed authenticator yet, else the code."""
    from saikoku.core.mfa import totp_device_enrolled

    return reverse("mfa_verify" if totp_device_enrolled(user) else "mfa_enrol")


def mfa_remember_next(request: HttpRequest, url: str) -> None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[NEXT_KEY] = url


def mfa_pending_next(request: HttpRequest) -> str | None:
    return request.session.pop(NEXT_KEY, None)


def mfa_complete(request: HttpRequest, device: Any) -> None:
    """Marks the session verified by the device (django-otp) and gives it a new key, so
    a key seen before the second factor is worth nothing after it."""
    from django_otp import login as otp_login

    otp_login(request, device)
    old_key = request.session.session_key
    request.session.cycle_key()
    session_rekey(old_key, request.session.session_key)


def _on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        session_register(request, user)


def _on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session_forget(session.session_key)


def connect() -> None:
    # Django's login() and logout() announce themselves only by these signals; the
    # receivers only keep the session register true (STYLE.md's one exception, as
    # for the login audit entries in auth_audit.py).
    user_logged_in.connect(_on_logged_in, dispatch_uid="saikoku.sessions.login")
    user_logged_out.connect(_on_logged_out, dispatch_uid="saikoku.sessions.logout")


def absolute_timeout_reached(request: HttpRequest) -> bool:
    """Whether the session's login lies more than SAIKOKU_SESSION_MAX_SECONDS back (a
    session without a login time predates the rule and is treated as too old)."""
    from saikoku.core.sessions import LOGIN_AT_KEY

    login_at = request.session.get(LOGIN_AT_KEY)
    if login_at is None:
        return True
    age = timezone.now() - datetime.datetime.fromtimestamp(login_at, tz=datetime.UTC)
    return age.total_seconds() > settings.SESSION_ABSOLUTE_SECONDS
