"""`saikoku sms test-send`: one message through the configured provider."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support.fake_gateway import TOKEN
from support.gateway_process import fake_gateway

SAIKOKU = Path(sys.executable).parent / "saikoku"


def _run(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SAIKOKU_DATA_DIR": str(tmp_path),
        "SAIKOKU_LOG_FILE": str(tmp_path / "log"),
        **env,
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [str(SAIKOKU), *args], env=environment, capture_output=True, text=True, check=False
    )


@pytest.fixture
def migrated(tmp_path):
    assert _run(tmp_path, "migrate", "-v0").returncode == 0
    return tmp_path


def test_test_send_prints_the_id_and_parts(migrated):
    with fake_gateway() as gateway:
        done = _run(
            migrated,
            "sms", "test-send", "--to", "090-1234-5678", "--text", "あ" * 71,
            SAIKOKU_SMS_PROVIDER="http", SAIKOKU_SMS_HTTP_URL=gateway.url,
            SAIKOKU_SMS_HTTP_TOKEN=TOKEN,
        )  # fmt: skip
        assert gateway.stats()["sent"] == 1
    assert done.returncode == 0, done.stderr
    assert "gw-1" in done.stdout and "2通分" in done.stdout


def test_a_refused_send_is_one_line_and_exit_1(migrated):
    with fake_gateway() as gateway:
        done = _run(
            migrated,
            "sms", "test-send", "--to", "09012349999", "--text", "x",
            SAIKOKU_SMS_PROVIDER="http", SAIKOKU_SMS_HTTP_URL=gateway.url,
            SAIKOKU_SMS_HTTP_TOKEN=TOKEN,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "unknown_number" in done.stderr


def test_a_landline_is_refused(migrated):
    done = _run(migrated, "sms", "test-send", "--to", "03-1234-5678", "--text", "x")
    assert done.returncode == 1
    assert "携帯電話の番号ではありません" in done.stderr
