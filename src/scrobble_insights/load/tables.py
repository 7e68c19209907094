"""The raw tables, declared once: columns, types, key and replace rule.

The DuckDB DDL, the BigQuery schema and the Arrow schemas the loader builds batches with are all
generated from these declarations, so a column is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# type -> (DuckDB, BigQuery, Arrow)
TYPES = {
    "string": ("VARCHAR", "STRING", pa.string()),
    "int64": ("BIGINT", "INT64", pa.int64()),
    "date": ("DATE", "DATE", pa.date32()),
    "bool": ("BOOLEAN", "BOOL", pa.bool_()),
    "timestamp": ("TIMESTAMPTZ", "TIMESTAMP", pa.timestamp("us", tz="UTC")),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]            # what identifies a row (or the unit replaced together)
    replace: str                    # how a load replaces rows: the rule, in words
    partition: str = ""             # BigQuery: PARTITION BY / CLUSTER BY clause
    stamped: bool = False           # the warehouse adds `loaded_at` (the load's time) to every row

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + ((Column("loaded_at", "timestamp", True),) if self.stamped else ())

    def arrow_schema(self) -> pa.Schema:
        """The columns the loader supplies (without `loaded_at`, which the warehouse stamps)."""
        return pa.schema([(c.name, TYPES[c.type][2]) for c in self.columns])

    def duckdb_ddl(self, schema: str = "raw") -> str:
        columns = ", ".join(f"{c.name} {TYPES[c.type][0]}{' NOT NULL' if c.required else ''}"
                            for c in self.all_columns)
        return f"CREATE TABLE IF NOT EXISTS {schema}.{self.name} ({columns});"

    def bigquery_columns(self) -> str:
        return ", ".join(f"{c.name} {TYPES[c.type][1]}{' NOT NULL' if c.required else ''}" for c in self.all_columns)


def _columns(spec: str) -> tuple[Column, ...]:
    """'name type[!], ...' -> columns ('!' = required)."""
    columns = []
    for item in spec.split(","):
        name, kind = item.split()
        columns.append(Column(name, kind.rstrip("!"), kind.endswith("!")))
    return tuple(columns)


RAW_TABLES = {t.name: t for t in (
    RawTable("scrobbles", _columns(
        "scrobble_id string!, user_name string!, played_at_uts int64!, played_date date!, artist_name string!, "
        "artist_mbid string, track_name string!, track_mbid string, album_name string, album_mbid string, "
        "track_url string, loved bool, fetched_at timestamp"),
        key=("scrobble_id",), replace="every row of a (user_name, played_date) day, when that day is reloaded",
        partition="PARTITION BY DATE_TRUNC(played_date, MONTH) CLUSTER BY user_name", stamped=True),
    RawTable("extracted_days", _columns(
        "user_name string!, day date!, scrobble_count int64!, bronze_path string!, bronze_version string!, "
        "extracted_at timestamp"),
        key=("user_name", "day"), replace="with the day's scrobbles, in the same transaction",
        partition="PARTITION BY DATE_TRUNC(day, MONTH) CLUSTER BY user_name", stamped=True),
    RawTable("artist_tags", _columns(
        "artist_name string!, tag_name string!, tag_weight int64!, tag_rank int64!, fetched_at timestamp!"),
        key=("artist_name", "tag_name"), replace="every tag of an artist, when the artist is fetched again"),
    RawTable("artist_tag_fetches", _columns(
        "artist_name string!, answered_as string, status string!, tag_count int64!, fetched_at timestamp!"),
        key=("artist_name",), replace="the artist's row, with its tags"),
    RawTable("user_infos", _columns(
        "user_name string!, playcount int64!, registered_uts int64!, country string, fetched_at timestamp!"),
        key=("user_name",), replace="the user's row, by the latest user.getInfo answer"),
    RawTable("mb_artists", _columns(
        "artist_key string!, asked_mbid string, asked_name string, mbid string, match string!, score int64, "
        "answer string!, fetched_at timestamp!, body string!"),
        key=("artist_key",), replace="the key's row, by the newest MusicBrainz answer about it"),
    RawTable("mb_release_groups", _columns(
        "album_ref string!, asked_release_mbid string, asked_artist_mbid string, asked_artist_name string, "
        "asked_title string!, release_group_mbid string, title string, primary_type string, "
        "first_release_date string, match string!, score int64, answer string!, fetched_at timestamp!, "
        "body string!"),
        key=("album_ref",), replace="the album's row, by the newest MusicBrainz answer about it"),
    RawTable("build_state", _columns("key string!, value string"),
             key=("key",), replace="the key's row"),
    RawTable("bronze_files", _columns("path string!, loaded_at timestamp!"),
             key=("path",), replace="appended when a tag or MusicBrainz batch file is loaded; emptied by a rebuild"),
)}

# Written whole before each dbt build, from the configuration and the genre vocabulary (replace_table).
REFERENCE_TABLES = {t.name: t for t in (
    RawTable("users", _columns("user_name string!, timezone string!, hemisphere string!"),
             key=("user_name",), replace="the whole table, before each dbt build"),
    RawTable("user_timezones", _columns(
        "user_name string!, timezone string!, valid_from_uts int64!, valid_to_uts int64!"),
        key=("user_name", "valid_from_uts"), replace="the whole table, before each dbt build"),
    RawTable("tag_genres", _columns("tag_name string!, tag_key string!, genre string, vocabulary_version string!"),
             key=("tag_name",), replace="the whole table, before each dbt build"),
)}
