"""Databases and `saikoku` processes for the backup, restore and erasure tests.

Each test gets databases of its own on the suite's engine: SQLite files in its folder,
or PostgreSQL databases it creates on the suite's server and drops at the end (a
restore needs an empty database beside the source). Commands run as the ward's
operator types them, in a subprocess with fixed keys.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

TESTS = Path(__file__).resolve().parent.parent
KEYS = {
    "SAIKOKU_SECRET_KEY": "backup-test-secret-key-" + "s" * 30,
    "SAIKOKU_AUDIT_KEY": "backup-test-audit-key-" + "a" * 30,
    "SAIKOKU_MASTER_KEY": "backup-test-master-key-" + "m" * 30,
    "SAIKOKU_BACKUP_KEY": "backup-test-backup-key-" + "b" * 30,
}


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _server() -> dict[str, Any]:
    s = settings.DATABASES["default"]
    return {
        "host": s.get("HOST") or "127.0.0.1",
        "port": int(s.get("PORT") or 5432),
        "user": s.get("USER") or "postgres",
        "password": s.get("PASSWORD") or "",
    }


def _admin(sql: str) -> None:
    import psycopg

    server = _server()
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql)


@dataclass
class Place:
    """One installation: a data folder and a database of its own."""

    folder: Path
    url: str
    name: str = ""  # the PostgreSQL database's name
    files: Path = field(init=False)

    def __post_init__(self) -> None:
        self.files = self.folder / "files"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAIKOKU_")}
        env.update(
            {
                "DATABASE_URL": self.url,
                "DJANGO_SETTINGS_MODULE": "saikoku.settings",
                "PYTHONPATH": str(TESTS),
                "SAIKOKU_DATA_DIR": str(self.folder),
                "SAIKOKU_FILES_DIR": str(self.files),
                **KEYS,
                **extra,
            }
        )
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        return env

    def saikoku(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "saikoku", *args],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def scenario(self, *args: str) -> Any:
        """Runs support/backup_scenario.py on this installation; returns its JSON."""
        done = subprocess.run(
            [sys.executable, "-m", "support.backup_scenario", *args],
            cwd=TESTS,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def tables(self) -> list[str]:
        """The tables of this database (an absent SQLite file has none)."""
        if self.name:
            import psycopg

            with psycopg.connect(dbname=self.name, **_server()) as db:
                rows = db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
                ).fetchall()
            return [name for (name,) in rows]
        path = Path(self.url.removeprefix("sqlite:///"))
        if not path.exists():
            return []
        import sqlite3

        db = sqlite3.connect(path)
        try:
            return [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        finally:
            db.close()

    def raw_bytes(self) -> dict[str, bytes]:
        """What the installation holds, as bytes: the SQLite file and its WAL, or each
        PostgreSQL table through COPY, and every file of the data folder."""
        held: dict[str, bytes] = {}
        if self.name:
            import psycopg

            with psycopg.connect(dbname=self.name, **_server()) as db, db.cursor() as cursor:
                for table in self.tables():
                    with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                        held[f"table {table}"] = b"".join(bytes(chunk) for chunk in copy)
        if self.folder.exists():
            for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
                if path.suffix != ".pdf":  # the certificate: compressed, read apart
                    held[str(path.relative_to(self.folder))] = path.read_bytes()
        return held


@contextmanager
def places(tmp_path: Path, *names: str) -> Iterator[list[Place]]:
    """Installations on the suite's engine, dropped afterwards (PostgreSQL)."""
    made: list[Place] = []
    try:
        for name in names:
            folder = tmp_path / name
            if on_postgresql():
                base = str(settings.DATABASES["default"]["NAME"]).lower()
                database = f"{base}_{name}"[:60]
                _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                _admin(f'CREATE DATABASE "{database}"')
                s = _server()
                url = f"postgres://{s['user']}:{s['password']}@{s['host']}:{s['port']}/{database}"
                made.append(Place(folder, url, database))
            else:
                made.append(Place(folder, f"sqlite:///{folder / 'saikoku.sqlite3'}"))
        yield made
    finally:
        for place in made:
            if place.name:
                _admin(f'DROP DATABASE IF EXISTS "{place.name}" WITH (FORCE)')


def one_line_error(done: subprocess.CompletedProcess[str], command: str) -> str:
    """The single stderr line of a refused command, checked to be Japanese."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"saikoku {command}: "), lines[0]
    assert "Traceback" not in done.stderr
    return lines[0]
