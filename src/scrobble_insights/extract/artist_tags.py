"""Extract artist.getTopTags (genre evidence) for artists not tagged yet, into bronze.

Never once per scrobble: the warehouse says which artists need tags (never asked, or asked more
than `tags_max_age_days` ago), most played first; answers land in batches so a crash loses little.
"""

from __future__ import annotations

from collections.abc import Callable

from scrobble_insights.bronze.files import utc_now, write_tags_batch
from scrobble_insights.bronze.store import BronzeStore
from scrobble_insights.extract.scrobbles import gather_all
from scrobble_insights.lastfm.client import LastfmClient

BATCH = 100


async def extract_artist_tags(client: LastfmClient, artists: list[str], bronze: BronzeStore, *,
                              on_artist: Callable[[str], None] = lambda a: None) -> list[str]:
    """Fetch the top tags of each artist and land them; returns the keys of the batches written."""
    written = []

    async def fetch(artist: str) -> dict:
        _, body = await client.fetch_top_tags(artist)   # unknown artist: an error body, kept as such
        on_artist(artist)
        return {"artist": artist, "fetched_at": utc_now().isoformat(), "body": body}

    for start in range(0, len(artists), BATCH):
        records = await gather_all(fetch(a) for a in artists[start:start + BATCH])
        written.append(write_tags_batch(bronze, records, utc_now()))
    return written
