"""The read-only snapshot that readers open, so that no reader ever holds the live warehouse.

DuckDB lets one process write a database file or many read it, never both: a dashboard, `status` or
`export` holding <data>/warehouse.duckdb would make the next job fail to open it, and a job writing
would make them fail. So the live file belongs to the jobs: after each one, the writer calls
`publish_snapshot`, which copies it to <data>/warehouse.snapshot.duckdb (a temporary file beside it,
then a rename). Readers open `reader_path(settings)` with `read_only`: a reader still holding the old
snapshot keeps reading its own (old) file, and its next connection sees the new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from scrobble_insights.errors import LockedError, WarehouseBusyError, WarehouseError, first_line
from scrobble_insights.operate.runlog import job_lock


def publish_snapshot(settings) -> Path | None:
    """Copy the live DuckDB warehouse onto settings.snapshot_path, atomically. The caller guarantees no
    writer has the live file open (a job calls this after closing it, holding the data directory's lock).
    Returns the snapshot; None when there is nothing to publish (BigQuery, or no warehouse yet)."""
    live, target = settings.warehouse_path, settings.snapshot_path
    if settings.warehouse != "duckdb" or not live.exists():
        return None
    copy = None
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
        copy = Path(name)
        shutil.copyfile(live, copy)
        shutil.copymode(live, copy)
        wal = live.with_name(live.name + ".wal")
        if wal.exists():        # left by a writer that stopped before its checkpoint: fold it into the copy
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
            duckdb.connect(str(copy)).close()
        with open(copy, "rb") as written:
            os.fsync(written.fileno())
        os.replace(copy, target)
    except (OSError, duckdb.Error) as exc:
        reason = getattr(exc, "strerror", None) or first_line(exc)
        raise WarehouseError(f"cannot publish the read-only snapshot {target}: {reason}; free some space or "
                             "fix the data directory's permissions, then run `scrobble-insights transform`") from None
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    return target


def reader_path(settings) -> Path:
    """The file readers open: the snapshot. A data directory from before snapshots gets one first when
    no job holds it; while a job does, WarehouseBusyError (try again when it finishes)."""
    live, snapshot = settings.warehouse_path, settings.snapshot_path
    if snapshot.exists():
        return snapshot
    if not live.exists():
        raise WarehouseError(f"no warehouse at {live}: run `scrobble-insights demo` or "
                             "`scrobble-insights backfill --user NAME --since YYYY-MM-DD` first")
    try:
        with job_lock(settings.data_dir, "snapshot (a reader copying the warehouse)"):
            if not snapshot.exists():
                publish_snapshot(settings)
    except LockedError:
        if snapshot.exists():          # another reader published it meanwhile
            return snapshot
        raise WarehouseBusyError(f"a job is writing {live} and there is no read-only snapshot of it yet: "
                                 "try again when the job finishes") from None
    except OSError as exc:
        raise WarehouseError(f"cannot publish a read-only snapshot of {live}: {exc.strerror or exc}; "
                             "run `scrobble-insights transform` as the data directory's owner") from None
    return snapshot


def read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the DuckDB file at `path` now. The file is attached to a fresh in-memory
    database: duckdb.connect(path) would hand back a database this process already has open, which is an
    older snapshot if one was published since."""
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `scrobble-insights demo` or "
                             "`scrobble-insights backfill --user NAME --since YYYY-MM-DD` first")
    con = duckdb.connect()
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
    except duckdb.Error as exc:
        con.close()
        from scrobble_insights.load.duckdb_warehouse import open_error

        raise open_error(path, exc) from None         # in use, refused, or damaged (then: how to rebuild)
    return con
