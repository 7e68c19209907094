"""The BigQuery writer, against a fake client.

A mock is used here because BigQuery cannot run on this machine (no network, no emulator); the fake
records the SQL and the Parquet staging loads so we can check what would be sent.
"""

import io
from datetime import date, datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scrobble_insights.errors import WarehouseError
from scrobble_insights.load.bigquery_warehouse import BigQueryWarehouse
from scrobble_insights.load.records import DAY_SCHEMA, SCROBBLE_SCHEMA, empty_columns, scrobble_rows, to_table


class FakeJob:
    def __init__(self, rows=None, error=None):
        self.rows, self.error = rows or [], error

    def result(self):
        if self.error:
            raise self.error
        return self.rows


class FakeClient:
    def __init__(self, fail_on: str | None = None):
        self.queries, self.loads, self.deleted, self.fail_on = [], [], [], fail_on

    def query(self, sql, job_config=None, location=None):
        self.queries.append((sql, job_config))
        if self.fail_on and self.fail_on in sql:
            return FakeJob(error=RuntimeError("400 Syntax error: something\n  long details"))
        return FakeJob([("alice", "2026-01-01", "v1")] if "bronze_version" in sql else [])

    def load_table_from_file(self, spool, target, job_config=None, location=None):
        self.loads.append((target, pq.read_table(io.BytesIO(spool.read())), job_config))
        return FakeJob()

    def delete_table(self, name, not_found_ok=False):
        self.deleted.append(name)


def one_day_batch():
    line = {"fetched_at": "2026-01-02T00:00:00+00:00", "page": 1, "window": {},
            "track": {"artist": {"mbid": "", "#text": "A"}, "name": "T", "mbid": "", "url": "",
                      "album": {"mbid": "", "#text": "B"}, "date": {"uts": "1767225600", "#text": ""}}}
    rows = empty_columns(SCROBBLE_SCHEMA)
    scrobble_rows("alice", [line, line], rows)          # two identical scrobbles: two rows
    days = {"user_name": ["alice"], "day": [date(2026, 1, 1)], "scrobble_count": [2], "bronze_path": ["p"],
            "bronze_version": ["v2"], "extracted_at": [datetime(2026, 1, 2, tzinfo=timezone.utc)]}
    keys = pa.table({"user_name": ["alice"], "day": pa.array([date(2026, 1, 1)], pa.date32())})
    stream = pa.RecordBatchReader.from_batches(SCROBBLE_SCHEMA, to_table(rows, SCROBBLE_SCHEMA).to_batches())
    return keys, stream, lambda: to_table(days, DAY_SCHEMA)


def test_creates_partitioned_raw_tables():
    client = FakeClient()
    BigQueryWarehouse("proj", "si_", client=client)
    ddl = " ".join(sql for sql, _ in client.queries)
    assert "CREATE SCHEMA IF NOT EXISTS `proj.si_raw`" in ddl
    assert "`proj.si_raw.scrobbles` (scrobble_id STRING NOT NULL" in ddl
    assert "PARTITION BY played_date CLUSTER BY user_name" in ddl


def test_replace_days_stages_parquet_and_applies_one_transaction():
    client = FakeClient()
    warehouse = BigQueryWarehouse("proj", client=client)
    inserted = warehouse.replace_days(*one_day_batch())
    assert inserted == 2
    staged = {target.split(".")[-1].rsplit("_", 1)[0]: table for target, table, _ in client.loads}
    assert staged["_stage_scrobbles"].num_rows == 2 and staged["_stage_days"].num_rows == 1
    assert staged["_stage_keys"].column_names == ["user_name", "day"]
    assert len(set(staged["_stage_scrobbles"].column("scrobble_id").to_pylist())) == 2
    script = client.queries[-1][0]
    assert script.strip().startswith("BEGIN TRANSACTION;") and script.strip().endswith("COMMIT TRANSACTION;")
    assert script.index("DELETE FROM `proj.raw.scrobbles`") < script.index("INSERT INTO `proj.raw.scrobbles`")
    assert len(client.deleted) == 3          # staging tables dropped


def test_failed_transaction_is_a_one_line_error_and_staging_is_dropped():
    client = FakeClient(fail_on="BEGIN TRANSACTION")
    warehouse = BigQueryWarehouse("proj", client=client)
    with pytest.raises(WarehouseError) as caught:
        warehouse.replace_days(*one_day_batch())
    assert str(caught.value) == "BigQuery query failed: 400 Syntax error: something"
    assert len(client.deleted) == 3


def test_loaded_versions_and_artists_to_tag_use_parameters():
    client = FakeClient()
    warehouse = BigQueryWarehouse("proj", client=client)
    assert warehouse.loaded_versions(["alice"]) == {("alice", "2026-01-01"): "v1"}
    warehouse.artists_to_tag(datetime(2026, 1, 1, tzinfo=timezone.utc), ["alice"])
    sql, config = client.queries[-1]
    assert "@older_than" in sql and "UNNEST(@users)" in sql
    assert {p.name for p in config.query_parameters} == {"older_than", "users"}


def test_missing_project_is_a_config_error():
    with pytest.raises(Exception, match="SCROBBLE_INSIGHTS_BIGQUERY_PROJECT"):
        BigQueryWarehouse("", client=FakeClient())
