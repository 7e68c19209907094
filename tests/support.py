"""Helpers shared by the tests: the pinned clock, a made-up API key, running the CLI, and comparing
the simulator's truth with the warehouse."""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

# The simulator's clock in every test: 2026-03-15 00:00 UTC (nothing depends on today's date).
NOW = 1773532800
TODAY = date(2026, 3, 15)
TEST_KEY = "5c1e7a0f9b2d4e6a8c0b1d3f5e7a9c2b"   # a made-up key; tests prove it never leaks


def cli_env(server, data_dir: Path, **extra) -> dict:
    """Environment for running the CLI in a subprocess against a simulator. Other variables pass
    through, XDG_CACHE_HOME included (the session's shared dbt parse cache, tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_"))}
    env.update(LASTFM_API_URL=server.url, LASTFM_API_KEY=TEST_KEY, SCROBBLE_INSIGHTS_DATA_DIR=str(data_dir),
               SCROBBLE_INSIGHTS_RATE_LIMIT="500", SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S="1",
               SCROBBLE_INSIGHTS_RETRY_BACKOFF_S="0.02", SCROBBLE_INSIGHTS_RETRY_BACKOFF_MAX_S="0.2",
               SCROBBLE_INSIGHTS_MAX_ATTEMPTS="12", COLUMNS="200")
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrobble_insights", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, **kwargs)


def day_uts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def truth_rows(sim, user: str, first: date, last_exclusive: date) -> Counter:
    """The simulator's scrobbles in [first, last_exclusive) as a multiset of identities."""
    return Counter((s.uts, s.artist, s.track, s.album)
                   for s in sim.truth(user, day_uts(first), day_uts(last_exclusive)))


def warehouse_rows(path: Path, user: str, first: date | None = None, last_exclusive: date | None = None) -> Counter:
    con = duckdb.connect(str(path), read_only=True)
    try:
        sql = "SELECT played_at_uts, artist_name, track_name, album_name FROM raw.scrobbles WHERE user_name = ?"
        params: list = [user]
        if first is not None:
            sql += " AND played_at_uts >= ? AND played_at_uts < ?"
            params += [day_uts(first), day_uts(last_exclusive)]
        return Counter(tuple(r) for r in con.execute(sql, params).fetchall())
    finally:
        con.close()


@contextmanager
def webhook_receiver():
    """A webhook on 127.0.0.1: yields (base URL, list of (path, JSON body) it received)."""
    received: list[tuple[str, dict]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{receiver.server_address[1]}", received
    finally:
        receiver.shutdown()
        receiver.server_close()


def alive(pid: int) -> bool:
    """Is the process running (not gone, not a zombie)? From /proc."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def descendants(root: int) -> set[int]:
    """Every process below `root` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def hold_answers(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Make the in-process simulator hold every answer until the test sets `release`; `entered` is set
    when the first request arrives (a job is then running and waiting on last.fm)."""
    from scrobble_insights.simulator import methods

    entered, release = threading.Event(), threading.Event()
    answer = methods.call

    def held(sim, params):
        entered.set()
        release.wait(120)
        return answer(sim, params)

    monkeypatch.setattr(methods, "call", held)
    return entered, release


def hold_method(monkeypatch, method: str) -> tuple[threading.Event, threading.Event]:
    """Like hold_answers, for one API method only (e.g. "artist.gettoptags"): the others answer."""
    from scrobble_insights.simulator import methods

    entered, release = threading.Event(), threading.Event()
    answer = methods.call

    def held(sim, params):
        if params.get("method", "").lower() == method:
            entered.set()
            release.wait(120)
        return answer(sim, params)

    monkeypatch.setattr(methods, "call", held)
    return entered, release


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM a child and wait for it; if it does not exit in time, SIGKILL it (no orphan outlives the
    test) and fail with subprocess.TimeoutExpired."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """A directory that `build(directory)` fills once per test session, shared by every pytest-xdist
    worker: the first to ask builds it under an OS lock, the others wait for it and read the same files.
    For warehouses the tests only read (dbt builds cost seconds each; two workers would build twice)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent               # the session's directory, above each worker's own
    directory, done = root / f"shared-{name}", root / f"shared-{name}.built"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(directory, ignore_errors=True)
            build(directory)
            done.touch()
    return directory
