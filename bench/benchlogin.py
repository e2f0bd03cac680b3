"""Logins for the benchmarks: a session as the real login leaves it, password and second
factor done, so what is timed is the page and not the login redirect.

The benches run in-process (Django's test client) or against a server they start; both
need the same session: the user id and backend (Django's login) and the confirmed
authenticator's id (django-otp's verification, which the console's middleware requires).
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
    """The key of a new verified session for the user (the `sessionid` cookie's value)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = _device_id(user)
    store.create()
    assert store.session_key is not None
    return store.session_key
