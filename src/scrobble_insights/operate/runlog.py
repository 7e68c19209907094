"""One lock and one run log per data directory.

- `job_lock`: a second `backfill`/`run`/`load`/`transform` on the same data directory exits at
  once with a clear message instead of racing the first (an OS file lock: released even on kill -9).
- `record_run`: every job appends one JSON line to <data>/state/runs.jsonl (command, users, days,
  outcome, counts); `status` reads it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from scrobble_insights.errors import LockedError

log = logging.getLogger(__name__)


_held: list[int] = []        # descriptors of the locks this process holds (children may inherit them)


def held_lock_fds() -> list[int]:
    """The file descriptors of the data-directory locks held here: pass them to a child process
    (subprocess pass_fds) and the lock stays held until the child is gone too."""
    return list(_held)


@contextmanager
def job_lock(data_dir: Path, command: str):
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
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        try:           # who holds it, for the message above; the lock itself needs no disk space
            os.ftruncate(handle.fileno(), 0)
            os.pwrite(handle.fileno(), f"`scrobble-insights {command}` (pid {os.getpid()}, started {started})"
                      .encode(), 0)
        except OSError:
            pass
        _held.append(handle.fileno())
        try:
            yield
        finally:
            _held.remove(handle.fileno())
    finally:
        handle.close()        # closing releases the lock (unless a child inherited it)


def fallback_log() -> Path:
    """Where runs go when the data directory cannot take them (full or read-only disk):
    $XDG_STATE_HOME/scrobble-insights/runs.jsonl (default ~/.local/state), tagged with the data directory."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "scrobble-insights" / "runs.jsonl"


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)


def record_run(data_dir: Path, record: dict) -> Path | None:
    """Append one run to <data>/state/runs.jsonl, or to the fallback log when the data directory cannot
    take it; returns where it went (None when nowhere could, which is logged)."""
    line = {"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **record}
    primary = data_dir / "state" / "runs.jsonl"
    try:
        _append(primary, json.dumps(line, default=str) + "\n")
        return primary
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    fallback = fallback_log()
    try:
        _append(fallback, json.dumps({**line, "data_dir": str(data_dir.resolve())}, default=str) + "\n")
    except OSError as exc:
        log.error("could not record the run in %s (%s) nor in %s (%s)", primary, reason, fallback,
                  exc.strerror or type(exc).__name__)
        return None
    log.info("could not record the run in %s (%s): recorded in %s", primary, reason, fallback)
    return fallback


def _read_lines(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    runs = []
    for line in text.splitlines():
        try:
            runs.append(json.loads(line))
        except ValueError:
            continue          # a line cut by a crash or a full disk
    return runs


def read_runs(data_dir: Path) -> list[dict]:
    """Every recorded run of the data directory, oldest first (the fallback log's included)."""
    runs = _read_lines(data_dir / "state" / "runs.jsonl")
    here = str(data_dir.resolve())
    elsewhere = [r for r in _read_lines(fallback_log()) if r.get("data_dir") == here]
    if elsewhere:
        runs = sorted(runs + elsewhere, key=lambda r: str(r.get("finished_at", "")))
    return runs
