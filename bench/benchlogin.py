"""Logins for the benchmarks: a session as the real login leaves it, password and second
factor done, so what is timed is the page and not the login redirect.

The benches run in-process (Django's test client) or against a server they start; both
need the same session: the user id and backend (Django's login) and the confirmed
authenticator's id (django-otp's verification, which the console's middleware requires).
Also the contact hours every bench (and the drills) open to the whole day, so a run at
any hour finds payers it may call.
"""

from __future__ import annotations

from typing import Any


def _device_id(user: Any) -> str:
    from saikoku.core.mfa import totp_device_create, totp_device_enrolled

    device = totp_device_enrolled(user) or totp_device_create(user=user, confirmed=True)
    return device.persistent_id


def verified_client(user: Any) -> Any:
    """A test client logged in as the user with the second factor done."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = _device_id(user)
    session.save()
    return client


def verified_session_key(user: Any) -> str:
    """The key of a new verified session for the user (the `sessionid` cookie's value):
    Django's login on a fresh session (so the project's login hooks run: the session
    registered against the user, its login time stamped), then the second factor."""
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory
    from django_otp import DEVICE_ID_SESSION_KEY

    request = RequestFactory().get("/login/")
    request.session = SessionStore()
    request.user = user
    login(request, user, backend="saikoku.core.backends.HandlerBackend")
    request.session[DEVICE_ID_SESSION_KEY] = _device_id(user)
    request.session.save()
    assert request.session.session_key is not None
    return request.session.session_key


def contact_hours_all_day() -> None:
    """Every hour of every day open to contact; the attempts per day and week, the gap
    and the cool-down keep their settings."""
    from saikoku.outreach.models import ContactSettings

    ContactSettings.objects.update_or_create(
        pk=1,
        defaults={
            "weekday_start": "00:00",
            "weekday_end": "23:59:59",
            "saturday_allowed": True,
            "saturday_start": "00:00",
            "saturday_end": "23:59:59",
            "sunday_allowed": True,
            "holiday_allowed": True,
        },
    )
