"""Benchmark: how soon a new listener sees answers (issue 13), against the ideal.

    .venv/bin/python bench/first_answer.py [--scrobbles 40000] [--artists 8000] [--rate-limit 10] [--latency-ms 250]

A simulated history of about 40,000 scrobbles whose artists number as in a real one (about 3,000:
the simulator's catalogue is enlarged with `artists`), served in this process at `rate-limit`
requests/s with `latency-ms` per answer; the real CLI (`backfill`, JSON logs) runs in a child process.
From the child's start, read off its log as it runs:
- first answer: the scrobbles modelled and published for readers (stage "scrobbles");
- 50 / 90 / 99 % and 100 % of the plays' artists tagged, modelled and published (the first stage at
  or past each share; stages that queue up behind a running build are published as one);
- the end of the job;
against the ideal at the rate limit: pages / rate for the first answer, (pages + artists) / rate for
the whole job. Targets: first answer <= ideal-for-pages + 20 s; complete <= 1.1 x ideal.
Run once without and once with 10 % injected faults. Results: bench/results/first_answer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec

NOW = 1773532800  # 2026-03-15 00:00 UTC, pinned so runs are comparable
DAYS = 2 * 365


def run(sim: Simulator, url: str, data: Path, rate: float) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_"))}
    env.update(LASTFM_API_URL=url, LASTFM_API_KEY="bench-key", SCROBBLE_INSIGHTS_DATA_DIR=str(data),
               SCROBBLE_INSIGHTS_RATE_LIMIT=str(rate))
    end = datetime.fromtimestamp(NOW, timezone.utc).date() - timedelta(days=1)
    start = end - timedelta(days=DAYS - 1)
    summary_path = data.parent / f"{data.name}-summary.json"
    events: list[tuple[float, dict]] = []
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "backfill", "-u", "bench", "--since",
                              str(start), "--until", str(end), "--log-format", "json", "--summary-json",
                              str(summary_path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def read() -> None:
        for line in child.stderr:
            try:
                events.append((time.monotonic() - started, json.loads(line)))
            except json.JSONDecodeError:
                events.append((time.monotonic() - started, {"message": line.strip()}))

    reader = threading.Thread(target=read)
    reader.start()
    child.wait()
    reader.join()
    wall = time.monotonic() - started
    if child.returncode != 0:
        raise SystemExit("backfill failed: " + "\n".join(e.get("message", "") for _, e in events[-20:]))
    summary = json.loads(summary_path.read_text())
    stages = [(t, e["stage"]) for t, e in events if e.get("message") == "stage modelled"]
    stage_seconds = [e.get("seconds") for _, e in events if e.get("message") == "stage modelled"]
    first_request = next((t for t, e in events if e.get("message") == "job started"), None)
    landed = next((t for t, e in events if e.get("message") == "user extracted"), None)
    pages = summary["users"][0]["pages"]
    artists = summary["artists_tagged"]

    def at(share: float) -> float | None:
        for t, stage in stages:
            done = 1.0 if stage == "done" else float(stage.split()[1].rstrip("%")) / 100 if stage.startswith("tags") else 0.0
            if done >= share:
                return round(t, 2)
        return None

    first = next((round(t, 2) for t, stage in stages if stage in ("scrobbles", "done")), None)
    ideal_pages, ideal_all = pages / rate, (pages + artists) / rate
    return {
        "scrobbles": summary["users"][0]["scrobbles"], "pages": pages, "artists": artists,
        "requests": summary["client"].get("requests", 0), "retries": summary["client"].get("retries", 0),
        "rate_limited_by_simulator": sim.stats.get("rate_limited", 0), "faults": sim.stats.get("faults", 0),
        "stages": [[round(t, 2), s, seconds] for (t, s), seconds in zip(stages, stage_seconds)],
        "job_started_s": round(first_request, 2) if first_request is not None else None,
        "scrobbles_landed_s": round(landed, 2) if landed is not None else None,
        "first_answer_s": first, "ideal_pages_s": round(ideal_pages, 2),
        "first_answer_minus_ideal_s": round(first - ideal_pages, 2) if first is not None else None,
        "tags_50_s": at(0.5), "tags_90_s": at(0.9), "tags_99_s": at(0.99), "complete_s": at(1.0),
        "wall_s": round(wall, 2), "ideal_all_s": round(ideal_all, 2),
        "complete_vs_ideal": round(wall / ideal_all, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrobbles", type=int, default=40_000)
    parser.add_argument("--artists", type=int, default=8000, help="catalogue size (about 3,000 get played)")
    parser.add_argument("--rate-limit", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=float, default=250.0)
    parser.add_argument("--faults", default="0,0.1", help="fault rates to run, comma-separated")
    args = parser.parse_args()
    results = {"rate_limit": args.rate_limit, "latency_ms": args.latency_ms}
    for fault_rate in (float(f) for f in args.faults.split(",")):
        sim = Simulator(SimulatorConfig(seed=3, users=[UserSpec("bench", scrobbles_per_day=args.scrobbles / DAYS)],
                                        years=DAYS / 365 + 0.05, now=NOW, rate_limit=args.rate_limit,
                                        latency_ms=args.latency_ms, fault_rate=fault_rate, timeout_fault_s=2.0,
                                        artists=args.artists))
        with sim.serve(port=0) as server, TemporaryDirectory() as tmp:
            results[f"faults_{fault_rate:g}"] = run(sim, server.url, Path(tmp) / "data", args.rate_limit)
        print(json.dumps(results[f"faults_{fault_rate:g}"], indent=2), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "first_answer.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
