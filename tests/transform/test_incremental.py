"""An incremental build equals a full rebuild, after late, deleted and edited scrobbles."""

from datetime import timedelta

import duckdb
import pytest

from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.transform.dbt import transform
from support import NOW, TODAY

TABLES = ["fact_scrobbles", "scrobble_sessions", "first_plays", "dim_artist", "dim_track", "dim_album", "bridge_artist_genre", "dim_date",
          "wide_scrobbles", "mart_daily_plays", "mart_genre_share", "mart_listening_clock", "mart_top_music_yearly",
          "mart_discovery_monthly", "mart_sessions", "mart_track_plays", "mart_hourly_plays", "mart_daily_genre_plays", "fact_artist_plays_monthly",
          "mart_artist_concentration_yearly", "intermediate.int_yearly_plays_ranked",
          "intermediate.int_release_year_plays_counted", "mart_music_age", "mart_music_age_yearly",
          "mart_artist_countries", "mart_artist_types", "mart_genre_sources"]


def qualified(table: str) -> str:
    """A TABLES entry as a relation: marts unless it names its schema."""
    return table if "." in table else f"marts.{table}"


def normalised(row: tuple) -> tuple:
    """Floats to 9 significant digits: parallel sums may differ in the last bits between any two builds."""
    return tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)


def snapshot(settings) -> dict[str, list]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        tables = {}
        for table in TABLES:
            rows = con.execute(f"SELECT * FROM {qualified(table)}").fetchall()
            tables[table] = sorted((normalised(r) for r in rows), key=repr)
        return tables
    finally:
        con.close()


def retag_artists(settings) -> None:
    """New tags for two often played artists, as a later tag fetch brings: the first changes genre, the
    second loses its tags. Their plays on unchanged days change genre in the marts (days they hold)."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        artists = [r[0] for r in con.execute(
            "SELECT artist_name FROM raw.scrobbles GROUP BY artist_name ORDER BY count(*) DESC, artist_name LIMIT 2"
        ).fetchall()]
        assert len(artists) == 2
        con.execute("DELETE FROM raw.artist_tags WHERE artist_name IN (?, ?)", artists)
        con.execute("INSERT INTO raw.artist_tags (artist_name, tag_name, tag_weight, tag_rank, fetched_at) "
                    "SELECT ?, 'polka', 100, 1, max(fetched_at) FROM raw.artist_tags", [artists[0]])
    finally:
        con.close()


def add_musicbrainz_genres(settings) -> str:
    """Curated MusicBrainz genres arrive for the third most played artist (its key as `enrich` asks it),
    as a later enrich run brings: its genre changes to reggae, decided by MusicBrainz, on every day it
    was played. Returns the artist's name."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        name, key = con.execute("""
            SELECT artist_name, CASE WHEN max(nullif(artist_mbid, '')) IS NULL THEN 'name:' || artist_name
                                     ELSE 'mbid:' || lower(max(nullif(artist_mbid, ''))) END
            FROM raw.scrobbles GROUP BY artist_name ORDER BY count(*) DESC, artist_name LIMIT 1 OFFSET 2""").fetchone()
        body = '{"id":"0f0f0f0f-0000-4000-8000-000000000000","type":"Group","country":"JM",' \
               '"genres":[{"name":"reggae","count":4,"id":"g","disambiguation":""}]}'
        con.execute("DELETE FROM raw.mb_artists WHERE artist_key = ?", [key])
        con.execute("INSERT INTO raw.mb_artists (artist_key, asked_mbid, asked_name, mbid, match, score, answer, "
                    "fetched_at, body) VALUES (?, NULL, NULL, '0f0f0f0f-0000-4000-8000-000000000000', "
                    "CASE WHEN ? LIKE 'mbid:%' THEN 'mbid' ELSE 'name' END, NULL, 'lookup', now(), ?)", [key, key, body])
        return name
    finally:
        con.close()


@pytest.mark.slow
def test_incremental_build_equals_full_rebuild_after_late_and_deleted_scrobbles(simulator, settings_for):
    sim, server = simulator(years=0.4)
    settings = settings_for(server, users=[{"name": "alice", "timezone": "Europe/London"}])
    first, yesterday = TODAY - timedelta(days=120), TODAY - timedelta(days=1)
    extract_and_load(settings, ["alice"], first, yesterday)
    first_build = transform(settings, today=TODAY)
    assert first_build.full_refresh and first_build.fact_rows > 3000

    sim.add_late_scrobbles("alice", 60, max_age_days=14)
    sim.delete_scrobbles("alice", 40, since_uts=NOW - 14 * 86400)
    sim.edit_scrobbles("alice", 10, since_uts=NOW - 14 * 86400)
    extract_and_load(settings, ["alice"], yesterday - timedelta(days=14), yesterday)
    retag_artists(settings)
    curated = add_musicbrainz_genres(settings)
    incremental = transform(settings, today=TODAY)
    assert not incremental.full_refresh
    assert incremental.fact_rows == first_build.fact_rows + 60 - 40
    after_incremental = snapshot(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        source, days, reggae_days = con.execute("""
            SELECT max(a.genre_source), count(DISTINCT t.local_date),
                   count(DISTINCT CASE WHEN t.primary_genre = 'reggae' THEN t.local_date END)
            FROM marts.mart_track_plays t JOIN marts.dim_artist a USING (artist_key)
            JOIN marts.dim_artist_alias s USING (artist_key) WHERE s.artist_name_as_scrobbled = ?""", [curated]).fetchone()
    finally:
        con.close()
    assert source == "musicbrainz" and days > 30 and reggae_days == days, "the MusicBrainz genre reached every day"

    full = transform(settings, full_refresh=True, today=TODAY)
    assert full.full_refresh
    after_full = snapshot(settings)
    for table in TABLES:
        assert after_incremental[table] == after_full[table], f"{table} differs between incremental and full"
