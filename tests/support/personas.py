"""The personas' password and how they are made: one place for every test."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, department: str = ""):
    """A user with a role (and a department for ward staff) and the shared password."""
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, role=role, department=department
    )


def logged_in_client(user) -> Client:
    """A test client with the user fully logged in: the one way tests log a client in,
    so a change to what logging in takes (a second factor, say) is made here once."""
    client = Client()
    client.force_login(user)
    return client


def browser_login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Logs in through the real login page in a Playwright page and waits until the
    user's landing page has opened."""
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
