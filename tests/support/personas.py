"""The personas' password, how they are made, and the one way tests log in.

Every user made here has an enrolled authenticator (as every real user has after
their first login), so logging in means the password and the TOTP code:
- `verified_client(user)`: a test client logged in with the second factor done;
- `login(page, live_server, user)`: the browser through the real login form and the
  real code page, with the code computed from the user's device.
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from saikoku.core.mfa import totp_code, totp_device_create, totp_device_enrolled
from saikoku.core.models import TOTPDevice

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, department: str = "", *, enrolled: bool = True, **extra):
    """A user with a role (and a department for ward staff) and the shared password;
    `enrolled=False` leaves the authenticator to the first login."""
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, role=role, department=department, **extra
    )
    if enrolled:
        totp_device_create(user=user, confirmed=True)
    return user


def device_of(user) -> TOTPDevice:
    device = totp_device_enrolled(user)
    if device is None:
        device = totp_device_create(user=user, confirmed=True)
    return device


def verified_client(user, client: Client | None = None, **client_kwargs) -> Client:
    """A test client logged in as the user (None: anonymous) with the second factor
    done, as after the real login; `client` logs an existing client in instead."""
    client = client or Client(**client_kwargs)
    if user is None:
        return client
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_of(user).persistent_id
    session.save()
    return client


def next_code(user) -> str:
    """A code the server will accept now: the current step's, or, when that step was
    already used (a second login within 30 seconds), the next step's (the server
    allows one step of clock drift); waits when even that one is used."""
    device = TOTPDevice.objects.get(pk=device_of(user).pk)
    while True:
        now = time.time()
        step = int(now - device.t0) // device.step
        for candidate in (step, step + 1):
            if candidate > device.last_t:
                return totp_code(device, at=device.t0 + candidate * device.step)
        time.sleep(1)


def login(page, live_server, user, *, password: str = PASSWORD, next_path: str = "") -> None:
    """Logs the browser in through the real form and the real TOTP step."""
    url = f"{live_server.url}/login/" + (f"?next={next_path}" if next_path else "")
    page.goto(url)
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/mfa/")
    page.fill("#id_token", next_code(user))
    page.press("#id_token", "Enter")
    # Each role lands on its own work (tests/e2e/test_landing.py); wait for that page.
    page.wait_for_url(lambda url: "/mfa/" not in url and "/login/" not in url)


def client_login(client: Client, user, *, password: str = PASSWORD, next_path: str = ""):
    """The real login with a test client: the password form, then the code. Returns
    the answer to the code (a redirect to where the user lands)."""
    data = {"username": user.get_username(), "password": password}
    if next_path:
        data["next"] = next_path
    first = client.post("/login/", data)
    assert first.status_code == 302 and first["Location"] == "/mfa/", first
    return client.post("/mfa/", {"token": next_code(user)})


def logged_in_client(user) -> Client:
    """A test client with the user fully logged in (second factor done): the one way
    tests log a client in."""
    return verified_client(user)


def browser_login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """`login` for a user known by name: the real form and the real TOTP step."""
    login(page, live_server, get_user_model().objects.get(username=username), password=password)
