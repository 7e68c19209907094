"""Benchmark: the loader into BigQuery (the local emulator, loads staged on fake GCS) against DuckDB,
in one run; and how many queries a dashboard page view asks.

    .venv/bin/python bench/cloud_load.py [--scrobbles 200000] [--users 10]

Needs the emulators scripts/test.sh installs (.venv-emulators, the dev extra). Rows are the
simulator's truth for `--users` listeners over a year, loaded through the real loader path
(`replace_days`: Arrow batches -> Parquet -> staged object -> load_table_from_uri -> one transaction):
- backfill: every user's year, one transaction per user, on each warehouse;
- daily: one day re-replaced for every user in one transaction (what `run` does after the first load);
- queries per page view: the dashboard's Overview rendered once (Streamlit's AppTest, in process) over
  a DuckDB warehouse, counting the SQL statements it sends (the same count on BigQuery).
local-bigquery reports no bytes processed (0 for every job), so bytes scanned are worked out in
docs/scale.md, not measured here. Results go to bench/results/cloud_load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "cloud"))
from emulators import LOCAL_BIGQUERY, fake_gcs, local_bigquery  # noqa: E402

from scrobble_insights.load.bigquery_warehouse import BigQueryWarehouse  # noqa: E402
from scrobble_insights.load.duckdb_warehouse import DuckDBWarehouse  # noqa: E402
from scrobble_insights.load.records import DAY_SCHEMA, SCROBBLE_SCHEMA, empty_columns, scrobble_rows, to_table  # noqa: E402
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec  # noqa: E402

NOW = 1773532800   # 2026-03-15 00:00 UTC
FETCHED = "2026-03-15T00:00:00+00:00"
DATASETS = ("raw", "reference", "staging", "intermediate", "marts", "analytics")


def user_days(sim: Simulator, user: str, first: date, last: date) -> tuple[list[date], dict[date, list[dict]]]:
    start = int(datetime(first.year, first.month, first.day, tzinfo=timezone.utc).timestamp())
    days: dict[date, list[dict]] = {}
    for s in sim.truth(user, start, NOW):
        day = datetime.fromtimestamp(s.uts, timezone.utc).date()
        days.setdefault(day, []).append({"fetched_at": FETCHED, "track": {
            "artist": {"mbid": s.artist_mbid, "#text": s.artist}, "name": s.track, "mbid": s.track_mbid,
            "album": {"mbid": s.album_mbid, "#text": s.album}, "url": "", "date": {"uts": str(s.uts)}}})
    return [first + timedelta(days=i) for i in range((last - first).days + 1)], days


def replace(warehouse, batches: list[tuple[str, list[date], dict[date, list[dict]]]]) -> int:
    """One replace_days over every (user, days) given: one transaction."""
    keys = pa.table({"user_name": [u for u, days, _ in batches for _ in days],
                     "day": pa.array([d for _, days, _ in batches for d in days], pa.date32())})
    rows, meta = empty_columns(SCROBBLE_SCHEMA), empty_columns(DAY_SCHEMA)
    for user, days, lines in batches:
        for day in days:
            count = scrobble_rows(user, lines.get(day, []), rows)
            for name, value in (("user_name", user), ("day", day), ("scrobble_count", count), ("bronze_path", ""),
                                ("bronze_version", str(time.time_ns())), ("extracted_at", datetime.fromisoformat(FETCHED))):
                meta[name].append(value)
    table = to_table(rows, SCROBBLE_SCHEMA)
    return warehouse.replace_days(keys, pa.RecordBatchReader.from_batches(SCROBBLE_SCHEMA, table.to_batches(20000)),
                                  lambda: to_table(meta, DAY_SCHEMA))


def timed(load) -> tuple[float, int]:
    started = time.monotonic()
    rows = load()
    return time.monotonic() - started, rows


def queries_per_page_view(workdir: Path) -> int:
    """Render the dashboard's first page once over a small DuckDB warehouse and count its statements."""
    from streamlit.testing.v1 import AppTest

    import scrobble_insights.serve.queries as q
    from scrobble_insights.serve.dashboard import APP_PATH, WAREHOUSE_ENV

    sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
    import honest_history  # the tests' small hand-written history (two listeners)
    from scrobble_insights.config import build_settings
    from scrobble_insights.load.warehouse import reader_source
    from scrobble_insights.transform.dbt import transform

    settings = build_settings(data_dir=workdir / "page", users=honest_history.USERS)
    honest_history.write(settings)
    transform(settings, today=honest_history.TODAY)
    snapshot = reader_source(settings)
    count = 0
    connect = q.open_source

    def counting(source):
        con = connect(source)

        class Counted:
            def execute(self, sql, params=None):
                nonlocal count
                count += 1
                return con.execute(sql, params or [])

            def close(self):
                con.close()
        return Counted()

    q.open_source = counting
    os.environ[WAREHOUSE_ENV] = str(snapshot)
    AppTest.from_file(str(APP_PATH), default_timeout=120).run()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrobbles", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    if not LOCAL_BIGQUERY.exists():
        sys.exit(f"{LOCAL_BIGQUERY} is missing: run scripts/test.sh once (it installs the emulators)")
    per_day = args.scrobbles / args.users / 365
    names = [f"listener{i:03d}" for i in range(args.users)]
    sim = Simulator(SimulatorConfig(seed=7, now=NOW, years=1.1, users=[UserSpec(n, scrobbles_per_day=per_day) for n in names]))
    last = date(2026, 3, 14)
    first = last - timedelta(days=364)
    histories = [(n, *user_days(sim, n, first, last)) for n in names]
    daily = [(n, [last], lines) for n, _, lines in histories]
    result: dict = {"scrobbles": sum(len(v) for _, _, lines in histories for v in lines.values()), "users": args.users}

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        duck = DuckDBWarehouse(workdir / "bench.duckdb")
        result["duckdb_backfill_s"] = round(sum(timed(lambda h=h: replace(duck, [h]))[0] for h in histories), 2)
        result["duckdb_daily_s"] = round(timed(lambda: replace(duck, daily))[0], 2)
        duck.close()
        with fake_gcs(workdir) as gcs, local_bigquery(workdir, gcs.endpoint) as emulator:
            os.environ["BIGQUERY_EMULATOR_HOST"], os.environ["STORAGE_EMULATOR_HOST"] = emulator.endpoint, gcs.endpoint
            client = emulator.client()
            for name in DATASETS:
                client.create_dataset(f"{emulator.project}.bench_{name}")
            gcs.client().create_bucket("bench-bronze")
            warehouse = BigQueryWarehouse(emulator.project, "bench_", staging="gs://bench-bronze/bronze/_loads")
            result["bigquery_backfill_s"] = round(sum(timed(lambda h=h: replace(warehouse, [h]))[0] for h in histories), 2)
            result["bigquery_daily_s"] = round(timed(lambda: replace(warehouse, daily))[0], 2)
            stored = client.query_and_wait(f"SELECT COUNT(*) FROM `{emulator.project}.bench_raw.scrobbles`")
            assert next(iter(stored))[0] == result["scrobbles"], "the emulator lost rows"
            warehouse.close()
        result["queries_per_overview_view"] = queries_per_page_view(workdir)
    for target in ("duckdb", "bigquery"):
        result[f"{target}_rows_per_s"] = round(result["scrobbles"] / result[f"{target}_backfill_s"])
    result["bigquery_vs_duckdb_backfill"] = round(result["bigquery_backfill_s"] / result["duckdb_backfill_s"], 1)
    out = Path(__file__).parent / "results" / "cloud_load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
