"""`scrobble-insights status`: what the data directory holds and how fresh it is, per user (read from
the read-only snapshot, so it works while a job writes; from the run log alone if even that cannot be read)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from scrobble_insights.bronze.store import open_bronze
from scrobble_insights.config import Settings
from scrobble_insights.errors import ScrobbleInsightsError, first_line
from scrobble_insights.load.warehouse import Reader, mb_state_sql, open_reader, reader_source, tables
from scrobble_insights.musicbrainz.match import MATCHED
from scrobble_insights.operate.runlog import read_runs


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def _ranges(days: list[date]) -> list[list[str]]:
    """Consecutive days folded into [first, last] ranges."""
    ranges: list[list[date]] = []
    for day in days:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [[str(a), str(b)] for a, b in ranges]


def _last_runs(runs: list[dict], user: str) -> tuple[dict | None, dict | None]:
    """The user's last successful run, and their last failed run if none succeeded since."""
    mine = [r for r in runs if user in (r.get("users") or [])]      # oldest first
    ok = [r for r in mine if r.get("status") == "ok"]
    failed = [r for r in mine if r.get("status") == "failed"]
    failed_since_ok = bool(failed) and (not ok or mine.index(failed[-1]) > mine.index(ok[-1]))
    return (ok[-1] if ok else None), (failed[-1] if failed_since_ok else None)


def status_report(settings: Settings, now: datetime | None = None) -> dict:
    """Per user: last successful and failed runs, freshness, scrobbles, days covered, gaps (days never
    extracted between the first and last extracted day), untagged artists, MusicBrainz coverage (share of
    plays whose artist is matched) and artists never asked; and the sizes on disk.

    The figures come from the read-only snapshot, so a job writing does not stop this. When even that
    cannot be read, "warehouse_readable" is false, "warehouse_error" says why, and "users" is empty:
    "run_log_users" then has each user's last success and failure from the run log."""
    now = now or datetime.now(timezone.utc)
    runs = read_runs(settings.data_dir)
    on_bigquery = settings.warehouse == "bigquery"
    report = {"data_dir": str(settings.data_dir),
              "warehouse": reader_source(settings) if on_bigquery else str(settings.warehouse_path),
              "warehouse_exists": on_bigquery or settings.warehouse_path.exists(),
              "warehouse_bytes": None if on_bigquery else _size(settings.warehouse_path),
              "bronze_bytes": open_bronze(settings).total_bytes(),
              "snapshot": str(settings.snapshot_path), "warehouse_readable": False, "warehouse_error": None,
              "last_run": runs[-1] if runs else None, "users": []}
    if not (on_bigquery or settings.warehouse_path.exists() or settings.snapshot_path.exists()):
        return report
    try:
        con = open_reader(settings)
        try:
            report["users"] = _users(con, runs, now)
        finally:
            con.close()
        report["warehouse_readable"] = True
    except (ScrobbleInsightsError, duckdb.Error) as exc:
        report["warehouse_error"] = first_line(exc)
        names = sorted({name for r in runs for name in (r.get("users") or [])})
        report["run_log_users"] = []
        for name in names:
            success, failure = _last_runs(runs, name)
            report["run_log_users"].append({"user": name, "last_success": success, "last_failure": failure})
    return report


def _modelled(con: Reader) -> dict[str, tuple[int, float | None]]:
    """Per user: rows in the fact, and the share of them whose artist has a genre (None: no rows)."""
    if "fact_scrobbles" not in tables(con, "marts"):
        return {}
    rows = con.execute("""
        SELECT f.user_name, count(*), sum(CASE WHEN a.has_genre THEN 1 ELSE 0 END)
        FROM marts.fact_scrobbles f JOIN marts.dim_artist a ON a.artist_key = f.artist_key
        GROUP BY f.user_name""").fetchall()
    return {user: (int(n), (int(covered) / n if n else None)) for user, n, covered in rows}


def _enriched(con: Reader, user: str) -> tuple[float | None, int]:
    """The user's MusicBrainz coverage (share of plays whose artist key is matched; None: no plays) and
    the artist keys never asked, by the enrichment's own keys (load/warehouse.py mb_state_sql)."""
    if "mb_artists" not in tables(con, "raw"):         # a warehouse from before enrichment: nothing asked
        return 0.0, con.execute("SELECT count(DISTINCT artist_name) FROM raw.scrobbles WHERE user_name = ?",
                                [user]).fetchone()[0]
    matched = ", ".join(f"'{kind}'" for kind in MATCHED)
    plays, covered, unasked = con.execute(f"""
        SELECT sum(plays), sum(CASE WHEN match IN ({matched}) THEN plays ELSE 0 END),
               count(*) FILTER (WHERE fetched_at IS NULL)
        FROM ({mb_state_sql("raw.scrobbles", "raw.mb_artists", "WHERE user_name = ?")})""", [user]).fetchone()
    return (int(covered) / int(plays) if plays else None), int(unasked or 0)


def _users(con: Reader, runs: list[dict], now: datetime) -> list[dict]:
    found = []
    modelled = _modelled(con)
    users = [r[0] for r in con.execute("SELECT DISTINCT user_name FROM raw.extracted_days ORDER BY 1").fetchall()]
    for user in users:
        scrobbles, last_uts = con.execute(
            "SELECT count(*), max(played_at_uts) FROM raw.scrobbles WHERE user_name = ?", [user]).fetchone()
        days = [r[0] for r in con.execute(
            "SELECT day FROM raw.extracted_days WHERE user_name = ? ORDER BY day", [user]).fetchall()]
        covered = set(days)
        missing = [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)
                   if days[0] + timedelta(days=i) not in covered]
        untagged = con.execute("""
            SELECT count(DISTINCT s.artist_name) FROM raw.scrobbles s
            LEFT JOIN raw.artist_tag_fetches f USING (artist_name)
            WHERE s.user_name = ? AND f.artist_name IS NULL""", [user]).fetchone()[0]
        playcount = con.execute("SELECT playcount FROM raw.user_infos WHERE user_name = ?", [user]).fetchone()
        last_success, last_failure = _last_runs(runs, user)
        mb_coverage, unenriched = _enriched(con, user)
        last_day = days[-1]
        found.append({
            "user": user,
            "scrobbles": scrobbles,
            "lastfm_playcount": playcount[0] if playcount else None,
            "first_day": str(days[0]), "last_day": str(last_day), "days_extracted": len(days),
            "gaps": len(missing), "gap_ranges": _ranges(missing)[:20],
            "last_scrobble_at": (datetime.fromtimestamp(last_uts, timezone.utc).isoformat()
                                 if last_uts is not None else None),
            "freshness_days": (now.date() - last_day).days,
            "artists_untagged": untagged,
            "mb_coverage": mb_coverage,
            "artists_unenriched": unenriched,
            "scrobbles_modelled": modelled.get(user, (0, None))[0],
            "genre_coverage": modelled.get(user, (0, None))[1],
            "last_success": last_success,
            "last_failure": last_failure,
        })
    return found
