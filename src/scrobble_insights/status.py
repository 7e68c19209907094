"""`scrobble-insights status`: what the data directory holds and how fresh it is, per user."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from scrobble_insights.config import Settings
from scrobble_insights.runlog import read_runs


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


def status_report(settings: Settings, now: datetime | None = None) -> dict:
    """Per user: last successful and failed runs, freshness, scrobbles, days covered, gaps (days never
    extracted between the first and last extracted day), untagged artists; and the sizes on disk."""
    now = now or datetime.now(timezone.utc)
    runs = read_runs(settings.data_dir)
    report = {"data_dir": str(settings.data_dir), "warehouse": str(settings.warehouse_path),
              "warehouse_exists": settings.warehouse_path.exists(),
              "warehouse_bytes": _size(settings.warehouse_path), "bronze_bytes": _size(settings.bronze_dir),
              "last_run": runs[-1] if runs else None, "users": []}
    if not settings.warehouse_path.exists():
        return report
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
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
            mine = [r for r in runs if user in (r.get("users") or [])]      # oldest first
            ok = [r for r in mine if r.get("status") == "ok"]
            failed = [r for r in mine if r.get("status") == "failed"]
            failed_since_ok = bool(failed) and (not ok or mine.index(failed[-1]) > mine.index(ok[-1]))
            last_day = days[-1]
            report["users"].append({
                "user": user,
                "scrobbles": scrobbles,
                "lastfm_playcount": playcount[0] if playcount else None,
                "first_day": str(days[0]), "last_day": str(last_day), "days_extracted": len(days),
                "gaps": len(missing), "gap_ranges": _ranges(missing)[:20],
                "last_scrobble_at": (datetime.fromtimestamp(last_uts, timezone.utc).isoformat()
                                     if last_uts is not None else None),
                "freshness_days": (now.date() - last_day).days,
                "untagged_artists": untagged,
                "last_success": ok[-1] if ok else None,
                "last_failure": failed[-1] if failed_since_ok else None,
            })
    finally:
        con.close()
    return report
