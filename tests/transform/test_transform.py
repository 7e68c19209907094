"""Known-answer tests of the dbt star schema on small hand-written histories (real DuckDB, real dbt)."""

from datetime import date

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.errors import WarehouseError
from scrobble_insights.transform.dbt import transform
from transform_history import write_history

TODAY = date(2026, 12, 1)


def query(settings, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # no scrobble-insights.toml or .env of the developer
    def make(**values):
        return build_settings(data_dir=tmp_path / "data", **values)
    return make


@pytest.mark.slow
def test_london_local_hours_follow_the_march_and_october_dst_changes(settings):
    s = settings(users=[{"name": "lon", "timezone": "Europe/London"}])
    write_history(s, "lon", [
        ("2026-03-29 00:30", "A", "before spring change"),    # GMT: 00:30
        ("2026-03-29 01:30", "A", "after spring change"),     # BST: 02:30
        ("2026-10-25 00:30", "A", "before autumn change"),    # BST: 01:30
        ("2026-10-25 01:30", "A", "after autumn change"),     # GMT: 01:30
        ("2026-07-01 22:30", "A", "summer late evening"),     # BST: 23:30 same day
        ("2026-12-31 23:30", "A", "new year's eve"),          # GMT: 23:30
    ], first=date(2026, 3, 29), last=date(2026, 12, 31))
    transform(s, today=TODAY)
    rows = dict((name, (str(local), key)) for name, local, key in query(s, """
        SELECT t.track_name, f.played_at_local, f.time_key FROM marts.fact_scrobbles f
        JOIN marts.dim_track t USING (track_key)"""))
    assert rows == {
        "before spring change": ("2026-03-29 00:30:00", 30),
        "after spring change": ("2026-03-29 02:30:00", 230),
        "before autumn change": ("2026-10-25 01:30:00", 130),
        "after autumn change": ("2026-10-25 01:30:00", 130),
        "summer late evening": ("2026-07-01 23:30:00", 2330),
        "new year's eve": ("2026-12-31 23:30:00", 2330),
    }


@pytest.mark.slow
def test_a_user_who_moved_gets_the_zone_in_force_at_each_instant(settings):
    s = settings(users=[{"name": "mover", "timezone": "Europe/Berlin",
                         "moves": [{"since": "2020-06-01", "tz": "America/New_York"}]}])
    write_history(s, "mover", [
        ("2020-05-31 12:00", "A", "in berlin"),       # CEST: 14:00
        ("2020-06-02 03:00", "A", "in new york"),     # EDT: 23:00 the day before
    ], first=date(2020, 5, 31), last=date(2020, 6, 2))
    transform(s, today=TODAY)
    rows = dict(query(s, """SELECT t.track_name, strftime(f.played_at_local, '%Y-%m-%d %H:%M') || ' ' || f.timezone
                            FROM marts.fact_scrobbles f JOIN marts.dim_track t USING (track_key)"""))
    assert rows == {"in berlin": "2020-05-31 14:00 Europe/Berlin", "in new york": "2020-06-01 23:00 America/New_York"}
    assert query(s, "SELECT timezone FROM marts.dim_user") == [("America/New_York",)]


@pytest.mark.slow
def test_seasons_follow_the_hemisphere(settings):
    s = settings(users=[{"name": "north", "timezone": "Europe/London"},
                        {"name": "south", "timezone": "Australia/Sydney", "hemisphere": "south"}])
    for user in ("north", "south"):
        write_history(s, user, [("2026-01-15 10:00", "A", "january"), ("2026-07-15 10:00", "A", "july")],
                      first=date(2026, 1, 15), last=date(2026, 7, 15))
    transform(s, today=TODAY)
    seasons = set(query(s, "SELECT user_name, month, season FROM marts.scrobbles"))
    assert seasons == {("north", 1, "winter"), ("north", 7, "summer"),
                       ("south", 1, "summer"), ("south", 7, "winter")}
    daily = set(query(s, "SELECT user_name, season FROM marts.mart_daily_plays WHERE local_date = '2026-01-20'"))
    assert daily == {("north", "winter"), ("south", "summer")}


@pytest.mark.slow
def test_average_tracks_per_day_counts_days_without_plays(settings):
    s = settings(users=[{"name": "quiet", "timezone": "UTC"}])
    write_history(s, "quiet", [("2026-02-01 10:00", "A", "t1"), ("2026-02-01 11:00", "A", "t2"),
                               ("2026-02-01 12:00", "B", "t3"), ("2026-02-04 10:00", "A", "t1")],
                  first=date(2026, 2, 1), last=date(2026, 2, 4))
    transform(s, today=TODAY)
    assert query(s, "SELECT count(*), sum(plays), avg(plays) FROM marts.mart_daily_plays") == [(4, 4, 1.0)]
    assert query(s, "SELECT plays FROM marts.mart_daily_plays ORDER BY local_date") == [(3,), (0,), (0,), (1,)]


@pytest.mark.slow
def test_genre_spellings_fold_and_junk_only_artists_get_no_genre(settings):
    s = settings(users=[{"name": "tags", "timezone": "UTC"}])
    write_history(s, "tags", [("2026-02-01 10:00", "Rapper", "r"), ("2026-02-01 11:00", "Junk Band", "j"),
                              ("2026-02-01 12:00", "Rapper", "r2")],
                  first=date(2026, 2, 1), last=date(2026, 2, 1),
                  tags={"Rapper": [("Hip-Hop", 100), ("hip hop", 50), ("hiphop", 30), ("seen live", 40)],
                        "Junk Band": [("seen live", 100), ("favorites", 80), ("80s", 50), ("british", 40)]})
    summary = transform(s, today=TODAY)
    bridge = query(s, """SELECT a.artist_name, b.genre, b.weight, b.is_primary FROM marts.bridge_artist_genre b
                         JOIN marts.dim_artist a USING (artist_key) ORDER BY 1, 2""")
    assert bridge == [("Junk Band", "unknown", 0, True), ("Rapper", "hip hop", 180, True)]
    artists = query(s, "SELECT artist_name, primary_genre, genre_family, has_genre FROM marts.dim_artist ORDER BY 1")
    assert artists == [("Junk Band", "unknown", "unknown", False), ("Rapper", "hip hop", "hip hop", True)]
    assert summary.genre_coverage == pytest.approx(2 / 3)


@pytest.mark.slow
def test_a_user_east_of_utc_keeps_plays_whose_local_day_is_after_the_last_utc_day(settings):
    s = settings(users=[{"name": "syd", "timezone": "Australia/Sydney"}])
    # 2026-02-01 20:00 UTC is 2026-02-02 07:00 in Sydney (AEDT, UTC+11): after the last UTC day.
    write_history(s, "syd", [("2026-02-01 09:00", "A", "t1"), ("2026-02-01 20:00", "A", "t2")],
                  first=date(2026, 2, 1), last=date(2026, 2, 1))
    transform(s, today=TODAY)
    assert query(s, "SELECT local_date::VARCHAR, plays FROM marts.mart_daily_plays ORDER BY 1") == [
        ("2026-02-01", 1), ("2026-02-02", 1)]


def test_listening_clock_and_sessions_on_a_known_evening(settings):
    s = settings(users=[{"name": "owl", "timezone": "Europe/London"}])
    # Friday 2026-02-06: a session of 3 tracks at 21:00-21:10, then a new one after a 40-minute gap.
    write_history(s, "owl", [("2026-02-06 21:00", "A", "a"), ("2026-02-06 21:04", "A", "b"),
                             ("2026-02-06 21:10", "B", "c"), ("2026-02-06 21:50", "B", "d")],
                  first=date(2026, 2, 6), last=date(2026, 2, 6))
    transform(s, today=TODAY)
    assert query(s, "SELECT weekday, hour, plays FROM marts.mart_listening_clock WHERE plays > 0") == [(5, 21, 4)]
    assert sorted(query(s, "SELECT tracks, span_minutes FROM marts.mart_sessions")) == [(1, 0.0), (3, 10.0)]
    assert query(s, "SELECT sum(is_artist_discovery::int), sum(is_track_discovery::int) FROM marts.fact_scrobbles") \
        == [(2, 4)]


def test_transform_on_an_empty_warehouse_says_what_to_do(settings):
    s = settings()
    with pytest.raises(WarehouseError, match="holds no scrobbles yet: run `scrobble-insights backfill"):
        transform(s, today=TODAY)


@pytest.mark.slow
def test_when_dbt_cannot_run_the_error_is_dbts_own_reason_in_one_line(settings):
    import subprocess
    import sys

    from scrobble_insights.errors import TransformError
    from scrobble_insights.transform.dbt import generate_docs

    s = settings(users=[{"name": "lon", "timezone": "Europe/London"}])
    s.data_dir.mkdir(parents=True)
    # Another process holds the warehouse read-write: dbt cannot open it.
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(s.warehouse_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(TransformError) as caught:
            generate_docs(s, today=TODAY)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    message = str(caught.value)
    assert "\n" not in message and "Encountered an error" not in message
    assert message.startswith("dbt docs generate failed: IO Error: Could not set lock on file")
    assert f"PID {holder.pid}" in message
