"""Shared fixtures: personas, one per role, so each view's permission matrix is short."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _make_user(username: str, role: str, department: str = ""):
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, role=role, department=department
    )


@pytest.fixture
def operator(db):
    return _make_user("op1", "operator")


@pytest.fixture
def supervisor(db):
    return _make_user("sv1", "supervisor")


@pytest.fixture
def ward_staff_tax(db):
    return _make_user("tax1", "ward_staff", "tax")


@pytest.fixture
def ward_staff_nhi(db):
    return _make_user("nhi1", "ward_staff", "nhi")


@pytest.fixture
def ward_admin(db):
    return _make_user("admin1", "ward_admin")


@pytest.fixture
def auditor(db):
    return _make_user("aud1", "auditor")


@pytest.fixture
def outsider(db):
    """A logged-in account with no role: sees nothing."""
    return _make_user("nobody", "")
