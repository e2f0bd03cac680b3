"""The drills' shared set-up: one migrated and seeded cluster, made once per run and
stopped, whose data folder each drill copies for its own primary (a fresh copy costs a
second; migrating costs far more)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.drill_app import app_env, seed
from support.pg_cluster import Cluster, drill_folder

DATABASE = "saikoku"


@dataclass
class Template:
    root: Path
    cluster: Cluster
    data_dir: Path
    sessions: dict

    def env(self, database_url: str) -> dict[str, str]:
        return app_env(database_url, self.data_dir)


@pytest.fixture(scope="session")
def template() -> Iterator[Template]:
    root = drill_folder()
    data_dir = root / "app"
    data_dir.mkdir()
    cluster = Cluster.create("template", root)
    cluster.start()
    try:
        cluster.execute(f"CREATE DATABASE {DATABASE}")
        sessions = seed(app_env(cluster.url(DATABASE), data_dir), root / "sessions.json")
    finally:
        cluster.stop()
    yield Template(root, cluster, data_dir, sessions)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def drill_root(template: Template, request) -> Iterator[Path]:
    """This drill's own folder for its clusters, removed afterwards."""
    root = drill_folder(f"saikoku-{request.node.name[:40]}-")
    yield root
    shutil.rmtree(root, ignore_errors=True)
