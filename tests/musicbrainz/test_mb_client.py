"""The MusicBrainz client against the simulator on 127.0.0.1: 503 and faults retried, 404 as an answer,
400 a one-line error, the User-Agent sent, the rate kept."""

from __future__ import annotations

import asyncio
import time

import pytest

from scrobble_insights.errors import MusicBrainzError, TransientMusicBrainzError
from scrobble_insights.musicbrainz.client import MBClientOptions, MusicBrainzClient

AGENT = "scrobble-insights/0.1.0 ( tests@example.org )"
FAST = dict(timeout_s=0.5, backoff_s=0.01, backoff_max_s=0.05)


def run(server, coroutine, **options):
    async def go():
        async with MusicBrainzClient(server.mb_url, AGENT, MBClientOptions(**{"rate_limit": 1000, **FAST, **options})) as mb:
            return mb, await coroutine(mb)
    return asyncio.run(go())


def test_lookup_answers_the_artist_and_404_for_an_unknown_mbid(simulator):
    sim, server = simulator(mb_rate_limit=0)
    known, unknown = next(iter(sim.musicbrainz.artists)), next(iter(sim.musicbrainz.unknown))

    async def both(mb):
        return await mb.lookup_artist(known), await mb.lookup_artist(unknown)

    mb, (found, missing) = run(server, both)
    assert (found.status, found.body["id"]) == (200, known) and "genres" in found.body
    assert missing.status == 404 and missing.body["error"] == "Not Found"
    assert {e.params["user-agent"] for e in sim.request_log()} == {AGENT}


def test_503_and_every_fault_kind_are_retried_until_an_answer(simulator):
    sim, server = simulator(mb_rate_limit=0, mb_fault_rate=0.6, timeout_fault_s=0.6)
    mbids = list(sim.musicbrainz.artists)[:15]

    async def lookups(mb):
        return [await mb.lookup_artist(m) for m in mbids]

    mb, answers = run(server, lookups, timeout_s=0.3, max_attempts=30)
    assert [a.body["id"] for a in answers] == mbids
    assert mb.stats["retries"] > 0 and mb.stats["requests"] == 15 + mb.stats["retries"]


def test_a_service_that_keeps_failing_raises_a_transient_error_after_the_attempts(simulator):
    sim, server = simulator(mb_rate_limit=0, mb_fault_rate=1.0, mb_fault_kinds=("mb503",))
    with pytest.raises(TransientMusicBrainzError, match="HTTP 503"):
        run(server, lambda mb: mb.lookup_artist(next(iter(sim.musicbrainz.artists))), max_attempts=3)
    assert sim.stats["mb_requests"] == 3


def test_a_bad_request_fails_at_once_in_one_line(simulator):
    sim, server = simulator(mb_rate_limit=0)
    with pytest.raises(MusicBrainzError, match="HTTP 400") as caught:
        run(server, lambda mb: mb.lookup_artist("not-an-mbid"))
    assert "\n" not in str(caught.value) and sim.stats["mb_requests"] == 1


def test_requests_are_spaced_at_the_configured_rate(simulator):
    sim, server = simulator(mb_rate_limit=20, mb_burst=2)      # a little slack for arrival jitter
    mbids = list(sim.musicbrainz.artists)[:8]

    async def lookups(mb):
        return [await mb.lookup_artist(m) for m in mbids]

    started = time.monotonic()
    run(server, lookups, rate_limit=20)
    assert time.monotonic() - started >= 7 / 20 * 0.9
    assert sim.stats.get("mb_rate_limited", 0) == 0
