"""Benchmark: what Dagster costs on top of the same jobs run by the CLI.

    .venv/bin/python bench/orchestrate_overhead.py [--days 365] [--per-day 60]

One simulated listener on 127.0.0.1 with the rate limit lifted (this measures our overhead, not
last.fm's limit). In one process, one after the other, into two data directories:
- CLI path: `jobs.extract_and_load` + `transform` (what `backfill` runs), then the daily job
  (yesterday + 14 days of lookback, then `transform`);
- Dagster path: `build_definitions` (includes `dbt parse`), then the job executed in-process over the
  same partition range, then the daily schedule's range.
Reported: wall seconds of each, Dagster's seconds per step, and the Dagster/CLI ratios. Results go to bench/results/orchestrate.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg

from scrobble_insights.config import build_settings
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.orchestrate.definitions import build_definitions
from scrobble_insights.orchestrate.jobs import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG, JOB
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from scrobble_insights.transform.dbt import transform

NOW = 1773532800   # 2026-03-15 00:00 UTC
TODAY = date(2026, 3, 15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=float, default=60.0)
    args = parser.parse_args()

    sim = Simulator(SimulatorConfig(users=[UserSpec("bench", scrobbles_per_day=args.per_day)], now=NOW,
                                    rate_limit=0, years=args.days / 365 + 0.1))
    server = sim.serve(host="127.0.0.1", port=0)
    first, last = TODAY - timedelta(days=args.days), TODAY - timedelta(days=1)
    daily_first = last - timedelta(days=14)
    clock = lambda: datetime.fromtimestamp(NOW, timezone.utc)  # noqa: E731
    results: dict = {"days": args.days}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            def settings(name: str):
                return build_settings(lastfm_api_url=server.url, lastfm_api_key="b" * 32, data_dir=Path(tmp) / name,
                                      users=["bench"], timezone="Europe/London", rate_limit=1000, max_concurrency=8)

            cli = settings("cli")
            started = time.perf_counter()
            summary = extract_and_load(cli, ["bench"], first, last, now=clock())
            transform(cli, today=TODAY)
            results["cli_backfill_s"] = time.perf_counter() - started
            results["scrobbles"] = sum(s.scrobbles for s in summary.extracted)
            started = time.perf_counter()
            extract_and_load(cli, ["bench"], daily_first, last, now=clock())
            transform(cli, today=TODAY)
            results["cli_daily_s"] = time.perf_counter() - started

            orchestrated = settings("dagster")
            started = time.perf_counter()
            defs = build_definitions(orchestrated, clock=clock)
            job = defs.resolve_job_def(JOB)
            results["dagster_definitions_s"] = time.perf_counter() - started
            instance = dg.DagsterInstance.ephemeral()
            for name, (a, b) in {"backfill": (first, last), "daily": (daily_first, last)}.items():
                started = time.perf_counter()
                result = job.execute_in_process(instance=instance, tags={
                    ASSET_PARTITION_RANGE_START_TAG: a.isoformat(), ASSET_PARTITION_RANGE_END_TAG: b.isoformat()})
                assert result.success
                results[f"dagster_{name}_s"] = time.perf_counter() - started
                results[f"dagster_{name}_steps_s"] = {
                    step.step_key: round(step.end_time - step.start_time, 3)
                    for step in instance.get_run_step_stats(result.run_id)}
    finally:
        server.close()
    for name in ("backfill", "daily"):
        results[f"{name}_ratio"] = results[f"dagster_{name}_s"] / results[f"cli_{name}_s"]
    results = {k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}
    out = Path(__file__).parent / "results" / "orchestrate.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
