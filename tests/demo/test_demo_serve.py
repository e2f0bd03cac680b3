"""`saikoku demo` serves with an SMS worker beside the web server, so an approved demo
campaign is sent; Ctrl-C stops both."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from support.layout import free_port, wait_for_port


def _children(pid: int) -> list[str]:
    """The command lines of a process's children."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    lines = []
    for child in children:
        try:
            lines.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except FileNotFoundError:
            continue
    return lines


def test_the_demo_runs_an_sms_worker_with_the_server_and_stops_both(tmp_path):
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        # The demo's own SQLite file in its own folder, whatever this run's database.
        if key != "DATABASE_URL" and not key.startswith("SAIKOKU_")
    }
    environment["SAIKOKU_DATA_DIR"] = str(tmp_path / "data")
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "saikoku",
            "demo",
            "--scale",
            "0.005",
            "--addr",
            f"127.0.0.1:{port}",
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=240, process=demo)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
        # The worker passed the demo's system checks and keeps running.
        time.sleep(3)
        commands = _children(demo.pid)
        assert any(" sms worker" in line for line in commands), commands
        assert any(" runserver " in line for line in commands), commands
        log.seek(0)
        output = log.read()
        assert "SMSの送信時間帯を毎日 0:00〜24:00 に拡大しました" in output
        assert "SMSの送信ワーカーを1つ起動します（送信機器: console）" in output
        assert "sms worker: 0 running campaign(s) queued again" in output
        # An inbound call can be tried at once: the printed command reaches the server.
        simulate = re.search(
            r"別の端末で: SAIKOKU_CTI_SECRET=(\S+) saikoku cti simulate (.+)", output
        )
        assert simulate, output
        tried = subprocess.run(
            [sys.executable, "-m", "saikoku", "cti", "simulate", *simulate[2].split(), "--no-end"],
            env={**environment, "SAIKOKU_CTI_SECRET": simulate[1]},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert tried.returncode == 0, tried.stdout + tried.stderr
        assert "SystemCheckError" not in output
        # Ctrl-C in the terminal reaches the whole group: the demo, its server and worker.
        os.killpg(demo.pid, signal.SIGINT)
        assert demo.wait(timeout=60) is not None
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        log.close()
    # Nothing of the group is left running (a zombie is not running: this machine's
    # init may be slow to reap an orphan).
    time.sleep(0.5)
    ps = subprocess.run(
        ["ps", "-o", "stat=,args=", "-g", str(demo.pid)], capture_output=True, text=True
    )
    assert [line for line in ps.stdout.splitlines() if not line.startswith("Z")] == []
