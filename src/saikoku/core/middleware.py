import time
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from saikoku.core.audit import audit_record, client_address


class AllowedNetworkMiddleware:
    """Refuses every request from outside the allowed networks (core/networks.py) with
    a plain Japanese 403 page: for a logged-in user, their organisation's networks;
    before login, any organisation's. Only the health checks (monitoring, no data), the
    metrics (monitoring; core/metrics.py has its own network list and token) and static
    files are answered anywhere. Must come after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from saikoku.core.networks import network_refusal_audit, request_allowed

        path = request.path_info
        if (
            path in _monitoring_paths()
            or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
            or request_allowed(request)
        ):
            return self.get_response(request)
        user = request.user if request.user.is_authenticated else None
        network_refusal_audit(request, user, login=False)
        return render(request, "core/network_refused.html", status=403)


@cache
def _monitoring_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in ("healthz", "readyz", "metrics"))


class NoStoreMiddleware:
    """Pages carry personal data: no browser or proxy may keep a copy (CONSOLE.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class MethodNotAllowedPageMiddleware:
    """A URL that only takes a form's POST, opened as a page (a bookmark, the address
    bar, an old redirect after login), would show the browser's own blank "HTTP ERROR
    405": every empty 405 (Django's require_POST and friends) becomes the console's
    Japanese page with a way back, keeping its Allow header. Must come after
    NoStoreMiddleware, which then treats the page like any other."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        page = render(request, "errors/405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


# When the session row was last written (epoch seconds, in the session itself): the
# server ends the session SESSION_COOKIE_AGE after that write.
RENEWED_KEY = "_renewed_at"


def session_seconds_left(request: HttpRequest | None) -> int:
    """Seconds until the server ends this session unless a request renews it (the page's
    timeout warning counts down from this, not from the full age)."""
    age = settings.SESSION_COOKIE_AGE
    session = getattr(request, "session", None)
    renewed = session.get(RENEWED_KEY) if session is not None else None
    if renewed is None:
        return age
    return max(round(renewed + age - time.time()), 0)


class SlidingSessionMiddleware:
    """Keeps the inactivity timeout sliding without writing the session row on every
    request, as SESSION_SAVE_EVERY_REQUEST would (an UPDATE and its transaction on each
    page, on the operator's hottest path too).

    The row is written again, moving its expiry to now + SESSION_COOKIE_AGE, once less
    than half of the age remains; and always on an htmx request or the keep-alive,
    after which the page's timer restarts from the full age. So a session still ends
    at most SESSION_COOKIE_AGE after the last request (never later than before), and
    every page is told the exact time left (session_seconds_left), so its warning still
    comes a minute before the end. Must come after SessionMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            renewed = session.get(RENEWED_KEY)
            now = time.time()
            # No key once loaded: the cookie named no live session (nothing to renew).
            if session.session_key is not None and (
                renewed is None
                or now - renewed >= settings.SESSION_COOKIE_AGE / 2
                or request.headers.get("HX-Request") == "true"
                or request.path_info == reverse("session_keepalive")
            ):
                session[RENEWED_KEY] = now  # marks the session modified: it is saved
        response = self.get_response(request)
        if session.modified and not session.is_empty():
            # Saved anyway (a login, the identity check): the stamp follows the save.
            session[RENEWED_KEY] = time.time()
        return response


class AbsoluteSessionMiddleware:
    """Ends a session SAIKOKU_SESSION_MAX_SECONDS after its login, however active it
    was (ASVS 7.3: an absolute maximum session lifetime). The login time is stamped
    into the session at login (core/sessions.py). Must come after
    AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from saikoku.core.login_flow import absolute_timeout_reached, login_redirect

        user = request.user
        if user.is_authenticated and absolute_timeout_reached(request):
            audit_record(
                actor=user,
                action="session_expired",
                object_type="user",
                object_id=user.get_username(),
                client_addr=client_address(request),
            )
            logout(request)
            return login_redirect(request)
        return self.get_response(request)


@cache
def _mfa_open_paths() -> frozenset[str]:
    """What a session may reach before its second factor: the MFA pages themselves and
    what logging in or out needs."""
    names = (
        "mfa_verify",
        "mfa_enrol",
        "login",
        "logout",
        "set_language",
        "healthz",
        "readyz",
        "metrics",
        "favicon",
    )
    return frozenset(reverse(name) for name in names)


class SessionVerifiedOTPMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware, with the device loaded only when a view asks for it.

    The stock middleware reads the verifying device on every request to confirm it
    still exists; here the session's marker (written by django_otp.login after a code
    was accepted, and only then) is what counts, because the one way a device goes
    away, `core.mfa.mfa_device_reset`, ends every session of its user. That keeps the
    operator's hottest pages free of a query per request."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        self._init_user_fields(user)
        if user.is_authenticated and request.session.get(DEVICE_ID_SESSION_KEY):
            user.otp_device = SimpleLazyObject(partial(self._load_device, request, user))
        return user

    def _load_device(self, request: HttpRequest, user: Any) -> Any:
        persistent_id = self._normalize_persistent_id(request.session[DEVICE_ID_SESSION_KEY])
        return self._finalize_device(request, user, Device.from_persistent_id(persistent_id))


class MfaRequiredMiddleware:
    """Until the second factor is done, a logged-in session reaches only the MFA pages:
    every other request is sent to the MFA step, whatever URL was typed. Must come
    after SessionVerifiedOTPMiddleware (which sets `user.is_verified()`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path_info
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[attr-defined]
            and path not in _mfa_open_paths()
            and not path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            from saikoku.core.login_flow import (
                full_page_redirect,
                mfa_remember_next,
                mfa_step_url,
                screen_to_return_to,
            )

            back = screen_to_return_to(request)
            if back:
                mfa_remember_next(request, back)
            return full_page_redirect(request, mfa_step_url(user))
        return self.get_response(request)
