"""An incremental build equals a full rebuild, after late, deleted and edited scrobbles."""

from datetime import timedelta

import duckdb
import pyarrow as pa
import pytest

from scrobble_insights.errors import TransformError
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.transform.dbt import dbt_dir, transform
from support import NOW, TODAY

TABLES = ["fact_scrobbles", "scrobble_sessions", "first_plays", "dim_artist", "dim_track", "dim_album", "bridge_artist_genre", "dim_date",
          "wide_scrobbles", "mart_daily_plays", "mart_genre_share", "mart_listening_clock", "mart_top_music_yearly",
          "mart_discovery_monthly", "mart_sessions", "mart_track_plays", "mart_hourly_plays", "mart_daily_genre_plays", "fact_artist_plays_monthly",
          "mart_artist_concentration_yearly", "intermediate.int_yearly_plays_ranked", "intermediate.int_artist_genres_applied", "intermediate.int_genre_plays_monthly",
          "intermediate.int_release_year_plays_counted", "mart_music_age", "mart_music_age_yearly",
          "mart_artist_countries", "mart_artist_types", "mart_genre_sources", "intermediate.int_scrobble_spellings",
          "intermediate.int_scrobble_spellings_settled"]


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


def reweight_artist(settings) -> str:
    """A weak second genre for an artist played in a few months only (not the most recent): its primary
    genre stays (mart_track_plays' genre columns do not change), its genres' weights change, and so
    do the weighted plays of the periods it was played in. Returns its name."""
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        artist = con.execute("""
            SELECT a.artist_name FROM marts.fact_artist_plays_monthly AS m
            INNER JOIN marts.dim_artist AS a ON a.artist_key = m.artist_key
            INNER JOIN marts.bridge_artist_genre AS b ON b.artist_key = m.artist_key AND b.is_primary AND b.weight >= 50
            GROUP BY a.artist_name HAVING count(*) <= 2 AND max(m.year * 100 + m.month) < ?
            ORDER BY sum(m.plays) DESC, a.artist_name LIMIT 1""", [TODAY.year * 100 + TODAY.month - 1]).fetchone()[0]
        con.execute("INSERT INTO raw.artist_tags (artist_name, tag_name, tag_weight, tag_rank, fetched_at) "
                    "SELECT ?, 'polka', 11, 99, max(fetched_at) FROM raw.artist_tags", [artist])
        return artist
    finally:
        con.close()


def artist_genres(settings, artist_name: str) -> list[tuple]:
    """An artist's (genre, share, is_primary) rows in bridge_artist_genre."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("""
            SELECT b.genre, round(b.share, 6), b.is_primary FROM marts.bridge_artist_genre AS b
            INNER JOIN marts.dim_artist AS a ON a.artist_key = b.artist_key
            WHERE a.artist_name = ? ORDER BY b.genre""", [artist_name]).fetchall()
    finally:
        con.close()


def old_genre_share_periods(settings, first_changed: str) -> list[str]:
    """The calendar months before `first_changed` (YYYY-MM) that this build recomputed in mart_genre_share."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT DISTINCT period FROM intermediate.int_genre_share_periods_changed "
            "WHERE period_grain = 'month' AND period < ? ORDER BY period", [first_changed]).fetchall()]
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
    # the partition-limited tests read the earliest changed day as a constant (applied while scanning, also
    # under the wide view's joins), taken when they ran from the days this build changed
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        earliest = con.execute("SELECT min(utc_date) FROM intermediate.int_user_days_changed").fetchone()[0]
    finally:
        con.close()
    compiled = dbt_dir(settings) / "target" / "compiled"
    wide_keys = [sql for sql in (p.read_text() for p in compiled.rglob("*.sql"))
                 if '"marts"."wide_scrobbles" as tested' in sql and "repeats" in sql]
    assert len(wide_keys) == 1 and f"tested.utc_date >= cast('{earliest}' as date)" in wide_keys[0]
    # so do the tests of the aggregates incremental per tail of local months or years; those of the genre
    # months read the months this build recomputed
    for model, bound in [("marts.fact_artist_plays_monthly", f"cast('{earliest}' as date)"),
                         ("intermediate.int_yearly_plays_ranked", f"cast('{earliest}' as date)"),
                         ("intermediate.int_genre_plays_monthly", '"int_genre_share_months_changed" as p')]:
        schema, name = model.split(".")
        limited = [sql for sql in (p.read_text() for p in compiled.rglob("*.sql"))
                   if f'"{schema}"."{name}" as tested' in sql and "repeats" in sql]
        assert len(limited) == 1 and bound in limited[0], model
    assert earliest >= yesterday - timedelta(days=15)
    # the plays per spelling before 2026-01-01 (two months before the last day's month) were kept as they were
    assert 'select * from "warehouse"."intermediate"."int_scrobble_spellings_settled"' in settled_spellings_sql(settings)

    full = transform(settings, full_refresh=True, today=TODAY)
    assert full.full_refresh
    after_full = snapshot(settings)
    for table in TABLES:
        assert after_incremental[table] == after_full[table], f"{table} differs between incremental and full"

    # then only an artist's genre weights change, nothing is re-extracted: only the periods of the few
    # months it was played in are recomputed, and they equal a full rebuild's
    reweighted = reweight_artist(settings)
    genres_before = artist_genres(settings, reweighted)
    assert not transform(settings, today=TODAY).full_refresh
    after_reweight = snapshot(settings)
    genres_after = artist_genres(settings, reweighted)
    assert [g[0] for g in genres_after if g[2]] == [g[0] for g in genres_before if g[2]]
    assert genres_after != genres_before
    recomputed = old_genre_share_periods(settings, f"{TODAY:%Y-%m}")
    transform(settings, full_refresh=True, today=TODAY)
    after_full = snapshot(settings)
    for table in TABLES:
        assert after_reweight[table] == after_full[table], f"{table} differs between incremental and full after reweighting"
    assert 1 <= len(recomputed) <= 2, recomputed


def settled_spellings_sql(settings) -> str:
    """The SQL the last build ran for int_scrobble_spellings_settled (kept: a select of its own rows)."""
    [path] = (dbt_dir(settings) / "target" / "run").rglob("int_scrobble_spellings_settled.sql")
    return path.read_text()


def reload_day_with_a_duplicate(settings, user: str, day) -> None:
    """Load one old day again through the warehouse's own replace_days, its rows plus a copy of one of
    them (same scrobble_id): what a loader bug would land."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("SELECT * EXCLUDE (loaded_at) FROM raw.scrobbles WHERE user_name = ? AND played_date = ? "
                           "ORDER BY scrobble_id", [user, day]).to_arrow_table()
        days = con.execute("SELECT * EXCLUDE (loaded_at) FROM raw.extracted_days WHERE user_name = ? AND day = ?",
                           [user, day]).to_arrow_table()
    finally:
        con.close()
    assert rows.num_rows > 1
    rows = pa.concat_tables([rows, rows.slice(0, 1)])
    warehouse = open_warehouse(settings)
    try:
        warehouse.replace_days(pa.table({"user_name": [user], "day": [day]}), pa.RecordBatchReader.from_batches(
            rows.schema, rows.to_batches()), lambda: days)
    finally:
        warehouse.close()


@pytest.mark.slow
def test_an_incremental_build_tests_the_scrobbles_loaded_since_the_last_build(simulator, settings_for):
    """The tests on raw scrobbles read only the rows loaded since the last build, and still catch a
    duplicate id on an old day loaded again."""
    sim, server = simulator(years=0.2)
    settings = settings_for(server, users=[{"name": "alice", "timezone": "Europe/London"}])
    first, yesterday = TODAY - timedelta(days=40), TODAY - timedelta(days=1)
    extract_and_load(settings, ["alice"], first, yesterday)
    assert transform(settings, today=TODAY).full_refresh
    reload_day_with_a_duplicate(settings, "alice", first + timedelta(days=3))
    with pytest.raises(TransformError) as failed:
        transform(settings, today=TODAY)
    assert "source_unique_lastfm_scrobbles_scrobble_id" in str(failed.value)


@pytest.mark.slow
def test_an_old_day_reloaded_with_an_earlier_first_play_equals_a_full_rebuild(simulator, settings_for):
    """An old day is extracted again with a play that is now the first of an artist and of a track whose
    first play was on a later day that no build changes: that later row is neither any more, and the
    incremental build deletes it without writing it again (first_plays writes only the rows whose flags
    changed), as a full rebuild leaves it out."""
    sim, server = simulator(years=0.4)
    settings = settings_for(server, users=[{"name": "alice", "timezone": "UTC"}])
    first, yesterday = TODAY - timedelta(days=120), TODAY - timedelta(days=1)
    extract_and_load(settings, ["alice"], first, yesterday)
    assert transform(settings, today=TODAY).full_refresh
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        # a first play of both its artist and its track, on a day after another day with plays
        moved, day, earlier = con.execute("""
            SELECT p.scrobble_id, p.utc_date, max(e.day) FROM marts.first_plays p
            JOIN raw.extracted_days e ON e.user_name = p.user_name AND e.day < p.utc_date AND e.scrobble_count > 0
            WHERE p.is_artist_discovery AND p.is_track_discovery AND p.utc_date BETWEEN ? AND ?
            GROUP BY ALL ORDER BY p.utc_date DESC LIMIT 1""", [first + timedelta(days=5), yesterday - timedelta(days=95)]).fetchone()
        rows = con.execute("SELECT * EXCLUDE (loaded_at) FROM raw.scrobbles WHERE user_name = 'alice' AND played_date = ?",
                           [earlier]).to_arrow_table()
        late = con.execute("""
            SELECT * EXCLUDE (loaded_at) REPLACE (md5(scrobble_id) AS scrobble_id, ? AS played_date,
                                                 epoch(CAST(? AS TIMESTAMP))::BIGINT + 3600 AS played_at_uts)
            FROM raw.scrobbles WHERE scrobble_id = ?""", [earlier, earlier, moved]).to_arrow_table()
        days = con.execute("SELECT * EXCLUDE (loaded_at) REPLACE (scrobble_count + 1 AS scrobble_count) "
                           "FROM raw.extracted_days WHERE user_name = 'alice' AND day = ?", [earlier]).to_arrow_table()
    finally:
        con.close()
    assert day > earlier and late.num_rows == 1
    rows = pa.concat_tables([rows, late.cast(rows.schema)])
    warehouse = open_warehouse(settings)
    try:
        warehouse.replace_days(pa.table({"user_name": ["alice"], "day": [earlier]}), pa.RecordBatchReader.from_batches(
            rows.schema, rows.to_batches()), lambda: days)
    finally:
        warehouse.close()

    assert not transform(settings, today=TODAY).full_refresh
    after_incremental = snapshot(settings)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        late_id = late.column("scrobble_id")[0].as_py()
        flags = {row[0]: row[1:] for row in con.execute(
            "SELECT scrobble_id, is_artist_discovery, is_track_discovery FROM marts.first_plays "
            "WHERE scrobble_id IN (?, ?)", [moved, late_id]).fetchall()}
    finally:
        con.close()
    assert flags == {late_id: (True, True)}, "the late play is the first of both; the later row is gone"
    incremental_settled_sql = settled_spellings_sql(settings)
    transform(settings, full_refresh=True, today=TODAY)
    after_full = snapshot(settings)
    # the day is in the settled history (before 2026-01-01): the plays per spelling before it were recomputed
    assert "select * from" not in incremental_settled_sql
    for table in TABLES:
        assert after_incremental[table] == after_full[table], f"{table} differs between incremental and full"
