"""Point-in-time recovery drill (docs/operations/backup-pitr.md): the app writes, a
base backup is taken with scripts/pitr-backup while WAL is archived, the app writes
more, then an accidental mass delete of the contact records; scripts/pitr-restore
brings the database back to just before the delete, table for table as it was, by its
time and by its LSN."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from support.drill_app import App, operators_for, saikoku
from support.pg_cluster import Cluster, free_port, run_as_server, stopped_on_exit

from .conftest import DATABASE

pytestmark = pytest.mark.drill

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def table_state(cluster: Cluster) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table of the app's database."""
    state = {}
    with cluster.connect(DATABASE) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY"
                " md5(t::text))), '') FROM {} t"
            ).format(sql.Identifier(table))
            state[table] = conn.execute(query).fetchone()
    return state


def _write(operators, count: int) -> None:
    target = sum(len(o.acknowledged) for o in operators) + count
    deadline = time.monotonic() + 30
    while sum(len(o.acknowledged) for o in operators) < target:
        assert time.monotonic() < deadline, [o.last_error for o in operators]
        time.sleep(0.05)


def _restore(cluster: Cluster, base: str, archive: Path, *target: str) -> float:
    """scripts/pitr-restore into the cluster's folder, then started; returns the
    seconds from its start until recovery ended and it accepts writes."""
    run_as_server([str(SCRIPTS / "pitr-restore"), base, str(archive), str(cluster.data), *target])
    started = time.monotonic()
    cluster.start()
    deadline = time.monotonic() + 60
    while cluster.scalar("SELECT pg_is_in_recovery()"):
        assert time.monotonic() < deadline, cluster.log.read_text()[-2000:]
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_mass_delete_is_undone_by_restoring_to_just_before_it(template, drill_root):
    archive = drill_root / "wal-archive"
    run_as_server(["mkdir", str(archive)])
    primary = Cluster.copy_of(template.cluster, "primary", drill_root)
    primary.configure(
        "archive_mode = on\n"
        f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n"
        "archive_timeout = 60"
    )
    primary.start()
    restored = Cluster("restored", drill_root / "restored", free_port())
    by_lsn = Cluster("restored-lsn", drill_root / "restored-lsn", free_port())
    with stopped_on_exit(primary, restored, by_lsn):
        app = App(template.env(primary.url(DATABASE)))
        try:
            operators = operators_for(app, template.sessions)
            for operator in operators:
                operator.start()
            _write(operators, 8)
            started = time.monotonic()
            backed_up = run_as_server(
                [str(SCRIPTS / "pitr-backup"), str(drill_root / "backups")],
                env={**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(primary.port),
                     "PGUSER": "postgres"},
            )  # fmt: skip
            backup_seconds = time.monotonic() - started
            base = backed_up.stdout.strip().splitlines()[-1]
            _write(operators, 8)  # after the base backup: only in the archive
            for operator in operators:
                operator.stop_event.set()
            for operator in operators:
                operator.join(timeout=30)
        finally:
            app.stop()

        before = table_state(primary)
        assert before["outreach_contactrecord"][0] >= 16
        target_time = primary.scalar("SELECT clock_timestamp()::text")
        time.sleep(0.2)
        target_lsn = primary.scalar("SELECT pg_current_wal_lsn()::text")
        with psycopg.connect(primary.url(DATABASE)) as conn, conn.transaction():
            conn.execute("DELETE FROM outreach_promise")
            conn.execute("DELETE FROM outreach_contactrecord")
        assert table_state(primary)["outreach_contactrecord"][0] == 0
        segment = primary.scalar("SELECT pg_walfile_name(pg_switch_wal())")
        deadline = time.monotonic() + 30
        while (archive / segment).exists() is False:
            assert time.monotonic() < deadline, "the WAL segment of the delete was not archived"
            time.sleep(0.1)
        primary.stop()

        restore_seconds = _restore(restored, base, archive, "--time", target_time)
        after = table_state(restored)
        assert after == before
        verified = saikoku(template.env(restored.url(DATABASE)), "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr
        restored.stop()

        # The same by the LSN just before the delete.
        _restore(by_lsn, base, archive, "--lsn", target_lsn)
        assert table_state(by_lsn) == before
        print(
            f"\n[pitr] {before['outreach_contactrecord'][0]} contact records back after the"
            f" mass delete, {len(after)} tables identical; base backup {backup_seconds:.1f} s,"
            f" recovery to {target_time} {restore_seconds:.1f} s; load {os.getloadavg()[0]:.2f}"
        )
