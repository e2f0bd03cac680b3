"""Runs the SMS scenario (support/sms_scenario.py) and `saikoku sms worker` processes
against one database and the fake gateway: for the kill-and-restart test and the bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from support.fake_gateway import TOKEN

TESTS = Path(__file__).resolve().parent.parent
SAIKOKU = Path(sys.executable).parent / "saikoku"


def environment(*, database_url: str, gateway_url: str, folder: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "saikoku.settings",
            "PYTHONPATH": str(TESTS),
            "SAIKOKU_DATA_DIR": str(folder),
            "SAIKOKU_LOG_FILE": str(folder / "saikoku.log"),
            "SAIKOKU_AUDIT_KEY": "worker-test-audit-key",
            "SAIKOKU_SECRET_KEY": "worker-test-secret-key",
            "SAIKOKU_SMS_PROVIDER": "http",
            "SAIKOKU_SMS_HTTP_URL": gateway_url,
            "SAIKOKU_SMS_HTTP_TOKEN": TOKEN,
            "SAIKOKU_SMS_WINDOW_START": "00:00",
            "SAIKOKU_SMS_WINDOW_END": "24:00",
            "SAIKOKU_SMS_WINDOW_EVERY_DAY": "true",
            "SAIKOKU_SMS_CLAIM_SECONDS": "3",
            "SAIKOKU_SMS_BATCH": "20",
            **extra,
        }
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def run_scenario(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "support.sms_scenario", *args],
        cwd=TESTS,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def migrate(env: dict) -> None:
    subprocess.run([str(SAIKOKU), "migrate", "-v0"], env=env, check=True, timeout=600)


def start_worker(env: dict, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(SAIKOKU), "sms", "worker", "--interval", "0.2", "--worker-id", name],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, *, timeout: float, every: float = 0.05) -> None:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return
        time.sleep(every)
    raise AssertionError("timed out")


def campaign_stats(env: dict, campaign_id: int) -> dict:
    return json.loads(run_scenario(env, "stats", "--campaign", str(campaign_id)))
