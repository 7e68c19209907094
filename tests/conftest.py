"""Shared fixtures: the simulator on a free loopback port, a temporary data directory, a pinned
clock, and a guard that refuses any network connection beyond loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec

# The simulator's clock in every test: 2026-03-15 00:00 UTC (nothing depends on today's date).
NOW = 1773532800
TODAY = date(2026, 3, 15)
TEST_KEY = "5c1e7a0f9b2d4e6a8c0b1d3f5e7a9c2b"   # a made-up key; tests prove it never leaks


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


def cli_env(server, data_dir: Path, **extra) -> dict:
    """Environment for running the CLI in a subprocess against a simulator."""
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
