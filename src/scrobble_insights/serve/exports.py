"""Exports of the star schema for other BI tools: Parquet, CSV, or one Tableau Hyper extract.

Reads the marts only (read-only connection); writes one file per table (Parquet, CSV) or one
`scrobble_insights.hyper` holding every table, into a fresh directory, replaced atomically.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from scrobble_insights.errors import ConfigError, WarehouseError

TABLES = ["fact_scrobbles", "dim_user", "dim_artist", "dim_track", "dim_album", "dim_genre", "bridge_artist_genre",
          "dim_date", "dim_time_of_day", "scrobbles", "mart_daily_plays", "mart_genre_share", "mart_listening_clock",
          "mart_top_music_yearly", "mart_discovery_monthly", "mart_sessions"]
FORMATS = ("parquet", "csv", "hyper")
HYPER_FILE = "scrobble_insights.hyper"


@dataclass
class ExportSummary:
    directory: Path
    files: list[Path]
    rows: dict[str, int]


def _select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT of a mart with types every target reads (128-bit integers narrowed to BIGINT)."""
    columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                          [table]).fetchall()
    parts = [f'CAST("{name}" AS BIGINT) AS "{name}"' if kind in ("HUGEINT", "UHUGEINT") else f'"{name}"'
             for name, kind in columns]
    return f"SELECT {', '.join(parts)} FROM marts.{table}"


def export(warehouse_path: Path, fmt: str, out_dir: Path) -> ExportSummary:
    """Export every star-schema table in `fmt` into out_dir (replaced as a whole)."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not warehouse_path.exists():
        raise WarehouseError(f"no warehouse at {warehouse_path}: run `scrobble-insights backfill` first")
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()}
        missing = [t for t in TABLES if t not in present]
        if missing:
            raise WarehouseError(f"the warehouse has no {', '.join(missing[:3])}: run `scrobble-insights transform`")
        out_dir = out_dir.resolve()
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        staging.chmod(0o755)
        try:
            rows = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0] for t in TABLES}
            parquet_dir = staging if fmt != "hyper" else staging / ".parquet"
            parquet_dir.mkdir(exist_ok=True)
            for table in TABLES:
                target = (parquet_dir / f"{table}.parquet") if fmt != "csv" else (staging / f"{table}.csv")
                options = "FORMAT parquet, COMPRESSION zstd" if fmt != "csv" else "FORMAT csv, HEADER true"
                con.execute(f"COPY ({_select(con, table)}) TO '{target}' ({options})")
            if fmt == "hyper":
                _write_hyper(parquet_dir, staging / HYPER_FILE)
                shutil.rmtree(parquet_dir)
            if out_dir.exists():
                shutil.rmtree(out_dir)
            staging.rename(out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()
    return ExportSummary(out_dir, sorted(out_dir.iterdir()), rows)


def _write_hyper(parquet_dir: Path, target: Path) -> None:
    """One Tableau extract with a table per mart, loaded by Hyper straight from the Parquet files."""
    try:
        from tableauhyperapi import Connection, CreateMode, HyperProcess, Telemetry, escape_string_literal
    except ImportError:
        raise ConfigError("Tableau extracts need tableauhyperapi: pip install 'scrobble-insights[tableau]'") from None
    logs = target.parent / ".hyper-logs"
    logs.mkdir(exist_ok=True)
    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(logs)}) as hyper:
        with Connection(hyper.endpoint, str(target), CreateMode.CREATE_AND_REPLACE) as connection:
            connection.execute_command('CREATE SCHEMA IF NOT EXISTS "Extract"')
            for table in TABLES:
                source = escape_string_literal(str(parquet_dir / f"{table}.parquet"))
                connection.execute_command(
                    f'CREATE TABLE "Extract"."{table}" AS (SELECT * FROM external({source}))')
    shutil.rmtree(logs, ignore_errors=True)
