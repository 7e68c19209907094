"""Extract MusicBrainz artist and release-group answers into bronze: batched by MBID, by name or title
where last.fm gave none.

The warehouse says which artist keys to ask about (operate/steps.py `enrich`), most played first; this
module asks and lands every answer untouched (gzip JSON lines, bronze/files.py `write_mb_batch`), one
line per answer:

    {"request": "artist.search.arid" | "artist.search.name" | "artist.lookup",
     "keys": ["mbid:<id>" | "name:<last.fm name>", ...],   # the asked keys the answer is about
     "asked": [<mbid>, ...] | "<name>" | "<mbid>",          # what was sent
     "status": 200 | 404, "fetched_at": "<ISO time>", "body": {...}}

- Artists with an MBID: `arid:(id1 OR … OR id100)` searches with limit=100 (one request per 100 artists);
  each MBID missing from an answer is looked up (`inc=genres+tags+aliases`): another id means merged, a
  404 unknown.
- Artists without: one `artist:"<name>"` search each; the loader accepts a hit only when unambiguous
  (musicbrainz/match.py).
- Lookups for curated genres (`extract_mb_lookups`): one request per matched artist.
- Release groups (`extract_mb_release_groups`, landed under musicbrainz/release-groups/): albums with a
  last.fm album MBID (a *release* MBID) by `reid:(r1 OR … OR r100)` searches, one request per 100;
  albums without, by browsing the release groups of their matched artist (one request per 100 release
  groups of that artist, most played artists first) — one line per artist, `"bodies"` holding every page.

Answers are written every FLUSH answers, and once more when the run stops for any reason (an error,
Ctrl-C, SIGTERM): what was answered is never asked again (the next run loads it first). Only a hard kill
loses the answers since the last flush.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from scrobble_insights.bronze.files import utc_now, write_mb_batch, write_mb_release_group_batch
from scrobble_insights.bronze.store import BronzeStore
from scrobble_insights.musicbrainz.client import SEARCH_LIMIT, Answer, MusicBrainzClient
from scrobble_insights.musicbrainz.match import arid_query, name_query, reid_query

FLUSH = 50               # answers per bronze batch file
NAME_HITS = 10           # hits asked for per name search: enough to see a rival
LOOKUP_INC = "genres+tags+aliases"


@dataclass(frozen=True)
class ArtistKey:
    """One artist to ask about: `key` is "mbid:<mbid>" (last.fm gave an MBID) or "name:<name>"."""

    key: str
    name: str
    mbid: str | None
    plays: int


@dataclass(frozen=True)
class AlbumRef:
    """One album to ask about: `ref` is "mbid:<release mbid>" (last.fm gave an album MBID) or
    "title:<last.fm artist name>|<album name as scrobbled>"; `artist_mbid` is the resolved MBID of its
    artist (raw.mb_artists), needed by the title path."""

    ref: str
    artist_name: str
    title: str
    release_mbid: str | None
    artist_mbid: str | None
    plays: int

    def asked(self) -> dict:
        return {"release_mbid": self.release_mbid, "artist_mbid": self.artist_mbid,
                "artist_name": self.artist_name, "title": self.title}


class _Lander:
    """Collects answers as bronze lines and writes them in batches (one at a time, in order)."""

    def __init__(self, bronze: BronzeStore, on_answer: Callable[[dict], None], write=write_mb_batch) -> None:
        self.bronze, self.on_answer, self.write = bronze, on_answer, write
        self.pending: list[dict] = []
        self.written: list[str] = []

    async def add(self, request: str, keys: list[str], asked, answer: Answer) -> dict:
        return await self.add_record({"request": request, "keys": keys, "asked": asked, "status": answer.status,
                                      "fetched_at": utc_now().isoformat(), "body": answer.body})

    async def add_record(self, record: dict) -> dict:
        self.pending.append(record)
        if len(self.pending) >= FLUSH:
            await self.flush()
        self.on_answer(record)
        return record

    async def flush(self) -> None:
        if self.pending:
            records, self.pending = self.pending, []
            self.written.append(await asyncio.to_thread(self.write, self.bronze, records, utc_now()))


async def extract_mb_artists(client: MusicBrainzClient, artists: list[ArtistKey], bronze: BronzeStore, *,
                             on_answer: Callable[[dict], None] = lambda record: None) -> list[str]:
    """Ask MusicBrainz about each artist key and land the answers; returns the batch keys written.
    MBID keys first (batched), then name keys, each in the order given (most played first)."""
    lander = _Lander(bronze, on_answer)
    try:
        by_mbid = [a for a in artists if a.mbid]
        for start in range(0, len(by_mbid), SEARCH_LIMIT):
            batch = by_mbid[start:start + SEARCH_LIMIT]
            mbids = [a.mbid for a in batch]
            answer = await client.search_artists(arid_query(mbids), limit=SEARCH_LIMIT)
            await lander.add("artist.search.arid", [a.key for a in batch], mbids, answer)
            found = {str(h.get("id", "")).lower() for h in answer.body.get("artists") or [] if isinstance(h, dict)}
            for artist in batch:
                if artist.mbid.lower() not in found:      # merged or unknown: the lookup tells which
                    looked = await client.lookup_artist(artist.mbid, LOOKUP_INC)
                    await lander.add("artist.lookup", [artist.key], artist.mbid, looked)
        for artist in artists:
            if not artist.mbid:
                answer = await client.search_artists(name_query(artist.name), limit=NAME_HITS)
                await lander.add("artist.search.name", [artist.key], artist.name, answer)
    finally:
        await lander.flush()
    return lander.written


async def extract_mb_lookups(client: MusicBrainzClient, targets: list[tuple[str, str]], bronze: BronzeStore, *,
                             on_answer: Callable[[dict], None] = lambda record: None) -> list[str]:
    """Look up (key, resolved MBID) pairs with inc=genres+tags+aliases (curated genres come from
    lookups only) and land the answers; returns the batch keys written."""
    lander = _Lander(bronze, on_answer)
    try:
        for key, mbid in targets:
            answer = await client.lookup_artist(mbid, LOOKUP_INC)
            await lander.add("artist.lookup", [key], mbid, answer)
    finally:
        await lander.flush()
    return lander.written


async def extract_mb_release_groups(client: MusicBrainzClient, albums: list[AlbumRef], bronze: BronzeStore, *,
                                    on_answer: Callable[[dict], None] = lambda record: None) -> list[str]:
    """Ask MusicBrainz for the release group of each album and land the answers; returns the batch keys
    written. Albums with a release MBID first (batched by `reid:`), then the others by browsing their
    artist's release groups, the artist with the most plays of such albums first. The loader decides the
    match (musicbrainz/match.py)."""
    lander = _Lander(bronze, on_answer, write_mb_release_group_batch)
    try:
        by_release = [a for a in albums if a.release_mbid]
        for start in range(0, len(by_release), SEARCH_LIMIT):
            batch = by_release[start:start + SEARCH_LIMIT]
            answer = await client.search_release_groups(reid_query([a.release_mbid for a in batch]), SEARCH_LIMIT)
            await lander.add("release-group.search.reid", [a.ref for a in batch], [a.asked() for a in batch], answer)
        by_artist: dict[str, list[AlbumRef]] = {}
        for album in albums:
            if not album.release_mbid and album.artist_mbid:
                by_artist.setdefault(album.artist_mbid, []).append(album)
        for artist_mbid, asked in sorted(by_artist.items(), key=lambda item: -sum(a.plays for a in item[1])):
            pages = [await client.browse_release_groups(artist_mbid)]
            while pages[-1].found and _browsed(pages) < int(pages[0].body.get("release-group-count") or 0):
                pages.append(await client.browse_release_groups(artist_mbid, offset=_browsed(pages)))
            await lander.add_record({"request": "release-group.browse", "keys": [a.ref for a in asked],
                                     "asked": [a.asked() for a in asked], "status": pages[-1].status,
                                     "fetched_at": utc_now().isoformat(), "bodies": [p.body for p in pages]})
    finally:
        await lander.flush()
    return lander.written


def _browsed(pages: list[Answer]) -> int:
    """Release groups received so far (a page past the end comes back empty: the loop ends)."""
    got = [len(p.body.get("release-groups") or []) for p in pages]
    return sum(got) if got[-1] else 1 << 30
