"""What the dashboard reads, cached: each answer is a DataFrame from `queries`, computed on a
short-lived read-only connection and cached by (warehouse, its version, question, filters).

On DuckDB the dashboard reads the read-only snapshot (load.snapshot), never the live warehouse, so jobs
write while it is open; a newly published snapshot changes the file's stamp and with it every cache
key. On BigQuery the version is the current BIGQUERY_CACHE_S window: an answer is reused for at most
that long, so a page view after the first costs no query (every query costs bytes scanned).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from scrobble_insights.errors import ScrobbleInsightsError, WarehouseError
from scrobble_insights.load.warehouse import is_bigquery
from scrobble_insights.serve import comparison, origins, streaks
from scrobble_insights.serve import queries as q
from scrobble_insights.serve.dashboard import WAREHOUSE_ENV
from scrobble_insights.serve.queries import Filters

CACHE_TTL_S = 600
BIGQUERY_CACHE_S = 300
ALL_TIME = "All time"
ALL_GENRES = "All genres"


def warehouse_source() -> str:
    """SCROBBLE_INSIGHTS_WAREHOUSE_PATH (the CLI sets it: the snapshot's path, or the BigQuery
    datasets), else the configured warehouse (load.warehouse.reader_source)."""
    if os.environ.get(WAREHOUSE_ENV):
        return os.environ[WAREHOUSE_ENV]
    from scrobble_insights.config import build_settings
    from scrobble_insights.load.warehouse import reader_source

    try:
        settings = build_settings()
    except ScrobbleInsightsError as exc:
        raise WarehouseError(f"cannot find the warehouse: {exc}") from None
    return reader_source(settings)


def stamp(source: str, now: float | None = None) -> tuple:
    """Changes whenever the warehouse is replaced (a published snapshot) or rewritten (file or log); on
    BigQuery, every BIGQUERY_CACHE_S seconds."""
    if is_bigquery(source):
        return (int((time.time() if now is None else now) // BIGQUERY_CACHE_S),)
    path = Path(source)
    return tuple((s.st_ino, s.st_mtime_ns, s.st_size) for p in (path, path.with_name(path.name + ".wal"))
                 if p.exists() for s in [p.stat()])


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=1000)
def ask(source: str, version: tuple, question: str, *args):
    """queries.<question> (or streaks.<question>, origins.<question>, or comparison.<question>)(con, *args)
    on a fresh read-only connection (closed before returning)."""
    module = next((m for m in (q, streaks, origins) if hasattr(m, question)), comparison)
    con = q.connect(source)
    try:
        return getattr(module, question)(con, *args)
    finally:
        con.close()


class Warehouse:
    """The warehouse as the app sees it: every call is a cached `ask`."""

    def __init__(self, source: str) -> None:
        self.path = source
        self.version = stamp(source)

    def __call__(self, question: str, *args):
        return ask(self.path, self.version, question, *args)

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
