"""BigQuery warehouse: the same interface as DuckDB, for many users or a team.

Each batch is written as Parquet and loaded into a staging table by a load job: from a staged object
on GCS (`load_table_from_uri`, in `<bronze bucket>/<prefix>/_loads/`) when bronze lives on GCS, else
straight from the file. The staged rows are then applied to the raw tables in one multi-statement
transaction, so readers see a day before or after its replacement, never half of it, and a failed
load leaves the raw tables as they were.

The raw dataset must exist (infra/ creates every dataset; see the README); the raw tables are created
when missing. Credentials: Application Default Credentials (`gcloud auth application-default login`, or
GOOGLE_APPLICATION_CREDENTIALS naming a service account key). With BIGQUERY_EMULATOR_HOST set, the
client talks to that emulator without credentials (the tests' local-bigquery).
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scrobble_insights.errors import ConfigError, WarehouseError, first_line
from scrobble_insights.load.tables import RAW_TABLES
from scrobble_insights.load.warehouse import LOOKUP_BODIES, with_mb_genre_names

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"
ROLES = "roles/bigquery.dataEditor on the datasets and roles/bigquery.jobUser on the project"


def emulator_endpoint(variable: str = EMULATOR_ENV) -> str | None:
    """The emulator's URL from `variable` (host:port or a URL), or None for the real service."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    return value.rstrip("/") if "://" in value else f"http://{value.rstrip('/')}"


def credentials_error(exc: BaseException) -> ConfigError:
    return ConfigError(f"no usable Google Cloud credentials ({first_line(exc)}): run `gcloud auth "
                       "application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file")


def bigquery_client(project: str, location: str, client=None):
    """The given client (tests), else a real one, else one-line errors: no project, no library, no
    credentials."""
    if not project:
        raise ConfigError("SCROBBLE_INSIGHTS_BIGQUERY_PROJECT is not set: name the GCP project of the warehouse")
    if client is not None:
        return client
    try:
        import google.auth.exceptions
        from google.cloud import bigquery
    except ImportError:
        raise ConfigError("BigQuery support is not installed: pip install 'scrobble-insights[bigquery]'") from None
    endpoint = emulator_endpoint()
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(project=project, location=location, credentials=AnonymousCredentials(),
                               client_options={"api_endpoint": endpoint})
    try:
        return bigquery.Client(project=project, location=location)
    except google.auth.exceptions.GoogleAuthError as exc:
        raise credentials_error(exc) from None


def api_error(exc: Exception, what: str) -> WarehouseError | ConfigError:
    """A Google API error in one line, with the fix where one is known."""
    from google.api_core import exceptions as gexc

    text = first_line(Exception(getattr(exc, "message", None) or str(exc)))
    text = re.sub(r"^(GET|POST|PUT|PATCH|DELETE) \S+: ", "", text)      # the request's URL says nothing new
    if isinstance(exc, gexc.Forbidden):
        return ConfigError(f"permission denied {what}: {text}; the pipeline's account needs {ROLES}")
    if isinstance(exc, gexc.NotFound):
        return ConfigError(f"not found {what}: {text}; create the datasets with `terraform apply` in infra/ "
                           "(or check SCROBBLE_INSIGHTS_BIGQUERY_PROJECT, _DATASET_PREFIX and _LOCATION)")
    try:
        import google.auth.exceptions

        if isinstance(exc, google.auth.exceptions.GoogleAuthError):
            return credentials_error(exc)
    except ImportError:
        pass
    return WarehouseError(f"BigQuery failed {what}: {text}")


def check_dataset(client, dataset: str, location: str) -> None:
    """One-line errors when the dataset is missing, unreadable, or in another location than configured."""
    from google.api_core import exceptions as gexc

    try:
        found = client.get_dataset(dataset)
    except gexc.NotFound:
        raise ConfigError(f"BigQuery dataset {dataset} does not exist: create the datasets with `terraform apply` "
                          "in infra/ (or check SCROBBLE_INSIGHTS_BIGQUERY_PROJECT and _DATASET_PREFIX)") from None
    except Exception as exc:  # noqa: BLE001 - Forbidden, credentials, the network: one line each
        raise api_error(exc, f"reading dataset {dataset}") from None
    if (found.location or "").upper() != location.upper():
        raise ConfigError(f"BigQuery dataset {dataset} is in location {found.location}, not {location}: set "
                          f"SCROBBLE_INSIGHTS_BIGQUERY_LOCATION={found.location}")


class BigQueryWarehouse:
    name = "bigquery"

    def __init__(self, project: str, dataset_prefix: str = "", location: str = "US", *, staging: str = "",
                 client=None, storage=None) -> None:
        self.client = bigquery_client(project, location, client)
        self.location, self.staging, self.storage = location, staging.rstrip("/"), storage
        self.dataset = f"{project}.{dataset_prefix}raw"
        check_dataset(self.client, self.dataset, location)
        self._query(";\n".join(f"CREATE TABLE IF NOT EXISTS {self._table(t.name)} ({t.bigquery_columns()}) "
                               f"{t.partition}" for t in RAW_TABLES.values()), what="creating the raw tables")

    def _table(self, name: str) -> str:
        return f"`{self.dataset}.{name}`"

    def _query(self, sql: str, params: list | None = None, *, what: str = "running a query") -> list:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=params or [])
        try:
            return list(self.client.query(sql, job_config=config, location=self.location).result())
        except Exception as exc:  # noqa: BLE001 - google.api_core errors carry long multi-line texts
            raise api_error(exc, what) from None

    def _stage(self, data: pa.Table | pa.RecordBatchReader, name: str) -> str:
        """Load an Arrow table or stream (spooled to a temporary Parquet file) into the table raw.<name>,
        replacing it: through a staged GCS object when a staging location is set, else from the file."""
        from google.cloud import bigquery

        config = bigquery.LoadJobConfig(source_format=bigquery.SourceFormat.PARQUET,
                                        write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE)
        with tempfile.TemporaryDirectory(prefix="scrobble-insights-stage-") as directory:
            spool = Path(directory) / f"{name}.parquet"
            with pq.ParquetWriter(spool, data.schema, compression="zstd") as writer:
                for batch in (data.to_batches() if isinstance(data, pa.Table) else data):
                    writer.write_batch(batch)
            try:
                if self.staging:
                    uri = f"{self.staging}/{name}.parquet"
                    self._storage().upload(uri, spool)
                    try:
                        self.client.load_table_from_uri(uri, f"{self.dataset}.{name}", job_config=config,
                                                        location=self.location).result()
                    finally:
                        self._storage().delete(uri)
                else:
                    with spool.open("rb") as handle:
                        self.client.load_table_from_file(handle, f"{self.dataset}.{name}", job_config=config,
                                                         location=self.location).result()
            except (ConfigError, WarehouseError):
                raise
            except Exception as exc:  # noqa: BLE001
                raise api_error(exc, f"loading {name}") from None
        return self._table(name)

    def _storage(self):
        if self.storage is None:
            from scrobble_insights.load.gcs_staging import Staging

            self.storage = Staging(self.client.project)
        return self.storage

    def _drop(self, *names: str) -> None:
        for name in names:
            self.client.delete_table(f"{self.dataset}.{name}", not_found_ok=True)

    def loaded_versions(self, users: Iterable[str] | None = None) -> dict[tuple[str, str], str]:
        from google.cloud import bigquery

        where, params = "", []
        if users is not None:          # the table is clustered by user: only their blocks are read
            where, params = "WHERE user_name IN UNNEST(@users)", [bigquery.ArrayQueryParameter("users", "STRING", list(users))]
        rows = self._query(f"SELECT user_name, CAST(day AS STRING) AS day, bronze_version "
                           f"FROM {self._table('extracted_days')} {where}", params)
        return {(r[0], r[1]): r[2] for r in rows}

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
            # The literal day range lets BigQuery prune the month partitions no key falls in (a join
            # to the keys alone would read every partition's user_name and day).
            first, last = (str(d) for d in pc.min_max(keys.column("day")).values()) if keys.num_rows else ("1", "0")
            span = f"BETWEEN '{first}' AND '{last}'"
            self._query(f"""BEGIN TRANSACTION; {wipe}
                DELETE FROM {self._table('scrobbles')} s WHERE s.played_date {span} AND EXISTS (SELECT 1
                    FROM {keys_t} k WHERE k.user_name = s.user_name AND k.day = s.played_date);
                DELETE FROM {self._table('extracted_days')} e WHERE e.day {span} AND EXISTS (SELECT 1
                    FROM {keys_t} k WHERE k.user_name = e.user_name AND k.day = e.day);
                INSERT INTO {self._table('scrobbles')} SELECT *, CURRENT_TIMESTAMP() FROM {rows_t};
                INSERT INTO {self._table('extracted_days')} SELECT *, CURRENT_TIMESTAMP() FROM {days_t};
                COMMIT TRANSACTION;""", what="replacing days of scrobbles")
            return int(sum(day_rows.column("scrobble_count").to_pylist()))
        finally:
            self._drop(*staged.values())

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
                COMMIT TRANSACTION;""", [bigquery.ArrayQueryParameter("files", "STRING", files)],
                what="replacing artist tags")
        finally:
            self._drop(tags_t, fetches_t)

    def replace_mb_artists(self, files: list[str], rows: pa.Table, *, replace_all: bool = False) -> None:
        self._replace_mb("mb_artists", "artist_key", "musicbrainz/artists/", files, rows, replace_all)

    def _replace_mb(self, name: str, key: str, prefix: str, files: list[str], rows: pa.Table,
                    replace_all: bool) -> None:
        """Replace the rows of raw.<name> whose `key` is in `rows` and record `files`, in one
        transaction; with replace_all, empty the table and forget its bronze files (under `prefix`) first."""
        from google.cloud import bigquery

        stage = f"_stage_{name}_{uuid.uuid4().hex[:12]}"
        try:
            staged = self._stage(rows, stage)
            table = self._table(name)
            wipe = (f"DELETE FROM {table} WHERE TRUE; DELETE FROM {self._table('bronze_files')} "
                    f"WHERE STARTS_WITH(path, '{prefix}');") if replace_all else ""
            self._query(f"""BEGIN TRANSACTION; {wipe}
                DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {staged});
                INSERT INTO {table} SELECT * FROM {staged};
                INSERT INTO {self._table('bronze_files')} SELECT path, CURRENT_TIMESTAMP() FROM UNNEST(@files) AS path;
                COMMIT TRANSACTION;""", [bigquery.ArrayQueryParameter("files", "STRING", files)],
                what=f"replacing MusicBrainz {name.removeprefix('mb_').replace('_', ' ')}")
        finally:
            self._drop(stage)

    def mb_artist_state(self, users: Iterable[str] | None = None) -> list[tuple]:
        from google.cloud import bigquery

        from scrobble_insights.load.warehouse import mb_state_sql

        params, user_filter = [], ""
        if users is not None:
            user_filter = "WHERE user_name IN UNNEST(@users)"
            params.append(bigquery.ArrayQueryParameter("users", "STRING", list(users)))
        rows = self._query(mb_state_sql(self._table("scrobbles"), self._table("mb_artists"), user_filter), params)
        return [tuple(r) for r in rows]

    def replace_mb_release_groups(self, files: list[str], rows: pa.Table, *, replace_all: bool = False) -> None:
        self._replace_mb("mb_release_groups", "album_ref", "musicbrainz/release-groups/", files, rows, replace_all)

    def mb_release_group_state(self, users: Iterable[str] | None = None) -> list[tuple]:
        from google.cloud import bigquery

        from scrobble_insights.load.warehouse import mb_release_group_state_sql

        params, user_filter = [], ""
        if users is not None:
            user_filter = "WHERE user_name IN UNNEST(@users)"
            params.append(bigquery.ArrayQueryParameter("users", "STRING", list(users)))
        sql = mb_release_group_state_sql(self._table("scrobbles"), self._table("mb_artists"),
                                         self._table("mb_release_groups"), user_filter)
        return [tuple(r) for r in self._query(sql, params)]

    def replace_user_infos(self, infos: pa.Table) -> None:
        name = f"_stage_user_infos_{uuid.uuid4().hex[:12]}"
        try:
            staged = self._stage(infos, name)
            self._query(f"""BEGIN TRANSACTION;
                DELETE FROM {self._table('user_infos')} WHERE user_name IN (SELECT user_name FROM {staged});
                INSERT INTO {self._table('user_infos')} SELECT * FROM {staged};
                COMMIT TRANSACTION;""", what="replacing user infos")
        finally:
            self._drop(name)

    def replace_table(self, name: str, table: pa.Table) -> None:
        """Replace a small reference table raw.<name> (one load job, WRITE_TRUNCATE)."""
        self._stage(table, name)

    def artists_to_tag(self, older_than: datetime, users: Iterable[str] | None = None) -> list[tuple[str, int]]:
        from google.cloud import bigquery

        params = [bigquery.ScalarQueryParameter("older_than", "TIMESTAMP", older_than)]
        user_filter = ""
        if users is not None:
            user_filter = "WHERE user_name IN UNNEST(@users)"
            params.append(bigquery.ArrayQueryParameter("users", "STRING", list(users)))
        rows = self._query(f"""
            WITH plays AS (SELECT artist_name, COUNT(*) AS plays FROM {self._table('scrobbles')} {user_filter}
                           GROUP BY artist_name)
            SELECT p.artist_name, p.plays FROM plays p
            LEFT JOIN {self._table('artist_tag_fetches')} f USING (artist_name)
            WHERE f.fetched_at IS NULL OR f.fetched_at < @older_than
            ORDER BY p.plays DESC, p.artist_name""", params)
        return [(r[0], r[1]) for r in rows]

    def artists_tagged_since(self, since: datetime) -> set[str]:
        from google.cloud import bigquery

        rows = self._query(f"SELECT artist_name FROM {self._table('artist_tag_fetches')} WHERE fetched_at >= @since",
                           [bigquery.ScalarQueryParameter("since", "TIMESTAMP", since)])
        return {r[0] for r in rows}

    def distinct_values(self) -> tuple[list[str], list[str]]:
        users = [r[0] for r in self._query(f"SELECT DISTINCT user_name FROM {self._table('scrobbles')} ORDER BY 1")]
        tags = [r[0] for r in self._query(f"SELECT DISTINCT tag_name FROM {self._table('artist_tags')} ORDER BY 1")]
        bodies = self._query(LOOKUP_BODIES.format(table=self._table("mb_artists")))
        return users, with_mb_genre_names(tags, (r[0] for r in bodies))

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
        marts = self.dataset.removesuffix("raw") + "marts"
        rows = self._query(f"""SELECT COUNT(*), COUNTIF(a.has_genre) FROM `{marts}.fact_scrobbles` f
            JOIN `{marts}.dim_artist` a USING (artist_key)""")
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
    def __init__(self, rows) -> None:
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self._rows]

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self):
        """A pandas DataFrame typed as DuckDB's .df() types it (dates as datetime64, not objects)."""
        return self._rows.to_arrow(create_bqstorage_client=False).to_pandas(date_as_object=False)

    def arrow_batches(self) -> Iterable[pa.RecordBatch]:
        for table in self._rows.to_arrow_iterable():
            yield from (table.to_batches() if isinstance(table, pa.Table) else [table])

    def arrow_schema(self) -> pa.Schema:
        return self._rows.to_arrow(create_bqstorage_client=False).schema


class BigQueryReader:
    """Read-only SQL on BigQuery for status, verify, serve and the exports: `raw.x` and `marts.x` name
    the configured project's datasets (with their prefix); `?` parameters are BigQuery's positional ones."""

    def __init__(self, project: str, dataset_prefix: str = "", location: str = "US", client=None) -> None:
        self.client = bigquery_client(project, location, client)
        self.project, self.prefix, self.location = project, dataset_prefix, location

    def qualify(self, sql: str) -> str:
        return re.sub(r"\b(raw|staging|intermediate|marts)\.(\w+)",
                      lambda m: f"`{self.project}.{self.prefix}{m.group(1)}.{m.group(2)}`", sql)

    def execute(self, sql: str, parameters: list | None = None) -> _Result:
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=[_parameter(v) for v in parameters or []])
        try:
            return _Result(self.client.query(self.qualify(sql), job_config=config, location=self.location).result())
        except Exception as exc:  # noqa: BLE001
            raise api_error(exc, "reading the warehouse") from None

    def tables(self, schema: str) -> set[str]:
        """The tables and views of a dataset (`marts`, with the prefix); empty when it does not exist."""
        from google.api_core import exceptions as gexc

        try:
            return {t.table_id for t in self.client.list_tables(f"{self.project}.{self.prefix}{schema}")}
        except gexc.NotFound:
            return set()
        except Exception as exc:  # noqa: BLE001
            raise api_error(exc, f"listing the tables of {schema}") from None

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
