"""The dbt project builds for real with dbt-bigquery, on the BigQuery emulator (local-bigquery), and
its star schema equals DuckDB's: one history loaded into both warehouses by the pipeline, built by
`transform`, fact_scrobbles and every mart compared row for row, and dbt's unit tests run on BigQuery;
then late and deleted scrobbles on earlier days, an incremental build on both (the fact's
replace_user_days strategy), compared again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from marts_compare import compare_marts

from scrobble_insights.load.snapshot import publish_snapshot
from scrobble_insights.load.warehouse import open_reader
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.simulator import UserSpec
from scrobble_insights.transform.dbt import run_dbt, transform
from support import NOW, TODAY

pytestmark = pytest.mark.slow       # about 5 minutes: each dbt statement is a job on the emulator


def build(settings, first, last) -> tuple[int, bool, float]:
    extract_and_load(settings, ["alice"], first, last)
    summary = transform(settings, today=TODAY)
    publish_snapshot(settings)          # DuckDB's readers read the snapshot a job publishes (BigQuery: no-op)
    return summary.fact_rows, summary.full_refresh, summary.seconds


def compare(duck, bq) -> list[str]:
    duck_reader, bq_reader = open_reader(duck), open_reader(bq)
    try:
        return compare_marts(duck_reader, bq_reader)
    finally:
        duck_reader.close()
        bq_reader.close()


def test_the_star_schema_on_the_bigquery_emulator_equals_duckdbs(bigquery_emulator, simulator, settings_for,
                                                                 tmp_path, monkeypatch):
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bigquery_emulator.endpoint)
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=40)])
    users = [{"name": "alice", "timezone": "Europe/London"}]
    duck = settings_for(server, users=users, data_dir=tmp_path / "duck")
    bq = settings_for(server, users=users, data_dir=tmp_path / "bq", warehouse="bigquery",
                      bigquery_project=bigquery_emulator.project, bigquery_dataset_prefix="si_")
    first, yesterday = TODAY - timedelta(days=21), TODAY - timedelta(days=1)
    timings = {}

    duck_rows, duck_full, timings["duckdb full"] = build(duck, first, yesterday)
    bq_rows, bq_full, timings["bigquery full"] = build(bq, first, yesterday)
    assert duck_full and bq_full and bq_rows == duck_rows > 500
    assert compare(duck, bq) == []
    # dbt's unit tests (known answers for local time, seasons, genre ranking) on BigQuery's SQL too
    unit = run_dbt(bq, ["test", "--select", "test_type:unit"], TODAY)
    assert unit.returncode == 0 and len(unit.results) > 30, unit.output[-2000:]

    sim.add_late_scrobbles("alice", 20, max_age_days=10)
    sim.delete_scrobbles("alice", 15, since_uts=NOW - 10 * 86400)
    since = yesterday - timedelta(days=10)
    duck_after, duck_full, timings["duckdb incremental"] = build(duck, since, yesterday)
    bq_after, bq_full, timings["bigquery incremental"] = build(bq, since, yesterday)
    assert not duck_full and not bq_full
    assert bq_after == duck_after == duck_rows + 20 - 15
    assert compare(duck, bq) == []
    print(f"\n{duck_rows} scrobbles, transform seconds: "
          + ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items()))
