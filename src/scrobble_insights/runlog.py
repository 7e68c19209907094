"""One lock and one run log per data directory.

- `pipeline_lock`: a second `backfill`/`run`/`load`/`transform` on the same data directory exits at
  once with a clear message instead of racing the first (an OS file lock: released even on kill -9).
- `record_run`: every job appends one JSON line to <data>/state/runs.jsonl (command, users, days,
  outcome, counts); `status` reads it.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from scrobble_insights.errors import ScrobbleInsightsError


class LockedError(ScrobbleInsightsError):
    """Another job holds the data directory."""

    exit_code = 3


@contextmanager
def pipeline_lock(data_dir: Path, command: str):
    """Hold <data>/state/pipeline.lock for the duration of a job, or fail at once."""
    path = data_dir / "state" / "pipeline.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(f"{data_dir} is in use by {holder}; wait for it to finish (a scheduled run "
                              "will try again next time)") from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(f"`scrobble-insights {command}` (pid {os.getpid()}, started {started})")
        handle.flush()
        yield
    finally:
        handle.close()        # closing releases the lock


def record_run(data_dir: Path, record: dict) -> None:
    """Append one run to <data>/state/runs.jsonl."""
    path = data_dir / "state" / "runs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **record}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, default=str) + "\n")


def read_runs(data_dir: Path) -> list[dict]:
    path = data_dir / "state" / "runs.jsonl"
    if not path.exists():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except ValueError:
            continue          # a line cut by a crash
    return runs
