"""Benchmark: the release-group step of `enrich` — requests per album, coverage of album plays, wall time.

    .venv/bin/python bench/release_groups.py [--scrobbles-per-day 40] [--years 1] [--rate 1000]

One listener's history from the simulator is extracted and loaded, then `enrich` runs against the
simulated MusicBrainz (no genre lookups: SCROBBLE_INSIGHTS_MB_LOOKUP_TOP=0). Reported for the album step
alone: albums asked, how each was settled, requests (reid searches and browses), requests per album
(overall, per album with a release MBID, per album found by title), the share of album plays whose album
got a release group, and the wall time at 1 request/s that those requests cost (requests / 1 s: the
client never exceeds the rate, tests/operate/test_enrich_release_groups.py). --rate runs the client
faster than MusicBrainz allows, against the simulator only, to measure the counts quickly.
Results go to bench/results/release_groups.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from scrobble_insights.config import build_settings  # noqa: E402
from scrobble_insights.operate import steps  # noqa: E402
from scrobble_insights.operate.enrich import enrich  # noqa: E402
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec  # noqa: E402
from support import NOW, TEST_KEY, TODAY  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scrobbles-per-day", type=int, default=40)
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args()
    sim = Simulator(SimulatorConfig(users=[UserSpec("alice", scrobbles_per_day=args.scrobbles_per_day)], now=NOW,
                                    rate_limit=0, mb_rate_limit=0, years=args.years))
    server = sim.serve(host="127.0.0.1", port=0)
    try:
        data = Path(tempfile.mkdtemp(prefix="bench-rg-")) / "data"
        settings = build_settings(lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, data_dir=data, rate_limit=500,
                                  mb_api_url=server.mb_url, mb_contact="bench@example.org", mb_rate_limit=args.rate,
                                  mb_lookup_top=0)
        days = int(365 * args.years)
        steps.extract_and_load(settings, ["alice"], TODAY - timedelta(days=days), TODAY - timedelta(days=1), tags=False)
        start = len(sim.request_log())
        started = time.monotonic()
        summary = enrich(settings, ["alice"])
        seconds = time.monotonic() - started
        log = [e for e in sim.request_log()[start:] if e.method.startswith("mb.release-group.")]
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            scrobbles, album_plays = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE album_name <> '') FROM raw.scrobbles").fetchone()
            covered = con.execute("""
                SELECT count(*) FROM raw.scrobbles s JOIN raw.mb_release_groups r ON r.album_ref =
                    CASE WHEN s.album_mbid = '' THEN 'title:' || s.artist_name || '|' || s.album_name
                         ELSE 'mbid:' || lower(s.album_mbid) END
                WHERE s.album_name <> '' AND r.match IN ('mbid', 'title')""").fetchone()[0]
            paths = dict(con.execute("SELECT left(album_ref, 5), count(*) FROM raw.mb_release_groups "
                                     "GROUP BY 1").fetchall())
        finally:
            con.close()
    finally:
        server.close()
    reid = sum(e.method == "mb.release-group.search" for e in log)
    browse = sum(e.method == "mb.release-group.browse" for e in log)
    result = {
        "scrobbles": scrobbles, "artists_asked": summary.asked, "albums_asked": summary.albums_asked,
        "album_matches": dict(summary.album_matches), "album_requests": summary.album_requests,
        "reid_searches": reid, "browses": browse,
        "requests_per_album": round(summary.album_requests / max(summary.albums_asked, 1), 3),
        "requests_per_album_with_release_mbid": round(reid / max(paths.get("mbid:", 0), 1), 3),
        "requests_per_album_by_title": round(browse / max(paths.get("title", 0), 1), 3),
        "album_play_coverage": round(covered / max(album_plays, 1), 3),
        "album_step_seconds_at_1_per_s": summary.album_requests,
        "enrich_seconds_at_rate": round(seconds, 1), "rate": args.rate, "line": summary.line(),
    }
    out = Path(__file__).parent / "results" / "release_groups.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
