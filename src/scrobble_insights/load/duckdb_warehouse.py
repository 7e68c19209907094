"""The default warehouse: one embedded DuckDB file (``warehouse.duckdb`` in the data directory)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow as pa

from scrobble_insights.errors import WarehouseBusyError, WarehouseError, first_line
from scrobble_insights.load.tables import RAW_TABLES
from scrobble_insights.load.warehouse import LOOKUP_BODIES, with_mb_genre_names

LOADER_MEMORY_LIMIT = "128MB"
log = logging.getLogger(__name__)
T = TypeVar("T")

DDL = "CREATE SCHEMA IF NOT EXISTS raw;\n" + "\n".join(t.duckdb_ddl() for t in RAW_TABLES.values())


def open_error(path: Path, exc: duckdb.Error) -> WarehouseError:
    """Why DuckDB could not open the warehouse, in one line: another process holds it, the file
    system refuses it, or the file is damaged (then: rebuild it from bronze)."""
    first = first_line(exc)
    if "Could not set lock" in first:
        holder = re.search(r"held in (.+?)(?:\. See also|$)", first)
        who = holder.group(1) if holder else "another process"
        pid = re.search(r"PID (\d+)", who)
        if pid:         # the holder's command line says more than "python"
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{pid.group(1)}/cmdline").read_bytes().replace(b"\0", b" ").strip()
                who = f"{who}: {command.decode(errors='replace')[:160]}" if command else who
        return WarehouseBusyError(f"the warehouse {path} is in use by {who}; wait for it to finish (or stop it), "
                              "then run again")
    if re.search(r"Permission denied|No space left|Read-only file system|Is a directory", first):
        return WarehouseError(f"cannot open the warehouse {path}: {first}")
    return damaged(path, first)


def damaged(path: Path, reason: str) -> WarehouseError:
    return WarehouseError(f"the warehouse {path} is damaged ({reason}): rebuild it from bronze with "
                          "`scrobble-insights load --rebuild`, then `scrobble-insights transform`")


class DuckDBWarehouse:
    name = "duckdb"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise WarehouseError(f"no warehouse at {self.path}: run `scrobble-insights backfill` first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise open_error(self.path, exc) from None
        try:
            problem = self._cut_short()
            if problem is None:
                if not read_only:
                    self.con.execute(DDL)
                self.con.execute("SET TimeZone = 'UTC'")
                # Loading appends and small lookups only: a low cap keeps the loader's memory flat whatever
                # the history size (DuckDB spills to <warehouse>.tmp/ if it ever needs more).
                self.con.execute(f"SET memory_limit = '{LOADER_MEMORY_LIMIT}'")
        except duckdb.Error as exc:
            problem = open_error(self.path, exc)
        if problem is not None:
            with contextlib.suppress(duckdb.Error):
                self.con.close()
            raise problem

    def _cut_short(self) -> WarehouseError | None:
        """A file cut short (a full disk, a copy that stopped) opens fine and fails at its first query:
        DuckDB's blocks follow a 12 KiB header, so the file must hold at least every block in use."""
        # Used blocks only: free blocks at the tail may have been truncated away at a checkpoint.
        block_size, blocks = self.con.execute("SELECT block_size, used_blocks FROM pragma_database_size() "
                                              "WHERE database_name = current_database()").fetchone()
        declared, size = 3 * 4096 + blocks * block_size, self.path.stat().st_size
        if size < declared:
            return damaged(self.path, f"the file is cut short: {size:,} of the {declared:,} bytes it declares")
        return None

    # -- scrobbles --------------------------------------------------------------------------------------
    def loaded_versions(self, users: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
        rows = self.con.execute("SELECT user_name, CAST(day AS VARCHAR), bronze_version FROM raw.extracted_days").fetchall()
        wanted = None if users is None else set(users)
        return {(u, d): v for u, d, v in rows if wanted is None or u in wanted}

    def replace_days(self, keys: pa.Table, scrobbles: pa.RecordBatchReader, days: Callable[[], pa.Table], *,
                     replace_all: bool = False) -> int:
        with self._transaction() as con:
            if replace_all:
                con.execute("DELETE FROM raw.scrobbles")
                con.execute("DELETE FROM raw.extracted_days")
            con.register("batch_keys", keys)
            con.execute("""
                DELETE FROM raw.scrobbles s USING batch_keys k
                WHERE s.user_name = k.user_name AND s.played_date = k.day""")
            con.execute("""
                DELETE FROM raw.extracted_days e USING batch_keys k
                WHERE e.user_name = k.user_name AND e.day = k.day""")
            con.register("batch_scrobbles", scrobbles)     # pulled batch by batch: flat memory
            inserted = con.execute("INSERT INTO raw.scrobbles SELECT *, now() FROM batch_scrobbles").fetchone()[0]
            con.register("batch_days", days())
            con.execute("INSERT INTO raw.extracted_days SELECT *, now() FROM batch_days")
            for name in ("batch_keys", "batch_scrobbles", "batch_days"):
                con.unregister(name)
        return inserted

    # -- tags ---------------------------------------------------------------------------------------------
    def loaded_files(self) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT path FROM raw.bronze_files").fetchall()}

    def replace_artist_tags(self, files: list[str], tags: pa.Table, fetches: pa.Table, *,
                            replace_all: bool = False) -> None:
        with self._transaction() as con:
            if replace_all:
                for table in ("artist_tags", "artist_tag_fetches", "bronze_files"):
                    con.execute(f"DELETE FROM raw.{table}")
            con.register("batch_tags", tags)
            con.register("batch_fetches", fetches)
            # The newest answer per artist wins (a batch may hold an artist twice after a resume).
            con.execute("""
                CREATE OR REPLACE TEMP TABLE latest AS
                SELECT * FROM batch_fetches
                QUALIFY row_number() OVER (PARTITION BY artist_name ORDER BY fetched_at DESC) = 1""")
            con.execute("DELETE FROM raw.artist_tags WHERE artist_name IN (SELECT artist_name FROM latest)")
            con.execute("DELETE FROM raw.artist_tag_fetches WHERE artist_name IN (SELECT artist_name FROM latest)")
            con.execute("""
                INSERT INTO raw.artist_tags
                SELECT t.* FROM batch_tags t JOIN latest l USING (artist_name)
                WHERE t.fetched_at = l.fetched_at""")
            con.execute("INSERT INTO raw.artist_tag_fetches SELECT * FROM latest")
            if files:
                con.executemany("INSERT INTO raw.bronze_files VALUES (?, now())", [[f] for f in files])
            con.execute("DROP TABLE latest")
            con.unregister("batch_tags")
            con.unregister("batch_fetches")

    # -- MusicBrainz -------------------------------------------------------------------------------------
    def replace_mb_artists(self, files: list[str], rows: pa.Table, *, replace_all: bool = False) -> None:
        self._replace_mb("mb_artists", "artist_key", "musicbrainz/artists/", files, rows, replace_all)

    def _replace_mb(self, name: str, key: str, prefix: str, files: list[str], rows: pa.Table,
                    replace_all: bool) -> None:
        """Replace the rows of raw.<name> whose `key` is in `rows` and record `files`, in one
        transaction; with replace_all, empty the table and forget its bronze files (under `prefix`) first."""
        with self._transaction() as con:
            if replace_all:
                con.execute(f"DELETE FROM raw.{name}")
                con.execute("DELETE FROM raw.bronze_files WHERE path LIKE ?", [prefix + "%"])
            con.register("batch_mb", rows)
            con.execute(f"DELETE FROM raw.{name} WHERE {key} IN (SELECT {key} FROM batch_mb)")
            con.execute(f"INSERT INTO raw.{name} SELECT * FROM batch_mb")
            if files:
                con.executemany("INSERT INTO raw.bronze_files VALUES (?, now())", [[f] for f in files])
            con.unregister("batch_mb")

    def mb_artist_state(self, users: Iterable[str] | None = None) -> list[tuple]:
        from scrobble_insights.load.warehouse import mb_state_sql

        users = list(users) if users is not None else None
        user_filter = "" if users is None else "WHERE user_name IN (SELECT unnest(?))"
        sql = mb_state_sql("raw.scrobbles", "raw.mb_artists", user_filter)
        return self.con.execute(sql, [] if users is None else [users]).fetchall()

    def replace_mb_release_groups(self, files: list[str], rows: pa.Table, *, replace_all: bool = False) -> None:
        self._replace_mb("mb_release_groups", "album_ref", "musicbrainz/release-groups/", files, rows, replace_all)

    def mb_release_group_state(self, users: Iterable[str] | None = None) -> list[tuple]:
        from scrobble_insights.load.warehouse import mb_release_group_state_sql

        users = list(users) if users is not None else None
        user_filter = "" if users is None else "WHERE user_name IN (SELECT unnest(?))"
        sql = mb_release_group_state_sql("raw.scrobbles", "raw.mb_artists", "raw.mb_release_groups", user_filter)
        return self.con.execute(sql, [] if users is None else [users]).fetchall()

    def replace_user_infos(self, infos: pa.Table) -> None:
        with self._transaction() as con:
            con.register("batch_infos", infos)
            con.execute("DELETE FROM raw.user_infos WHERE user_name IN (SELECT user_name FROM batch_infos)")
            con.execute("INSERT INTO raw.user_infos SELECT * FROM batch_infos")
            con.unregister("batch_infos")

    def replace_table(self, name: str, table: pa.Table) -> None:
        """Replace a small reference table raw.<name> (written before each dbt build)."""
        with self._transaction() as con:
            con.register("replacement", table)
            con.execute(f"CREATE OR REPLACE TABLE raw.{name} AS SELECT * FROM replacement")
            con.unregister("replacement")

    def artists_to_tag(self, older_than: datetime, users: Iterable[str] | None = None) -> list[tuple[str, int]]:
        users = list(users) if users is not None else None
        user_filter = "" if users is None else "WHERE s.user_name IN (SELECT unnest(?))"
        params: list = [] if users is None else [users]
        rows = self.con.execute(f"""
            WITH plays AS (
                SELECT artist_name, count(*) AS plays FROM raw.scrobbles s {user_filter} GROUP BY 1)
            SELECT p.artist_name, p.plays FROM plays p
            LEFT JOIN raw.artist_tag_fetches f USING (artist_name)
            WHERE f.fetched_at IS NULL OR f.fetched_at < ?
            ORDER BY p.plays DESC, p.artist_name""", [*params, older_than]).fetchall()
        return [(name, plays) for name, plays in rows]

    def artists_tagged_since(self, since: datetime) -> set[str]:
        rows = self.con.execute("SELECT artist_name FROM raw.artist_tag_fetches WHERE fetched_at >= ?",
                                [since]).fetchall()
        return {r[0] for r in rows}

    def distinct_values(self) -> tuple[list[str], list[str]]:
        """Users with scrobbles, and every distinct tag name and MusicBrainz genre name (for the reference
        tables: raw.tag_genres maps both to our vocabulary)."""
        users = [r[0] for r in self.con.execute("SELECT DISTINCT user_name FROM raw.scrobbles ORDER BY 1").fetchall()]
        tags = [r[0] for r in self.con.execute("SELECT DISTINCT tag_name FROM raw.artist_tags ORDER BY 1").fetchall()]
        bodies = self.con.execute(LOOKUP_BODIES.format(table="raw.mb_artists")).fetchall()
        return users, with_mb_genre_names(tags, (r[0] for r in bodies))

    def get_state(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM raw.build_state WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set_state(self, key: str, value: str) -> None:
        with self._transaction() as con:
            con.execute("DELETE FROM raw.build_state WHERE key = ?", [key])
            con.execute("INSERT INTO raw.build_state VALUES (?, ?)", [key, value])

    def model_stats(self) -> tuple[int, float | None]:
        """Rows in marts.fact_scrobbles and the share of them whose artist has a genre."""
        rows, covered = self.con.execute("""
            SELECT count(*), sum(CASE WHEN a.has_genre THEN 1 ELSE 0 END)
            FROM marts.fact_scrobbles f JOIN marts.dim_artist a USING (artist_key)""").fetchone()
        return rows, (covered / rows if rows else None)

    def count_scrobbles(self, user: str | None = None) -> int:
        if user is None:
            return self.con.execute("SELECT count(*) FROM raw.scrobbles").fetchone()[0]
        return self.con.execute("SELECT count(*) FROM raw.scrobbles WHERE user_name = ?", [user]).fetchone()[0]

    def close(self) -> None:
        self.con.close()

    # -- helpers --------------------------------------------------------------------------------------------
    def _transaction(self):
        return _Transaction(self.con)


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any error (including KeyboardInterrupt)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con.execute("BEGIN TRANSACTION")
        return self.con

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.con.execute("COMMIT")
        else:
            self.con.execute("ROLLBACK")


def rebuild(path: Path, fill: Callable[[DuckDBWarehouse], T]) -> tuple[T, Path | None]:
    """Build a fresh warehouse file beside `path` with `fill`, then swap it in. The old file (healthy,
    damaged or cut short: it is never opened) is kept as <name>.previous.duckdb, replacing an older
    one; returns fill's result and where the old file went. A failure leaves `path` untouched."""
    fresh = path.with_name(f"{path.stem}.rebuild{path.suffix}")
    previous = path.with_name(f"{path.stem}.previous{path.suffix}")
    _move(None, fresh)                      # a rebuild cut short earlier
    warehouse = DuckDBWarehouse(fresh)
    try:
        result = fill(warehouse)
    except BaseException:
        warehouse.close()
        _move(None, fresh)
        raise
    warehouse.close()
    kept = None
    if path.exists():
        _move(path, previous)
        kept = previous
        log.info("the previous warehouse is kept as %s", previous, extra={"previous_warehouse": str(previous)})
    _move(fresh, path)
    return result, kept


def _move(source: Path | None, target: Path) -> None:
    """Rename a database file and its write-ahead log onto target's (None: remove target's); a target
    file without a source counterpart is removed, so no stale log is ever replayed into another file."""
    for suffix in ("", ".wal"):
        old, new = (None if source is None else Path(f"{source}{suffix}")), Path(f"{target}{suffix}")
        if old is not None and old.exists():
            os.replace(old, new)
        else:
            new.unlink(missing_ok=True)
