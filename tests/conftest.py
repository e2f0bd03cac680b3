"""Shared fixtures: personas, one per role, so each view's permission matrix is short."""

from __future__ import annotations

import pytest
from django.utils import translation

from support.personas import make_user


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """Every test starts in the default language: a request in English leaves English
    active in the thread (LocaleMiddleware does not reset it), which would otherwise
    leak into the next test's messages."""
    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _audit_trail_emptied_after_transactional_test(request):
    """Empties the audit trail after a transactional test, before its flush.

    The database refuses DELETE on the audit table (core migration 0002), so the flush
    that ends a transactional test would fail once the test wrote an audit entry. Here
    the triggers are lifted just long enough to empty it.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames
        for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    )
    if not transactional:
        yield
        return
    # Set up the database first so that this fixture's teardown runs before its flush.
    request.getfixturevalue("_django_db_helper")
    yield
    import importlib

    from django.db import connection

    # The incident timeline is append-only the same way (privacy migration 0005).
    guarded = [
        ("saikoku.core.migrations.0002_audit_append_only", "core_auditentry"),
        ("saikoku.privacy.migrations.0005_incident_register", "privacy_incidentaction"),
    ]
    with connection.cursor() as cursor:
        for module, table in guarded:
            migration = importlib.import_module(module)
            for sql in migration.statements(connection.vendor, install=False):
                cursor.execute(sql)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a constant table name
            for sql in migration.statements(connection.vendor, install=True):
                cursor.execute(sql)


@pytest.fixture
def operator(db):
    return make_user("op1", "operator")


@pytest.fixture
def supervisor(db):
    return make_user("sv1", "supervisor")


@pytest.fixture
def ward_staff_tax(db):
    return make_user("tax1", "ward_staff", "tax")


@pytest.fixture
def ward_staff_nhi(db):
    return make_user("nhi1", "ward_staff", "nhi")


@pytest.fixture
def ward_admin(db):
    return make_user("admin1", "ward_admin")


@pytest.fixture
def auditor(db):
    return make_user("aud1", "auditor")


@pytest.fixture
def outsider(db):
    """A logged-in account with no role: sees nothing."""
    return make_user("nobody", "")
