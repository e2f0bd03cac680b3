"""Runs the processes of a Procfile (deploy/Procfile) as a Procfile runner such as
honcho does, for the tests that start the production layout: the environment file in
systemd's EnvironmentFile= form, one process group per line, SIGTERM to stop.

A runner of our own rather than honcho: the tests need to start, watch and stop the
processes and read their exit codes, which is a few lines over subprocess; production
runs the same commands under systemd (deploy/systemd/)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# honcho's and foreman's rule: "name: command", anything else (comments) is ignored.
LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


def procfile_read(path: Path) -> dict[str, str]:
    """The processes of a Procfile, name -> command, in order."""
    processes: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line.strip())
        if match:
            processes[match.group(1)] = match.group(2)
    return processes


def env_file_read(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= reads them (the subset the
    project's example uses: no quotes, no continuation lines); # starts a comment."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ValueError(f"{path}: not KEY=value: {line!r}")
        values[key.strip()] = value.strip()
    return values


def env_file_write(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()), "utf-8")
    return path


@dataclass
class Running:
    """The started processes of one Procfile, by name."""

    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def alive(self) -> dict[str, bool]:
        return {name: p.poll() is None for name, p in self.processes.items()}

    def log(self, name: str) -> str:
        return self.logs[name].read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30) -> dict[str, int]:
        """SIGTERM to every process group, then their exit codes (SIGKILL after the
        timeout, which shows as a negative code: not a clean stop)."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes[name] = process.wait()
                codes[name] = -int(signal.SIGKILL)
        return codes


def procfile_start(
    procfile: Path, *, env: dict[str, str], cwd: Path, log_dir: Path, only: set[str] | None = None
) -> Running:
    """Starts each process (or those named in `only`) with /bin/sh in its own process
    group, its output in log_dir/<name>.log."""
    running = Running()
    for name, command in procfile_read(procfile).items():
        if only is not None and name not in only:
            continue
        log = log_dir / f"{name}.log"
        handle = log.open("wb")
        running.processes[name] = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {command}"],
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        running.logs[name] = log
    return running
