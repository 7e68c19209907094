"""A curated MusicBrainz genre reaches our vocabulary like a last.fm tag: the reference table
raw.tag_genres is built from the tag names *and* the genre names of MusicBrainz lookups, so a genre no
listener ever used as a tag (here "alt-country") still maps (to "alternative country")."""

import json

import pyarrow as pa

from scrobble_insights.load.duckdb_warehouse import DuckDBWarehouse
from scrobble_insights.load.records import MB_ARTIST_SCHEMA, mb_artist_rows

MBID = "8f4f2b6e-9a4c-4f7b-8d6e-1c2b3a4d5e6f"


def lookup(key: str, genres: list[dict], status: int = 200) -> dict:
    body = {"id": MBID, "name": "Wren Band", "genres": genres} if status == 200 else {"error": "Not Found"}
    return {"request": "artist.lookup", "keys": [key], "asked": MBID, "status": status,
            "fetched_at": "2026-11-30T12:00:00+00:00", "body": body}


def test_the_tag_list_for_the_vocabulary_names_musicbrainz_genres_too(tmp_path):
    from scrobble_insights.config import build_settings
    from scrobble_insights.transform.dbt import reference_tables

    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    try:
        warehouse.con.execute("INSERT INTO raw.artist_tags (artist_name, tag_name, tag_weight, tag_rank, fetched_at) "
                              "VALUES ('Wren Band', 'rock', 100, 1, now())")
        rows = [*mb_artist_rows(lookup(f"mbid:{MBID}", [{"name": "alt-country", "count": 3},
                                                         {"name": "rock", "count": 1}])),
                *mb_artist_rows(lookup("mbid:00000000-0000-4000-8000-000000000001", [], status=404))]
        warehouse.replace_mb_artists([], pa.Table.from_pylist(rows, schema=MB_ARTIST_SCHEMA))
        _, tags = warehouse.distinct_values()
    finally:
        warehouse.close()
    assert tags == ["alt-country", "rock"]           # once each, sorted; the 404 adds nothing
    settings = build_settings(data_dir=tmp_path / "data", users=[{"name": "wren", "timezone": "UTC"}])
    mapped = {r["tag_name"]: r["genre"] for r in reference_tables(settings, ["wren"], tags)["tag_genres"].to_pylist()}
    assert mapped["alt-country"] == "alternative country"


def test_bodies_without_genres_or_with_odd_entries_add_nothing():
    from scrobble_insights.load.warehouse import with_mb_genre_names

    bodies = [json.dumps({"id": MBID}), json.dumps({"genres": None}), json.dumps({"genres": [{"count": 2}, "x"]}),
              json.dumps({"genres": [{"name": "synthpop", "count": 1}]})]
    assert with_mb_genre_names(["rock"], bodies) == ["rock", "synthpop"]
