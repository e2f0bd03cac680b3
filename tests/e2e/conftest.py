"""Browser tests: Debian's /usr/bin/chromium driven by Playwright against live_server.

They fail (never skip) when the browser is missing: CI installs it (.ci/run).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import time_machine

import support.calls
import support.console_package
from saikoku.core.permissions import register_work_source, unregister_work_source
from support.personas import make_user

# Playwright's sync API runs an event loop in this thread; Django refuses database
# access from a thread with a running loop unless told it is safe (it is: the loop
# only talks to the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _operators_work_every_payer(request):
    """These tests are about the payer page itself; purpose-bound access (an operator
    outside their own work gives a reason first) is tested in
    tests/outreach/calls/test_calls_views.py and, marked purpose_bound, in the browser.
    Here operators open payers as their own work."""
    if request.node.get_closest_marker("purpose_bound"):
        yield
        return
    register_work_source(_every_payer, first=True)
    yield
    unregister_work_source(_every_payer)


def _every_payer(user, resident_id) -> bool:
    return True


@pytest.fixture(scope="session")
def console_package():
    """The same tiny package as the console's view tests."""
    return support.console_package


@pytest.fixture
def imported_payers(transactional_db, console_package, tmp_path) -> dict[str, int]:
    from saikoku.interchange.services import package_import
    from saikoku.people.models import Resident

    path = console_package.build_console_package(tmp_path / "console.zip")
    result = package_import(path=path, password=None, handler="e2e")
    assert result.status == "imported", result.problems
    return dict(Resident.objects.values_list("resident_no", "id"))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def operator_with_list(transactional_db, tmp_path) -> dict[str, int]:
    """The small ward of support/calls.py, a supervisor and an operator `op1` with a
    call list of it: the call screen's browser tests."""
    with time_machine.travel(support.calls.NOW, tick=False):
        payers = support.calls.import_payers(tmp_path)
        sv = make_user("sv", "supervisor")
        op = make_user("op1", "operator")
        support.calls.build_list(sv, operator=op)
    return payers
