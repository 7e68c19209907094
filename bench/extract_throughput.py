"""Benchmark: back up a history through the simulator at last.fm's rate limit.

    .venv/bin/python bench/extract_throughput.py [--scrobbles 100000] [--rate-limit 5] [--latency-ms 250]

The simulator runs in this process (a thread); the extractor is the real CLI in a child process, so
its CPU seconds and peak RSS are its own. Figures are ratios measured in one run:
- pages/s against the rate limit (the ceiling is `rate` pages/s, i.e. rate x 200 scrobbles/s),
- scrobbles/s against that ceiling,
- rate-limit errors provoked (error 29 answered because the client went too fast): must be 0,
- peak RSS of the extractor, for two history sizes at the rate limit, and for 100k and 400k
  scrobbles with the limits lifted (it should not grow with the history).
Results go to bench/results/extract.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec

NOW = 1773532800  # 2026-03-15 00:00 UTC, pinned so runs are comparable


def backfill(sim_url: str, data: Path, since: str, until: str, rate: float) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_"))}
    env.update(LASTFM_API_URL=sim_url, LASTFM_API_KEY="bench-key", SCROBBLE_INSIGHTS_DATA_DIR=str(data),
               SCROBBLE_INSIGHTS_RATE_LIMIT=str(rate))
    summary_path = data.parent / f"{data.name}-summary.json"
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "backfill", "-u", "bench", "--since",
                              since, "--until", until, "--no-tags", "--summary-json", str(summary_path)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"backfill failed: {child.stderr.read().decode()[-2000:]}")
    summary = json.loads(summary_path.read_text())
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "summary": summary}


def measure(scrobbles: int, rate: float, latency_ms: float) -> dict:
    days = 4 * 365
    per_day = scrobbles / days
    sim = Simulator(SimulatorConfig(seed=3, users=[UserSpec("bench", scrobbles_per_day=per_day)], years=4.2,
                                    now=NOW, rate_limit=rate, latency_ms=latency_ms))
    end = datetime.fromtimestamp(NOW, timezone.utc).date() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    with sim.serve(port=0) as server, TemporaryDirectory() as tmp:
        run = backfill(server.url, Path(tmp) / "data", str(start), str(end), rate)
        stats = dict(sim.stats)
    user = run["summary"]["users"][0]
    requests = run["summary"]["client"].get("requests", 0)
    extract_s = run["summary"]["extract_seconds"]
    pages_per_s = requests / extract_s
    scrobbles_per_s = user["scrobbles"] / extract_s
    return {
        "scrobbles": user["scrobbles"], "requests": requests, "windows": user["windows"],
        "extract_s": extract_s, "pages_per_s": round(pages_per_s, 3),
        "pages_per_s_vs_rate": round(pages_per_s / rate, 3),
        "scrobbles_per_s_vs_ceiling": round(scrobbles_per_s / (rate * 200), 3),
        "rate_limit_errors": stats.get("rate_limited", 0), "retries": run["summary"]["client"].get("retries", 0),
        "cpu_s": run["cpu_s"], "cpu_s_per_1k_scrobbles": round(run["cpu_s"] / user["scrobbles"] * 1000, 3),
        "peak_rss_mb": run["peak_rss_mb"], "wall_s": run["wall_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrobbles", type=int, default=100_000)
    parser.add_argument("--rate-limit", type=float, default=5.0)
    parser.add_argument("--latency-ms", type=float, default=250.0)
    args = parser.parse_args()
    results = {"small": measure(args.scrobbles // 4, args.rate_limit, args.latency_ms),
               "full": measure(args.scrobbles, args.rate_limit, args.latency_ms)}
    results["rss_growth_full_vs_small"] = round(results["full"]["peak_rss_mb"] / results["small"]["peak_rss_mb"], 3)
    # Memory against history size, limits lifted (fast): 100k vs 400k scrobbles.
    for size in (100_000, 400_000):
        results[f"unlimited_{size}"] = measure(size, 1000.0, 0.0)
    results["rss_growth_400k_vs_100k"] = round(results["unlimited_400000"]["peak_rss_mb"]
                                               / results["unlimited_100000"]["peak_rss_mb"], 3)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "extract.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
