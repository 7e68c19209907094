"""Known-answer tests of the dbt star schema on small hand-written histories (real DuckDB, real dbt).

Local time across DST, users who moved, zones east of UTC, seasons per hemisphere and genre ranking
are dbt unit tests (models/**/_*__unit_tests.yml, run by tests/transform/test_unit_tests.py); what
feeds them from Python (reference tables, coverage) is tested here without dbt.
"""

from datetime import date

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.errors import WarehouseError
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.transform.dbt import FAR_FUTURE, FAR_PAST, reference_tables, run_dbt, transform
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


def test_a_user_who_moved_gets_zone_periods_split_at_midnight_utc_of_the_move(settings):
    s = settings(users=[{"name": "mover", "timezone": "Europe/Berlin",
                         "moves": [{"since": "2020-06-01", "tz": "America/New_York"}]}])
    tables = reference_tables(s, ["mover"], [])
    midnight = 1590969600                                   # 2020-06-01 00:00 UTC
    assert tables["user_timezones"].to_pylist() == [
        {"user_name": "mover", "timezone": "Europe/Berlin", "valid_from_uts": FAR_PAST, "valid_to_uts": midnight},
        {"user_name": "mover", "timezone": "America/New_York", "valid_from_uts": midnight,
         "valid_to_uts": FAR_FUTURE}]
    assert tables["users"].to_pylist() == [
        {"user_name": "mover", "timezone": "America/New_York", "hemisphere": "north"}]   # dim_user's zone


def test_hemispheres_and_tag_lookup_reach_the_reference_tables(settings):
    s = settings(users=[{"name": "north", "timezone": "Europe/London"},
                        {"name": "south", "timezone": "Australia/Sydney", "hemisphere": "south"}])
    tables = reference_tables(s, ["north", "south"], ["Hip-Hop", "hip hop", "hiphop", "seen live"])
    assert [(r["user_name"], r["hemisphere"]) for r in tables["users"].to_pylist()] == [
        ("north", "north"), ("south", "south")]
    assert {r["tag_name"]: r["genre"] for r in tables["tag_genres"].to_pylist()} == {
        "Hip-Hop": "hip hop", "hip hop": "hip hop", "hiphop": "hip hop", "seen live": None}


def test_a_new_model_version_makes_the_next_build_a_full_refresh(settings, monkeypatch):
    """An upgrade that changes an incremental model's columns rebuilds it instead of failing."""
    import scrobble_insights.transform.dbt as dbt

    s = settings(users=[{"name": "alice", "timezone": "UTC"}])
    write_history(s, "alice", [("2026-01-01T10:00:00", "A", "t")], first=date(2026, 1, 1), last=date(2026, 1, 1))
    changed, fingerprint = dbt.prepare_reference(s)
    assert changed                                   # never built: full refresh
    dbt.mark_built(s, fingerprint)
    assert dbt.prepare_reference(s) == (False, fingerprint)
    monkeypatch.setattr(dbt, "MODEL_VERSION", dbt.MODEL_VERSION + 1)
    changed, newer = dbt.prepare_reference(s)
    assert changed and newer != fingerprint


def test_a_build_that_did_not_finish_makes_the_next_build_a_full_refresh(settings, monkeypatch):
    """The incremental marts learn the changed days from the fact's build: after a build that may have
    updated the fact but failed before its marts, only a full refresh brings them back in step."""
    import scrobble_insights.transform.dbt as dbt
    from scrobble_insights.errors import TransformError

    s = settings(users=[{"name": "alice", "timezone": "UTC"}])
    write_history(s, "alice", [("2026-01-01T10:00:00", "A", "t")], first=date(2026, 1, 1), last=date(2026, 1, 1))
    changed, fingerprint = dbt.prepare_reference(s)
    project = dbt.project_fingerprint(s)
    dbt.mark_built(s, fingerprint, project)
    monkeypatch.setattr(dbt, "run_dbt", lambda *args, **kwargs: dbt.DbtRun(2, "Runtime Error: boom", []))
    with pytest.raises(TransformError):
        transform(s, today=date(2026, 1, 2))
    assert dbt.prepare_reference(s)[0]               # the next build is a full refresh
    assert not dbt.made_from(s, project)             # that makes the views and the seed again too


@pytest.mark.slow
def test_views_and_the_seed_are_made_again_only_when_the_project_changed(settings, monkeypatch):
    """A view's SQL and the seed's rows come from the project alone: a build after one that finished with the
    same project runs every data test and every table and incremental model, but not them."""
    import json

    import scrobble_insights.transform.dbt as dbt

    s = settings(users=[{"name": "alice", "timezone": "UTC"}])
    write_history(s, "alice", [("2026-01-01T10:00:00", "A", "t")], first=date(2026, 1, 1), last=date(2026, 1, 1))

    def nodes() -> dict[str, set[str]]:
        results = json.loads((dbt.dbt_dir(s) / "target" / "run_results.json").read_text())["results"]
        kinds: dict[str, set[str]] = {}
        for node in results:
            kinds.setdefault(node["unique_id"].split(".")[0], set()).add(node["unique_id"])
        return kinds

    transform(s, today=TODAY)
    first = nodes()
    views = {row[0] for row in query(s, "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'")}
    assert len(views) > 10 and len(first["seed"]) == 1
    transform(s, today=TODAY)
    second = nodes()
    assert second["test"] == first["test"]                         # every data test, on the views too
    assert {uid.split(".")[-1] for uid in first["model"] - second["model"]} == views
    assert "seed" not in second

    monkeypatch.setattr(dbt, "project_fingerprint", lambda settings: "another project")   # e.g. an upgrade
    transform(s, today=TODAY)
    assert nodes() == first


def test_genre_coverage_is_the_share_of_plays_whose_artist_has_a_genre(settings):
    s = settings()
    s.data_dir.mkdir(parents=True)
    con = duckdb.connect(str(s.warehouse_path))
    con.execute("""CREATE SCHEMA marts;
        CREATE TABLE marts.dim_artist AS SELECT * FROM (VALUES ('r', true), ('j', false)) t(artist_key, has_genre);
        CREATE TABLE marts.fact_scrobbles AS SELECT * FROM (VALUES ('r'), ('j'), ('r')) t(artist_key)""")
    con.close()
    warehouse = open_warehouse(s)
    try:
        assert warehouse.model_stats() == (3, pytest.approx(2 / 3))
    finally:
        warehouse.close()


@pytest.mark.slow
def test_average_tracks_per_day_counts_days_without_plays(settings):
    s = settings(users=[{"name": "quiet", "timezone": "UTC"}])
    write_history(s, "quiet", [("2026-02-01 10:00", "A", "t1"), ("2026-02-01 11:00", "A", "t2"),
                               ("2026-02-01 12:00", "B", "t3"), ("2026-02-04 10:00", "A", "t1")],
                  first=date(2026, 2, 1), last=date(2026, 2, 4))
    transform(s, today=TODAY)
    assert query(s, "SELECT count(*), sum(plays), avg(plays) FROM marts.mart_daily_plays") == [(4, 4, 1.0)]
    assert query(s, "SELECT plays FROM marts.mart_daily_plays ORDER BY local_date") == [(3,), (0,), (0,), (1,)]

    # the not-null checks and the key's uniqueness are one test per model (not_null_columns): a null in any
    # listed column fails it, and so does a key that repeats (each is one failing row)
    con = duckdb.connect(str(s.warehouse_path))
    con.execute("UPDATE marts.dim_artist SET primary_genre = NULL WHERE artist_name = 'B'")
    con.close()
    name = ("not_null_columns_dim_artist_artist_key__artist_name__alias_count__primary_genre__genre_family__"
            "primary_genre_key__genre_source__mb_artist_key__artist_key")
    run = run_dbt(s, ["test", "--select", "dim_artist,test_name:not_null_columns"], TODAY)
    assert [(r["unique_id"].split(".")[2], r["status"], r["failures"]) for r in run.results] == [(name, "fail", 1)]
    con = duckdb.connect(str(s.warehouse_path))
    con.execute("INSERT INTO marts.dim_artist SELECT * FROM marts.dim_artist WHERE artist_name = 'A'")
    con.close()
    run = run_dbt(s, ["test", "--select", "dim_artist,test_name:not_null_columns"], TODAY)
    assert [(r["unique_id"].split(".")[2], r["status"], r["failures"]) for r in run.results] == [(name, "fail", 2)]

    # the fact is built incrementally only together with the record of the days it replaces: alone, it
    # would replace the days of the build before, so dbt stops with what to run instead
    alone = run_dbt(s, ["build", "--select", "fact_scrobbles", "--exclude", "test_type:unit"], TODAY)
    assert alone.returncode != 0
    assert "built incrementally only together with int_user_days_changed" in " ".join(alone.output.split())
    assert query(s, "SELECT count(*) FROM marts.fact_scrobbles") == [(4,)]


@pytest.mark.slow
def test_a_full_build_writes_the_large_tables_in_time_order(settings):
    # DuckDB skips a row group whose min and max miss a query's bound: the daily build's reads of the recent
    # days skip the older history only if the tables were written in time order (macros/time_ordered.sql).
    # Two users' days interleave in time; each user's history is loaded whole, one after the other.
    s = settings(users=[{"name": "ann", "timezone": "UTC"}, {"name": "bob", "timezone": "UTC"}])
    write_history(s, "ann", [(f"2026-02-0{day} 10:00", "A", "a") for day in (1, 3, 5, 7)],
                  first=date(2026, 2, 1), last=date(2026, 2, 7))
    write_history(s, "bob", [(f"2026-02-0{day} 10:00", "B", "b") for day in (2, 4, 6, 8)],
                  first=date(2026, 2, 1), last=date(2026, 2, 8))
    transform(s, today=TODAY)
    con = duckdb.connect(str(s.warehouse_path), read_only=True)
    try:
        for table, column in [("fact_scrobbles", "utc_date"), ("scrobble_sessions", "played_at_uts"),
                              ("mart_track_plays", "local_date")]:
            stored = [row[0] for row in con.execute(f"SELECT {column} FROM marts.{table}").fetchall()]  # storage order
            assert len(stored) == 8 and stored == sorted(stored), table
    finally:
        con.close()


def test_listening_clock_and_sessions_on_a_known_evening(settings):
    s = settings(users=[{"name": "owl", "timezone": "Europe/London"}])
    # Friday 2026-02-06: a session of 3 tracks at 21:00-21:10, then a new one after a 40-minute gap.
    write_history(s, "owl", [("2026-02-06 21:00", "A", "a"), ("2026-02-06 21:04", "A", "b"),
                             ("2026-02-06 21:10", "B", "c"), ("2026-02-06 21:50", "B", "d")],
                  first=date(2026, 2, 6), last=date(2026, 2, 6))
    summary = transform(s, today=TODAY)
    assert [kind for kind in summary.counts if kind.startswith("unit_test")] == []   # excluded in production
    assert query(s, "SELECT weekday, hour, plays FROM marts.mart_listening_clock WHERE plays > 0") == [(5, 21, 4)]
    assert sorted(query(s, "SELECT tracks, span_minutes FROM marts.mart_sessions")) == [(1, 0.0), (3, 10.0)]
    assert query(s, "SELECT sum(is_artist_discovery::int), sum(is_track_discovery::int) FROM marts.first_plays") \
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
