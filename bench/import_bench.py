"""Import benchmark: the full-scale demo package into a fresh database.

Usage:
    .venv/bin/python bench/import_bench.py [--scale 1.0] [--seed 1] [--json]

The database is the one DATABASE_URL names (a fresh database is created beside it on
that server and dropped afterwards), or a temporary SQLite file when DATABASE_URL is
empty. In the same run the very same rows are copied into a second fresh database with
plain `executemany` (SQLite) or `COPY` (PostgreSQL): that is the floor no importer can
beat, and the ratio import/floor is the figure to watch (target ≤ 3).

Prints the figures; with --json the last line is one JSON object with at least rows,
import_s, baseline_s, ratio, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

# Tables the import writes, parents first, and so the order of the floor's inserts.
TABLES = [
    "people_household",
    "people_resident",
    "people_phone",
    "arrears_assessment",
    "arrears_bill",
    "arrears_payment",
    "arrears_plan",
    "arrears_measure",
    "arrears_wardhistory",
    "arrears_account",
]


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_database_urls(base_url: str, workdir: Path) -> tuple[str, str, Callable[[], None]]:
    """Two fresh, empty databases (import, floor) and a function that drops them."""
    if not base_url:
        return (
            f"sqlite:///{workdir / 'import.sqlite3'}",
            f"sqlite:///{workdir / 'floor.sqlite3'}",
            lambda: None,
        )
    import psycopg

    parsed = urlparse(base_url)
    names = [f"saikoku_bench_{os.getpid()}", f"saikoku_bench_{os.getpid()}_floor"]
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    urls = [urlunparse(parsed._replace(path=f"/{name}")) for name in names]
    return urls[0], urls[1], drop


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "saikoku", "migrate", "-v0"], check=True, env=env)


def floor_copy(source_url: str, target_url: str) -> tuple[float, int]:
    """Copies the imported rows with the plainest bulk insert the engine offers."""
    from django.db import connections, transaction

    connections.settings["floor"] = {
        **connections.settings["default"],
        **_django_db_settings(target_url),
    }
    source = connections["default"]
    target = connections["floor"]
    dumped: list[tuple[str, list[str], list[tuple]]] = []
    with source.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            columns = [c[0] for c in cursor.description]
            dumped.append((table, columns, cursor.fetchall()))
    rows = sum(len(r) for _t, _c, r in dumped)
    started = time.perf_counter()
    with transaction.atomic(using="floor"), target.cursor() as cursor:
        for table, columns, data in dumped:
            if not data:
                continue
            column_list = ", ".join(columns)
            if target.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(_pg_row(row))
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({marks})", data)
    return time.perf_counter() - started, rows


def manifest_rows(package: Path) -> int:
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    return sum(entry["rows"] for entry in manifest["files"].values())


def _pg_row(row: tuple) -> tuple:
    # JSON columns come back decoded; COPY wants their text.
    return tuple(
        json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in row
    )


def _django_db_settings(url: str) -> dict:
    import dj_database_url

    return dj_database_url.parse(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="saikoku-bench-") as tmp:
        workdir = Path(tmp)
        package = workdir / "package.zip"
        # The package is made in another process so its memory is not counted here.
        subprocess.run(
            [
                sys.executable,
                "-m",
                "saikoku",
                "demo-package",
                str(package),
                "--scale",
                str(args.scale),
                "--seed",
                str(args.seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "SAIKOKU_DATA_DIR": str(workdir)},
        )
        import_url, floor_url, drop = fresh_database_urls(
            os.environ.get("DATABASE_URL", ""), workdir
        )
        try:
            migrate(import_url)
            migrate(floor_url)
            os.environ["DATABASE_URL"] = import_url
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
            os.environ.setdefault("SAIKOKU_DATA_DIR", str(workdir))
            import django

            django.setup()
            from saikoku.interchange.services import package_import

            rss_before = peak_rss_mb()
            started = time.perf_counter()
            result = package_import(path=package, password=None, handler="bench")
            import_s = time.perf_counter() - started
            peak = peak_rss_mb()
            if result.status != "imported":
                raise SystemExit(f"import failed: {result.status} {result.problems[:5]}")
            package_rows = manifest_rows(package)
            baseline_s, table_rows = floor_copy(import_url, floor_url)
            from django.db import connections

            engine = connections["default"].vendor
            connections.close_all()
        finally:
            drop()

    figures = {
        "engine": engine,
        "scale": args.scale,
        "rows": table_rows,
        "package_rows": package_rows,
        "import_s": round(import_s, 2),
        "baseline_s": round(baseline_s, 2),
        "ratio": round(import_s / baseline_s, 2),
        "peak_rss_mb": round(peak, 1),
        "rss_before_import_mb": round(rss_before, 1),
        "rows_per_s": round(table_rows / import_s),
    }
    print(f"engine            {engine}")
    print(f"rows written      {table_rows:,} (package data rows: {package_rows:,})")
    print(f"import            {import_s:8.2f} s  ({figures['rows_per_s']:,} rows/s)")
    print(f"floor (bulk copy) {baseline_s:8.2f} s")
    print(f"ratio             {figures['ratio']:8.2f}  (target ≤ 3)")
    print(f"peak memory       {peak:8.1f} MB (target ≤ 1024)")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
