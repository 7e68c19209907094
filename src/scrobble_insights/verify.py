"""`scrobble-insights verify`: compare the warehouse with last.fm's own totals, month by month.

For each UTC month (cut to the extracted range) the `total` of user.getRecentTracks for that window
(one request with limit=1) is compared with the warehouse's rows; user.getInfo's playcount is shown
beside the warehouse total. `--repair` re-extracts the months that disagree.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from scrobble_insights.config import Settings
from scrobble_insights.errors import WarehouseError
from scrobble_insights.extract.scrobbles import Window
from scrobble_insights.jobs import build_client, check_users


@dataclass
class MonthCheck:
    first_day: date
    last_day: date
    lastfm: int
    warehouse: int

    @property
    def agrees(self) -> bool:
        return self.lastfm == self.warehouse


def month_windows(first: date, last: date) -> list[tuple[date, date]]:
    """[first, last] cut into calendar months (inclusive bounds)."""
    windows, start = [], first
    while start <= last:
        next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(next_month - timedelta(days=1), last)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def verify_user(settings: Settings, user: str, since: date | None = None) -> tuple[list[MonthCheck], int, int]:
    """Month checks over the extracted range, last.fm's playcount and the warehouse's total."""
    [user] = check_users([user])
    if not settings.warehouse_path.exists():
        raise WarehouseError(f"no warehouse at {settings.warehouse_path}: run `scrobble-insights backfill` first")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        first, last = con.execute("SELECT min(day), max(day) FROM raw.extracted_days WHERE user_name = ?",
                                  [user]).fetchone()
        if first is None:
            raise WarehouseError(f"nothing extracted for {user} yet: run `scrobble-insights backfill --user {user}`")
        first = max(first, since) if since else first
        windows = month_windows(first, last)
        # One pass over the user's rows: scrobbles per UTC month of the checked range.
        per_month = dict(con.execute(
            "SELECT strftime(played_date, '%Y-%m'), count(*) FROM raw.scrobbles "
            "WHERE user_name = ? AND played_date BETWEEN ? AND ? GROUP BY 1", [user, first, last]).fetchall())
        counts = [per_month.get(a.strftime("%Y-%m"), 0) for a, _ in windows]
        stored = con.execute("SELECT count(*) FROM raw.scrobbles WHERE user_name = ?", [user]).fetchone()[0]
    finally:
        con.close()

    async def ask() -> tuple[list[int], int]:
        async with build_client(settings) as client:
            info, _ = await client.fetch_user_info(user)
            totals = []
            for a, b in windows:
                window = Window(a, b + timedelta(days=1))
                page, _ = await client.fetch_recent_tracks_page(user, window.from_uts, window.to_uts, 1, 1)
                totals.append(page.total)
            return totals, info.playcount

    totals, playcount = asyncio.run(ask())
    checks = [MonthCheck(a, b, t, c) for (a, b), t, c in zip(windows, totals, counts, strict=True)]
    return checks, playcount, stored
