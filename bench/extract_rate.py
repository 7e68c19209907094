"""Benchmark: how much of last.fm's rate limit the extractor uses, from its first request to its last.

    .venv/bin/python bench/extract_rate.py [--scrobbles 40000] [--tag-scrobbles 8000] [--quick]

The simulator runs in this process (a thread) and keeps a log of every request it receives; the
extractor is the real CLI (`backfill --no-transform`) in a child process. For each case:
- utilisation = (requests - 1) / ((last request - first request) x rate): the intervals between
  requests against the ideal ones, so 1.0 means no request slot was left unused;
- start-up = seconds from the child's launch to the first request the simulator received;
- rate-limit errors provoked (error 29 because the client went too fast, injected faults not
  counted): must be 0, and the densest second of the log (requests in any 1 s) against the rate;
- the longest gap between two requests, and for pages + tags the gap between the last page and the
  first tag request.
Cases: 10 requests/s with 250 ms latency and 5/s with 1 s latency, each with 0 % and 10 % injected
faults, pages only (`--no-tags`) for a ~40,000-scrobble history; then pages + tags for a smaller one
both through the CLI (whose job loads the warehouse between the two phases) and in one process on
one client (pages then tags, as the job does once tags follow the pages directly).
The simulator draws its faults from one seeded sequence in arrival order, so a run's faults fall on
the same requests every time (a burst among the last requests hits every run of that seed): each
fault case runs once per fault seed (`--fault-seeds`, same history) and reports every run, the median
and the lowest.
Results go to bench/results/rate.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

from scrobble_insights.simulator import LoggedRequest, Simulator, SimulatorConfig, UserSpec

NOW = 1773532800  # 2026-03-15 00:00 UTC, pinned so runs are comparable
DAYS = 2 * 365
CASES = [(10.0, 250.0), (5.0, 1000.0)]
FAULTS = [0.0, 0.1]


def build_sim(scrobbles: int, rate: float, latency_ms: float, fault_rate: float,
              fault_seed: int | None = None) -> Simulator:
    return Simulator(SimulatorConfig(seed=3, users=[UserSpec("bench", scrobbles_per_day=scrobbles / DAYS)],
                                     years=DAYS / 365 + 0.1, now=NOW, rate_limit=rate, latency_ms=latency_ms,
                                     fault_rate=fault_rate, fault_seed=fault_seed))


def days() -> tuple[date, date]:
    end = datetime.fromtimestamp(NOW, timezone.utc).date() - timedelta(days=1)
    return end - timedelta(days=DAYS - 1), end


def rate_figures(log: list[LoggedRequest], rate: float) -> dict:
    """Utilisation, the densest second and the longest gap of a request log."""
    times = [r.at for r in log]
    span = times[-1] - times[0]
    densest, low = 0, 0
    for high, at in enumerate(times):
        while times[low] <= at - 1.0:
            low += 1
        densest = max(densest, high - low + 1)
    gaps = [b - a for a, b in zip(times, times[1:])]
    return {"requests": len(times), "span_s": round(span, 2),
            "utilisation": round((len(times) - 1) / (span * rate), 3) if span > 0 else None,
            "densest_second": densest, "longest_gap_s": round(max(gaps, default=0.0), 3)}


def phase_gap(log: list[LoggedRequest]) -> float | None:
    """Seconds from the last user.getRecentTracks request to the first artist.getTopTags one."""
    pages = [r.at for r in log if r.method.lower() == "user.getrecenttracks"]
    tags = [r.at for r in log if r.method.lower() == "artist.gettoptags"]
    return round(min(tags) - max(pages), 3) if pages and tags else None


def run_cli(scrobbles: int, rate: float, latency_ms: float, fault_rate: float, tags: bool,
            source: str | None = None, fault_seed: int | None = None) -> dict:
    sim = build_sim(scrobbles, rate, latency_ms, fault_rate, fault_seed)
    first, last = days()
    with sim.serve(port=0) as server, TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_"))}
        env.update(LASTFM_API_URL=server.url, LASTFM_API_KEY="bench-key", SCROBBLE_INSIGHTS_DATA_DIR=str(data),
                   SCROBBLE_INSIGHTS_RATE_LIMIT=str(rate))
        if source:                      # the CLI of another source tree (a before/after comparison)
            env["PYTHONPATH"] = source
        summary_path = Path(tmp) / "summary.json"
        command = [sys.executable, "-m", "scrobble_insights", "backfill", "-u", "bench", "--since", str(first),
                   "--until", str(last), "--no-transform", "--summary-json", str(summary_path),
                   *([] if tags else ["--no-tags"])]
        started = time.monotonic()
        child = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        wall = time.monotonic() - started
        if child.returncode != 0:
            raise SystemExit(f"backfill failed: {child.stderr.decode()[-2000:]}")
        summary = json.loads(summary_path.read_text())
        log, stats = sim.request_log(), sim.stats
    figures = rate_figures(log, rate)
    return {"rate": rate, "latency_ms": latency_ms, "fault_rate": fault_rate, "tags": tags,
            "scrobbles": summary["users"][0]["scrobbles"], "artists_tagged": summary["artists_tagged"],
            **figures, "startup_s": round(log[0].at - started, 3), "wall_s": round(wall, 2),
            "tag_phase_gap_s": phase_gap(log), "rate_limit_errors": stats.get("rate_limited", 0),
            "faults_injected": stats.get("faults", 0), "retries": summary["client"].get("retries", 0),
            "hedges": summary["client"].get("hedges", 0), "slowdowns": summary["client"].get("slowdowns", 0),
            "fault_seed": fault_seed, "load_avg_1m": round(os.getloadavg()[0], 1)}


def run_in_process(scrobbles: int, rate: float, latency_ms: float, fault_rate: float,
                   fault_seed: int | None = None) -> dict:
    """Pages then tags on one client in one process (the job's shape once tags follow the pages)."""
    from scrobble_insights.bronze.store import LocalBronze
    from scrobble_insights.extract.artist_tags import extract_artist_tags
    from scrobble_insights.extract.scrobbles import extract_scrobbles
    from scrobble_insights.lastfm.client import ClientOptions, LastfmClient

    sim = build_sim(scrobbles, rate, latency_ms, fault_rate, fault_seed)
    first, last = days()
    artists = sorted({s.artist for s in sim.truth("bench")})

    stats: dict = {}

    async def job(url: str, root: Path) -> None:
        async with LastfmClient("bench-key", url, ClientOptions(rate_limit=rate, max_concurrency=16)) as client:
            await client.fetch_user_info("bench")
            await extract_scrobbles(client, "bench", first, last, bronze=LocalBronze(root / "bronze"),
                                    state_dir=root / "state", workers=8)
            await extract_artist_tags(client, artists, LocalBronze(root / "bronze"))
            stats.update(client.stats)

    with sim.serve(port=0) as server, TemporaryDirectory() as tmp:
        asyncio.run(job(server.url, Path(tmp)))
        log, served = sim.request_log(), sim.stats
    return {"rate": rate, "latency_ms": latency_ms, "fault_rate": fault_rate, "tags": True, "artists": len(artists),
            **rate_figures(log, rate), "tag_phase_gap_s": phase_gap(log),
            "rate_limit_errors": served.get("rate_limited", 0), "faults_injected": served.get("faults", 0),
            "retries": stats.get("retries", 0), "hedges": stats.get("hedges", 0),
            "slowdowns": stats.get("slowdowns", 0), "fault_seed": fault_seed,
            "load_avg_1m": round(os.getloadavg()[0], 1)}


def over_seeds(run: Callable[[int | None], dict], faults: float, seeds: int, name: str) -> dict:
    """One run without faults; with faults, one run per fault seed 1..seeds: every run, the median, the lowest."""
    if not faults:
        return run(None)
    runs = []
    for seed in range(1, seeds + 1):
        runs.append(run(seed))
        print(f"{name} seed {seed}", json.dumps(runs[-1]), flush=True)
    utilisation = [r["utilisation"] for r in runs]
    return {"utilisation_median": statistics.median(utilisation), "utilisation_min": min(utilisation),
            "utilisation_max": max(utilisation), "slowdowns": sum(r["slowdowns"] for r in runs), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrobbles", type=int, default=40_000)
    parser.add_argument("--tag-scrobbles", type=int, default=8_000)
    parser.add_argument("--quick", action="store_true", help="only 10/s + 250 ms without faults")
    parser.add_argument("--pages-only", action="store_true", help="skip the pages + tags cases")
    parser.add_argument("--fault-seeds", type=int, default=5, help="runs of each fault case, one per fault seed")
    parser.add_argument("--source", help="run the CLI from this src/ directory (e.g. an older commit's, "
                                         "from `git archive`); results go to rate-SOURCE-NAME.json")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    for rate, latency in CASES[:1] if args.quick else CASES:
        for faults in FAULTS[:1] if args.quick else FAULTS:
            name = f"pages_{rate:g}rps_{latency:g}ms_{faults:.0%}faults"
            results[name] = over_seeds(lambda seed: run_cli(args.scrobbles, rate, latency, faults, tags=False,
                                                            source=args.source, fault_seed=seed),
                                       faults, args.fault_seeds, name)
            print(name, json.dumps({k: v for k, v in results[name].items() if k != "runs"}), flush=True)
    if not (args.quick or args.pages_only):
        for faults in FAULTS:
            name = f"pages_tags_cli_10rps_250ms_{faults:.0%}faults"
            results[name] = over_seeds(lambda seed: run_cli(args.tag_scrobbles, 10.0, 250.0, faults, tags=True,
                                                            source=args.source, fault_seed=seed),
                                       faults, args.fault_seeds, name)
            print(name, json.dumps({k: v for k, v in results[name].items() if k != "runs"}), flush=True)
            name = f"pages_tags_one_client_10rps_250ms_{faults:.0%}faults"
            results[name] = over_seeds(lambda seed: run_in_process(args.tag_scrobbles, 10.0, 250.0, faults, seed),
                                       faults, args.fault_seeds, name)
            print(name, json.dumps({k: v for k, v in results[name].items() if k != "runs"}), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    name = "rate-quick" if args.quick else "rate" if not args.source else f"rate-{Path(args.source).parent.name}"
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
