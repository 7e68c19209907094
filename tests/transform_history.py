"""Hand-written listening histories for known-answer tests: bronze files in the real layout, loaded
by the real loader, so the dbt models see exactly what a backfill would leave."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from scrobble_insights.bronze.files import write_day, write_tags_batch, write_user_info
from scrobble_insights.bronze.store import open_bronze
from scrobble_insights.load.loader import load_scrobbles, load_tags, load_user_infos
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.operate.steps import check_users

FETCHED = datetime(2026, 11, 1, tzinfo=timezone.utc)


def track(uts: int, artist: str, name: str, album: str | None = "An Album", artist_mbid: str = "") -> dict:
    """A scrobbled track object shaped like last.fm's (non-extended); album None = scrobbled without one
    (last.fm sends an empty '#text')."""
    when = datetime.fromtimestamp(uts, timezone.utc)
    return {"artist": {"mbid": artist_mbid, "#text": artist}, "streamable": "0", "image": [], "mbid": "",
            "album": {"mbid": "", "#text": album or ""}, "name": name, "url": "",
            "date": {"uts": str(uts), "#text": when.strftime("%d %b %Y, %H:%M")}}


def uts(text: str) -> int:
    """'2026-03-29 01:30' (UTC) -> Unix seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def write_history(settings, user: str, plays: list[tuple], *, first: date, last: date,
                  tags: dict[str, list[tuple[str, int]]] | None = None,
                  answered_as: dict[str, str] | None = None) -> None:
    """Land `plays` for every UTC day first..last, tags, then load. A play is (UTC time, artist, track)
    with optionally an album (None = no album; default "An Album") and an artist MBID:
    (UTC time, artist, track, album, artist_mbid). `answered_as` maps an artist (as scrobbled) to the
    name last.fm's artist.getTopTags answered for it (its autocorrection)."""
    [user] = check_users([user])
    bronze = open_bronze(settings)
    by_day: dict[date, list[dict]] = {}
    for when, artist, name, *rest in plays:
        seconds = uts(when)
        day = datetime.fromtimestamp(seconds, timezone.utc).date()
        by_day.setdefault(day, []).append(
            {"fetched_at": FETCHED.isoformat(), "window": {}, "page": 1, "track": track(seconds, artist, name, *rest)})
    day = first
    while day <= last:
        write_day(bronze, user, day, sorted(by_day.pop(day, []), key=lambda line: -int(line["track"]["date"]["uts"])))
        day += timedelta(days=1)
    assert not by_day, f"plays outside {first}..{last}: {sorted(by_day)}"
    write_user_info(bronze, user, {"user": {"name": user, "playcount": str(len(plays)),
                                            "registered": {"unixtime": "1262304000"}}}, FETCHED)
    if tags:
        records = [{"artist": artist, "fetched_at": FETCHED.isoformat(),
                    "body": {"toptags": {"tag": [{"name": n, "count": c, "url": ""} for n, c in artist_tags],
                                         "@attr": {"artist": (answered_as or {}).get(artist, artist)}}}}
                   for artist, artist_tags in tags.items()]
        write_tags_batch(bronze, records, FETCHED)
    warehouse = open_warehouse(settings)
    try:
        load_scrobbles(warehouse, bronze)
        load_user_infos(warehouse, bronze)
        load_tags(warehouse, bronze)
    finally:
        warehouse.close()
