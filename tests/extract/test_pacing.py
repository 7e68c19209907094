"""Requests keep flowing at the rate limit: spacing from the simulator's request log, and the order in
which the extractors ask (next window's page 1 while pages are in flight, tags without batch stalls)
with stand-in clients that answer in event-loop turns, not in wall-clock time. With injected faults,
the simulator's log shows a failed request asked again at the next slot, and a hung one asked again
long before it hangs up."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from scrobble_insights.bronze.files import iter_days, read_lines
from scrobble_insights.bronze.store import LocalBronze
from scrobble_insights.extract.artist_tags import BATCH, extract_artist_tags
from scrobble_insights.extract.scrobbles import day_start_uts, extract_scrobbles
from scrobble_insights.lastfm.client import ClientOptions, LastfmClient
from scrobble_insights.lastfm.parse import parse_recent_tracks
from scrobble_insights.simulator import UserSpec
from support import TEST_KEY, TODAY, truth_rows


def test_requests_are_never_closer_than_the_rate_allows(simulator, tmp_path):
    rate = 20.0
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=60)], years=0.5)
    first, last = TODAY - timedelta(days=150), TODAY - timedelta(days=1)

    async def run() -> None:
        options = ClientOptions(rate_limit=rate, max_concurrency=16, backoff_s=0.01)
        async with LastfmClient(TEST_KEY, server.url, options) as client:
            await extract_scrobbles(client, "alice", first, last, bronze=LocalBronze(tmp_path / "bronze"),
                                    state_dir=tmp_path / "state", limit=50, target_pages=5)

    asyncio.run(run())
    times = [r.at for r in sim.request_log()]
    assert len(times) > 3 * rate
    assert all("api_key" not in r.params for r in sim.request_log())
    # Every run of `rate` requests spans about a second (0.95 s at the exact pace). Half of that
    # still fails any burst above the rate, and leaves room for a stalled, then hurried, server.
    run = int(rate)
    shortest = min(times[i + run - 1] - times[i] for i in range(len(times) - run + 1))
    assert shortest >= 0.5 * (run - 1) / rate, f"{run} requests within {shortest:.3f} s"


class PagedClient:
    """Stands in for LastfmClient: windows of `pages` pages of `limit` scrobbles; every answer takes
    a few event-loop turns; room for more while fewer than `target` calls (plus those promised) wait."""

    def __init__(self, pages: int, limit: int, target: int) -> None:
        self.pages, self.limit, self.target = pages, limit, target
        self.backlog = 0
        self.events: list[tuple[str, int, int]] = []     # ("ask" | "answer", window from, page)
        self.changed = asyncio.Condition()
        self.stats: dict[str, int] = defaultdict(int)

    async def wait_for_room(self, promised=lambda: 0) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.backlog + promised() < self.target)

    async def fetch_recent_tracks_page(self, user, from_uts, to_uts, page, limit=200, *, urgent=False):
        self.backlog += 1
        self.events.append(("ask", from_uts, page))
        for _ in range(3):
            await asyncio.sleep(0)          # the round trip, in loop turns
        days = (to_uts - from_uts) // 86400
        total = days * self.pages * self.limit if limit == 1 else self.pages * self.limit
        count = 1 if limit == 1 else self.limit
        tracks = [{"name": f"t{n}", "artist": {"#text": "a"}, "date": {"uts": str(from_uts + 60 * (page * count + n))}}
                  for n in range(count)]
        body = {"recenttracks": {"track": tracks, "@attr": {
            "user": user, "page": str(page), "perPage": str(limit), "total": str(total),
            "totalPages": str(-(-total // limit))}}}
        self.events.append(("answer", from_uts, page))
        if limit == 1:
            self.probe_answered = len(self.events)     # the probe of the whole range
        self.backlog -= 1
        async with self.changed:
            self.changed.notify_all()
        return parse_recent_tracks(body), body


def test_next_windows_page_1_is_asked_while_other_windows_pages_are_in_flight(tmp_path):
    limit, pages = 2, 6
    client = PagedClient(pages=pages, limit=limit, target=4)
    first = TODAY - timedelta(days=60)

    async def run() -> None:
        await extract_scrobbles(client, "alice", first, TODAY - timedelta(days=1), bronze=LocalBronze(tmp_path / "b"),
                                state_dir=tmp_path / "s", limit=limit, target_pages=pages, workers=8)

    asyncio.run(run())
    # The windows started once the probe told the density (those sent with it are sized by a guess).
    asks = [e for at, e in enumerate(client.events)
            if at > client.probe_answered and e[0] == "ask" and e[2] == 1 and e[1] != day_start_uts(first)]
    windows = sorted({e[1] for e in asks}, reverse=True)
    assert len(windows) >= 4
    order = {e: at for at, e in enumerate(client.events)}
    overlapped = 0
    for newer, older in zip(windows, windows[1:]):
        asked_page_2 = order[("ask", newer, 2)]
        last_answer = max(order[("answer", newer, p)] for p in range(1, pages + 1))
        older_page_1 = order[("ask", older, 1)]
        # Neither all page 1s at once (before any window's pages) nor one window after another.
        assert older_page_1 > asked_page_2, f"window {older}'s page 1 went before window {newer}'s pages"
        overlapped += older_page_1 < last_answer
    # One pair may not overlap: the first window sized by the probe, while the guessed ones fill the queue.
    assert overlapped >= len(windows) - 2, "a window's page 1 waited for the window before it to finish"


def test_the_job_hears_that_every_page_is_answered_before_the_last_days_are_written(tmp_path, monkeypatch):
    """So that the tags can follow the pages without a pause: each window's days are written only once
    `on_fetched` was told (or 5 s passed), and it was told with every scrobble counted."""
    from scrobble_insights.extract import scrobbles as module

    limit, pages = 2, 6
    client = PagedClient(pages=pages, limit=limit, target=4)
    told, seen, writes = threading.Event(), [], []
    real_write = module.write_window

    def write_when_told(bronze, user, result):
        writes.append(told.wait(timeout=5))
        real_write(bronze, user, result)

    def on_fetched(stats) -> None:
        seen.append((stats.scrobbles, sum(e[0] == "ask" for e in client.events)))
        told.set()

    monkeypatch.setattr(module, "write_window", write_when_told)

    async def run():
        return await extract_scrobbles(client, "alice", TODAY - timedelta(days=60), TODAY - timedelta(days=1),
                                       bronze=LocalBronze(tmp_path / "b"), state_dir=tmp_path / "s", limit=limit,
                                       target_pages=pages, workers=8, on_fetched=on_fetched)

    stats = asyncio.run(run())
    assert len(seen) == 1 and writes and all(writes), writes
    assert seen[0] == (stats.scrobbles, sum(e[0] == "ask" for e in client.events))   # nothing asked after
    assert stats.windows == len(writes)


class TagClient:
    """Stands in for LastfmClient: artist "Slow" answers only once every other artist was asked for."""

    def __init__(self, artists: list[str], target: int) -> None:
        self.others = set(artists) - {"Slow"}
        self.asked: list[str] = []
        self.backlog, self.target = 0, target
        self.changed = asyncio.Condition()
        self.everyone_asked = asyncio.Event()

    async def wait_for_room(self, promised=lambda: 0) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.backlog + promised() < self.target)

    async def fetch_top_tags(self, artist: str):
        self.backlog += 1
        self.asked.append(artist)
        if self.others <= set(self.asked):
            self.everyone_asked.set()
        if artist == "Slow":
            await self.everyone_asked.wait()
        else:
            await asyncio.sleep(0)
        self.backlog -= 1
        async with self.changed:
            self.changed.notify_all()
        return None, {"toptags": {"tag": [], "@attr": {"artist": artist}}}


def test_tags_keep_flowing_while_one_artist_is_slow(tmp_path):
    artists = ["Slow", *(f"Artist {n}" for n in range(2 * BATCH + 50))]
    client = TagClient(artists, target=8)
    bronze = LocalBronze(tmp_path / "bronze")

    async def run() -> list[str]:
        # A batch-by-batch gather would wait for "Slow" forever: the guard turns that into a failure.
        return await asyncio.wait_for(extract_artist_tags(client, artists, bronze), timeout=60)

    written = asyncio.run(run())
    batches = [[r["artist"] for r in read_lines(bronze, key)] for key in written]
    assert [len(b) for b in batches] == [BATCH, BATCH, 51]
    assert sorted(a for b in batches for a in b) == sorted(artists)
    assert "Slow" in batches[-1]          # answered once all others were asked: nobody waited for it


def bronze_rows(bronze: LocalBronze, user: str) -> Counter:
    """The scrobbles in the bronze day files, as a multiset like support.truth_rows."""
    return Counter((int(line["track"]["date"]["uts"]), line["track"]["artist"]["#text"], line["track"]["name"],
                    line["track"]["album"]["#text"])
                   for _, _, key, _ in iter_days(bronze, [user]) for line in read_lines(bronze, key))


def repeats(log) -> list[float]:
    """Seconds from each request's first arrival to its second (a retry or a copy), for those sent twice."""
    arrivals: dict[tuple, list[float]] = defaultdict(list)
    for request in log:
        arrivals[(request.method, *sorted(request.params.items()))].append(request.at)
    return [times[1] - times[0] for times in arrivals.values() if len(times) > 1]


def extract_with_faults(sim, server, tmp_path, **options) -> tuple[LocalBronze, LastfmClient]:
    bronze = LocalBronze(tmp_path / "bronze")
    client = LastfmClient(TEST_KEY, server.url, ClientOptions(rate_limit=20, **options))

    async def run() -> None:
        async with client:
            await extract_scrobbles(client, "alice", FAULTY_FIRST, FAULTY_LAST, bronze=bronze,
                                    state_dir=tmp_path / "state", limit=50, target_pages=5)

    asyncio.run(run())
    return bronze, client


FAULTY_FIRST, FAULTY_LAST = TODAY - timedelta(days=60), TODAY - timedelta(days=1)


@pytest.mark.slow
def test_a_fault_other_than_error_29_is_retried_at_the_next_slot_not_after_a_backoff(simulator, tmp_path):
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=60)], years=0.5, rate_limit=20,
                            latency_ms=20, fault_rate=0.15,
                            fault_kinds=("error8", "error16", "html500", "dropped", "truncated"))
    # A first backoff of 3 s (full jitter: 0-3 s) would put 4 in 5 first retries 0.6 s or more after the
    # failure. Four requests in flight: a retry waits for at most four limiter slots (a slot is held from
    # the queue at the limiter to the answer).
    bronze, client = extract_with_faults(sim, server, tmp_path, max_concurrency=4, backoff_s=3.0, backoff_max_s=6.0)
    assert bronze_rows(bronze, "alice") == truth_rows(sim, "alice", FAULTY_FIRST, FAULTY_LAST + timedelta(days=1))
    assert client.stats["retries"] >= 6 and sim.stats["rate_limited"] == 0
    first_retries = repeats(sim.request_log())
    assert len(first_retries) >= 6
    # The failure's answer (20 ms) and up to four limiter slots (50 ms each), with room for a busy machine.
    assert max(first_retries) < 0.6, sorted(first_retries)


@pytest.mark.slow
def test_a_hung_request_is_sent_again_once_the_limiter_has_nothing_else_to_send(simulator, tmp_path):
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=60)], years=0.5, rate_limit=20,
                            latency_ms=20, fault_rate=0.1, fault_kinds=("timeout",), timeout_fault_s=8.0)
    # The client would wait 30 s for an answer: only a copy of the hung request ends the run sooner.
    bronze, client = extract_with_faults(sim, server, tmp_path, max_concurrency=16, timeout_s=30.0, backoff_s=0.01)
    assert bronze_rows(bronze, "alice") == truth_rows(sim, "alice", FAULTY_FIRST, FAULTY_LAST + timedelta(days=1))
    assert sim.stats["fault:timeout"] >= 2 and client.stats["hedges"] >= 1 and sim.stats["rate_limited"] == 0
    copies = repeats(sim.request_log())
    # Each hung request was asked again well before its 8 s hang ended (a retry would come after it).
    assert len(copies) >= 2 and max(copies) < 4.0, sorted(copies)
