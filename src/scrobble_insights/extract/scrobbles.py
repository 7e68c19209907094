"""Extract user.getRecentTracks into bronze, exactly once, as fast as the rate limit allows.

How it stays exact:
- A window is a run of whole UTC days [start, end); its `to` is fixed, so its pages do not drift
  while new scrobbles arrive (they land after `to`).
- Page 1 tells the window's total and page count; the other pages are then fetched concurrently.
- The now-playing item (first, without a date, not counted in `total`) is dropped.
- The rows of a window must number exactly its `total`, and every page must report the same
  `total`; a window that disagrees (a late scrobble or a deletion during the walk) is fetched again.
  last.fm documents neither bound as inclusive: should `to` be inclusive, a play at exactly `to`
  counts in the total but is left to the next window (whose `from` is that second).
- Only then are its days written, each replacing that day's bronze file, and the window is
  checkpointed. A resumed run re-reads a checkpointed day whose bronze file is missing.

How it stays fast: windows are sized from the observed scrobble density to about
`target_pages` full pages, so the partial last page of each window costs little. A window's page 1
must come back before its other pages can be asked for, so the next window is started (its page 1
sent) whenever the client's queue would run dry within a round trip (`LastfmClient.wait_for_room`),
while the current windows' pages are still in flight: the limiter never waits for a page 1. The
probe of the whole range (its expected count) travels with the first windows, which are sized by a
guess until its answer comes.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from scrobble_insights.bronze.files import iter_days, utc_now, write_day
from scrobble_insights.bronze.store import BronzeStore
from scrobble_insights.errors import ExtractError
from scrobble_insights.extract.checkpoint import Checkpoint
from scrobble_insights.lastfm.client import LastfmClient, count_retries
from scrobble_insights.lastfm.parse import RecentTracksPage, artist_name

log = logging.getLogger(__name__)
MAX_WINDOW_DAYS = 366
WINDOW_ATTEMPTS = 6
DAY_WRITERS = 8         # day files of a window written at once
GUESS_DAYS = 7          # the first windows' length, before the probe tells the density


def day_start_uts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def utc_day(uts: int) -> date:
    return datetime.fromtimestamp(uts, timezone.utc).date()


@dataclass(frozen=True)
class Window:
    """Whole UTC days [start, end)."""

    start: date
    end: date

    @property
    def from_uts(self) -> int:
        return day_start_uts(self.start)

    @property
    def to_uts(self) -> int:
        return day_start_uts(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def halves(self) -> tuple[Window, Window]:
        middle = self.start + timedelta(days=self.days // 2)
        return Window(middle, self.end), Window(self.start, middle)

    def __str__(self) -> str:
        return f"{self.start}..{self.end - timedelta(days=1)}"


@dataclass
class WindowResult:
    window: Window
    total: int
    pages: int
    rows: list[tuple[int, dict]]        # (page number, raw track)
    fetched_at: datetime


@dataclass
class ExtractStats:
    user: str
    days: int = 0
    days_skipped: int = 0
    windows: int = 0
    windows_refetched: int = 0
    windows_split: int = 0
    pages: int = 0
    scrobbles: int = 0
    expected: int = 0
    artist_plays: Counter = field(default_factory=Counter)    # plays per artist name in what was extracted


class WindowTooLarge(Exception):
    """A window holds far more pages than planned; split it rather than walk it."""

    def __init__(self, total: int) -> None:
        super().__init__(total)
        self.total = total


class WindowPlanner:
    """Hands out windows over the days still to do, newest first, sized by scrobble density."""

    def __init__(self, days: Iterable[date], density: float, target_rows: int) -> None:
        self._days = sorted(set(days), reverse=True)
        self._next = 0
        self.density = density          # scrobbles per day, updated as windows come back
        self.measured = False           # is the density measured yet (or still the caller's guess)?
        self.target_rows = target_rows

    def next(self) -> Window | None:
        if self._next >= len(self._days):
            return None
        want = MAX_WINDOW_DAYS if self.density <= 0 else max(1, int(self.target_rows / self.density))
        want = min(want, MAX_WINDOW_DAYS)
        end_day = self._days[self._next]
        start_day = end_day
        taken = 1
        while taken < want and self._next + taken < len(self._days):
            candidate = self._days[self._next + taken]
            if candidate != start_day - timedelta(days=1):
                break                    # windows only span contiguous days
            start_day = candidate
            taken += 1
        self._next += taken
        return Window(start_day, end_day + timedelta(days=1))

    def observe(self, window: Window, total: int) -> None:
        seen = total / window.days
        self.density = seen if self.density <= 0 or not self.measured else 0.5 * self.density + 0.5 * seen
        self.measured = True

    def measure(self, density: float) -> None:
        """The density over the whole range (the probe's): it replaces the guess and what was seen."""
        self.density, self.measured = density, True


@asynccontextmanager
async def task_group() -> AsyncIterator[asyncio.TaskGroup]:
    """A TaskGroup that, on the first failure, cancels the rest and raises that failure alone."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as grouped:
        first = grouped.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None


async def gather_all(coros: Iterable[Awaitable]) -> list:
    """Run awaitables concurrently; on the first failure cancel the rest and raise that failure."""
    async with task_group() as group:
        tasks = [group.create_task(c) for c in coros]
    return [t.result() for t in tasks]


async def fetch_window(client: LastfmClient, user: str, window: Window, *, limit: int,
                       split_above_pages: int | None = None,
                       on_page: Callable[[int], None] = lambda n: None,
                       on_refetch: Callable[[], None] = lambda: None,
                       on_first: Callable[[RecentTracksPage], None] = lambda page: None) -> WindowResult:
    """Fetch every scrobble of a window, checked against last.fm's total.

    `on_first` is told each page 1 (before the other pages are asked for).

    Raises WindowTooLarge when the window holds more than `split_above_pages` pages and can be split.
    """
    last_problem = ""
    for _attempt in range(WINDOW_ATTEMPTS):
        first, _ = await client.fetch_recent_tracks_page(user, window.from_uts, window.to_uts, 1, limit, urgent=True)
        on_first(first)
        on_page(len(first.tracks))
        if split_above_pages and first.total_pages > split_above_pages and window.days > 1:
            raise WindowTooLarge(first.total)

        async def page(number: int) -> RecentTracksPage:
            parsed, _ = await client.fetch_recent_tracks_page(user, window.from_uts, window.to_uts, number, limit)
            on_page(len(parsed.tracks))
            return parsed

        page_count = max(first.total_pages, -(-first.total // limit))   # trust neither field alone
        pages = [first, *await gather_all(page(n) for n in range(2, page_count + 1))]
        rows = [(p.page, track) for p in pages for track in p.tracks]
        totals = {p.total for p in pages}
        # A play at exactly `to` counts (an API with an inclusive `to`) but belongs to the next window.
        outside = sum(1 for _, t in rows if not window.from_uts <= _uts(t) <= window.to_uts)
        if len(totals) == 1 and len(rows) == first.total and outside == 0:
            mine = [(n, t) for n, t in rows if _uts(t) < window.to_uts]
            return WindowResult(window, first.total, len(pages), mine, utc_now())
        last_problem = (f"got {len(rows)} scrobbles for a total of {first.total} "
                        f"(totals seen: {sorted(totals)}, {outside} outside the window)")
        log.warning("user %s, window %s changed while it was read (%s); fetching it again",
                    user, window, last_problem)
        on_refetch()
    raise ExtractError(f"user {user}: window {window} kept changing while it was read ({last_problem}) "
                       f"in {WINDOW_ATTEMPTS} attempts: scrobbles were added to or deleted from that period "
                       "while it was read, or last.fm answered inconsistently; run the command again, and "
                       "if it fails the same way, report it with the log")


def _uts(track: dict) -> int:
    try:
        return int(track["date"]["uts"])
    except (KeyError, TypeError, ValueError):
        return -1


def write_window(bronze: BronzeStore, user: str, result: WindowResult) -> None:
    """Replace the bronze file of every day of the window (empty days included)."""
    window = result.window
    meta = {"from": window.from_uts, "to": window.to_uts, "total": result.total}
    fetched_at = result.fetched_at.isoformat()
    by_day: dict[date, list[dict]] = defaultdict(list)
    for page, track in result.rows:
        by_day[utc_day(_uts(track))].append(
            {"fetched_at": fetched_at, "window": meta, "page": page, "track": track})
    days = [window.start + timedelta(days=n) for n in range(window.days)]
    # Each file is fsynced (or is a GCS upload): written a few at a time, the window's last write
    # does not hold up what follows it (the next phase of the job starts only after it).
    with ThreadPoolExecutor(max_workers=DAY_WRITERS, thread_name_prefix="bronze-day") as pool:
        for _ in pool.map(lambda day: write_day(bronze, user, day, by_day.get(day, [])), days):
            pass


@dataclass
class Reporter:
    """Callbacks for progress display; all optional."""

    on_start: Callable[[str, int, int], None] = lambda user, days, expected: None
    on_page: Callable[[str, int], None] = lambda user, scrobbles: None
    on_window: Callable[[str, Window, int], None] = lambda user, window, scrobbles: None


async def extract_scrobbles(client: LastfmClient, user: str, first_day: date, last_day: date, *,
                            bronze: BronzeStore, state_dir, limit: int = 200, target_pages: int = 20,
                            workers: int = 4, reporter: Reporter | None = None,
                            on_fetched: Callable[[ExtractStats], None] = lambda stats: None) -> ExtractStats:
    """Land every scrobble of `user` on the UTC days first_day..last_day (inclusive) in bronze.

    At most `workers` windows are in flight; a new one starts only when the client has room for more
    requests (see the module docstring), so `workers` is a bound on memory, not the pace.
    `on_fetched(stats)` is told once every page has been answered, while the last windows may still be
    being written: the API is free for the job's next requests (stats count every fetched scrobble).
    """
    reporter = reporter or Reporter()
    stats = ExtractStats(user=user)
    checkpoint = Checkpoint(state_dir, user, first_day, last_day)
    noted = checkpoint.done_days()
    landed = {day for _, day, _, _ in iter_days(bronze, [user])} if noted else set()
    done = noted & landed       # trust the data, not the note
    if len(done) < len(noted):
        log.warning("user %s: %d checkpointed days have no bronze file; extracting them again",
                    user, len(noted) - len(done))
    all_days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    todo = [d for d in all_days if d not in done]
    stats.days, stats.days_skipped = len(all_days), len(all_days) - len(todo)
    if not todo:
        checkpoint.remove()
        on_fetched(stats)
        _log_user(stats, first_day, last_day, client)
        return stats

    planner = WindowPlanner(todo, target_pages * limit / GUESS_DAYS, target_rows=target_pages * limit)
    # Progress reported before the probe's answer (which starts the display) waits for it.
    early: list[Callable[[], None]] | None = []

    def report(callback: Callable, *args) -> None:
        if early is None:
            callback(*args)
        else:
            early.append(lambda: callback(*args))

    async def probe() -> None:
        """One cheap request (limit=1) over the whole range: the expected count, for sizing and the ETA."""
        nonlocal early
        whole = Window(min(todo), max(todo) + timedelta(days=1))
        first, _ = await client.fetch_recent_tracks_page(user, whole.from_uts, whole.to_uts, 1, 1, urgent=True)
        stats.expected = first.total
        planner.measure(first.total / whole.days)
        reporter.on_start(user, len(todo), first.total)
        waiting, early = early or [], None
        for callback in waiting:
            callback()

    def on_page(scrobbles: int) -> None:
        stats.pages += 1
        report(reporter.on_page, user, scrobbles)

    promised = 0         # pages expected of the windows whose page 1 has not come back yet

    async def land(window: Window, fetched: Callable[[], None] = lambda: None) -> None:
        """Fetch a window (split when too large), then write it; `fetched` is told once it is in memory."""
        nonlocal promised
        refetched = 0
        # Pages expected beyond page 1, once the density is measured: until then, promise nothing,
        # so that several guessed windows go out with the probe.
        expected = max(0, math.ceil(planner.density * window.days / limit) - 1) if planner.measured else 0
        promised += expected

        def on_first(page: RecentTracksPage | None) -> None:
            nonlocal promised, expected
            promised -= expected
            expected = 0

        def on_refetch() -> None:
            nonlocal refetched
            refetched += 1
            stats.windows_refetched += 1

        try:
            with count_retries() as retries:
                try:
                    result = await fetch_window(client, user, window, limit=limit,
                                                split_above_pages=4 * target_pages, on_page=on_page,
                                                on_refetch=on_refetch, on_first=on_first)
                finally:
                    on_first(None)       # nothing more is promised, whatever happened
        except WindowTooLarge as too_large:      # far denser than planned: split, walk the halves
            stats.windows_split += 1
            planner.observe(window, too_large.total)
            await gather_all(land(half) for half in window.halves())
            return
        planner.observe(window, result.total)
        stats.scrobbles += len(result.rows)
        stats.artist_plays.update(artist_name(track) for _, track in result.rows)
        fetched()
        await asyncio.to_thread(write_window, bronze, user, result)
        checkpoint.mark_done(window.start, window.end)
        stats.windows += 1
        log.info("window landed", extra={"user": user, "window": str(window), "pages": result.pages,
                                         "scrobbles": len(result.rows), "refetched": refetched,
                                         "retries": retries["retries"]})
        report(reporter.on_window, user, window, len(result.rows))

    windows = asyncio.Semaphore(max(1, workers))     # windows being fetched (not those being written)

    async def land_one(window: Window) -> None:
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                windows.release()

        try:
            await land(window, release)
        finally:
            release()

    async with task_group() as group:
        group.create_task(probe())
        while True:
            await windows.acquire()
            await client.wait_for_room(lambda: promised)
            window = planner.next()          # sized by the latest density
            if window is None:
                windows.release()
                break
            group.create_task(land_one(window))
            await asyncio.sleep(0)           # let its page 1 reach the client before looking for room again
        for _ in range(max(1, workers)):     # a window holds its turn until fetched: all are fetched
            await windows.acquire()
        on_fetched(stats)
    checkpoint.remove()
    _log_user(stats, first_day, last_day, client)
    return stats


def _log_user(stats: ExtractStats, first_day: date, last_day: date, client: LastfmClient) -> None:
    """One structured record per user and range; `retries` is the client's total so far."""
    log.info("user extracted", extra={"user": stats.user, "window": f"{first_day}..{last_day}", "days": stats.days,
                                      "days_skipped": stats.days_skipped, "windows": stats.windows,
                                      "pages": stats.pages, "scrobbles": stats.scrobbles,
                                      "refetched": stats.windows_refetched, "retries": client.stats["retries"]})


def days_for_run(run_date: date, lookback_days: int) -> tuple[date, date]:
    """The days the daily job re-reads: run_date and the lookback before it (late/deleted scrobbles)."""
    return run_date - timedelta(days=lookback_days), run_date


def yesterday_utc(now: datetime | None = None) -> date:
    now = now or datetime.now(timezone.utc)
    return now.astimezone(timezone.utc).date() - timedelta(days=1)
