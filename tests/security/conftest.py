"""Attack cases, counted per kind: each test says its kind with
`@pytest.mark.attack("...")`, and the end of the run prints how many of each passed."""

from __future__ import annotations

from collections import Counter

import pytest

from saikoku.core.permissions import register_work_source, unregister_work_source


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("attack")
        if marker is not None:
            item.user_properties.append(("attack", marker.args[0]))


def pytest_terminal_summary(terminalreporter):
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "") != "call":
                continue
            for key, value in getattr(report, "user_properties", []):
                if key == "attack":
                    counts[(value, outcome)] += 1
    if not counts:
        return
    terminalreporter.section("attack cases by kind")
    for kind in sorted({kind for kind, _ in counts}):
        passed, failed = counts[(kind, "passed")], counts[(kind, "failed")]
        terminalreporter.write_line(f"{kind}: {passed} passed, {failed} failed")


@pytest.fixture
def operators_work_every_payer():
    """Operators open any payer as their own work (purpose-bound access is tested in
    tests/outreach); through the project's registry, never a patch."""

    def every_payer(user, resident_id) -> bool:
        return True

    register_work_source(every_payer, first=True)
    yield
    unregister_work_source(every_payer)
