"""Load bronze into the warehouse: only what changed since the last load, or everything (rebuild).

The bronze layer is the source of truth: `load_all(..., rebuild=True)` rebuilds every raw table from
the files alone, without the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from scrobble_insights.bronze.files import (
    iter_days,
    iter_mb_keys,
    iter_mb_release_group_keys,
    iter_tag_keys,
    latest_user_infos,
    read_lines,
    utc_now,
)
from scrobble_insights.bronze.store import BronzeStore
from scrobble_insights.errors import BronzeError, ScrobbleInsightsError

if TYPE_CHECKING:
    from scrobble_insights.load.warehouse import Warehouse
# pyarrow (and the Arrow schemas of load.records) are imported inside the load functions: a job imports
# this module before its first API request, and pyarrow alone takes ~0.3 s to import.

BATCH_ROWS = 5000


@dataclass
class LoadStats:
    days: int = 0
    scrobbles: int = 0
    tag_files: int = 0
    artists: int = 0
    mb_files: int = 0
    mb_artists: int = 0
    mb_release_groups: int = 0


def load_scrobbles(warehouse: Warehouse, store: BronzeStore, users: list[str] | None = None, *,
                   rebuild: bool = False) -> LoadStats:
    """Load every bronze day that is new or replaced since it was last loaded (its version comes with
    the store's listing: no object is read to find out).

    Rows stream into the warehouse as Arrow batches of about BATCH_ROWS scrobbles, inside one
    transaction, so memory stays flat whatever the size of the history.
    """
    import pyarrow as pa

    from scrobble_insights.load.records import DAY_SCHEMA, SCROBBLE_SCHEMA, empty_columns, scrobble_rows, to_table

    loaded = {} if rebuild else warehouse.loaded_versions(users)
    changed = []
    for user, day, key, version in iter_days(store, None if rebuild else users):
        if loaded.get((user, day.isoformat())) != version:
            changed.append((user, day, key, version))
    stats = LoadStats(days=len(changed))
    if not changed and not rebuild:
        return stats
    keys = pa.table({"user_name": pa.array([c[0] for c in changed], pa.string()),
                     "day": pa.array([c[1] for c in changed], pa.date32())})
    days = empty_columns(DAY_SCHEMA)
    now = utc_now()

    def batches() -> Iterator[pa.RecordBatch]:
        rows = empty_columns(SCROBBLE_SCHEMA)
        for user, day, key, version in changed:
            lines = _read(store, key)
            try:
                count = scrobble_rows(user, lines, rows)
            except (KeyError, TypeError, ValueError, ScrobbleInsightsError) as exc:
                raise BronzeError(f"bronze file {store.uri(key)} holds an unreadable scrobble ({exc}); delete it and "
                                  f"extract {day} again (scrobble-insights backfill --since {day} "
                                  f"--until {day})") from None
            days["user_name"].append(user)
            days["day"].append(day)
            days["scrobble_count"].append(count)
            days["bronze_path"].append(key)
            days["bronze_version"].append(version)
            # An empty day has no fetched_at to tell: the time of this load stands in for it.
            days["extracted_at"].append(datetime.fromisoformat(lines[0]["fetched_at"]) if lines else now)
            if len(rows["scrobble_id"]) >= BATCH_ROWS:
                yield pa.RecordBatch.from_pydict(rows, schema=SCROBBLE_SCHEMA)
                rows = empty_columns(SCROBBLE_SCHEMA)
        yield pa.RecordBatch.from_pydict(rows, schema=SCROBBLE_SCHEMA)

    failures: list[BronzeError] = []

    def guarded() -> Iterator[pa.RecordBatch]:
        try:
            yield from batches()
        except BronzeError as exc:      # the warehouse sees a failed stream; we keep the clear message
            failures.append(exc)
            raise

    stream = pa.RecordBatchReader.from_batches(SCROBBLE_SCHEMA, guarded())
    try:
        stats.scrobbles = warehouse.replace_days(keys, stream, lambda: to_table(days, DAY_SCHEMA),
                                                 replace_all=rebuild)
    except Exception:
        if failures:
            raise failures[0] from None
        raise
    return stats


def _read(store: BronzeStore, key: str) -> list[dict]:
    try:
        return read_lines(store, key)
    except (OSError, EOFError, ValueError) as exc:
        raise BronzeError(f"bronze file {store.uri(key)} is damaged ({type(exc).__name__}); delete it and extract "
                          "that day again") from None


def load_user_infos(warehouse: Warehouse, store: BronzeStore) -> int:
    """Load the newest user.getInfo answer of every user; returns how many users."""
    from scrobble_insights.load.records import USER_INFO_SCHEMA, empty_columns, to_table, user_info_rows

    columns = empty_columns(USER_INFO_SCHEMA)
    for key in latest_user_infos(store):
        for record in _read(store, key):
            user_info_rows(record, columns)
    if columns["user_name"]:
        warehouse.replace_user_infos(to_table(columns, USER_INFO_SCHEMA))
    return len(columns["user_name"])


def load_tags(warehouse: Warehouse, store: BronzeStore, *, rebuild: bool = False) -> LoadStats:
    """Load artist.getTopTags batches not loaded yet (all of them when rebuilding)."""
    from scrobble_insights.load.records import FETCH_SCHEMA, TAG_SCHEMA, empty_columns, tag_rows, to_table

    done = set() if rebuild else warehouse.loaded_files()
    files = [key for key in iter_tag_keys(store) if key not in done]
    stats = LoadStats(tag_files=len(files))
    if not files and not rebuild:
        return stats
    tags, fetches = empty_columns(TAG_SCHEMA), empty_columns(FETCH_SCHEMA)
    for key in files:
        for record in _read(store, key):
            tag_rows(record, tags, fetches)
    stats.artists = len(set(fetches["artist_name"]))
    warehouse.replace_artist_tags(files,
                                  to_table(tags, TAG_SCHEMA), to_table(fetches, FETCH_SCHEMA),
                                  replace_all=rebuild)
    return stats


def load_mb_artists(warehouse: Warehouse, store: BronzeStore, *, rebuild: bool = False) -> LoadStats:
    """Load the MusicBrainz answer batches not loaded yet (all of them when rebuilding) into
    raw.mb_artists: the newest answer about each asked key wins (load.records.mb_artist_rows); then the
    release-group batches into raw.mb_release_groups (load_mb_release_groups), so that every caller that
    loads MusicBrainz answers (load, rebuild, enrich) loads both."""
    from scrobble_insights.load.records import MB_ARTIST_SCHEMA, mb_artist_rows

    done = set() if rebuild else warehouse.loaded_files()
    files = [key for key in iter_mb_keys(store) if key not in done]
    stats = LoadStats(mb_files=len(files))
    if files or rebuild:
        table = _newest_rows(store, files, mb_artist_rows, "artist_key", MB_ARTIST_SCHEMA)
        stats.mb_artists = table.num_rows
        warehouse.replace_mb_artists(files, table, replace_all=rebuild)
    groups = load_mb_release_groups(warehouse, store, rebuild=rebuild, done=done)
    stats.mb_files += groups.mb_files
    stats.mb_release_groups = groups.mb_release_groups
    return stats


def load_mb_release_groups(warehouse: Warehouse, store: BronzeStore, *, rebuild: bool = False,
                           done: set[str] | None = None) -> LoadStats:
    """Load the release-group answer batches not loaded yet (all of them when rebuilding) into
    raw.mb_release_groups: the newest answer about each album wins (load.records.mb_release_group_rows)."""
    from scrobble_insights.load.records import MB_RELEASE_GROUP_SCHEMA, mb_release_group_rows

    done = set() if rebuild else (warehouse.loaded_files() if done is None else done)
    files = [key for key in iter_mb_release_group_keys(store) if key not in done]
    stats = LoadStats(mb_files=len(files))
    if not files and not rebuild:
        return stats
    table = _newest_rows(store, files, mb_release_group_rows, "album_ref", MB_RELEASE_GROUP_SCHEMA)
    stats.mb_release_groups = table.num_rows
    warehouse.replace_mb_release_groups(files, table, replace_all=rebuild)
    return stats


def _newest_rows(store: BronzeStore, files: list[str], rows_of, key: str, schema):
    """The rows the landed answers of `files` give, the newest per `key`, as an Arrow table."""
    import pyarrow as pa

    latest: dict[str, dict] = {}
    for name in files:
        try:
            rows = [row for record in _read(store, name) for row in rows_of(record)]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BronzeError(f"bronze file {store.uri(name)} holds an unreadable MusicBrainz answer ({exc}); "
                              "delete it and run `scrobble-insights enrich` again") from None
        for row in rows:
            seen = latest.get(row[key])
            if seen is None or row["fetched_at"] >= seen["fetched_at"]:
                latest[row[key]] = row
    return pa.Table.from_pylist(list(latest.values()), schema=schema)
