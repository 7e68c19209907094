"""Benchmark: the dashboard's queries on a warehouse of about 1,000,000 scrobbles.

    .venv/bin/python bench/transform_1m.py --keep /tmp/si-bench      # builds the warehouse once
    .venv/bin/python bench/serve_queries.py /tmp/si-bench/data/warehouse.duckdb [--runs 20]

For each view (overview, genres, time, top music, artist) all its queries run back to back on a
fresh read-only connection, as the dashboard does on a filter change; p50 and p95 over the runs.
Target: every view <= 300 ms at p95. Results go to bench/results/serve.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from scrobble_insights.serve import queries as q


def views(con, user: str, year: int, artist: str) -> dict:
    everything = q.Filters(user)
    period = everything.for_year(year)
    before = q.previous_period(period)
    return {
        "overview": lambda: (q.kpis(con, period), q.kpis(con, before), q.weekday_profile(con, period),
                             q.weekday_profile(con, before), q.plays_per_year(con, everything)),
        "genres": lambda: (q.genre_totals(con, period), q.genre_by_year(con, everything), q.genre_by_season(con, period)),
        "time": lambda: (q.listening_clock(con, period), q.hour_profile(con, period), q.daily_plays(con, period),
                         q.sessions(con, period)),
        "top_music": lambda: tuple(q.top_entities(con, period, e) for e in ("artist", "album", "track"))
                             + (q.discovery_by_month(con, period),),
        "artist": lambda: (q.artist_monthly(con, everything, artist), q.artist_tags(con, artist),
                           q.artist_genres(con, artist), q.artist_top_tracks(con, everything, artist),
                           q.artist_hours(con, everything, artist)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    con = q.connect(args.warehouse)
    user = q.users(con)[0]
    year = q.years(con, user)[1]                  # the last full year
    artist = q.artist_names(con, q.Filters(user), 1)[0]
    rows = con.execute("SELECT count(*) FROM marts.fact_scrobbles").fetchone()[0]
    con.close()
    results = {"scrobbles": rows, "year": year}
    for name in ("overview", "genres", "time", "top_music", "artist"):
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            con = q.connect(args.warehouse)
            views(con, user, year, artist)[name]()
            con.close()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        results[name] = {"p50_ms": round(statistics.median(timings), 1),
                         "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1)}
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "serve.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
