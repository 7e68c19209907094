"""`scrobble-insights verify`: compare the warehouse with last.fm's own totals, month by month.

For each UTC month from the user's registration (or `--since`) to the last extracted day, the `total`
of user.getRecentTracks for that window (one request with limit=1) is compared with the warehouse's
rows, so months never extracted count too. The warehouse's total must also equal user.getInfo's
playcount less what was scrobbled after the last extracted day. `--repair` re-extracts the months
that disagree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from scrobble_insights.config import Settings
from scrobble_insights.errors import WarehouseError
from scrobble_insights.extract.scrobbles import Window
from scrobble_insights.operate.job import run_async
from scrobble_insights.operate.steps import build_client, check_users


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


@dataclass
class Verification:
    user: str
    months: list[MonthCheck]
    playcount: int                 # last.fm's profile playcount, now
    after_last_day: int            # of which scrobbled after the last extracted day
    stored: int                    # rows in the warehouse
    whole_history: bool            # checked from the registration (no --since)

    @property
    def disagreeing(self) -> list[MonthCheck]:
        return [c for c in self.months if not c.agrees]

    @property
    def playcount_agrees(self) -> bool:
        return self.playcount - self.after_last_day == self.stored

    @property
    def agrees(self) -> bool:
        return not self.disagreeing and (self.playcount_agrees or not self.whole_history)


def _query(settings: Settings, sql: str, params: list) -> list[tuple]:
    """Rows from the warehouse as readers see it (on DuckDB, the snapshot published after each job)."""
    from scrobble_insights.load.warehouse import open_reader

    con = open_reader(settings)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def verify_user(settings: Settings, user: str, since: date | None = None) -> Verification:
    """Month checks from the user's registration (or `since`) to the last extracted day, and the
    warehouse's total against last.fm's playcount less what was scrobbled after that day."""
    [user] = check_users([user])
    [(first, last, stored)] = _query(settings, "SELECT min(day), max(day), (SELECT count(*) FROM raw.scrobbles "
                                     "WHERE user_name = ?) FROM raw.extracted_days WHERE user_name = ?", [user, user])
    if first is None:
        raise WarehouseError(f"nothing extracted for {user} yet: run `scrobble-insights backfill --user {user}`")

    async def ask() -> tuple[list[tuple[date, date]], list[int], int, int]:
        async with build_client(settings) as client:
            info, _ = await client.fetch_user_info(user)
            registered = (datetime.fromtimestamp(info.registered_uts, timezone.utc).date()
                          if info.registered_uts > 0 else first)
            windows = month_windows(since or min(first, registered), last)
            totals = []
            for a, b in windows:
                window = Window(a, b + timedelta(days=1))
                page, _ = await client.fetch_recent_tracks_page(user, window.from_uts, window.to_uts, 1, 1)
                totals.append(page.total)
            # What last.fm counted after the last extracted day (up to a day from now: clocks differ).
            after = Window(last + timedelta(days=1), last + timedelta(days=2)).from_uts
            page, _ = await client.fetch_recent_tracks_page(user, after, int(time.time()) + 86400, 1, 1)
            return windows, totals, info.playcount, page.total

    windows, totals, playcount, after = run_async(ask())
    # One pass over the user's rows: scrobbles per UTC month of the checked range.
    per_month = {(int(y), int(m)): n for y, m, n in _query(
        settings, "SELECT extract(year FROM played_date), extract(month FROM played_date), count(*) "
        "FROM raw.scrobbles WHERE user_name = ? AND played_date BETWEEN ? AND ? GROUP BY 1, 2",
        [user, windows[0][0], last])}
    checks = [MonthCheck(a, b, t, per_month.get((a.year, a.month), 0))
              for (a, b), t in zip(windows, totals, strict=True)]
    return Verification(user, checks, playcount, after, stored, whole_history=since is None)
