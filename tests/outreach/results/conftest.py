"""Payers for the promise, dialer and export tests, loaded through the real import."""

from __future__ import annotations

import pytest

from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.results_package import build_full


@pytest.fixture(scope="session")
def results_package_path(tmp_path_factory):
    return build_full(tmp_path_factory.mktemp("results") / "full.zip")


@pytest.fixture
def payers(db, results_package_path) -> dict[str, int]:
    """Imports the package; maps resident_no -> Resident id."""
    result = package_import(path=results_package_path, password=None, handler="test")
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))
