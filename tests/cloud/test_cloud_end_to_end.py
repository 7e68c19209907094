"""The cloud half end to end, against the emulators the suite starts (fake-gcs-server, local-bigquery):
one history, from one simulator injecting faults, extracted twice by the real CLI: the embedded way
(local bronze, DuckDB) and the cloud way (bronze on GCS, BigQuery loaded from the bucket, the same dbt
project built with dbt-bigquery). Both give the same fact rows, marts and headline answers, and so does
the daily `run` after late and deleted scrobbles (an incremental build on both); dbt's unit tests pass on
BigQuery. Then status, verify --repair, report and export work on the BigQuery target and agree with
DuckDB's."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import pyarrow.parquet as pq
import pytest
from marts_compare import LOAD_TIME_SUFFIX, compare_marts, normalised

from scrobble_insights.config import build_settings
from scrobble_insights.load.warehouse import open_reader
from scrobble_insights.serve import queries as q
from scrobble_insights.serve.exports import TABLES
from scrobble_insights.simulator import UserSpec
from scrobble_insights.transform.dbt import run_dbt
from support import NOW, TODAY, cli_env, run_cli, truth_rows

# Several minutes: every dbt statement is a job on the emulator. 5 min on a quiet 2-core machine, 9.5 to
# over 10 beside the suite's other worker: its own time limit, above the suite's 600 s hang guard.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

USERS = [UserSpec("alice", scrobbles_per_day=30), UserSpec("bob", scrobbles_per_day=12)]
FIRST, LAST = TODAY - timedelta(days=45), TODAY - timedelta(days=1)


def run(args: list[str], env: dict, cwd) -> str:
    result = run_cli(args, env, cwd)
    assert result.returncode == 0, f"{args}: {result.stdout[-800:]}\n{result.stderr[-2000:]}"
    return result.stdout


def test_gcs_and_bigquery_give_the_same_answers_as_the_embedded_path(simulator, tmp_path, bq, gcs_emulator,
                                                                     gcs_bucket):
    sim, server = simulator(users=USERS, years=0.3, fault_rate=0.1)
    common = dict(SCROBBLE_INSIGHTS_USERS="alice,bob", SCROBBLE_INSIGHTS_TIMEZONE="Europe/Lisbon")
    local_env = cli_env(server, tmp_path / "local", **common)
    cloud_env = cli_env(server, tmp_path / "cloud", **common, SCROBBLE_INSIGHTS_WAREHOUSE="bigquery",
                        SCROBBLE_INSIGHTS_BIGQUERY_PROJECT=bq.project, SCROBBLE_INSIGHTS_BIGQUERY_DATASET_PREFIX=bq.prefix,
                        SCROBBLE_INSIGHTS_BRONZE_URL=f"gs://{gcs_bucket}/bronze")
    for env in (local_env, cloud_env):
        run(["backfill", "--since", str(FIRST), "--until", str(LAST)], env, tmp_path)
    local = build_settings(data_dir=tmp_path / "local", users=["alice", "bob"], timezone="Europe/Lisbon")
    cloud = build_settings(data_dir=tmp_path / "cloud", users=["alice", "bob"], timezone="Europe/Lisbon",
                           warehouse="bigquery", bigquery_project=bq.project, bigquery_dataset_prefix=bq.prefix)
    # Bronze landed in the bucket under the keys a local run writes; the load jobs read their staged
    # Parquet from the same bucket and left nothing there.
    landed = sorted(b.name.removeprefix("bronze/") for b in gcs_emulator.client().list_blobs(gcs_bucket, prefix="bronze/"))
    assert [k for k in landed if k.startswith("lastfm/recenttracks/")] == sorted(
        p.relative_to(tmp_path / "local" / "bronze").as_posix()
        for p in (tmp_path / "local" / "bronze" / "lastfm" / "recenttracks").rglob("*.jsonl.gz"))
    assert not [k for k in landed if not k.startswith("lastfm/")]
    load_uris = [u for job in bq.client.list_jobs() if job.job_type == "load" for u in (job.source_uris or [])]
    assert any(u.startswith(f"gs://{gcs_bucket}/bronze/_loads/") for u in load_uris)

    def same_answers() -> None:
        duck, big = open_reader(local), open_reader(cloud)
        try:
            assert compare_marts(duck, big) == []
            assert {u: q.first_insights(duck, u) for u in q.users(duck)} == {
                u: q.first_insights(big, u) for u in q.users(big)}
            for user in ("alice", "bob"):          # exactly once, despite the faults
                stored = big.execute("SELECT played_at_uts, artist_name, track_name, album_name FROM raw.scrobbles "
                                     "WHERE user_name = ?", [user]).fetchall()
                assert sorted(stored, key=repr) == sorted(truth_rows(sim, user, FIRST, TODAY).elements(), key=repr)
        finally:
            duck.close()
            big.close()

    same_answers()
    unit = run_dbt(cloud, ["test", "--select", "test_type:unit"], TODAY)     # known answers on BigQuery's SQL
    assert unit.returncode == 0 and len(unit.results) > 30, unit.output[-2000:]

    sim.add_late_scrobbles("alice", 30, max_age_days=10)
    sim.delete_scrobbles("alice", 20, since_uts=NOW - 10 * 86400)
    sim.delete_scrobbles("bob", 5, since_uts=NOW - 10 * 86400)
    for env in (local_env, cloud_env):
        run(["run", "--date", str(LAST)], env, tmp_path)
    same_answers()

    # Operating the BigQuery target.
    status = json.loads(run(["status", "--json"], cloud_env, tmp_path))
    assert status["warehouse_readable"] and {u["user"]: u["scrobbles"] for u in status["users"]} == {
        user: sum(truth_rows(sim, user, FIRST, TODAY).values()) for user in ("alice", "bob")}
    verify = ["verify", "--user", "alice", "--since", str(FIRST)]
    run(verify, cloud_env, tmp_path)
    bq.client.query_and_wait(f"DELETE FROM `{bq.project}.{bq.prefix}raw.scrobbles` "          # a day lost
                             f"WHERE user_name = 'alice' AND played_date = '{LAST - timedelta(days=20)}'")
    assert run_cli(verify, cloud_env, tmp_path).returncode == 1
    repaired = run([*verify, "--repair"], cloud_env, tmp_path)
    assert ", 0 disagree" in repaired.split("after repair", 1)[1]

    for name, env in (("local", local_env), ("cloud", cloud_env)):
        run(["report", "--user", "alice", "-o", str(tmp_path / f"{name}.html")], env, tmp_path)
        run(["export", "--format", "parquet", "-o", str(tmp_path / f"{name}-export")], env, tmp_path)
    labels = [re.findall(r'aria-label="([^"]*)"', (tmp_path / f"{name}.html").read_text(encoding="utf-8"))
              for name in ("local", "cloud")]
    assert len(labels[0]) > 10 and labels[0] == labels[1]     # every headline and chart description
    for table in TABLES:
        exported = [pq.read_table(tmp_path / f"{name}-export" / f"{table}.parquet") for name in ("local", "cloud")]
        assert exported[0].column_names == exported[1].column_names, table
        rows = [sorted((tuple(normalised(v) for c, v in row.items() if not c.endswith(LOAD_TIME_SUFFIX))
                        for row in data.to_pylist()), key=repr) for data in exported]
        assert rows[0] == rows[1], table

    # The dashboard's first page, rendered in process over each warehouse: the same metrics and text.
    from streamlit.testing.v1 import AppTest

    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.serve.dashboard import APP_PATH, WAREHOUSE_ENV

    pages = []
    for settings in (local, cloud):
        os.environ[WAREHOUSE_ENV] = reader_source(settings)
        try:
            app = AppTest.from_file(str(APP_PATH), default_timeout=300).run()
        finally:
            del os.environ[WAREHOUSE_ENV]
        assert not app.exception, app.exception
        pages.append(([(m.label, m.value) for m in app.metric], [m.value for m in app.markdown]))
    assert pages[0][0] and pages[0] == pages[1]
