"""The release-group extract against the simulated MusicBrainz on 127.0.0.1: an artist with more release
groups than one browse page holds is read page by page, and the pages land together as one bronze line."""

from __future__ import annotations

import asyncio

from scrobble_insights.bronze.files import iter_mb_release_group_keys, read_lines
from scrobble_insights.bronze.store import LocalBronze
from scrobble_insights.extract.musicbrainz import AlbumRef, extract_mb_release_groups
from scrobble_insights.load.records import mb_release_group_rows
from scrobble_insights.musicbrainz.client import MBClientOptions, MusicBrainzClient
from scrobble_insights.simulator.mb_catalogue import MBRelease, MBReleaseGroup, made_up_id


def test_an_artist_with_230_release_groups_is_browsed_in_three_pages_and_matched_by_title(simulator, tmp_path):
    sim, server = simulator(mb_rate_limit=0)
    mb = sim.musicbrainz
    artist = next(a for a in mb.artists.values() if a.release_groups)
    for n in range(230 - len(artist.release_groups)):            # a prolific artist: 230 release groups
        rgid = made_up_id("test-release-group", n)
        mb.release_groups[rgid] = MBReleaseGroup(rgid, f"Session {n}", "Album", f"{1990 + n % 30}", artist.mbid,
                                                 [MBRelease(made_up_id("test-release", n), f"Session {n}", "Official")])
        artist.release_groups.append(rgid)
    wanted = {"Session 7": made_up_id("test-release-group", 7), "SESSION 190": made_up_id("test-release-group", 190)}
    albums = [AlbumRef(f"title:{artist.name}|{title}", artist.name, title, None, artist.mbid, 1) for title in wanted]
    store = LocalBronze(tmp_path / "bronze")
    start = len(sim.request_log())

    async def run() -> list[str]:
        async with MusicBrainzClient(server.mb_url, "scrobble-insights-tests/0 ( test@example.org )",
                                     MBClientOptions(rate_limit=1000)) as client:
            return await extract_mb_release_groups(client, albums, store)

    written = asyncio.run(run())
    browses = [e for e in sim.request_log()[start:] if e.method == "mb.release-group.browse"]
    assert [(e.params["artist"], e.params["offset"], e.params["limit"]) for e in browses] == [
        (artist.mbid, "0", "100"), (artist.mbid, "100", "100"), (artist.mbid, "200", "100")]
    assert written == iter_mb_release_group_keys(store)
    (line,) = [line for key in written for line in read_lines(store, key)]
    assert [len(body["release-groups"]) for body in line["bodies"]] == [100, 100, 30]
    rows = mb_release_group_rows(line)
    assert {(r["asked_title"], r["release_group_mbid"], r["match"]) for r in rows} == {
        (title, rgid, "title") for title, rgid in wanted.items()}
    assert {r["first_release_date"] for r in rows} == {"1997", "2000"}
