"""What the dashboard reads, cached: each answer is a DataFrame from `queries`, computed on a
short-lived read-only connection and cached by (warehouse, its modification time, question, filters).

The dashboard reads the read-only snapshot (load.snapshot), never the live warehouse, so jobs write
while it is open; a newly published snapshot changes the modification time and with it every cache key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from scrobble_insights.errors import ScrobbleInsightsError, WarehouseError
from scrobble_insights.serve import queries as q
from scrobble_insights.serve import streaks
from scrobble_insights.serve.dashboard import WAREHOUSE_ENV
from scrobble_insights.serve.queries import Filters

CACHE_TTL_S = 600
ALL_TIME = "All time"
ALL_GENRES = "All genres"


def warehouse_path() -> Path:
    """SCROBBLE_INSIGHTS_WAREHOUSE_PATH (the CLI sets it to the snapshot), else the configured data
    directory's snapshot (load.snapshot.reader_path)."""
    if os.environ.get(WAREHOUSE_ENV):
        return Path(os.environ[WAREHOUSE_ENV])
    from scrobble_insights.config import build_settings
    from scrobble_insights.load.snapshot import reader_path

    try:
        settings = build_settings()
    except ScrobbleInsightsError as exc:
        raise WarehouseError(f"cannot find the warehouse: {exc}") from None
    return reader_path(settings)


def stamp(path: Path) -> tuple:
    """Changes whenever the warehouse is replaced (a published snapshot) or rewritten (file or log)."""
    return tuple((s.st_ino, s.st_mtime_ns, s.st_size) for p in (path, path.with_name(path.name + ".wal"))
                 if p.exists() for s in [p.stat()])


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def ask(path: str, version: tuple, question: str, *args):
    """queries.<question> (or streaks.<question>)(con, *args) on a fresh read-only connection (closed
    before returning)."""
    con = q.connect(Path(path))
    try:
        return getattr(q if hasattr(q, question) else streaks, question)(con, *args)
    finally:
        con.close()


class Warehouse:
    """The warehouse as the app sees it: every call is a cached `ask`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = stamp(path)

    def __call__(self, question: str, *args):
        return ask(str(self.path), self.version, question, *args)

    def check(self) -> None:
        """WarehouseError (one line, with the fix) when there is nothing to show yet."""
        q.connect(self.path).close()


@dataclass(frozen=True)
class Scope:
    """What the filters select: a user, a period and its label, the period before, a genre."""

    filters: Filters
    label: str                      # "2025", "all time", "1 Mar 2025 – 31 May 2025"
    year: int | None
    previous: Filters | None
    previous_label: str

    @property
    def everything(self) -> Filters:
        """The whole history (same user and genre): for charts across years."""
        return Filters(self.filters.user, genre=self.filters.genre)


def default_year(years: list[int], first: date | None, last: date | None) -> int | None:
    """The latest calendar year fully covered by the history, else the latest year with data."""
    if not years:
        return None
    full = [y for y in years if first and last and first <= date(y, 1, 1) and last >= date(y, 12, 31)]
    return max(full) if full else max(years)


def build_scope(user: str, year: int | None, dates: tuple[date, date] | None, genre: str | None) -> Scope:
    """The filters for a year (None: all time), optionally narrowed to `dates`, and a genre."""
    if dates:
        start, end = dates
        filters = Filters(user, start, end, genre)
        label = f"{_day(start)} – {_day(end)}" if start != end else _day(start)
    elif year:
        filters = Filters(user, genre=genre).for_year(year)
        label = str(year)
    else:
        filters, label = Filters(user, genre=genre), "all time"
    previous = q.previous_period(filters)
    if previous is None:
        previous_label = ""
    elif dates is None and year:
        previous_label = str(year - 1)
    else:
        previous_label = "the period before"
    return Scope(filters, label, year, previous, previous_label)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def parse_year(text: str | None) -> int | str | None:
    """A ?year= value: None (absent), ALL_TIME ("all"), an int, or the raw text when it is not a year."""
    if text is None or text == "":
        return None
    if text.strip().lower() in ("all", "all time", "all-time"):
        return ALL_TIME
    try:
        return int(text)
    except ValueError:
        return text
