"""Benchmark: the dashboard's queries on a warehouse of about 1,000,000 scrobbles.

    .venv/bin/python bench/transform_1m.py --keep /tmp/si-bench      # builds the warehouse once
    .venv/bin/python bench/serve_queries.py /tmp/si-bench/data/warehouse.duckdb [--runs 20]

For each view (overview, genres, time, top music, artist) all its queries run back to back on a
fresh read-only connection, as the dashboard does on a filter change; p50 and p95 over the runs.
Target: every view <= 300 ms at p95. Then (unless --no-render) the time to first render of the
overview in Debian's Chromium: from navigation until the metrics and every chart are drawn, the
first time (Streamlit's cache cold) and then p50 over reloads. Results go to bench/results/serve.json.
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


def first_render(warehouse: Path, reloads: int = 5) -> dict:
    """Seconds from navigation to the overview's metrics and charts drawn in headless Chromium."""
    import socket

    from playwright.sync_api import sync_playwright

    from scrobble_insights.serve.dashboard import start, wait_until_healthy

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = start(warehouse, port, quiet=True)
    try:
        wait_until_healthy(port, timeout=60, process=server)
        timings = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run"])
            for _ in range(reloads + 1):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector('[data-testid="stMetricValue"]', timeout=120_000)
                page.wait_for_function("""() => {
                    const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
                    return charts.length >= 2 && [...charts].every(c => c.querySelector('svg, canvas'));
                }""", timeout=120_000)
                timings.append(time.perf_counter() - started)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"cold_s": round(timings[0], 2), "warm_p50_s": round(statistics.median(timings[1:]), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-render", action="store_true", help="skip the Chromium measurement")
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
    if not args.no_render:
        results["overview_first_render"] = first_render(args.warehouse)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "serve.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
