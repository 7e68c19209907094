"""Fixtures for the simulator tests: small pinned-clock simulators served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from scrobble_insights.simulator import RunningServer, Simulator, SimulatorConfig, UserSpec

NOW = 1767225600          # 2026-01-01T00:00:00Z, the pinned simulator clock


class Api:
    """A tiny last.fm caller bound to one running simulator."""

    def __init__(self, client: httpx.Client, server: RunningServer):
        self.client, self.server = client, server

    def call(self, **params) -> httpx.Response:
        """GET /2.0/ with a test api_key and format=json unless given."""
        return self.client.get(self.server.url,
                               params={"api_key": "testkey", "format": "json", **params})

    def recent(self, **params) -> dict:
        """The `recenttracks` object of a successful user.getRecentTracks call."""
        response = self.call(method="user.getRecentTracks", **params)
        assert response.status_code == 200, response.text
        return response.json()["recenttracks"]

    def control(self, verb: str, action: str, **params) -> httpx.Response:
        """Call a /_sim/ control endpoint."""
        url = self.server.url.replace("/2.0/", f"/_sim/{action}")
        return self.client.request(verb, url, params=params)


def build_sim(**overrides) -> Simulator:
    """A small simulator (one user "ann", ~18 days of history, no rate limit)."""
    config = {"users": [UserSpec("ann")], "years": 0.05, "now": NOW, "rate_limit": 0}
    config.update(overrides)
    return Simulator(SimulatorConfig(**config))


def _serving() -> Iterator[Callable[..., tuple[Simulator, Api]]]:
    """Yield a starter of served simulators; close every one of them afterwards."""
    opened: list[tuple[httpx.Client, RunningServer]] = []

    def start(sim: Simulator | None = None, **overrides) -> tuple[Simulator, Api]:
        sim = sim or build_sim(**overrides)
        server, client = sim.serve(), httpx.Client(timeout=10)
        opened.append((client, server))
        return sim, Api(client, server)

    yield start
    for client, server in opened:
        client.close()
        server.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., tuple[Simulator, Api]]]:
    """Start a simulator (given, or small with config overrides); closed after the test."""
    yield from _serving()


@pytest.fixture(scope="module")
def serve_module() -> Iterator[Callable[..., tuple[Simulator, Api]]]:
    """Like `serve`, but the servers live until the test module ends."""
    yield from _serving()
