"""PostgreSQL clusters of our own for the drills (tests/drills): a primary and its
streaming standbys on free loopback ports in a temporary folder, made with Debian's
PostgreSQL 15 server binaries.

The server refuses to run as root, so when the tests run as root every server binary
runs as the `postgres` OS user (runuser) in folders owned by it. Nothing here touches
the machine's own cluster on 5432.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("SAIKOKU_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"

# The settings every drill cluster runs with. fsync is off because a drill kills
# processes, never the machine: the operating system keeps what a killed server wrote,
# so fsync would only slow the drill down on a shared disk, not change its outcome.
BASE_CONF = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 64MB
hot_standby = on
synchronous_commit = on
fsync = off
full_page_writes = on
shared_buffers = 32MB
max_connections = 60
wal_receiver_status_interval = 1s
wal_sender_timeout = 10s
wal_receiver_timeout = 10s
log_min_messages = warning
log_line_prefix = '%m [%p] '
"""


def as_server_user(command: list[str]) -> list[str]:
    """The command as the postgres OS user when we are root, else unchanged."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *command]
    return command


def give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, SERVER_USER, SERVER_USER)


def run_as_server(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run(as_server_user(command), **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drill_folder(prefix: str = "saikoku-drill-") -> Path:
    """A temporary folder the postgres user can enter (pytest's tmp_path is root's
    only)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    give_to_server_user(path)
    return path


class Cluster:
    """One PostgreSQL server: its data folder, port and log."""

    def __init__(self, name: str, data: Path, port: int) -> None:
        self.name = name
        self.data = data
        self.port = port
        self.log = data.parent / f"{name}.log"

    # -- life cycle ---------------------------------------------------------------

    @classmethod
    def create(cls, name: str, root: Path, *, port: int | None = None) -> Cluster:
        """initdb a new cluster (trust for loopback, including replication)."""
        data = root / name
        run_as_server(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        cluster = cls(name, data, port or free_port())
        cluster.configure(BASE_CONF)
        return cluster

    @classmethod
    def copy_of(cls, source: Cluster, name: str, root: Path) -> Cluster:
        """A copy of a stopped cluster's data folder, on a new port."""
        data = root / name
        run_as_server(["cp", "-a", str(source.data), str(data)])
        return cls(name, data, free_port())

    def configure(self, text: str) -> None:
        """Appends settings to postgresql.auto.conf (a later line wins)."""
        conf = self.data / "postgresql.auto.conf"
        run_as_server(["sh", "-c", f"cat >> '{conf}'"], input=text + "\n")

    def start(self) -> None:
        run_as_server(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                f"-p {self.port} -k {self.data.parent}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        if self.pid() is None:
            return
        run_as_server(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            check=False,
        )

    def pid(self) -> int | None:
        """The postmaster's pid, while it runs."""
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return None
        # A killed postmaster nobody has reaped yet is a zombie: dead all the same.
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return None
        return pid

    def processes(self) -> list[int]:
        """The postmaster and every process it started."""
        pid = self.pid()
        if pid is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the second field after the command in parentheses.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                children.append(int(entry.name))
        return [pid, *children]

    def kill(self) -> None:
        """SIGKILL the postmaster and all its processes at once: the server dies as in
        a crash of its machine, with no shutdown checkpoint and nothing more sent to the
        standbys."""
        processes = self.processes()
        for pid in processes:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)

    def promote(self) -> float:
        """Promotes a standby; returns the seconds until it accepts writes."""
        started = time.monotonic()
        run_as_server([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "promote"])
        while self.scalar("SELECT pg_is_in_recovery()"):
            time.sleep(0.02)
        return time.monotonic() - started

    # -- replication --------------------------------------------------------------

    def add_standby(self, name: str, root: Path) -> Cluster:
        """A streaming standby of this primary: a base backup through its own
        replication slot, then started. Its application_name is its name, which is
        what synchronous_standby_names lists."""
        self.execute(
            "SELECT pg_create_physical_replication_slot(%s)"
            " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = %s)",
            [name, name],
        )
        data = root / name
        run_as_server(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-D",
                str(data),
                "-X",
                "stream",
                "-S",
                name,
                "--checkpoint=fast",
                "--no-sync",
            ]
        )
        standby = Cluster(name, data, free_port())
        run_as_server(["touch", str(data / "standby.signal")])
        # The base backup copied the primary's settings; once promoted, the standby
        # has no standby of its own to wait for, so it must not wait for one.
        standby.configure(
            f"primary_conninfo = 'host=127.0.0.1 port={self.port} user=postgres"
            f" application_name={name}'\nprimary_slot_name = '{name}'\n"
            "synchronous_standby_names = ''"
        )
        standby.start()
        return standby

    def wait_streaming(self, name: str, *, sync: bool, timeout: float = 30) -> None:
        """Waits until the standby named streams (and is the synchronous one)."""
        want = ("sync", "quorum") if sync else ("async", "sync", "quorum", "potential")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.row(
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = %s",
                [name],
            )
            if row and row[0] == "streaming" and row[1] in want:
                return
            time.sleep(0.1)
        raise TimeoutError(f"{name} is not streaming to {self.name}: {row}")

    def walsender_pids(self) -> list[int]:
        return [row[0] for row in self.rows("SELECT pid FROM pg_stat_replication")]

    # -- SQL ----------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def execute(self, sql: str, params: list | None = None, database: str = "postgres") -> None:
        with self.connect(database) as conn:
            conn.execute(sql, params)  # type: ignore[arg-type]

    def rows(self, sql: str, params: list | None = None, database: str = "postgres") -> list:
        with self.connect(database) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def row(self, sql: str, params: list | None = None, database: str = "postgres"):
        found = self.rows(sql, params, database)
        return found[0] if found else None

    def scalar(self, sql: str, params: list | None = None, database: str = "postgres"):
        return self.row(sql, params, database)[0]

    def reload(self) -> None:
        self.execute("SELECT pg_reload_conf()")


def multi_host_url(database: str, *clusters: Cluster) -> str:
    """The application's DATABASE_URL naming every server in order: libpq tries each
    and keeps the first that accepts writes (docs/operations/failover.md)."""
    hosts = ",".join("127.0.0.1" for _ in clusters)
    ports = ",".join(str(c.port) for c in clusters)
    return (
        f"postgres://postgres@/{database}?host={hosts}&port={ports}"
        "&target_session_attrs=read-write&connect_timeout=2"
    )


@contextlib.contextmanager
def stopped_on_exit(*clusters: Cluster) -> Iterator[None]:
    """Stops the clusters (immediately) whatever happens in the block."""
    try:
        yield
    finally:
        for cluster in clusters:
            with contextlib.suppress(Exception):
                cluster.stop("immediate")
