"""dbt's partial parse, shared between data directories (transform/dbt.py: parse_cache).

A data directory without target/partial_parse.msgpack starts from the one the last successful dbt run
of any data directory published to $XDG_CACHE_HOME/scrobble-insights/dbt/... For that to be of use,
the DuckDB profile is the same everywhere (a relative path, dbt runs in the warehouse's directory) and
the day reaches dbt as an env var (only dim_date is parsed again when it changes). dbt checks the file
itself: a stale or unreadable cache costs a full parse, never the build.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.transform.dbt import PARTIAL_PARSE, dbt_dir, dbt_env, parse_cache, run_dbt, transform
from support import TEST_KEY
from transform_history import write_history

TODAY = date(2026, 3, 15)
PLAYS = [("2026-03-10 10:00:00", "A", "a"), ("2026-03-10 10:04:00", "B", "b"), ("2026-03-11 21:00:00", "A", "c")]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """A cache of this test's own (not the session's shared one), empty."""
    monkeypatch.chdir(tmp_path)                     # no scrobble-insights.toml or .env of the developer
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")   # the parse messages read below are dbt's debug lines
    return tmp_path / "cache"


def settings_in(tmp_path, name: str, **values):
    return build_settings(data_dir=tmp_path / name, users=[{"name": "alice", "timezone": "UTC"}], **values)


def dbt_log(settings) -> str:
    return (dbt_dir(settings) / "logs" / "dbt.log").read_text()


def built_correctly(settings) -> None:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.fact_scrobbles").fetchone() == (len(PLAYS),)
        # the calendar ends the day after the run's today: the env var reached dbt
        assert con.execute("SELECT max(date_day) FROM marts.dim_date").fetchone() == (TODAY + timedelta(days=1),)
    finally:
        con.close()


@pytest.mark.slow
def test_a_second_data_directory_parses_from_the_first_ones_parse(tmp_path, cache_home, monkeypatch):
    monkeypatch.setenv("LASTFM_API_KEY", TEST_KEY)  # in dbt's environment: must not reach the cache
    first, second = settings_in(tmp_path, "first"), settings_in(tmp_path, "second")
    cache = parse_cache(first)
    assert cache is not None and cache == parse_cache(second) and cache.is_relative_to(cache_home)

    parsed = run_dbt(first, ["parse"], TODAY - timedelta(days=1))      # yesterday's run, elsewhere
    assert parsed.returncode == 0, parsed.output
    assert "Unable to do partial parsing because saved manifest not found" in dbt_log(first)
    assert cache.read_bytes() == (dbt_dir(first) / "target" / PARTIAL_PARSE).read_bytes()
    assert [p.name for p in cache.parent.iterdir()] == [PARTIAL_PARSE]     # no temporary left behind
    content = cache.read_bytes()
    assert TEST_KEY.encode() not in content
    assert str(tmp_path).encode() not in content                        # nothing of a data directory

    parsed = run_dbt(second, ["parse"], TODAY)
    assert parsed.returncode == 0, parsed.output
    log = dbt_log(second)
    assert "Unable to do partial parsing" not in log and "Partial parsing enabled" in log
    # a new day re-parses the one model that reads it
    assert "Partial parsing: updated file: scrobble_insights://models/marts/core/dim_date.sql" in log


@pytest.mark.slow
def test_data_directories_built_one_after_the_other_share_the_parse(tmp_path, cache_home):
    """The first build parses in full (the cache is from other --vars: stale), the second one starts
    from the first's parse; both warehouses are right."""
    stale = run_dbt(settings_in(tmp_path, "other"), ["parse"], TODAY, extra_vars={"session_gap_minutes": 45})
    assert stale.returncode == 0, stale.output
    for name, parse in (("first", "Unable to do partial parsing because config vars"),
                        ("second", "Partial parsing enabled")):
        settings = settings_in(tmp_path, name)
        write_history(settings, "alice", PLAYS, first=date(2026, 3, 10), last=date(2026, 3, 11))
        transform(settings, today=TODAY)
        log = dbt_log(settings)
        assert parse in log, name
        assert ("Unable to do partial parsing" in log) == (name == "first")
        built_correctly(settings)


@pytest.mark.slow
def test_a_garbage_cache_costs_a_full_parse_and_is_replaced(tmp_path, cache_home):
    settings = settings_in(tmp_path, "data")
    cache = parse_cache(settings)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"\x93not a msgpack manifest" * 100)
    run = run_dbt(settings, ["parse"], TODAY)
    assert run.returncode == 0, run.output
    assert "Failed to load parsed file from disk" in dbt_log(settings)
    assert cache.read_bytes() == (dbt_dir(settings) / "target" / PARTIAL_PARSE).read_bytes()   # a good one now


def test_the_file_log_is_at_info_unless_the_environment_says_otherwise(monkeypatch):
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert dbt_env(TODAY) == {"SCROBBLE_INSIGHTS_TODAY": "2026-03-15", "DBT_LOG_LEVEL_FILE": "info"}
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert dbt_env(TODAY)["DBT_LOG_LEVEL_FILE"] == "debug"


def test_the_cache_is_under_the_xdg_cache_home_else_the_home_directorys(tmp_path, cache_home, monkeypatch):
    settings = settings_in(tmp_path, "data")
    assert parse_cache(settings).is_relative_to(cache_home / "scrobble-insights" / "dbt")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unusable in ("", "relative/cache"):                 # the XDG spec: ignore a relative path
        monkeypatch.setenv("XDG_CACHE_HOME", unusable)
        assert parse_cache(settings).is_relative_to(tmp_path / "home" / ".cache" / "scrobble-insights" / "dbt")


def test_bigquery_runs_are_not_cached(tmp_path, cache_home):
    """Its profile names the service account's key file: kept out of a shared cache."""
    assert parse_cache(settings_in(tmp_path, "data", warehouse="bigquery", bigquery_project="p")) is None
