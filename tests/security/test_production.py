"""Production settings (docs/operations.md, "Production"): with them `saikoku check
--deploy` has nothing to say, and a production server refuses an unsafe configuration
on one line per problem, with a stable id, before it serves anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet


def production_environment(data_dir: Path, **changes: str) -> dict[str, str]:
    """The settings docs/operations.md lists for production, with example values.
    The database is PostgreSQL by name; the checks need no connection to it."""
    # Nothing of this test process's own configuration (the browser tests' conftest
    # sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which a deployment must not).
    own = ("SAIKOKU_", "DATABASE_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "saikoku.settings",
            "SAIKOKU_PRODUCTION": "true",
            "SAIKOKU_DATA_DIR": str(data_dir),
            "SAIKOKU_SECRET_KEY": "p" * 20 + "-production-secret-key-of-sixty-odd-characters-9f3k",
            "SAIKOKU_AUDIT_KEY": "audit-chain-key-kept-apart-from-the-database-0b7e",
            "SAIKOKU_OTP_KEY": Fernet.generate_key().decode(),
            "SAIKOKU_MASTER_KEY": "master-key-of-the-envelope-encryption-kept-offline-5d2a",
            "DATABASE_URL": "postgres://saikoku@127.0.0.1:5432/saikoku_deploy_check_absent",
            "SAIKOKU_ALLOWED_HOSTS": "saikoku.example.lg.jp",
            "SAIKOKU_CSRF_TRUSTED_ORIGINS": "https://saikoku.example.lg.jp",
            "SAIKOKU_TRUSTED_PROXIES": "10.0.0.2",
            "SAIKOKU_PROXY_SSL_HEADER": "true",
            "SAIKOKU_SSL_REDIRECT": "true",
            "SAIKOKU_SECURE_COOKIES": "true",
            "SAIKOKU_HSTS_SECONDS": "31536000",
            "SAIKOKU_ALLOWED_NETWORKS_WARD": "10.20.0.0/16",
            "SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR": "10.30.0.0/16",
            "SAIKOKU_LOG_FILE": "-",
        }
    )
    env.update(changes)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_has_no_warning_with_the_production_settings(tmp_path):
    result = _run(
        production_environment(tmp_path),
        "-m",
        "saikoku",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr
    # Nothing generated into the data folder: every key came from the environment.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("changes", "check_id", "setting"),
    [
        ({"SAIKOKU_DEBUG": "true"}, "saikoku.E102", "SAIKOKU_DEBUG"),
        ({"SAIKOKU_SECRET_KEY": ""}, "saikoku.E103", "SAIKOKU_SECRET_KEY"),
        ({"SAIKOKU_OTP_KEY": ""}, "saikoku.E103", "SAIKOKU_OTP_KEY"),
        ({"SAIKOKU_MASTER_KEY": ""}, "saikoku.E103", "SAIKOKU_MASTER_KEY"),
        ({"SAIKOKU_DEMO": "true"}, "saikoku.E104", "SAIKOKU_DEMO"),
        ({"SAIKOKU_MASTER_KEY": "short-key"}, "saikoku.E106", "SAIKOKU_MASTER_KEY"),
        ({"DATABASE_URL": ""}, "saikoku.E105", "DATABASE_URL"),
    ],
    ids=[
        "debug",
        "generated-secret-key",
        "generated-otp-key",
        "generated-master-key",
        "demo",
        "short-master-key",
        "sqlite",
    ],
)
def test_a_production_server_refuses_to_start_on_an_unsafe_setting(
    tmp_path, changes, check_id, setting
):
    """The WSGI application gunicorn imports runs the checks and refuses to start."""
    env = production_environment(tmp_path, **changes)
    result = _run(env, "-c", "import saikoku.wsgi")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if check_id in line]
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]


def test_the_same_settings_without_the_production_flag_start(tmp_path):
    env = production_environment(tmp_path, SAIKOKU_PRODUCTION="", DATABASE_URL="")
    env["SAIKOKU_DATA_DIR"] = str(tmp_path)
    result = _run(env, "-c", "import saikoku.wsgi")
    assert result.returncode == 0, result.stderr


def test_a_typo_in_an_allowed_network_stops_the_start(tmp_path):
    env = production_environment(tmp_path, SAIKOKU_ALLOWED_NETWORKS_WARD="10.20.0.0/33")
    result = _run(env, "-c", "import django; django.setup()")
    assert result.returncode != 0
    assert "SAIKOKU_ALLOWED_NETWORKS_WARD holds '10.20.0.0/33'" in result.stderr
