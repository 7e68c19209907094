"""Fixtures for the cloud half against local emulators: `bigquery_emulator`, local-bigquery (BigQuery's
REST API on DuckDB) in its own Python 3.13 environment, .venv-emulators (scripts/test.sh installs it).
Each emulator runs as a child process on free loopback ports with a temporary data directory, and
is stopped at the end of the session."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
LOCAL_BIGQUERY = ROOT / ".venv-emulators" / "bin" / "local-bigquery"
EMULATOR_FIXES = Path(__file__).parent / "emulator_fixes"      # its sitecustomize, see docs/cloud-emulators.md


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(process: subprocess.Popen, url: str, log: Path, deadline_s: float = 60) -> None:
    """Poll `url` until it answers 200; fail with the log's tail if the process exits or time runs out."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the emulator did not answer {url} within {deadline_s:.0f} s: {log.read_text()[-2000:]}")


@dataclass
class BigQueryEmulator:
    endpoint: str          # http://127.0.0.1:PORT, for BIGQUERY_EMULATOR_HOST
    project: str


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory):
    """local-bigquery serving BigQuery's REST API (and its Storage API over gRPC) on loopback."""
    if not LOCAL_BIGQUERY.exists():
        pytest.skip(f"{LOCAL_BIGQUERY.relative_to(ROOT)} is missing: scripts/test.sh installs it (needs Python 3.13)")
    project, port, data = "scrobble-emulator", free_port(), tmp_path_factory.mktemp("bigquery-emulator")
    log = data.parent / f"{data.name}.log"
    # the environment passes through: STORAGE_EMULATOR_HOST, when set, is the GCS its load jobs read
    env = {**os.environ, "PYTHONPATH": str(EMULATOR_FIXES), "SCROBBLE_TEST_EMULATOR_FIXES": "local-bigquery"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(LOCAL_BIGQUERY), "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port", str(free_port()),
             "--data-dir", str(data), "--project", project], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_until_ready(process, f"{endpoint}/bigquery/v2/projects/{project}/datasets", log)
        yield BigQueryEmulator(endpoint, project)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
