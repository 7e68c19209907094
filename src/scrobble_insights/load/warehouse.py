"""The warehouse: one small interface, a DuckDB and a BigQuery implementation. Nothing else opens a
database connection.

- `Warehouse` is what the loader writes through (`open_warehouse`).
- `Reader` is what everything else reads through (`open_reader`): status, verify, the dashboard,
  the report, the exports and the demo. On DuckDB it reads the snapshot published after each job
  (load.snapshot), so readers never wait for a writer; on BigQuery it reads the datasets.
The raw tables are declared once, in load/tables.py.

Raw tables (schema ``raw``):
- ``raw.scrobbles``       one row per scrobble, exactly the API's rows (identical plays stay two rows)
- ``raw.extracted_days``  one row per user and UTC day landed in bronze (empty days included)
- ``raw.artist_tags``     artist.getTopTags answers: artist, tag, weight, rank, fetched_at
- ``raw.artist_tag_fetches`` one row per artist asked for tags (also artists last.fm did not know)
- ``raw.user_infos``      the latest user.getInfo answer per user (last.fm's playcount, registration)
- ``raw.mb_artists``      one row per artist key asked of MusicBrainz (``mbid:<id>`` or ``name:<last.fm name>``):
                          resolved MBID, match kind, the answer's raw JSON
- ``raw.mb_release_groups`` one row per album asked of MusicBrainz (``mbid:<release id>`` or
                          ``title:<artist name>|<album name>``): its release group, first release date, match
- ``raw.bronze_files``    which tag and MusicBrainz batch files were loaded
- ``raw.users``, ``raw.user_timezones``, ``raw.tag_genres``: reference tables written before dbt runs

Every write method runs in one transaction: a failure leaves the warehouse as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:        # pyarrow is only imported once loading starts: the extract starts sooner
    import pyarrow as pa

from scrobble_insights.errors import ConfigError

BIGQUERY_SCHEME = "bigquery://"


# The MusicBrainz answers that carry curated genres: lookups of matched keys (search hits carry tags only).
LOOKUP_BODIES = "SELECT body FROM {table} WHERE answer = 'lookup' AND mbid IS NOT NULL"


def with_mb_genre_names(tags: list[str], bodies: Iterable[str]) -> list[str]:
    """`tags` and every genre name in the MusicBrainz lookup `bodies`, sorted: a curated genre maps to
    our vocabulary through raw.tag_genres like a tag (int_artist_genres_ranked), even when no last.fm
    tag of that spelling exists."""
    names = set(tags)
    for body in bodies:
        genres = json.loads(body).get("genres") or []
        names.update(g["name"] for g in genres if isinstance(g, dict) and isinstance(g.get("name"), str))
    return sorted(names)


class Warehouse(Protocol):
    name: str

    def loaded_versions(self, users: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
        """{(user, 'YYYY-MM-DD'): bronze_version} of every loaded day."""

    def replace_days(self, keys: pa.Table, scrobbles: pa.RecordBatchReader, days: Callable[[], pa.Table], *,
                     replace_all: bool = False) -> int:
        """Replace whole user-days in one transaction: delete the rows of the (user_name, day) `keys`,
        insert the streamed `scrobbles`, then record `days()` (complete once the stream is read)
        in raw.extracted_days. With replace_all, empty the tables first. Returns rows inserted."""

    def loaded_files(self) -> set[str]:
        """Tag batch files already loaded."""

    def replace_artist_tags(self, files: list[str], tags: pa.Table, fetches: pa.Table, *,
                            replace_all: bool = False) -> None:
        """Replace the tags of the artists in `fetches`; record the files. One transaction."""

    def replace_mb_artists(self, files: list[str], rows: pa.Table, *, replace_all: bool = False) -> None:
        """Replace the raw.mb_artists rows of the keys in `rows`; record the files. One transaction.
        With replace_all, empty raw.mb_artists (and forget the MusicBrainz files) first."""

    def mb_artist_state(self, users: Iterable[str] | None = None) -> list[tuple]:
        """One row per artist key of the users' scrobbles, most played first: (artist_key, name, mbid,
        plays, match, answer, fetched_at, resolved MBID), the last four None for a key never asked."""

    def replace_mb_release_groups(self, files: list[str], rows: pa.Table, *, replace_all: bool = False) -> None:
        """Replace the raw.mb_release_groups rows of the albums in `rows`; record the files. One
        transaction. With replace_all, empty raw.mb_release_groups (and forget its files) first."""

    def mb_release_group_state(self, users: Iterable[str] | None = None) -> list[tuple]:
        """One row per album of the users' scrobbles, most played first: (album_ref, artist name, title,
        release MBID, resolved artist MBID, plays, match, fetched_at), the last two None if never asked."""

    def replace_user_infos(self, infos: pa.Table) -> None:
        """Replace the user.getInfo row of each user in `infos`."""

    def replace_table(self, name: str, table: pa.Table) -> None:
        """Replace the small reference table raw.<name> with `table`."""

    def artists_to_tag(self, older_than: datetime, users: Iterable[str] | None = None) -> list[tuple[str, int]]:
        """(artist, plays) of the artists never tagged, or tagged before `older_than`; most played first."""

    def artists_tagged_since(self, since: datetime) -> set[str]:
        """Artists whose tags were fetched at or after `since` (no need to ask again)."""

    def count_scrobbles(self, user: str | None = None) -> int: ...

    def close(self) -> None: ...


def open_warehouse(settings, *, read_only: bool = False) -> Warehouse:
    """The configured warehouse (DuckDB file in the data directory unless configured otherwise)."""
    if settings.warehouse == "bigquery":
        from scrobble_insights.load.bigquery_warehouse import BigQueryWarehouse

        staging = f"{settings.bronze_url.rstrip('/')}/_loads" if settings.bronze_url.startswith("gs://") else ""
        return BigQueryWarehouse(project=settings.bigquery_project, dataset_prefix=settings.bigquery_dataset_prefix,
                                 location=settings.bigquery_location, staging=staging)
    from scrobble_insights.load.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(settings.warehouse_path, read_only=read_only)


class Result(Protocol):
    def fetchone(self) -> tuple | None: ...
    def fetchall(self) -> list[tuple]: ...
    def df(self) -> Any: ...          # a pandas DataFrame


class Reader(Protocol):
    """Read-only SQL over the warehouse (raw.*, marts.*), positional `?` parameters."""

    def execute(self, sql: str, parameters: list | None = None) -> Result: ...

    def close(self) -> None: ...


def reader_source(settings) -> str:
    """What readers open, as one string a process can hand another (the dashboard's): the DuckDB
    snapshot's path, or ``bigquery://<project>/<dataset prefix>?location=<location>``."""
    if settings.warehouse == "bigquery":
        if not settings.bigquery_project:
            raise ConfigError("SCROBBLE_INSIGHTS_BIGQUERY_PROJECT is not set: name the GCP project of the warehouse")
        return (f"{BIGQUERY_SCHEME}{settings.bigquery_project}/{settings.bigquery_dataset_prefix}"
                f"?location={settings.bigquery_location}")
    from scrobble_insights.load.snapshot import reader_path

    return str(reader_path(settings))


def open_reader(settings) -> Reader:
    """The configured warehouse, read-only, as readers should see it."""
    return open_source(reader_source(settings))


def open_source(source: str | Path) -> Reader:
    """A reader of `source` (reader_source): a DuckDB file read-only, or the BigQuery datasets."""
    source = str(source)
    if source.startswith(BIGQUERY_SCHEME):
        from scrobble_insights.load.bigquery_warehouse import BigQueryReader

        parts = urlsplit(source)
        return BigQueryReader(project=parts.netloc, dataset_prefix=parts.path.lstrip("/"),
                              location=parse_qs(parts.query).get("location", ["US"])[0])
    from scrobble_insights.load.snapshot import read_only

    return read_only(Path(source))



def is_bigquery(source: str | Path) -> bool:
    return str(source).startswith(BIGQUERY_SCHEME)


def tables(con: Reader, schema: str) -> set[str]:
    """The tables (and views) of a schema: `marts`, `raw`."""
    if hasattr(con, "tables"):
        return con.tables(schema)
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                                      [schema]).fetchall()}


# Each scrobbled artist name's MusicBrainz key (ADR 0011): `mbid:<id>` by the MBID last.fm gave it (the
# greatest, should it give two), else `name:<name>`; with the name's plays. `plays`: the scrobbles read.
_ARTIST_KEYS = """
            SELECT artist_name, mbid, plays,
                   CASE WHEN mbid IS NULL THEN 'name:' || artist_name ELSE 'mbid:' || LOWER(mbid) END AS artist_key
            FROM (SELECT artist_name, MAX(NULLIF(artist_mbid, '')) AS mbid, COUNT(*) AS plays
                  FROM {plays} GROUP BY artist_name) AS n"""


def mb_state_sql(scrobbles: str, mb_artists: str, user_filter: str) -> str:
    """The artist keys to enrich, for DuckDB and BigQuery alike: a name keyed by the MBID last.fm gave it
    (the greatest, should it give two), else by the name; plays summed per key; with the key's row in
    raw.mb_artists if any."""
    return f"""
        WITH named AS ({_ARTIST_KEYS.format(plays=f"{scrobbles} {user_filter}")}),
        keyed AS (
            SELECT artist_key, MIN(artist_name) AS name, MAX(LOWER(mbid)) AS mbid, SUM(plays) AS plays
            FROM named GROUP BY 1)
        SELECT k.artist_key, k.name, k.mbid, k.plays, m.match, m.answer, m.fetched_at, m.mbid AS resolved_mbid
        FROM keyed k LEFT JOIN {mb_artists} m ON m.artist_key = k.artist_key
        ORDER BY k.plays DESC, k.artist_key"""


def mb_release_group_state_sql(scrobbles: str, mb_artists: str, mb_release_groups: str, user_filter: str) -> str:
    """The albums to enrich, for DuckDB and BigQuery alike: a scrobbled album is keyed by the release MBID
    last.fm gave (`mbid:<id>`), else by its artist's and its own name as scrobbled (`title:<artist>|<album>`);
    plays summed per key; the artist's MBID where raw.mb_artists matched its key (mb_state_sql's keys); the
    album's row in raw.mb_release_groups if any."""
    return f"""
        WITH plays AS (
            SELECT * FROM {scrobbles} {user_filter}),
        artist_keys AS ({_ARTIST_KEYS.format(plays="plays")}),
        albums AS (
            SELECT CASE WHEN NULLIF(album_mbid, '') IS NULL THEN 'title:' || artist_name || '|' || album_name
                        ELSE 'mbid:' || LOWER(album_mbid) END AS album_ref,
                   artist_name, album_name, LOWER(NULLIF(album_mbid, '')) AS release_mbid, COUNT(*) AS plays
            FROM plays WHERE album_name IS NOT NULL AND album_name <> ''
            GROUP BY 1, 2, 3, 4),
        keyed AS (
            SELECT a.album_ref, MIN(a.artist_name) AS artist_name, MIN(a.album_name) AS title,
                   MAX(a.release_mbid) AS release_mbid,
                   MAX(CASE WHEN m.match IN ('mbid', 'merged', 'name') THEN m.mbid END) AS artist_mbid,
                   SUM(a.plays) AS plays
            FROM albums a
            JOIN artist_keys k ON k.artist_name = a.artist_name
            LEFT JOIN {mb_artists} m ON m.artist_key = k.artist_key
            GROUP BY a.album_ref)
        SELECT k.album_ref, k.artist_name, k.title, k.release_mbid, k.artist_mbid, k.plays, r.match, r.fetched_at
        FROM keyed k LEFT JOIN {mb_release_groups} r ON r.album_ref = k.album_ref
        ORDER BY k.plays DESC, k.album_ref"""
