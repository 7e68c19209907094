"""BigQuery warehouse: the same interface as DuckDB, for many users or a team.

Batches are loaded as Parquet into staging tables, then applied in one multi-statement transaction,
so a failed load leaves the raw tables as they were. Install with `pip install 'scrobble-insights[bigquery]'`
and authenticate with Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS).
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from scrobble_insights.errors import ConfigError, WarehouseError
from scrobble_insights.load.tables import RAW_TABLES

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"    # host:port of a BigQuery emulator: used instead of Google's API


def _client(project: str, location: str, client=None):
    """The given client (tests), else a real one; a missing project or library is a one-line error."""
    if not project:
        raise ConfigError("SCROBBLE_INSIGHTS_BIGQUERY_PROJECT is not set: name the GCP project of the warehouse")
    if client is not None:
        return client
    try:
        from google.cloud import bigquery
    except ImportError:
        raise ConfigError("BigQuery support is not installed: pip install 'scrobble-insights[bigquery]'") from None
    emulator = os.environ.get(EMULATOR_ENV)
    if emulator:         # a local emulator (tests): its own endpoint, no Google credentials
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(project=project, location=location, credentials=AnonymousCredentials(),
                               client_options={"api_endpoint": emulator_endpoint(emulator)})
    return bigquery.Client(project=project, location=location)


def emulator_endpoint(host: str) -> str:
    """BIGQUERY_EMULATOR_HOST ('127.0.0.1:9050' or 'http://127.0.0.1:9050') as an http URL."""
    return host.rstrip("/") if "://" in host else f"http://{host.rstrip('/')}"


class BigQueryWarehouse:
    name = "bigquery"

    def __init__(self, project: str, dataset_prefix: str = "", location: str = "US", client=None) -> None:
        self.client = _client(project, location, client)
        self.location = location
        self.raw = f"`{project}.{dataset_prefix}raw`"
        self._query(f"CREATE SCHEMA IF NOT EXISTS {self.raw} OPTIONS (location = '{location}')")
        for table in RAW_TABLES.values():
            self._query(f"CREATE TABLE IF NOT EXISTS {self.raw[:-1]}.{table.name}` ({table.bigquery_columns()}) "
                        f"{table.partition}")

    def _table(self, name: str) -> str:
        return f"{self.raw[:-1]}.{name}`"

    def _query(self, sql: str, params: list | None = None) -> list:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=params or [])
        try:
            return list(self.client.query(sql, job_config=config, location=self.location).result())
        except Exception as exc:  # google.api_core errors carry long multi-line texts
            raise WarehouseError(f"BigQuery query failed: {str(exc).splitlines()[0]}") from None

    def _stage(self, data: pa.Table | pa.RecordBatchReader, name: str) -> str:
        """Load an Arrow table or stream (spooled to a temporary Parquet file) into a staging table."""
        from google.cloud import bigquery

        with tempfile.TemporaryFile() as spool:
            with pq.ParquetWriter(spool, data.schema) as writer:
                if isinstance(data, pa.Table):
                    writer.write_table(data)
                else:
                    for batch in data:
                        writer.write_batch(batch)
            spool.seek(0)
            config = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.PARQUET,
                                            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
            job = self.client.load_table_from_file(spool, f"{self.raw[1:-1]}.{name}", job_config=config,
                                                   location=self.location)
            job.result()
        return self._table(name)

    def loaded_versions(self, users: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
        rows = self._query(f"SELECT user_name, CAST(day AS STRING) AS day, bronze_version "
                           f"FROM {self._table('extracted_days')}")
        wanted = None if users is None else set(users)
        return {(r[0], r[1]): r[2] for r in rows if wanted is None or r[0] in wanted}

    def replace_days(self, keys: pa.Table, scrobbles: pa.RecordBatchReader, days: Callable[[], pa.Table], *,
                     replace_all: bool = False) -> int:
        run = uuid.uuid4().hex[:12]
        staged = {name: f"_stage_{name}_{run}" for name in ("keys", "scrobbles", "days")}
        try:
            keys_t = self._stage(keys, staged["keys"])
            rows_t = self._stage(scrobbles, staged["scrobbles"])
            day_rows = days()
            days_t = self._stage(day_rows, staged["days"])
            wipe = (f"DELETE FROM {self._table('scrobbles')} WHERE TRUE; "
                    f"DELETE FROM {self._table('extracted_days')} WHERE TRUE;") if replace_all else ""
            self._query(f"""BEGIN TRANSACTION; {wipe}
                DELETE FROM {self._table('scrobbles')} s WHERE EXISTS (SELECT 1 FROM {keys_t} k
                    WHERE k.user_name = s.user_name AND k.day = s.played_date);
                DELETE FROM {self._table('extracted_days')} e WHERE EXISTS (SELECT 1 FROM {keys_t} k
                    WHERE k.user_name = e.user_name AND k.day = e.day);
                INSERT INTO {self._table('scrobbles')} SELECT *, CURRENT_TIMESTAMP() FROM {rows_t};
                INSERT INTO {self._table('extracted_days')} SELECT *, CURRENT_TIMESTAMP() FROM {days_t};
                COMMIT TRANSACTION;""")
            return int(sum(day_rows.column("scrobble_count").to_pylist()))
        finally:
            for name in staged.values():
                self.client.delete_table(f"{self.raw[1:-1]}.{name}", not_found_ok=True)

    def loaded_files(self) -> set[str]:
        return {r[0] for r in self._query(f"SELECT path FROM {self._table('bronze_files')}")}

    def replace_artist_tags(self, files: list[str], tags: pa.Table, fetches: pa.Table, *,
                            replace_all: bool = False) -> None:
        from google.cloud import bigquery

        run = uuid.uuid4().hex[:12]
        tags_t, fetches_t = f"_stage_tags_{run}", f"_stage_fetches_{run}"
        try:
            self._stage(tags, tags_t)
            self._stage(fetches, fetches_t)
            wipe = "".join(f"DELETE FROM {self._table(t)} WHERE TRUE; "
                           for t in ("artist_tags", "artist_tag_fetches", "bronze_files")) if replace_all else ""
            self._query(f"""BEGIN TRANSACTION; {wipe}
                CREATE TEMP TABLE latest AS SELECT * FROM {self._table(fetches_t)}
                    QUALIFY ROW_NUMBER() OVER (PARTITION BY artist_name ORDER BY fetched_at DESC) = 1;
                DELETE FROM {self._table('artist_tags')} WHERE artist_name IN (SELECT artist_name FROM latest);
                DELETE FROM {self._table('artist_tag_fetches')} WHERE artist_name IN (SELECT artist_name FROM latest);
                INSERT INTO {self._table('artist_tags')} SELECT t.* FROM {self._table(tags_t)} t
                    JOIN latest l USING (artist_name) WHERE t.fetched_at = l.fetched_at;
                INSERT INTO {self._table('artist_tag_fetches')} SELECT * FROM latest;
                INSERT INTO {self._table('bronze_files')} SELECT path, CURRENT_TIMESTAMP() FROM UNNEST(@files) AS path;
                COMMIT TRANSACTION;""", [bigquery.ArrayQueryParameter("files", "STRING", files)])
        finally:
            for name in (tags_t, fetches_t):
                self.client.delete_table(f"{self.raw[1:-1]}.{name}", not_found_ok=True)

    def replace_user_infos(self, infos: pa.Table) -> None:
        run = uuid.uuid4().hex[:12]
        name = f"_stage_user_infos_{run}"
        try:
            staged = self._stage(infos, name)
            self._query(f"""BEGIN TRANSACTION;
                DELETE FROM {self._table('user_infos')} WHERE user_name IN (SELECT user_name FROM {staged});
                INSERT INTO {self._table('user_infos')} SELECT * FROM {staged};
                COMMIT TRANSACTION;""")
        finally:
            self.client.delete_table(f"{self.raw[1:-1]}.{name}", not_found_ok=True)

    def replace_table(self, name: str, table: pa.Table) -> None:
        """Replace a small reference table raw.<name> (one load job, WRITE_TRUNCATE)."""
        self._stage(table, name)

    def artists_to_tag(self, older_than: datetime, users: Iterable[str] | None = None) -> list[str]:
        from google.cloud import bigquery

        params = [bigquery.ScalarQueryParameter("older_than", "TIMESTAMP", older_than)]
        user_filter = ""
        if users is not None:
            user_filter = "WHERE user_name IN UNNEST(@users)"
            params.append(bigquery.ArrayQueryParameter("users", "STRING", list(users)))
        rows = self._query(f"""
            WITH plays AS (SELECT artist_name, COUNT(*) AS plays FROM {self._table('scrobbles')} {user_filter}
                           GROUP BY artist_name)
            SELECT p.artist_name FROM plays p LEFT JOIN {self._table('artist_tag_fetches')} f USING (artist_name)
            WHERE f.fetched_at IS NULL OR f.fetched_at < @older_than
            ORDER BY p.plays DESC, p.artist_name""", params)
        return [r[0] for r in rows]

    def distinct_values(self) -> tuple[list[str], list[str]]:
        users = [r[0] for r in self._query(f"SELECT DISTINCT user_name FROM {self._table('scrobbles')} ORDER BY 1")]
        tags = [r[0] for r in self._query(f"SELECT DISTINCT tag_name FROM {self._table('artist_tags')} ORDER BY 1")]
        return users, tags

    def get_state(self, key: str) -> str | None:
        from google.cloud import bigquery

        rows = self._query(f"SELECT value FROM {self._table('build_state')} WHERE key = @key",
                           [bigquery.ScalarQueryParameter("key", "STRING", key)])
        return rows[0][0] if rows else None

    def set_state(self, key: str, value: str) -> None:
        from google.cloud import bigquery

        self._query(f"""BEGIN TRANSACTION;
            DELETE FROM {self._table('build_state')} WHERE key = @key;
            INSERT INTO {self._table('build_state')} VALUES (@key, @value);
            COMMIT TRANSACTION;""", [bigquery.ScalarQueryParameter("key", "STRING", key),
                                     bigquery.ScalarQueryParameter("value", "STRING", value)])

    def model_stats(self) -> tuple[int, float | None]:
        marts = self.raw.replace("raw`", "marts`")
        rows = self._query(f"""SELECT COUNT(*), COUNTIF(a.has_genre) FROM {marts[:-1]}.fact_scrobbles` f
            JOIN {marts[:-1]}.dim_artist` a USING (artist_key)""")
        count, covered = rows[0][0], rows[0][1]
        return count, (covered / count if count else None)

    def count_scrobbles(self, user: str | None = None) -> int:
        from google.cloud import bigquery

        if user is None:
            return self._query(f"SELECT COUNT(*) FROM {self._table('scrobbles')}")[0][0]
        return self._query(f"SELECT COUNT(*) FROM {self._table('scrobbles')} WHERE user_name = @user",
                           [bigquery.ScalarQueryParameter("user", "STRING", user)])[0][0]

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close:
            close()


class _Result:
    def __init__(self, job) -> None:
        self._rows = job.result()

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self._rows]

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self):
        return self._rows.to_dataframe()


class BigQueryReader:
    """Read-only SQL on BigQuery for status, verify, serve and the exports: `raw.x` and `marts.x` name
    the configured project's datasets (with their prefix); `?` parameters are BigQuery's positional ones."""

    def __init__(self, project: str, dataset_prefix: str = "", location: str = "US", client=None) -> None:
        self.client = _client(project, location, client)
        self.project, self.prefix, self.location = project, dataset_prefix, location

    def qualify(self, sql: str) -> str:
        return re.sub(r"\b(raw|staging|intermediate|marts)\.(\w+)",
                      lambda m: f"`{self.project}.{self.prefix}{m.group(1)}.{m.group(2)}`", sql)

    def execute(self, sql: str, parameters: list | None = None) -> _Result:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=[_parameter(v) for v in parameters or []])
        return _Result(self.client.query(self.qualify(sql), job_config=config, location=self.location))

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close:
            close()


def _parameter(value):
    from google.cloud import bigquery

    kind = ("BOOL" if isinstance(value, bool) else "INT64" if isinstance(value, int) else
            "FLOAT64" if isinstance(value, float) else "TIMESTAMP" if isinstance(value, datetime) else
            "DATE" if isinstance(value, date) else "STRING")
    return bigquery.ScalarQueryParameter(None, kind, value)
