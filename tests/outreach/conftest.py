"""Fixtures of the outreach tests: the call-list package, the calls package and the
results package, each loaded through the real import."""

from __future__ import annotations

import pytest

from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.calls import import_payers
from support.lists_package import PAYERS, build_lists_package, resident_no
from support.results_package import build_full


@pytest.fixture(scope="session")
def lists_package_path(tmp_path_factory):
    return build_lists_package(tmp_path_factory.mktemp("lists") / "lists.zip")


@pytest.fixture
def ids(db, lists_package_path) -> dict[str, int]:
    """Imports the package; maps each PAYERS name to the Resident id."""
    result = package_import(path=lists_package_path, password=None, handler="test")
    assert result.status == "imported", result.problems
    by_no = dict(Resident.objects.values_list("resident_no", "id"))
    return {name: by_no[resident_no(name)] for name in PAYERS}


@pytest.fixture
def calls_payers(db, tmp_path) -> dict[str, int]:
    """Imports the calls package; maps each payer's name to the Resident id."""
    return import_payers(tmp_path)


@pytest.fixture(scope="session")
def results_package_path(tmp_path_factory):
    return build_full(tmp_path_factory.mktemp("results") / "full.zip")


@pytest.fixture
def payers(db, results_package_path) -> dict[str, int]:
    """Imports the results package (promises, dialer, export); maps resident_no ->
    Resident id."""
    result = package_import(path=results_package_path, password=None, handler="test")
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))
