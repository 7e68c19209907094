"""The BigQuery warehouse against the local BigQuery emulator (and fake GCS for staged loads): the raw
tables as declared, a day replaced in one transaction, loads staged on GCS, and one-line errors for a
bad cloud configuration."""

from __future__ import annotations

import http.server
import threading
import types
from datetime import date, datetime, timezone

import pyarrow as pa
import pytest

from scrobble_insights.errors import ConfigError, WarehouseError
from scrobble_insights.load.bigquery_warehouse import BigQueryReader, BigQueryWarehouse
from scrobble_insights.load.records import DAY_SCHEMA, SCROBBLE_SCHEMA, empty_columns, scrobble_rows, to_table
from scrobble_insights.load.tables import RAW_TABLES, TYPES
from support import cli_env, run_cli

# The tests on the emulator are `slow` (seconds each: every statement is a job); the others are not.
emulated = pytest.mark.slow


def day_batch(day: date, tracks: list[str], version: str = "v1", user: str | None = "alice"):
    """The loader's three inputs for one user-day holding `tracks` (a None user: a row BigQuery refuses)."""
    uts = int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp())
    rows = empty_columns(SCROBBLE_SCHEMA)
    lines = [{"fetched_at": "2026-01-02T00:00:00+00:00", "page": 1, "window": {},
              "track": {"artist": {"mbid": "", "#text": "A"}, "name": name, "mbid": "", "url": "",
                        "album": {"mbid": "", "#text": "B"}, "date": {"uts": str(uts + i), "#text": ""}}}
             for i, name in enumerate(tracks)]
    scrobble_rows("alice", lines, rows)
    rows["user_name"] = [user] * len(tracks)
    days = {"user_name": ["alice"], "day": [day], "scrobble_count": [len(tracks)], "bronze_path": ["p"],
            "bronze_version": [version], "extracted_at": [datetime(2026, 1, 2, tzinfo=timezone.utc)]}
    keys = pa.table({"user_name": ["alice"], "day": pa.array([day], pa.date32())})
    table = pa.Table.from_pydict(rows, SCROBBLE_SCHEMA)
    stream = pa.RecordBatchReader.from_batches(table.schema, table.to_batches())
    return keys, stream, lambda: to_table(days, DAY_SCHEMA)


def tracks_of(client, dataset: str, day: date) -> list[str]:
    return sorted(r[0] for r in client.query_and_wait(
        f"SELECT track_name FROM `{dataset}.scrobbles` WHERE played_date = '{day}'"))


@emulated
def test_raw_tables_are_created_as_declared_partitioned_by_month_and_clustered(bq):
    warehouse = BigQueryWarehouse(bq.project, bq.prefix)
    for name, table in RAW_TABLES.items():
        found = bq.client.get_table(f"{warehouse.dataset}.{name}")
        assert [(f.name, f.field_type, f.mode) for f in found.schema] == [
            (c.name, TYPES[c.type][1].replace("INT64", "INTEGER").replace("BOOL", "BOOLEAN"),
             "REQUIRED" if c.required else "NULLABLE") for c in table.all_columns]
    scrobbles = bq.client.get_table(f"{warehouse.dataset}.scrobbles")
    assert (scrobbles.time_partitioning.field, scrobbles.time_partitioning.type_) == ("played_date", "MONTH")
    assert scrobbles.clustering_fields == ["user_name"]


@emulated
def test_a_day_is_replaced_in_one_transaction_and_a_failed_one_changes_nothing(bq):
    warehouse = BigQueryWarehouse(bq.project, bq.prefix)
    day = date(2026, 1, 1)
    assert warehouse.replace_days(*day_batch(day, ["one", "two"])) == 2
    assert warehouse.replace_days(*day_batch(day, ["three"], version="v2")) == 1       # replaced, not added
    assert tracks_of(bq.client, warehouse.dataset, day) == ["three"]
    assert warehouse.loaded_versions() == {("alice", "2026-01-01"): "v2"}
    with pytest.raises(WarehouseError) as caught:           # a NULL user: the INSERT fails after the DELETE
        warehouse.replace_days(*day_batch(day, ["four"], version="v3", user=None))
    assert "\n" not in str(caught.value) and str(caught.value).startswith("BigQuery failed replacing days")
    assert tracks_of(bq.client, warehouse.dataset, day) == ["three"]
    assert warehouse.loaded_versions() == {("alice", "2026-01-01"): "v2"}
    assert [t.table_id for t in bq.client.list_tables(warehouse.dataset) if t.table_id.startswith("_stage")] == []


@emulated
def test_loads_are_staged_on_gcs_and_read_by_load_jobs_from_the_bucket(bq, gcs_emulator, gcs_bucket):
    warehouse = BigQueryWarehouse(bq.project, bq.prefix, staging=f"gs://{gcs_bucket}/bronze/_loads")
    warehouse.replace_days(*day_batch(date(2026, 2, 1), ["x", "y", "z"]))
    assert tracks_of(bq.client, warehouse.dataset, date(2026, 2, 1)) == ["x", "y", "z"]
    uris = [uri for job in bq.client.list_jobs() if job.job_type == "load" for uri in (job.source_uris or [])]
    assert any(uri.startswith(f"gs://{gcs_bucket}/bronze/_loads/_stage_scrobbles_") for uri in uris)
    assert list(gcs_emulator.client().list_blobs(gcs_bucket)) == []     # every staged object deleted after its load


@emulated
def test_the_reader_names_the_configured_datasets_and_passes_positional_parameters(bq):
    BigQueryWarehouse(bq.project, bq.prefix).replace_days(*day_batch(date(2026, 3, 1), ["a", "b"]))
    reader = BigQueryReader(bq.project, bq.prefix)
    sql = "SELECT count(*) FROM raw.scrobbles WHERE user_name = ? AND played_date >= ? AND played_at_uts > ?"
    assert f"`{bq.project}.{bq.prefix}raw.scrobbles`" in reader.qualify(sql)
    assert reader.execute(sql, ["alice", date(2026, 3, 1), 0]).fetchone() == (2,)
    assert reader.execute(sql, ["bob", date(2026, 3, 1), 0]).fetchone() == (0,)
    assert "scrobbles" in reader.tables("raw") and reader.tables("no_such_dataset") == set()


@emulated
def test_a_missing_dataset_and_a_wrong_location_are_one_line_errors(bq):
    with pytest.raises(ConfigError, match=r"^BigQuery dataset \S+\.nothere_raw does not exist: create the datasets "
                                          r"with `terraform apply` in infra/"):
        BigQueryWarehouse(bq.project, "nothere_")
    with pytest.raises(ConfigError, match=r"is in location US, not EU: set SCROBBLE_INSIGHTS_BIGQUERY_LOCATION=US$"):
        BigQueryWarehouse(bq.project, bq.prefix, location="EU")


def test_no_credentials_is_a_one_line_error(monkeypatch, tmp_path):
    # The real service, no emulator: google-auth finds no Application Default Credentials. The metadata
    # server it would ask next is pointed at a closed loopback port (never the network).
    for name in ("BIGQUERY_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    with pytest.raises(ConfigError, match=r"^no usable Google Cloud credentials \(.*\): run `gcloud auth "
                                          r"application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS"):
        BigQueryWarehouse("some-project", "")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    with pytest.raises(ConfigError, match=r"missing-key\.json.*GOOGLE_APPLICATION_CREDENTIALS"):
        BigQueryReader("some-project", "")


class Forbidding(http.server.BaseHTTPRequestHandler):
    """BigQuery's answer to an account without access (the emulator enforces no IAM, so this loopback
    stand-in plays the service for this one test: the real client library talks HTTP to it)."""

    def _forbid(self):
        body = (b'{"error": {"code": 403, "message": "Access Denied: Dataset p:raw: Permission bigquery.datasets.get '
                b'denied on dataset p:raw (or it may not exist).", "status": "PERMISSION_DENIED", '
                b'"errors": [{"reason": "accessDenied", "message": "Access Denied"}]}}')
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _forbid

    def log_message(self, *args):
        pass


def test_permission_denied_is_a_one_line_error_naming_the_roles(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidding)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", f"127.0.0.1:{server.server_port}")
        with pytest.raises(ConfigError) as caught:
            BigQueryWarehouse("p", "")
    finally:
        server.shutdown()
    message = str(caught.value)
    assert "\n" not in message and message.startswith("permission denied reading dataset p.raw: Access Denied")
    assert message.endswith("needs roles/bigquery.dataEditor on the datasets and roles/bigquery.jobUser on the project")


@emulated
def test_the_cli_says_a_missing_dataset_in_one_line(bigquery_emulator, bigquery_env, tmp_path):
    no_api = types.SimpleNamespace(url="http://127.0.0.1:9/")          # `load` never asks last.fm
    env = {**cli_env(no_api, tmp_path / "data"), "SCROBBLE_INSIGHTS_WAREHOUSE": "bigquery",
           "SCROBBLE_INSIGHTS_BIGQUERY_PROJECT": bigquery_emulator.project,
           "SCROBBLE_INSIGHTS_BIGQUERY_DATASET_PREFIX": "absent_"}
    result = run_cli(["load"], env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: BigQuery dataset {bigquery_emulator.project}.absent_raw does not exist: create the datasets with "
        "`terraform apply` in infra/ (or check SCROBBLE_INSIGHTS_BIGQUERY_PROJECT and _DATASET_PREFIX)"]
