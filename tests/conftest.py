"""Shared fixtures: the simulator on a free loopback port, a temporary data directory, a pinned
clock, a guard that refuses any network connection beyond loopback, and one dbt parse cache for the
whole session."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from support import NOW, TEST_KEY


@pytest.fixture(scope="session", autouse=True)
def shared_cache_home(tmp_path_factory):
    """XDG_CACHE_HOME of the whole session (in os.environ, so CLIs in subprocesses inherit it): the
    data directories of all tests share dbt's cached partial parse, and the real ~/.cache is untouched."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield os.environ["XDG_CACHE_HOME"]
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6):
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise AssertionError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def simulator():
    """Factory: start a simulator with a pinned clock; stopped at the end of the test."""
    running = []

    def start(**options):
        options.setdefault("now", NOW)
        options.setdefault("rate_limit", 0)
        users = options.pop("users", [UserSpec("alice", scrobbles_per_day=40)])
        sim = Simulator(SimulatorConfig(users=users, **options))
        server = sim.serve(host="127.0.0.1", port=0)
        running.append(server)
        return sim, server

    yield start
    for server in running:
        server.close()


@pytest.fixture
def settings_for(tmp_path):
    """Factory: Settings pointing at a simulator, a temp data dir, and fast retries."""

    def make(server, **overrides):
        values = dict(lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, data_dir=tmp_path / "data",
                      rate_limit=500, max_concurrency=4, request_timeout_s=1.0, retry_backoff_s=0.02,
                      retry_backoff_max_s=0.2, max_attempts=12)
        values.update(overrides)
        return build_settings(**values)

    return make


