"""gunicorn settings hooks for the metrics' multiprocess mode (core/metrics.py):
`gunicorn -c python:saikoku.gunicorn_conf saikoku.wsgi` (docs/operations/observability.md).

Each worker keeps its metric values in files in PROMETHEUS_MULTIPROC_DIR, named by its
process id. Files of processes of an earlier run would be added to this one's (and a new
process given an old id would carry on an old file), so when gunicorn starts it removes
the files of every process that no longer runs; the SMS workers' files, which write to
the same folder, stay. A worker that exits takes its live gauges (requests in progress)
out of the sum.
Kept free of Django: the gunicorn master process loads it before any worker imports
the application.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for file in path.glob("*.db"):
            if not _running(_pid_of(file)):
                file.unlink(missing_ok=True)


def _pid_of(file: Path) -> int:
    # counter_123.db, histogram_123.db, gauge_livesum_123.db: the id is the last part.
    tail = file.stem.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _running(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
