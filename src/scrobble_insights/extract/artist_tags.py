"""Extract artist.getTopTags (genre evidence) for artists not tagged yet, into bronze.

Never once per scrobble: the warehouse says which artists need tags (never asked, or asked more
than `tags_max_age_days` ago), most played first; answers land in batches so a crash loses little.
Requests flow as one stream: a new artist is asked for whenever the client has room
(`LastfmClient.wait_for_room`), and every BATCH answers are written as one batch file, so no batch
waits for its slowest request before the next artists are asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scrobble_insights.bronze.files import utc_now, write_tags_batch
from scrobble_insights.bronze.store import BronzeStore
from scrobble_insights.extract.scrobbles import task_group
from scrobble_insights.lastfm.client import LastfmClient

BATCH = 100


async def extract_artist_tags(client: LastfmClient, artists: list[str], bronze: BronzeStore, *,
                              on_artist: Callable[[str], None] = lambda a: None) -> list[str]:
    """Fetch the top tags of each artist and land them; returns the keys of the batches written."""
    written: list[str] = []
    answered: list[dict] = []
    writing = asyncio.Lock()        # batch files are written one at a time, in the order they filled

    async def write(records: list[dict]) -> None:
        async with writing:
            written.append(await asyncio.to_thread(write_tags_batch, bronze, records, utc_now()))

    async def fetch(artist: str) -> None:
        _, body = await client.fetch_top_tags(artist)   # unknown artist: an error body, kept as such
        on_artist(artist)
        answered.append({"artist": artist, "fetched_at": utc_now().isoformat(), "body": body})
        if len(answered) >= BATCH:
            records = answered[:BATCH]
            del answered[:BATCH]
            await write(records)

    async with task_group() as group:
        for artist in artists:
            await client.wait_for_room()
            group.create_task(fetch(artist))
            await asyncio.sleep(0)       # let its request reach the client before looking for room again
    if answered:
        await write(answered)
    return written
