"""Exports of the star schema for other BI tools: Parquet, CSV, or one Tableau Hyper extract.

Reads the marts only (a read-only connection to load.warehouse.reader_source: DuckDB's snapshot or BigQuery);
writes one file per table (Parquet, CSV) or one `scrobble_insights.hyper` holding every table, plus a
MARKER file, into a directory the export owns: a new or empty one, or an earlier export (it holds the
marker). Anything else is refused, and so are the working, home and root directories and the data
directory, whatever it holds. The new export is written beside the old, then swapped in by renames.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scrobble_insights.errors import ConfigError, WarehouseError
from scrobble_insights.load.warehouse import Reader, is_bigquery, tables
from scrobble_insights.serve.queries import connect

TABLES = ["fact_scrobbles", "scrobble_sessions", "first_plays", "dim_user", "dim_artist", "dim_artist_alias",
          "dim_track", "dim_album", "dim_genre", "bridge_artist_genre", "dim_date", "dim_time_of_day", "wide_scrobbles", "mart_daily_plays",
          "mart_track_plays", "mart_daily_genre_plays", "mart_hourly_plays", "mart_genre_share", "mart_listening_clock",
          "mart_top_music_yearly", "mart_discovery_monthly", "mart_sessions", "mart_listening_streaks",
          "mart_listening_streaks_yearly", "mart_artist_concentration_yearly"]   # every mart the serve layer reads
FORMATS = ("parquet", "csv", "hyper")
HYPER_FILE = "scrobble_insights.hyper"
MARKER = ".scrobble-insights-export"      # in every export: a later export may replace the directory


@dataclass
class ExportSummary:
    directory: Path
    files: list[Path]
    rows: dict[str, int]


def _select(con: Reader, table: str) -> str:
    """SELECT of a mart with types every target reads (128-bit integers narrowed to BIGINT)."""
    columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                          [table]).fetchall()
    parts = [f'CAST("{name}" AS BIGINT) AS "{name}"' if kind in ("HUGEINT", "UHUGEINT") else f'"{name}"'
             for name, kind in columns]
    return f"SELECT {', '.join(parts)} FROM marts.{table}"


def _not_ours(out: Path, data_dir: Path) -> str | None:
    """Why the export may not replace `out` (resolved), or None when it may."""
    if out == Path(out.anchor):
        return "it is the root directory"
    for name, protected in (("the working directory", Path.cwd()), ("the home directory", Path.home()),
                            ("the data directory", data_dir)):
        protected = protected.resolve()
        if out == protected:
            return f"it is {name}"
        if out in protected.parents:
            return f"it holds {name} {protected}"
        if name == "the data directory" and protected in out.parents:
            return f"it is inside the data directory {protected}"
    if out.exists() and not out.is_dir():
        return "it is a file"
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        return f"it holds other files and is not an earlier export (no {MARKER} in it)"
    return None


def check_output(out_dir: Path, data_dir: Path) -> Path:
    """The resolved output directory, or a one-line ConfigError when the export does not own it."""
    out = Path(out_dir).resolve()
    why = _not_ours(out, Path(data_dir))
    if why:
        raise ConfigError(f"will not export into {out}: {why}; choose a new or empty directory for --output")
    return out


def _swap(staging: Path, out: Path, data_dir: Path) -> None:
    """Put the finished export in place: the old one moved aside, the new renamed in, the old removed."""
    check_output(out, data_dir)                # still ours after the (possibly long) export
    if not out.exists():
        staging.rename(out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    os.replace(out, aside)                     # onto an empty directory: allowed
    try:
        staging.rename(out)
    except BaseException:
        os.replace(aside, out)
        raise
    shutil.rmtree(aside)


def export(source: str | Path, fmt: str, out_dir: Path, *, data_dir: Path | None = None) -> ExportSummary:
    """Export every star-schema table in `fmt` into out_dir (replaced as a whole, if the export owns it),
    reading `source` (load.warehouse.reader_source: DuckDB's snapshot, or BigQuery). `data_dir` (default:
    the DuckDB file's directory) is never written to, nor anything holding it."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not is_bigquery(source) and not Path(source).exists():
        raise WarehouseError(f"no warehouse at {source}: run `scrobble-insights backfill` first")
    data_dir = Path(data_dir) if data_dir is not None else Path(source).parent
    out_dir = check_output(out_dir, data_dir)
    con = connect(source)
    try:
        missing = [t for t in TABLES if t not in tables(con, "marts")]
        if missing:
            raise WarehouseError(f"the warehouse has no {', '.join(missing[:3])}: run `scrobble-insights transform`")
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        staging.chmod(0o755)
        try:
            parquet_dir = staging if fmt != "hyper" else staging / ".parquet"
            parquet_dir.mkdir(exist_ok=True)
            rows = {}
            for table in TABLES:
                target = (parquet_dir / f"{table}.parquet") if fmt != "csv" else (staging / f"{table}.csv")
                rows[table] = _write(con, table, target, "csv" if fmt == "csv" else "parquet",
                                     streamed=is_bigquery(source))
            if fmt == "hyper":
                _write_hyper(parquet_dir, staging / HYPER_FILE)
                shutil.rmtree(parquet_dir)
            (staging / MARKER).write_text("Written by `scrobble-insights export`: the next export into this "
                                          "directory replaces it.\n", encoding="utf-8")
            _swap(staging, out_dir, data_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()
    return ExportSummary(out_dir, sorted(p for p in out_dir.iterdir() if p.name != MARKER), rows)


def _write(con: Reader, table: str, target: Path, fmt: str, *, streamed: bool) -> int:
    """Write one mart to a Parquet or CSV file, batch by batch; returns its rows. DuckDB copies it
    itself; BigQuery's rows (`streamed`) come in as Arrow batches."""
    if not streamed:
        options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
        quoted = str(target).replace("'", "''")
        return con.execute(f"COPY ({_select(con, table)}) TO '{quoted}' ({options})").fetchone()[0]
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    writer, count = None, 0
    try:
        for batch in con.execute(f"SELECT * FROM marts.{table}").arrow_batches():
            if writer is None:
                writer = (pq.ParquetWriter(target, batch.schema, compression="zstd") if fmt == "parquet"
                          else pcsv.CSVWriter(target, batch.schema))
            writer.write_batch(batch)
            count += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:                   # no rows: the file still says which columns the table has
        schema = con.execute(f"SELECT * FROM marts.{table} LIMIT 0").arrow_schema()
        (pq.write_table(schema.empty_table(), target) if fmt == "parquet"
         else pcsv.write_csv(schema.empty_table(), target))
    return count


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
