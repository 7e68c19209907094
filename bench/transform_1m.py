"""Benchmark: transform 1,000,000 simulator scrobbles from raw to marts with dbt.

    .venv/bin/python bench/transform_1m.py [--scrobbles 1000000]

Raw tables are filled through the real loader functions (scrobble ids, Arrow batches, one
transaction) from the simulator's truth, without the HTTP walk (bench/extract_throughput.py measures
that). Reported, all from one run:
- floor: DuckDB's own time to read raw.scrobbles once and aggregate it by day;
- full build: `transform(full_refresh=True)` wall time (dbt start-up, parse, all models and data
  tests), dbt's own model time (sum of node execution times), and the dbt process's peak RSS;
- incremental day: one day re-extracted (3 scrobbles deleted, 2 added), then `transform()`;
and the ratios to the floor. Results go to bench/results/transform.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from scrobble_insights.config import build_settings
from scrobble_insights.load.records import (
    DAY_SCHEMA,
    FETCH_SCHEMA,
    SCROBBLE_SCHEMA,
    TAG_SCHEMA,
    empty_columns,
    scrobble_rows,
    tag_rows,
    to_table,
)
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from scrobble_insights.transform.dbt import dbt_dir, transform

NOW = 1773532800   # 2026-03-15 00:00 UTC
FETCHED = "2026-03-15T00:00:00+00:00"


def lines_by_day(scrobbles) -> dict[date, list[dict]]:
    days: dict[date, list[dict]] = {}
    for s in scrobbles:
        day = datetime.fromtimestamp(s.uts, timezone.utc).date()
        days.setdefault(day, []).append({"fetched_at": FETCHED, "track": {
            "artist": {"mbid": s.artist_mbid, "#text": s.artist}, "name": s.track, "mbid": s.track_mbid,
            "album": {"mbid": s.album_mbid, "#text": s.album}, "url": "", "date": {"uts": str(s.uts)}}})
    return days


def load_days(warehouse, user: str, days: dict[date, list[dict]], all_days: list[date]) -> None:
    keys = pa.table({"user_name": [user] * len(all_days), "day": pa.array(all_days, pa.date32())})
    meta = empty_columns(DAY_SCHEMA)

    def batches():
        rows = empty_columns(SCROBBLE_SCHEMA)
        for day in all_days:
            count = scrobble_rows(user, days.get(day, []), rows)
            for name, value in (("user_name", user), ("day", day), ("scrobble_count", count), ("bronze_path", ""),
                                ("bronze_version", str(time.time_ns())),
                                ("extracted_at", datetime.fromisoformat(FETCHED))):
                meta[name].append(value)
            if len(rows["scrobble_id"]) >= 20000:
                yield pa.RecordBatch.from_pydict(rows, schema=SCROBBLE_SCHEMA)
                rows = empty_columns(SCROBBLE_SCHEMA)
        yield pa.RecordBatch.from_pydict(rows, schema=SCROBBLE_SCHEMA)

    warehouse.replace_days(keys, pa.RecordBatchReader.from_batches(SCROBBLE_SCHEMA, batches()),
                           lambda: to_table(meta, DAY_SCHEMA))


def dbt_model_seconds(settings) -> float:
    results = json.loads((dbt_dir(settings) / "target" / "run_results.json").read_text())["results"]
    return round(sum(r["execution_time"] for r in results if r["unique_id"].startswith("model.")), 2)


def slowest_nodes(settings, n: int = 6) -> dict[str, float]:
    results = json.loads((dbt_dir(settings) / "target" / "run_results.json").read_text())["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:n]
    return {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in ranked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the warehouse in this directory (default: a temporary one)")
    args = parser.parse_args()
    years = 8
    sim = Simulator(SimulatorConfig(seed=5, now=NOW, years=years + 0.2, users=[
        UserSpec("bench", timezone="Europe/London", scrobbles_per_day=args.scrobbles / (years * 365))]))
    last = date(2026, 3, 14)
    first = last - timedelta(days=years * 365 - 1)
    all_days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    start_uts = int(datetime(first.year, first.month, first.day, tzinfo=timezone.utc).timestamp())
    truth = sim.truth("bench", start_uts, NOW)

    with tempfile.TemporaryDirectory() as tmp:
        settings = build_settings(data_dir=(args.keep or Path(tmp)) / "data", users=[{"name": "bench", "timezone": "Europe/London"}])
        warehouse = open_warehouse(settings)
        started = time.monotonic()
        load_days(warehouse, "bench", lines_by_day(truth), all_days)
        tags, fetches = empty_columns(TAG_SCHEMA), empty_columns(FETCH_SCHEMA)
        for artist in sorted({s.artist for s in truth}):
            body = {"toptags": {"tag": [{"name": n, "count": c} for n, c in sim.artist_tags(artist)],
                                "@attr": {"artist": artist}}}
            tag_rows({"artist": artist, "fetched_at": FETCHED, "body": body}, tags, fetches)
        warehouse.replace_artist_tags([], to_table(tags, TAG_SCHEMA), to_table(fetches, FETCH_SCHEMA))
        load_s = time.monotonic() - started
        warehouse.close()

        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        def best_of_3(sql: str) -> float:
            times = []
            for _ in range(3):
                t = time.monotonic()
                con.execute(sql).fetchall()
                times.append(time.monotonic() - t)
            return min(times)

        floor = best_of_3("SELECT played_date, count(*) FROM raw.scrobbles GROUP BY 1")
        # The same, reading every column a model uses (a fairer "read the table once").
        floor_all = best_of_3("""SELECT played_date, count(*), max(played_at_uts), max(user_name), max(artist_name),
                                 max(track_name), max(album_name), max(scrobble_id) FROM raw.scrobbles GROUP BY 1""")
        con.close()

        t = time.monotonic()
        full = transform(settings, full_refresh=True, today=date(2026, 3, 15))
        full_s = time.monotonic() - t
        full_models = dbt_model_seconds(settings)
        full_slowest = slowest_nodes(settings)
        peak_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        # One day re-extracted: 3 scrobbles deleted upstream, 2 late ones added.
        day = last - timedelta(days=3)
        days = lines_by_day(truth)
        changed = days[day][3:] + days[day][:2]
        changed[-1] = {**changed[-1], "track": {**changed[-1]["track"], "name": "a late scrobble"}}
        warehouse = open_warehouse(settings)
        load_days(warehouse, "bench", {day: changed}, [day])
        warehouse.close()
        t = time.monotonic()
        incremental = transform(settings, today=date(2026, 3, 15))
        incremental_s = time.monotonic() - t
        incremental_models = dbt_model_seconds(settings)
        incremental_slowest = slowest_nodes(settings)

    result = {
        "scrobbles": len(truth), "load_s": round(load_s, 2),
        "floor_s": round(floor, 4), "floor_all_columns_s": round(floor_all, 4),
        "full_build_wall_s": round(full_s, 2), "full_build_model_s": full_models,
        "full_build_vs_floor": round(full_s / floor, 1), "full_models_vs_floor": round(full_models / floor, 1),
        "full_models_vs_floor_all_columns": round(full_models / floor_all, 1),
        "dbt_peak_rss_mb": round(peak_rss, 1),
        "incremental_day_wall_s": round(incremental_s, 2), "incremental_day_model_s": incremental_models,
        "incremental_was_full_refresh": incremental.full_refresh, "fact_rows": incremental.fact_rows,
        "genre_coverage": round(full.genre_coverage or 0, 4),
        "full_slowest_nodes_s": full_slowest, "incremental_slowest_nodes_s": incremental_slowest,
    }
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "transform.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
