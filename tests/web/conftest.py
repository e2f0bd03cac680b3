"""Console test data: the tiny package of support/console_package.py, loaded through the real
import (never written to tables directly), and a logged-in client per persona."""

from __future__ import annotations

import pytest
from django.test import Client

from saikoku.core.permissions import register_work_source, unregister_work_source
from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.console_package import build_console_package
from support.personas import verified_client


@pytest.fixture(autouse=True)
def _operators_work_every_payer():
    """These tests are about the payer page itself; purpose-bound access (an operator
    outside their own work gives a reason first) is tested in
    tests/outreach/test_calls_views.py. Here operators open payers as their own work."""
    register_work_source(_every_payer, first=True)
    yield
    unregister_work_source(_every_payer)


def _every_payer(user, resident_id) -> bool:
    return True


@pytest.fixture(scope="session")
def console_package_path(tmp_path_factory):
    return build_console_package(tmp_path_factory.mktemp("packages") / "console.zip")


@pytest.fixture
def payers(db, console_package_path) -> dict[str, int]:
    """Imports the package; maps resident_no -> Resident id."""
    result = package_import(path=console_package_path, password=None, handler="test")
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))


@pytest.fixture
def client_for():
    """client_for(user) -> a test client logged in as that user, second factor done
    (None: anonymous)."""

    def make(user) -> Client:
        return verified_client(user)

    return make
