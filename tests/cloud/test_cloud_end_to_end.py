"""The cloud half end to end, against the emulators the suite starts (fake-gcs-server and
local-bigquery): the same history extracted twice from one faulty simulator, once the embedded way
(local bronze, DuckDB) and once the cloud way (bronze on GCS, BigQuery loaded from it, dbt-bigquery),
gives the same fact rows, marts and headline answers; so does the daily `run` after late and deleted
scrobbles. Then status, verify --repair, report and export work on the BigQuery target."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.load.warehouse import open_reader
from scrobble_insights.serve import queries as q
from scrobble_insights.serve.exports import TABLES
from scrobble_insights.simulator import UserSpec
from support import NOW, TODAY, cli_env, run_cli, truth_rows

pytestmark = pytest.mark.slow

USERS = [UserSpec("alice", scrobbles_per_day=30), UserSpec("bob", scrobbles_per_day=12)]
FIRST, LAST = TODAY - timedelta(days=75), TODAY - timedelta(days=1)


def normalised(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across warehouses: floats to 9 digits, then sorted."""
    def value(v):
        return round(v, 9) if isinstance(v, float) else v
    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def differences(duck, big) -> list[str]:
    """Every star-schema table, row for row: the tables that differ, with a sample."""
    found = []
    for table in ["fact_scrobbles", *[t for t in TABLES if t != "fact_scrobbles"]]:
        columns = [r[0] for r in duck.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ? "
            "ORDER BY ordinal_position", [table]).fetchall()]
        select = f"SELECT {', '.join(columns)} FROM marts.{table}"
        a, b = normalised(duck.execute(select).fetchall()), normalised(big.execute(select).fetchall())
        if a != b:
            only = sorted(set(a) ^ set(b), key=repr)[:2]
            found.append(f"{table}: {len(a)} rows on DuckDB, {len(b)} on BigQuery; e.g. {only}")
    return found


def headlines(reader) -> dict:
    return {user: q.first_insights(reader, user) for user in q.users(reader)}


def run(args, env, cwd):
    result = run_cli(args, env, cwd)
    assert result.returncode == 0, f"{args}: {result.stdout[-800:]}\n{result.stderr[-2000:]}"
    return result


def test_gcs_and_bigquery_give_the_same_answers_as_the_embedded_path(simulator, tmp_path, bq, gcs_emulator,
                                                                     gcs_bucket):
    sim, server = simulator(users=USERS, years=0.5, fault_rate=0.1)
    common = dict(SCROBBLE_INSIGHTS_USERS="alice,bob", SCROBBLE_INSIGHTS_TIMEZONE="Europe/Lisbon")
    local_env = cli_env(server, tmp_path / "local", **common)
    cloud_env = cli_env(server, tmp_path / "cloud", **common, SCROBBLE_INSIGHTS_WAREHOUSE="bigquery",
                        SCROBBLE_INSIGHTS_BIGQUERY_PROJECT=bq.project, SCROBBLE_INSIGHTS_BIGQUERY_DATASET_PREFIX=bq.prefix,
                        SCROBBLE_INSIGHTS_BRONZE_URL=f"gs://{gcs_bucket}/bronze")
    for env in (local_env, cloud_env):
        run(["backfill", "--since", str(FIRST), "--until", str(LAST)], env, tmp_path)
    local = build_settings(data_dir=tmp_path / "local")
    cloud = build_settings(data_dir=tmp_path / "cloud", warehouse="bigquery", bigquery_project=bq.project,
                           bigquery_dataset_prefix=bq.prefix)
    # Bronze landed in the bucket, under the keys a local run writes.
    keys = sorted(b.name.removeprefix("bronze/") for b in gcs_emulator.client().list_blobs(
        gcs_bucket, prefix="bronze/lastfm/recenttracks/"))
    assert keys == sorted(p.relative_to(tmp_path / "local" / "bronze").as_posix()
                          for p in (tmp_path / "local" / "bronze" / "lastfm" / "recenttracks").rglob("*.jsonl.gz"))

    def compare():
        duck, big = open_reader(local), open_reader(cloud)
        try:
            assert differences(duck, big) == []
            assert headlines(duck) == headlines(big)
            for user in ("alice", "bob"):
                stored = big.execute("SELECT played_at_uts, artist_name, track_name, album_name FROM raw.scrobbles "
                                     "WHERE user_name = ?", [user]).fetchall()
                assert sorted(stored, key=repr) == sorted(truth_rows(sim, user, FIRST, TODAY).elements(), key=repr)
        finally:
            duck.close()
            big.close()

    compare()
    sim.add_late_scrobbles("alice", 30, max_age_days=10)
    sim.delete_scrobbles("alice", 20, since_uts=NOW - 10 * 86400)
    sim.delete_scrobbles("bob", 5, since_uts=NOW - 10 * 86400)
    for env in (local_env, cloud_env):
        run(["run", "--date", str(LAST)], env, tmp_path)
    compare()

    # Operating the BigQuery target: status, verify (and repair a day lost from the warehouse), report, export.
    status = json.loads(run(["status", "--json"], cloud_env, tmp_path).stdout)
    assert status["warehouse_readable"] and {u["user"]: u["scrobbles"] for u in status["users"]} == {
        user: sum(truth_rows(sim, user, FIRST, TODAY).values()) for user in ("alice", "bob")}
    assert run(["verify", "--user", "alice", "--since", str(FIRST)], cloud_env, tmp_path).returncode == 0
    bq.client.query_and_wait(f"DELETE FROM `{bq.project}.{bq.prefix}raw.scrobbles` "
                             f"WHERE user_name = 'alice' AND played_date = '{LAST - timedelta(days=30)}'")
    assert run_cli(["verify", "--user", "alice", "--since", str(FIRST)], cloud_env, tmp_path).returncode == 1
    run(["verify", "--user", "alice", "--since", str(FIRST), "--repair"], cloud_env, tmp_path)
    run(["verify", "--user", "alice", "--since", str(FIRST)], cloud_env, tmp_path)
    for name, env in (("local", local_env), ("cloud", cloud_env)):
        run(["report", "--user", "alice", "-o", str(tmp_path / f"{name}.html")], env, tmp_path)
        run(["export", "--format", "parquet", "-o", str(tmp_path / f"{name}-export")], env, tmp_path)
    labels = [re.findall(r'aria-label="([^"]*)"', (tmp_path / f"{name}.html").read_text(encoding="utf-8"))
              for name in ("local", "cloud")]
    assert labels[0] and labels[0] == labels[1]           # every headline and chart description of the report
    for table in TABLES:
        exported = [pq.read_table(tmp_path / f"{name}-export" / f"{table}.parquet") for name in ("local", "cloud")]
        assert exported[0].column_names == exported[1].column_names, table
        assert normalised([tuple(r.values()) for r in exported[0].to_pylist()]) == normalised(
            [tuple(r.values()) for r in exported[1].to_pylist()]), table
