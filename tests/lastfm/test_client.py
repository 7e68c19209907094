"""The client over real HTTP on 127.0.0.1: it slows down on error 29 and names an unreachable API URL."""

import asyncio
import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest

from scrobble_insights.bronze.store import LocalBronze
from scrobble_insights.errors import PermanentLastfmError, TransientLastfmError
from scrobble_insights.extract.scrobbles import extract_scrobbles
from scrobble_insights.operate.steps import build_client
from support import TEST_KEY, TODAY


@contextmanager
def closed_port():
    """A loopback URL whose port is bound but not listening: every connection is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/2.0/"
    finally:
        sock.close()


class Url:
    def __init__(self, url: str) -> None:
        self.url = url


def test_client_slows_down_when_last_fm_keeps_answering_error_29(simulator, settings_for, tmp_path):
    sim, server = simulator(rate_limit=20)              # the client is configured for 500/s
    settings = settings_for(server, page_limit=20)
    client = build_client(settings)
    first, last = TODAY - timedelta(days=60), TODAY - timedelta(days=1)

    async def run():
        async with client:
            return await extract_scrobbles(client, "alice", first, last, bronze=LocalBronze(settings.bronze_dir),
                                           state_dir=settings.state_dir, limit=20, target_pages=5)

    stats = asyncio.run(run())
    assert stats.pages > 100 and stats.days == (last - first).days + 1
    assert client.stats["slowdowns"] >= 3 and client.rate < 500
    # The first second's burst and each probe upwards cost a few; nowhere near one per request.
    assert sim.stats["rate_limited"] == client.stats["rate_limited"] <= 40
    assert sim.stats["rate_limited"] < sim.stats["requests"] / 5


def test_client_climbs_back_to_its_rate_after_a_run_of_successes(simulator, settings_for):
    sim, server = simulator(rate_limit=10)
    client = build_client(settings_for(server))

    async def run():
        async with client:
            for _ in range(100):                       # 500/s against a limit of 10/s, until it slowed down
                if client.stats["slowdowns"] >= 3:
                    break
                await client.fetch_user_info("alice")
            slowest = client.rate
            sim.limiter.rate = 0                        # the limit is lifted
            for _ in range(200):
                await client.fetch_user_info("alice")
            return slowest

    slowest = asyncio.run(run())
    assert client.stats["slowdowns"] >= 3 and slowest <= 62.5
    assert client.rate == 500


def test_unreachable_api_url_fails_fast_and_is_named(settings_for):
    with closed_port() as url:
        client = build_client(settings_for(Url(url), max_attempts=12))

        async def run():
            async with client:
                await client.fetch_user_info("alice")

        with pytest.raises(PermanentLastfmError) as caught:
            asyncio.run(run())
    message = str(caught.value)
    assert url in message and "LASTFM_API_URL" in message and "\n" not in message
    assert TEST_KEY not in message and "api_key" not in message
    assert client.stats["requests"] <= 2                 # not retried 12 times as if transient


def test_connection_errors_after_a_first_answer_stay_transient(simulator, settings_for):
    sim, server = simulator()
    client = build_client(settings_for(server, max_attempts=4))

    async def run():
        async with client:
            await client.fetch_user_info("alice")
            server.close()                              # the API goes away mid-job
            await client.fetch_user_info("alice")

    with pytest.raises(TransientLastfmError) as caught:
        asyncio.run(run())
    assert not isinstance(caught.value, PermanentLastfmError)
    assert client.stats["requests"] == 1 + 4              # every attempt was made
