"""Exports round-trip: read back, each table has the warehouse's row count and keys."""

from pathlib import Path

import duckdb
import pytest
from tableauhyperapi import Connection, HyperProcess, Telemetry

from scrobble_insights.errors import ConfigError, WarehouseError
from scrobble_insights.serve.exports import HYPER_FILE, MARKER, TABLES, check_output, export
from support import cli_env, run_cli

KEYS = {"fact_scrobbles": "scrobble_id", "dim_artist": "artist_key", "dim_date": "date_key",
        "mart_daily_plays": "local_date"}


@pytest.fixture(scope="module")
def warehouse(honest):
    """The hand-written history of issue 11, modelled once for the session (tests/serve/conftest.py)."""
    return honest.warehouse_path


def expected(warehouse_path, table: str) -> tuple[int, list]:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        count = con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0]
        key = KEYS.get(table)
        keys = sorted(str(r[0]) for r in con.execute(f"SELECT {key} FROM marts.{table}").fetchall()) if key else []
        return count, keys
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_parquet_and_csv_exports_round_trip(warehouse, tmp_path, fmt):
    summary = export(warehouse, fmt, tmp_path / "out")
    assert sorted(p.name for p in summary.files) == sorted(f"{t}.{fmt}" for t in TABLES)
    con = duckdb.connect()
    reader = "read_parquet" if fmt == "parquet" else "read_csv_auto"
    for table in TABLES:
        count, keys = expected(warehouse, table)
        path = tmp_path / "out" / f"{table}.{fmt}"
        assert con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0] == count, table
        if keys:
            got = sorted(str(r[0]) for r in con.execute(f"SELECT {KEYS[table]} FROM {reader}('{path}')").fetchall())
            assert got == keys, table
    assert count > 0


@pytest.mark.slow
def test_hyper_extract_round_trips_in_hyper(warehouse, tmp_path):
    summary = export(warehouse, "hyper", tmp_path / "out")
    assert [p.name for p in summary.files] == [HYPER_FILE]
    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(tmp_path)}) as hyper:
        with Connection(hyper.endpoint, str(tmp_path / "out" / HYPER_FILE)) as connection:
            for table in TABLES:
                count, keys = expected(warehouse, table)
                got = connection.execute_scalar_query(f'SELECT count(*) FROM "Extract"."{table}"')
                assert got == count, table
                if keys:
                    rows = connection.execute_list_query(f'SELECT {KEYS[table]} FROM "Extract"."{table}"')
                    assert sorted(str(r[0]) for r in rows) == keys, table


def test_export_errors_are_one_line(tmp_path, warehouse):
    with pytest.raises(ConfigError, match="--format 'xlsx' is not one of parquet, csv, hyper"):
        export(warehouse, "xlsx", tmp_path / "out")
    with pytest.raises(WarehouseError, match="run `scrobble-insights backfill` first"):
        export(tmp_path / "nothing.duckdb", "csv", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- the export only ever replaces a directory it owns ----------------------------------------------------

def cli_export(warehouse, out: str, cwd, home, fmt: str = "parquet"):
    env = cli_env(type("S", (), {"url": "http://127.0.0.1:9/2.0/"})(), warehouse.parent, HOME=str(home))
    return run_cli(["export", "--format", fmt, "-o", out], env, cwd)


def refused(result, directory) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: will not export into {directory.resolve()}: ")
    assert line.endswith("choose a new or empty directory for --output")
    return line


def test_export_refuses_directories_it_does_not_own_and_leaves_them_alone(warehouse, tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    for directory in (home, work, work / "notes"):
        directory.mkdir()
        (directory / "keep.txt").write_text("mine")
    data = warehouse.parent
    before = sorted(p.relative_to(data) for p in data.rglob("*"))

    assert "it holds other files and is not an earlier export" in refused(cli_export(warehouse, "notes", work, home),
                                                                         work / "notes")
    assert "it is the working directory" in refused(cli_export(warehouse, ".", work, home), work)
    assert "it is the home directory" in refused(cli_export(warehouse, str(home), work, home), home)
    assert "it is the data directory" in refused(cli_export(warehouse, str(data), work, home), data)
    assert "it holds the data directory" in refused(cli_export(warehouse, str(data.parent), work, home), data.parent)
    assert "it is inside the data directory" in refused(cli_export(warehouse, str(data / "bronze"), work, home),
                                                        data / "bronze")
    with pytest.raises(ConfigError, match="it is the root directory"):
        check_output(Path("/"), data)

    assert all((d / "keep.txt").read_text() == "mine" for d in (home, work, work / "notes"))
    assert sorted(p.relative_to(data) for p in data.rglob("*")) == before
    assert sorted(p.name for p in work.iterdir()) == ["keep.txt", "notes"]       # no staging left behind


def test_exporting_again_into_an_earlier_export_replaces_it(warehouse, tmp_path):
    work = tmp_path / "work"
    (work / "empty").mkdir(parents=True)
    first = cli_export(warehouse, "empty", work, tmp_path)             # an empty directory is fresh
    assert first.returncode == 0, first.stderr
    assert (work / "empty" / MARKER).is_file() and (work / "empty" / "dim_user.parquet").is_file()
    (work / "empty" / "stale.parquet").write_text("from an older export")

    again = export(warehouse, "csv", work / "empty")
    assert sorted(p.name for p in again.files) == sorted(f"{t}.csv" for t in TABLES)
    assert sorted(p.name for p in (work / "empty").iterdir()) == sorted([MARKER, *(f"{t}.csv" for t in TABLES)])
    assert [p.name for p in work.iterdir()] == ["empty"]                # the old one moved aside, then removed
