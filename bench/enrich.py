"""Benchmark: MusicBrainz enrichment of a 40,000-scrobble history with ~3,000 artists, against the ideal.

    .venv/bin/python bench/enrich.py [--rate 1] [--burst 2] [--artists 7000] [--scrobbles 40000]

The simulator (last.fm and MusicBrainz ws/2) runs in this process and logs every request. The history
is landed and loaded first (last.fm at full speed, no tags: not what is measured); then the real CLI,
`scrobble-insights enrich`, runs in a child process with MusicBrainz at `--rate` requests/s on both
sides (the simulator answers 503 beyond `--rate` with a burst of `--burst`; the client paces itself).
A run at 1 request/s, MusicBrainz's published rate, takes as long as the requests it needs (mostly
sleeping, little CPU); `--rate` scales both sides, and the ratio wall ÷ ideal does not depend on it.

Figures:
- requests per artist: with an MBID (the batched `arid:` searches plus the lookups that resolve merged
  and unknown MBIDs, per MBID artist), by name (one search each), all (every request per artist key);
  the genre lookups (`inc=genres+tags+aliases`, the `mb_lookup_top` most played matched artists);
- coverage: the share of plays and of artist keys matched in MusicBrainz (by MBID, merged or by name);
- rate: 503s provoked (must be 0), the densest window of 10 s against burst + 10 x rate, the mean rate;
- albums: release-group requests (`reid:` searches, browses), albums asked and how they matched, per album;
- wall time of the child, against the ideal = requests ÷ rate; wall ÷ ideal.
Results go to bench/results/enrich-<rate>rps.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

import duckdb

from scrobble_insights.config import build_settings
from scrobble_insights.operate import steps
from scrobble_insights.simulator import LoggedRequest, Simulator, SimulatorConfig, UserSpec

NOW = 1773532800  # 2026-03-15 00:00 UTC, pinned so runs are comparable
DAYS = 2 * 365
SCROBBLES_PER_CATALOGUE = 40_000 / 42_601 * 41_800     # 2 years at this many a year give ~40,000 plays (seed 3)
CONTACT = "bench@example.org"
WINDOW_S = 10.0


def days() -> tuple[date, date]:
    end = datetime.fromtimestamp(NOW, timezone.utc).date() - timedelta(days=1)
    return end - timedelta(days=DAYS - 1), end


def densest(times: list[float], window: float) -> int:
    """The most requests in any `window` seconds."""
    most, low = 0, 0
    for high, at in enumerate(times):
        while times[low] <= at - window:
            low += 1
        most = max(most, high - low + 1)
    return most


def warehouse_figures(path: Path) -> dict:
    """From raw.mb_artists and raw.scrobbles: keys and plays by match, with and without an MBID."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("""
            WITH named AS (
                SELECT artist_name, MAX(NULLIF(artist_mbid, '')) AS mbid, COUNT(*) AS plays
                FROM raw.scrobbles GROUP BY artist_name),
            keyed AS (
                SELECT CASE WHEN mbid IS NULL THEN 'name:' || artist_name ELSE 'mbid:' || LOWER(mbid) END AS artist_key,
                       SUM(plays) AS plays FROM named GROUP BY 1)
            SELECT k.artist_key LIKE 'mbid:%' AS has_mbid, coalesce(m.match, 'not asked') AS match,
                   count(*) AS keys, sum(k.plays) AS plays
            FROM keyed k LEFT JOIN raw.mb_artists m USING (artist_key) GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
        albums = dict(con.execute("SELECT match, count(*) FROM raw.mb_release_groups GROUP BY 1").fetchall())
    by = [{"has_mbid": bool(h), "match": m, "keys": int(k), "plays": int(p)} for h, m, k, p in rows]
    matched = [r for r in by if r["match"] in ("mbid", "merged", "name")]
    keys, plays = sum(r["keys"] for r in by), sum(r["plays"] for r in by)
    return {"by_match": by, "keys": keys, "keys_with_mbid": sum(r["keys"] for r in by if r["has_mbid"]),
            "plays": plays, "coverage_of_plays": round(sum(r["plays"] for r in matched) / plays, 4),
            "coverage_of_artists": round(sum(r["keys"] for r in matched) / keys, 4),
            "mbid_resolutions": sum(r["keys"] for r in by if r["has_mbid"] and r["match"] in ("merged", "unknown")),
            "albums_asked": sum(albums.values()), "albums_by_match": albums}


def request_figures(log: list[LoggedRequest]) -> dict:
    mb = [r for r in log if r.method.startswith("mb.")]
    searches = [r for r in mb if r.method == "mb.artist.search"]
    arid = sum(1 for r in searches if r.params.get("query", "").startswith("arid:"))
    times = [r.at for r in mb]
    albums = [r for r in mb if r.method.startswith("mb.release-group.")]
    return {"requests": len(mb), "artist_requests": len(mb) - len(albums), "album_requests": len(albums),
            "reid_searches": sum(1 for r in albums if r.method == "mb.release-group.search"),
            "album_browses": sum(1 for r in albums if r.method == "mb.release-group.browse"),
            "arid_searches": arid, "name_searches": len(searches) - arid,
            "lookups": sum(1 for r in mb if r.method == "mb.artist.lookup"),
            "span_s": round(times[-1] - times[0], 2) if len(times) > 1 else 0.0,
            f"densest_{WINDOW_S:g}s": densest(times, WINDOW_S)}


def run(rate: float, burst: float, artists: int, scrobbles: int) -> dict:
    sim = Simulator(SimulatorConfig(seed=3, users=[UserSpec("bench", scrobbles_per_day=scrobbles / 40_000 *
                                                            SCROBBLES_PER_CATALOGUE / DAYS)],
                                    years=DAYS / 365 + 0.1, now=NOW, rate_limit=0, artists=artists,
                                    mb_rate_limit=rate, mb_burst=burst))
    first, last = days()
    with sim.serve(port=0) as server, TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        settings = build_settings(lastfm_api_url=server.url, lastfm_api_key="bench-key", data_dir=data,
                                  rate_limit=1000, max_concurrency=16)
        steps.extract_and_load(settings, ["bench"], first, last, tags=False)        # the history, not measured
        since = len(sim.request_log())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_"))}
        env.update(LASTFM_API_URL=server.url, LASTFM_API_KEY="bench-key", SCROBBLE_INSIGHTS_DATA_DIR=str(data),
                   SCROBBLE_INSIGHTS_MB_API_URL=server.mb_url, SCROBBLE_INSIGHTS_MB_CONTACT=CONTACT,
                   SCROBBLE_INSIGHTS_MB_RATE_LIMIT=str(rate))
        started = time.monotonic()
        child = subprocess.run([sys.executable, "-m", "scrobble_insights", "enrich", "-u", "bench"], env=env,
                               capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        if child.returncode != 0:
            raise SystemExit(f"enrich failed: {child.stderr[-2000:]}")
        requests = request_figures(sim.request_log()[since:])
        stored = warehouse_figures(data / "warehouse.duckdb")
        stats = sim.stats
    with_mbid = requests["arid_searches"] + stored["mbid_resolutions"]
    ideal = requests["requests"] / rate
    return {"rate": rate, "burst": burst, "scrobbles": stored["plays"], "artist_keys": stored["keys"],
            "artist_keys_with_mbid": stored["keys_with_mbid"], **requests,
            "genre_lookups": requests["lookups"] - stored["mbid_resolutions"],
            "requests_per_artist_with_mbid": round(with_mbid / stored["keys_with_mbid"], 3),
            "requests_per_artist_by_name": round(requests["name_searches"] / max(1, stored["keys"] -
                                                                                 stored["keys_with_mbid"]), 3),
            "requests_per_artist_all": round(requests["artist_requests"] / stored["keys"], 3),
            "albums_asked": stored["albums_asked"], "albums_by_match": stored["albums_by_match"],
            "requests_per_album": round(requests["album_requests"] / max(1, stored["albums_asked"]), 3),
            "coverage_of_plays": stored["coverage_of_plays"], "coverage_of_artists": stored["coverage_of_artists"],
            "rate_limited_503": stats.get("mb_rate_limited", 0), "client_retries": _retries(child.stdout),
            f"allowed_in_{WINDOW_S:g}s": burst + WINDOW_S * rate,
            "mean_rate": round((requests["requests"] - 1) / requests["span_s"], 3) if requests["span_s"] else None,
            "wall_s": round(wall, 1), "ideal_s": round(ideal, 1), "wall_over_ideal": round(wall / ideal, 3),
            "by_match": stored["by_match"], "cli_line": child.stdout.strip().replace("\n", " "),
            "load_avg_1m": round(os.getloadavg()[0], 1)}


def _retries(line: str) -> int | None:
    """The client's retries, from the enrich command's summary line ("... (N retries) ...")."""
    found = re.search(r"\(([\d,]+) retries\)", line)
    return int(found.group(1).replace(",", "")) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1.0, help="MusicBrainz requests/s, simulator and client")
    parser.add_argument("--burst", type=float, default=2.0, help="requests the simulator lets through at once")
    parser.add_argument("--artists", type=int, default=7000, help="artists in the simulated catalogue "
                                                                  "(7000 give ~3,000 played in 40,000 plays)")
    parser.add_argument("--scrobbles", type=int, default=40_000)
    args = parser.parse_args()
    result = run(args.rate, args.burst, args.artists, args.scrobbles)
    print(json.dumps(result, indent=2), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"enrich-{args.rate:g}rps.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
