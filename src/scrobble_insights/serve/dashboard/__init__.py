"""The interactive dashboard: a Streamlit app over the marts, served on 127.0.0.1 only.

    from scrobble_insights.load.warehouse import reader_source
    serve(reader_source(settings), port=8501)        # blocks until Ctrl-C; returns the exit code

`start` runs the same server without blocking (tests, the demo) and `wait_until_healthy` polls its
health endpoint. Give it `reader_source` (DuckDB's read-only snapshot, never the live warehouse; or BigQuery): the app
opens the path it is given read-only for each question and keeps no connection between reruns, and
each job publishes a new snapshot there, so the dashboard never stands in a job's way. Streamlit runs
with usage statistics, the file watcher and development mode off: nothing leaves the machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

APP_PATH = Path(__file__).with_name("app.py")
WAREHOUSE_ENV = "SCROBBLE_INSIGHTS_WAREHOUSE_PATH"
HOST = "127.0.0.1"


def command(port: int, open_browser: bool = False) -> list[str]:
    """The `streamlit run` command line: loopback only, headless unless asked, nothing phoned home."""
    return [sys.executable, "-m", "streamlit", "run", str(APP_PATH),
            "--server.address", HOST, "--server.port", str(port),
            "--server.headless", "false" if open_browser else "true",
            "--server.fileWatcherType", "none", "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false", "--browser.serverAddress", HOST,
            "--global.developmentMode", "false", "--client.toolbarMode", "viewer",
            "--theme.base", "light"]


def environment(source: str | Path) -> dict[str, str]:
    """The server's environment: the warehouse it reads (a path made absolute, or BigQuery's datasets)."""
    from scrobble_insights.load.warehouse import is_bigquery

    env = dict(os.environ)
    source = str(source) if is_bigquery(source) else str(Path(source).resolve())
    env.update({WAREHOUSE_ENV: source, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"})
    return env


def start(source: str | Path, port: int = 8501, *, open_browser: bool = False, quiet: bool = False,
          ) -> subprocess.Popen:
    """Start the dashboard server in the background; `quiet` sends its console output to /dev/null."""
    output = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(command(port, open_browser), env=environment(source),
                            stdin=subprocess.DEVNULL, stdout=output, stderr=output)


def wait_until_healthy(port: int, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Poll /_stcore/health until it answers "ok"; TimeoutError after `timeout` seconds (or at once
    with RuntimeError if `process` exits first)."""
    url = f"http://{HOST}:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the dashboard server exited with code {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError(f"the dashboard did not answer on {url} within {timeout:.0f} s")
        time.sleep(0.1)            # polling interval, not a synchronisation delay


def stop(process: subprocess.Popen, timeout: float = 10.0) -> int:
    """Ask the server to shut down (SIGINT, as Ctrl-C would), then insist; return its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
    return process.wait()


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def serve(source: str | Path, port: int = 8501, open_browser: bool = False) -> int:
    """Run the dashboard in the foreground until it stops (Ctrl-C); return the server's exit code.
    The server never outlives this call: Ctrl-C and SIGTERM stop it too."""
    process = start(source, port, open_browser=open_browser)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        return process.wait()
    except KeyboardInterrupt:            # the server usually got the same SIGINT: let it finish cleanly
        return stop(process)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        stop(process)
