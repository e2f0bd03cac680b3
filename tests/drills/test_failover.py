"""Failover drills (docs/operations/failover.md): the real app under gunicorn, operators
saving outcomes over HTTP, a primary with one streaming standby.

- synchronous replication: the primary is killed (SIGKILL, as in a crash), the standby
  promoted, and the app, whose DATABASE_URL names both servers, serves again on it by
  itself; every save the app acknowledged is on the promoted server and the audit
  trail verifies;
- the negative control: the same with asynchronous replication while the standby
  receives nothing (its walsender stopped) loses acknowledged saves, so the check
  above can fail;
- the stall: when the only synchronous standby stops, saves hang and /readyz says so;
  they go on when it is back.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from support.drill_app import App, acknowledged_missing, operators_for, saikoku
from support.pg_cluster import Cluster, multi_host_url, stopped_on_exit

from .conftest import DATABASE

pytestmark = pytest.mark.drill


def _pair(template, root, *, sync: bool) -> tuple[Cluster, Cluster]:
    primary = Cluster.copy_of(template.cluster, "primary", root)
    primary.configure(f"synchronous_standby_names = '{'standby1' if sync else ''}'")
    primary.start()
    standby = primary.add_standby("standby1", root)
    primary.wait_streaming("standby1", sync=sync)
    return primary, standby


def _acknowledged(operators) -> int:
    return sum(len(o.acknowledged) for o in operators)


def _wait_for_writes(operators, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _acknowledged(operators) < count:
        assert time.monotonic() < deadline, [o.last_error for o in operators]
        time.sleep(0.05)


def test_synchronous_failover_loses_no_acknowledged_write(template, drill_root):
    primary, standby = _pair(template, drill_root, sync=True)
    with stopped_on_exit(primary, standby):
        env = template.env(multi_host_url(DATABASE, primary, standby))
        app = App(env)
        try:
            status, ready = app.readyz()
            assert status == 200, ready
            operators = operators_for(app, template.sessions)
            for operator in operators:
                operator.start()
            _wait_for_writes(operators, 24)

            killed_at = time.monotonic()
            primary.kill()
            promotion = standby.promote()
            promoted_at = time.monotonic()
            # The app serves again with the first save acknowledged by every operator
            # after the kill.
            deadline = time.monotonic() + 60
            while not all(
                o.acknowledged and o.acknowledged[-1].acknowledged_at > killed_at for o in operators
            ):
                assert time.monotonic() < deadline, [o.last_error for o in operators]
                time.sleep(0.02)
            serving_again = min(
                w.acknowledged_at
                for o in operators
                for w in o.acknowledged
                if w.acknowledged_at > killed_at
            )
            time.sleep(0.5)  # a little more work on the promoted server
            for operator in operators:
                operator.stop_event.set()
            for operator in operators:
                operator.join(timeout=30)
            status, ready = app.readyz()
        finally:
            app.stop()

        writes = _acknowledged(operators)
        missing = acknowledged_missing(standby.url(DATABASE), template.sessions, operators)
        assert missing == [], missing
        assert status == 200, ready
        verified = saikoku(template.env(standby.url(DATABASE)), "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        print(
            f"\n[failover] synchronous: {writes} acknowledged saves, none lost;"
            f" promotion {promotion:.2f} s (promoted {promoted_at - killed_at:.2f} s after the"
            f" kill); the app served again {serving_again - killed_at:.2f} s after the kill;"
            f" load {os.getloadavg()[0]:.2f}"
        )


def test_asynchronous_replication_with_a_lagging_standby_loses_acknowledged_writes(
    template, drill_root
):
    primary, standby = _pair(template, drill_root, sync=False)
    with stopped_on_exit(primary, standby):
        app = App(template.env(multi_host_url(DATABASE, primary, standby)))
        try:
            operators = operators_for(app, template.sessions)
            for operator in operators:
                operator.start()
            _wait_for_writes(operators, 6)
            # The standby stops receiving: its walsender on the primary is frozen, so
            # what the primary commits from now on is acknowledged but never sent.
            walsenders = primary.walsender_pids()
            for pid in walsenders:
                os.kill(pid, signal.SIGSTOP)
            before = _acknowledged(operators)
            _wait_for_writes(operators, before + 12)
            for operator in operators:
                operator.stop_event.set()
            for operator in operators:
                operator.join(timeout=30)
        finally:
            app.stop()
        primary.kill()
        standby.promote()

        missing = acknowledged_missing(standby.url(DATABASE), template.sessions, operators)
        print(
            f"\n[failover] asynchronous, standby lagging: {len(missing)} of"
            f" {_acknowledged(operators)} acknowledged saves lost"
        )
        # A save in flight when the walsender stopped may have been sent: one per operator.
        assert len(missing) >= 12 - len(operators), missing


def test_saves_stall_while_the_only_synchronous_standby_is_down_and_readyz_says_so(
    template, drill_root
):
    primary, standby = _pair(template, drill_root, sync=True)
    with stopped_on_exit(primary, standby):
        app = App(template.env(multi_host_url(DATABASE, primary, standby)))
        try:
            status, ready = app.readyz()
            assert status == 200 and ready["checks"]["synchronous_standby"]["ok"], ready
            [operator, *_] = operators_for(app, template.sessions, timeout=3)
            operator.save()
            assert len(operator.acknowledged) == 1

            standby.stop()
            deadline = time.monotonic() + 15
            while primary.walsender_pids():
                assert time.monotonic() < deadline
                time.sleep(0.1)
            status, ready = app.readyz()
            assert status == 503, ready
            assert ready["checks"]["synchronous_standby"] == {
                "ok": False,
                "detail": "synchronous standby missing: writes will stall",
            }
            stalled_at = time.monotonic()
            with pytest.raises(TimeoutError):
                operator.save(1)
            stalled_for = time.monotonic() - stalled_at
            assert len(operator.acknowledged) == 1

            standby.start()
            primary.wait_streaming("standby1", sync=True)
            status, ready = app.readyz()
            assert status == 200, ready
            deadline = time.monotonic() + 30
            while len(operator.acknowledged) < 2:
                assert time.monotonic() < deadline, operator.last_error
                try:
                    operator.save(1)
                except (OSError, RuntimeError):
                    time.sleep(0.2)
        finally:
            app.stop()
        print(
            f"\n[failover] stall: with the synchronous standby down a save waited"
            f" {stalled_for:.1f} s (the client's limit) and /readyz answered 503;"
            " saves went on once it was back"
        )
