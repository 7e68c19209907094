"""The enrichment job: artists and albums of the warehouse -> MusicBrainz -> bronze -> raw.mb_artists and
raw.mb_release_groups.

HTTP and storage never meet in one function: extract/musicbrainz.py asks and lands, load/loader.py
loads. This module composes them, in four steps on one client:

1. load what an earlier run landed and did not load (a killed run: its answers are never asked again);
2. ask about the artist keys never asked or asked more than `mb_max_age_days` ago, most played first
   (MBID keys batched 100 per search, merged/unknown MBIDs looked up, names searched one by one), then load;
3. look up curated genres (`inc=genres+tags+aliases`) for the `mb_lookup_top` most played matched keys
   whose row came from a search, then load;
4. ask for the release group of the albums never asked or asked more than `mb_max_age_days` ago, most
   played first: albums with a last.fm (release) MBID batched 100 per `reid:` search, the others by
   browsing their matched artist's release groups (an album of an unmatched artist is not asked), then load.

The rules and the numbers are docs/decisions/0011-musicbrainz-matching-and-batching.md and
docs/decisions/0012-release-groups.md.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from scrobble_insights.bronze.store import open_bronze
from scrobble_insights.config import Settings
from scrobble_insights.extract.musicbrainz import (
    AlbumRef,
    ArtistKey,
    extract_mb_artists,
    extract_mb_lookups,
    extract_mb_release_groups,
)
from scrobble_insights.load.loader import load_mb_artists
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.musicbrainz.client import MBClientOptions, MusicBrainzClient
from scrobble_insights.musicbrainz.match import MATCHED
from scrobble_insights.operate.job import run_async


@dataclass
class EnrichSummary:
    asked: int = 0                  # artist keys asked about (searched) in this run
    looked_up: int = 0              # keys looked up for their genres in this run
    matches: Counter = field(default_factory=Counter)   # match kind -> keys settled in this run
    requests: int = 0               # HTTP requests, retries included
    retries: int = 0
    resumed_files: int = 0          # batches an earlier run landed and this one loaded first
    seconds: float = 0.0
    albums_asked: int = 0           # albums asked about (release groups) in this run
    album_matches: Counter = field(default_factory=Counter)   # release match kind -> albums settled
    album_requests: int = 0         # of `requests`, those of the release-group step (retries included)

    @property
    def enriched(self) -> int:
        return sum(self.matches.values())

    def line(self) -> str:
        m = self.matches
        artist_requests = self.requests - self.album_requests       # `requests` counts the albums' too
        per = f"{artist_requests / self.enriched:.2f}" if self.enriched else "n/a"    # requests per artist settled
        return (f"MusicBrainz: {self.enriched:,} artists enriched — {m['mbid']:,} by MBID, {m['merged']:,} merged, "
                f"{m['name']:,} by name, {m['ambiguous']:,} ambiguous, {m['unknown']:,} unknown · "
                f"{self.looked_up:,} genre lookups · {artist_requests:,} requests, {per} per artist asked · "
                f"{self.album_line()} · {self.requests:,} requests in all ({self.retries:,} retries) · "
                f"{self.seconds:.1f}s")

    def album_line(self) -> str:
        a, settled = self.album_matches, sum(self.album_matches.values())
        per = f"{self.album_requests / settled:.2f}" if settled else "n/a"
        return (f"{settled:,} albums — {a['mbid']:,} by release MBID, {a['title']:,} by title, "
                f"{a['ambiguous']:,} ambiguous, {a['unknown']:,} unknown, {self.album_requests:,} requests, "
                f"{per} per album asked")


def build_mb_client(settings: Settings) -> MusicBrainzClient:
    return MusicBrainzClient(settings.mb_api_url, settings.mb_user_agent(), MBClientOptions(
        rate_limit=settings.mb_rate_limit, timeout_s=settings.request_timeout_s, max_attempts=settings.max_attempts,
        backoff_s=settings.retry_backoff_s, backoff_max_s=settings.retry_backoff_max_s))


def enrich(settings: Settings, users: list[str] | None = None, now: datetime | None = None, *,
           on_answer=lambda record: None) -> EnrichSummary:
    """Enrich the users' artists (all users' without `users`) from MusicBrainz; see the module docstring.
    `now` decides what is stale (pinned in tests); `on_answer` sees every landed answer."""
    from scrobble_insights.operate.steps import check_users

    started = time.monotonic()
    users = check_users(users) if users else None
    now = now or datetime.now(timezone.utc)
    client = build_mb_client(settings)           # no contact: a one-line ConfigError before any work
    bronze = open_bronze(settings)
    summary = EnrichSummary()
    warehouse = open_warehouse(settings)
    try:
        summary.resumed_files = load_mb_artists(warehouse, bronze).mb_files
        state = warehouse.mb_artist_state(users)
    finally:
        warehouse.close()
    stale_before = now - timedelta(days=settings.mb_max_age_days)
    todo = [ArtistKey(key, name, mbid, plays) for key, name, mbid, plays, _, _, fetched, _ in state
            if is_due(fetched, stale_before)]
    summary.asked = len(todo)
    settled: dict[str, str] = {}
    albums: dict[str, str] = {}

    def noted(record: dict) -> None:
        from scrobble_insights.load.records import mb_artist_rows, mb_release_group_rows

        if record["request"].startswith("release-group."):
            albums.update((row["album_ref"], row["match"]) for row in mb_release_group_rows(record))
        else:
            settled.update((row["artist_key"], row["match"]) for row in mb_artist_rows(record))
        on_answer(record)

    async def ask() -> None:
        async with client:
            if todo:
                await extract_mb_artists(client, todo, bronze, on_answer=noted)
            state = await asyncio.to_thread(_load, settings, bronze, users)
            targets = _genre_targets(state, settings.mb_lookup_top)
            summary.looked_up = len(targets)
            if targets:
                await extract_mb_lookups(client, targets, bronze, on_answer=noted)
                await asyncio.to_thread(_load, settings, bronze, users)
            before = client.stats["requests"]
            todo_albums = await asyncio.to_thread(_albums_to_ask, settings, users, stale_before)
            summary.albums_asked = len(todo_albums)
            try:
                if todo_albums:
                    await extract_mb_release_groups(client, todo_albums, bronze, on_answer=noted)
            finally:
                summary.album_requests = client.stats["requests"] - before

    try:
        run_async(ask())
    finally:
        _load(settings, bronze)            # what landed before a failure is kept and never asked again
        summary.matches = Counter(settled.values())
        summary.album_matches = Counter(albums.values())
        summary.requests, summary.retries = client.stats["requests"], client.stats["retries"]
        summary.seconds = time.monotonic() - started
    return summary


def _genre_targets(state: list[tuple], top: int) -> list[tuple[str, str]]:
    """(key, resolved MBID) of the `top` most played keys that are matched but only from a search (its
    hit carries tags, not the curated genres): the keys to look up. `state` has the keys' current rows."""
    return [(key, resolved) for key, _, _, _, match, answer, _, resolved in state[:top]
            if match in MATCHED and answer == "search" and resolved]


def _albums_to_ask(settings: Settings, users: list[str] | None, stale_before: datetime) -> list[AlbumRef]:
    """The albums never asked or asked before `stale_before`, most played first; an album without a release
    MBID only once its artist is matched (its release groups are browsed by the artist's MBID)."""
    warehouse = open_warehouse(settings)
    try:
        state = warehouse.mb_release_group_state(users)
    finally:
        warehouse.close()
    return [AlbumRef(ref, artist, title, release, artist_mbid, plays)
            for ref, artist, title, release, artist_mbid, plays, _, fetched in state
            if (release or artist_mbid) and is_due(fetched, stale_before)]


def _load(settings: Settings, bronze, users: list[str] | None = None) -> list[tuple]:
    """Load the landed answers; returns the artist keys' state afterwards."""
    warehouse = open_warehouse(settings)
    try:
        load_mb_artists(warehouse, bronze)
        return warehouse.mb_artist_state(users)
    finally:
        warehouse.close()


def is_due(fetched: datetime | None, stale_before: datetime) -> bool:
    """Whether a key or album fetched at `fetched` (None: never asked) is to be asked (again)."""
    return fetched is None or (fetched if fetched.tzinfo else fetched.replace(tzinfo=timezone.utc)) < stale_before
