"""Starts the fake gateway (support/fake_gateway.py) as a process and reads its stats."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from contextlib import contextmanager
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


class Gateway:
    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    def stats(self) -> dict:
        with urllib.request.urlopen(self.url + "/stats", timeout=5) as response:  # noqa: S310
            return json.loads(response.read())


@contextmanager
def fake_gateway(*, ignore_keys: bool = False):
    args = [sys.executable, "-m", "support.fake_gateway", "--port", "0"]
    if ignore_keys:
        args.append("--ignore-keys")
    process = subprocess.Popen(args, cwd=TESTS, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("PORT "), line
        yield Gateway(process, int(line.split()[1]))
    finally:
        process.terminate()
        process.wait(timeout=10)
