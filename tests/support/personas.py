"""The personas' password and how they are made: one place for every test."""

from __future__ import annotations

from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, department: str = ""):
    """A user with a role (and a department for ward staff) and the shared password."""
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, role=role, department=department
    )
