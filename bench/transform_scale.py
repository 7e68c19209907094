"""Benchmark: the full build and the daily incremental build at 1 M, 5 M and 10 M scrobbles.

    .venv/bin/python bench/transform_scale.py [--sizes 1,5,10] [--label after]

Sizes are in millions of scrobbles over 10 users per million (1 M / 10 users, 5 M / 50, 10 M / 100),
100,000 scrobbles (8 years) per user. For each size, in a fresh data directory:
- full build: `transform(full_refresh=True)`;
- daily incremental: the last 15 days of every user re-extracted through the real loader
  (`replace_days`: per user 3 scrobbles deleted, 2 late ones added), then `transform()`.
Each build runs in a child process of this script (which itself runs dbt as its child); reported are
its wall time and the peak RSS of that whole process tree: the sum of the tree's RSS sampled every
0.1 s with psutil, and (a floor, for the largest single process) RUSAGE_CHILDREN ru_maxrss.

How the data is made (the cheapest honest way): the simulator generates 10 distinct users once (its
truth, without the HTTP walk), loaded through the real loader functions as in bench/transform_1m.py.
Bigger sizes copy these 10 users inside DuckDB under other names (user k is base user k mod 10, same
scrobbles and days, its own time zone), with scrobble ids computed exactly as the loader computes them
for that user name (md5 of user, uts, artist, track, album, occurrence). Copies have the same music as
their base user, so the artist, track and album dimensions do not grow with the number of users; the
fact, the sessions, first plays and every per-user mart do. Results go to
bench/results/transform_scale.json (one entry per label and size), with a machine reference taken
first (a Python loop and a DuckDB aggregation: compare runs of different days by it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from transform_1m import FETCHED, lines_by_day, load_days, slowest_nodes  # noqa: E402

from scrobble_insights.config import build_settings  # noqa: E402
from scrobble_insights.load.records import FETCH_SCHEMA, TAG_SCHEMA, empty_columns, tag_rows, to_table  # noqa: E402
from scrobble_insights.load.warehouse import open_warehouse  # noqa: E402
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec  # noqa: E402

NOW = 1773532800   # 2026-03-15 00:00 UTC
TODAY = date(2026, 3, 15)
LAST = date(2026, 3, 14)
YEARS = 8
PER_USER = 100_000
BASE_USERS = 10
ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Europe/Berlin",
         "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland", "America/Sao_Paulo", "UTC"]


def user_name(i: int) -> str:
    return f"u{i:03d}"


def users(n: int) -> list[dict]:
    return [{"name": user_name(i), "timezone": ZONES[i % BASE_USERS]} for i in range(n)]


def simulator() -> Simulator:
    return Simulator(SimulatorConfig(seed=5, now=NOW, years=YEARS + 0.2, users=[
        UserSpec(user_name(i), timezone=ZONES[i], scrobbles_per_day=PER_USER / (YEARS * 365))
        for i in range(BASE_USERS)]))


def all_days() -> list[date]:
    first = LAST - timedelta(days=YEARS * 365 - 1)
    return [first + timedelta(days=i) for i in range((LAST - first).days + 1)]


def fill(data_dir: Path, n_users: int, sim: Simulator) -> dict:
    """Raw tables for n_users: 10 simulated through the loader, the rest copied in SQL."""
    settings = build_settings(data_dir=data_dir, users=users(n_users))
    days = all_days()
    start_uts = int(datetime(days[0].year, days[0].month, days[0].day, tzinfo=timezone.utc).timestamp())
    started = time.monotonic()
    warehouse = open_warehouse(settings)
    artists: set[str] = set()
    for i in range(BASE_USERS):
        truth = sim.truth(user_name(i), start_uts, NOW)
        artists |= {s.artist for s in truth}
        load_days(warehouse, user_name(i), lines_by_day(truth), days)
    tags, fetches = empty_columns(TAG_SCHEMA), empty_columns(FETCH_SCHEMA)
    for artist in sorted(artists):
        body = {"toptags": {"tag": [{"name": n, "count": c} for n, c in sim.artist_tags(artist)],
                            "@attr": {"artist": artist}}}
        tag_rows({"artist": artist, "fetched_at": FETCHED, "body": body}, tags, fetches)
    warehouse.replace_artist_tags([], to_table(tags, TAG_SCHEMA), to_table(fetches, FETCH_SCHEMA))
    warehouse.close()
    con = duckdb.connect(str(settings.warehouse_path))
    for i in range(BASE_USERS, n_users):
        base, name = user_name(i % BASE_USERS), user_name(i)
        con.execute("""
            INSERT INTO raw.scrobbles BY NAME
            SELECT * REPLACE (
                md5(concat_ws(chr(31), $name, played_at_uts::VARCHAR, artist_name, track_name, album_name,
                    (row_number() OVER (PARTITION BY played_at_uts, artist_name, track_name, album_name
                                        ORDER BY scrobble_id) - 1)::VARCHAR)) AS scrobble_id,
                $name AS user_name)
            FROM raw.scrobbles WHERE user_name = $base""", {"name": name, "base": base})
        con.execute("INSERT INTO raw.extracted_days BY NAME SELECT * REPLACE ($name AS user_name) "
                    "FROM raw.extracted_days WHERE user_name = $base", {"name": name, "base": base})
    rows = con.execute("SELECT count(*) FROM raw.scrobbles").fetchone()[0]
    con.close()
    return {"scrobbles": rows, "users": n_users, "fill_s": round(time.monotonic() - started, 1)}


def reextract(data_dir: Path, n_users: int, sim: Simulator) -> float:
    """The daily run's load: the last 15 days of every user again, 3 deleted and 2 late ones added."""
    settings = build_settings(data_dir=data_dir, users=users(n_users))
    days = [LAST - timedelta(days=i) for i in range(15)][::-1]
    start_uts = int(datetime(days[0].year, days[0].month, days[0].day, tzinfo=timezone.utc).timestamp())
    base_days = [lines_by_day(sim.truth(user_name(i), start_uts, NOW)) for i in range(BASE_USERS)]
    started = time.monotonic()
    warehouse = open_warehouse(settings)
    for i in range(n_users):
        by_day = {d: list(lines) for d, lines in base_days[i % BASE_USERS].items()}
        changed_day = days[3 + i % 10]
        lines = by_day.get(changed_day, [])
        if len(lines) > 5:
            late = [{**line, "track": {**line["track"], "name": f"a late scrobble {k}"}} for k, line in
                    enumerate(lines[:2])]
            by_day[changed_day] = lines[3:] + late
        load_days(warehouse, user_name(i), by_day, days)
    warehouse.close()
    return round(time.monotonic() - started, 1)


def run_build(data_dir: Path, n_users: int, full: bool) -> dict:
    """One build in a child process; wall time, peak RSS of the child's process tree."""
    command = [sys.executable, __file__, "--build", "full" if full else "daily", "--dir", str(data_dir),
               "--users", str(n_users)]
    started = time.monotonic()
    child = psutil.Popen(command)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [child, *child.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    done.set()
    sampler.join()
    wall = time.monotonic() - started
    if code != 0:
        raise SystemExit(f"build failed ({code})")
    report = json.loads((data_dir / "build.json").read_text())
    return {"wall_s": round(wall, 1), "peak_rss_tree_mb": round(peak / 2**20), **report}


def build(data_dir: Path, n_users: int, kind: str) -> None:
    """--build: the child process. Runs transform, writes build.json."""
    import resource

    from scrobble_insights.transform.dbt import transform

    settings = build_settings(data_dir=data_dir, users=users(n_users))
    started = time.monotonic()
    summary = transform(settings, full_refresh=kind == "full", today=TODAY)
    seconds = time.monotonic() - started
    assert summary.full_refresh == (kind == "full"), "the daily build fell back to a full refresh"
    (data_dir / "build.json").write_text(json.dumps({
        "transform_s": round(seconds, 1), "fact_rows": summary.fact_rows,
        "max_single_process_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "slowest_nodes_s": slowest_nodes(settings, 8)}))


def machine_reference() -> dict:
    """How fast this machine is at the time of the run, to compare runs made on different days or
    machines (the targets are in seconds; shared machines vary by 1.5x): a pure Python loop (dbt's
    per-node work is Python) and a DuckDB aggregation over 20 M generated rows, on 2 threads."""
    started = time.monotonic()
    total = 0
    for i in range(10_000_000):
        total += i
    python_s = time.monotonic() - started
    con = duckdb.connect()
    con.execute("SET threads = 2")
    started = time.monotonic()
    con.execute("SELECT i % 1000 AS k, count(*), sum(i) FROM range(20000000) t(i) GROUP BY k").fetchall()
    duckdb_s = time.monotonic() - started
    con.close()
    return {"python_loop_10m_s": round(python_s, 2), "duckdb_groupby_20m_s": round(duckdb_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,5,10", help="millions of scrobbles, comma-separated")
    parser.add_argument("--label", default="run", help="name of this run in the results file")
    parser.add_argument("--keep", type=Path, help="keep the data directories under this directory")
    parser.add_argument("--build", choices=["full", "daily"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.dir, args.users, args.build)
        return
    sim = simulator()
    out = Path(__file__).parent / "results" / "transform_scale.json"
    out.parent.mkdir(exist_ok=True)
    results = json.loads(out.read_text()) if out.exists() else {}
    run = results.setdefault(args.label, {})
    run["machine"] = machine_reference()
    print(json.dumps({"machine": run["machine"]}), flush=True)
    root = args.keep or Path(tempfile.mkdtemp(prefix="transform-scale-"))
    for millions in [int(s) for s in args.sizes.split(",")]:
        n_users = millions * BASE_USERS
        data_dir = root / f"{millions}m" / "data"
        entry = fill(data_dir, n_users, sim)
        entry["full"] = run_build(data_dir, n_users, full=True)
        entry["reextract_load_s"] = reextract(data_dir, n_users, sim)
        entry["daily"] = run_build(data_dir, n_users, full=False)
        run[f"{millions}m"] = entry
        print(json.dumps({f"{millions}m": entry}, indent=2), flush=True)
        out.write_text(json.dumps(results, indent=2))
        if not args.keep:
            import shutil
            shutil.rmtree(data_dir.parent)
    sizes = sorted((k for k in run if k.endswith("m")), key=lambda k: int(k.rstrip("m")))
    if len(sizes) > 1:
        small, large = run[sizes[0]], run[sizes[-1]]
        run["ratios"] = {f"daily_{sizes[-1]}_vs_{sizes[0]}": round(large["daily"]["wall_s"] / small["daily"]["wall_s"], 2),
                         f"full_{sizes[-1]}_vs_{sizes[0]}": round(large["full"]["wall_s"] / small["full"]["wall_s"], 2)}
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(run.get("ratios", {}), indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
