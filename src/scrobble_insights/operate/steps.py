"""The jobs the CLI and the orchestrator run: extract -> land -> load -> tag, composed.

HTTP and storage never meet here in one function: the extractors write bronze, the loader reads it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from scrobble_insights.bronze.files import utc_now, write_user_info
from scrobble_insights.bronze.store import open_bronze
from scrobble_insights.config import Settings
from scrobble_insights.errors import (
    ConfigError,
    JobFailures,
    LastfmError,
    ScrobbleInsightsError,
    first_line,
)
from scrobble_insights.extract.artist_tags import extract_artist_tags
from scrobble_insights.extract.scrobbles import ExtractStats, Reporter, extract_scrobbles
from scrobble_insights.lastfm.client import ClientOptions, LastfmClient
from scrobble_insights.load.loader import LoadStats, load_scrobbles, load_tags, load_user_infos
from scrobble_insights.load.warehouse import open_warehouse

log = logging.getLogger(__name__)
USER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{1,14}$")


@dataclass
class JobSummary:
    first_day: date
    last_day: date
    extracted: list[ExtractStats] = field(default_factory=list)
    loaded: LoadStats = field(default_factory=LoadStats)
    tags_loaded: LoadStats = field(default_factory=LoadStats)
    artists_tagged: int = 0
    client: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    extract_seconds: float = 0.0
    warehouse_rows: dict[str, int] = field(default_factory=dict)
    failures: dict[str, Exception] = field(default_factory=dict)   # user, or "artist tags" -> what failed


# last.fm errors that no other user can escape (the key, the endpoint): stop at once.
GLOBAL_CODES = {2, 3, 4, 9, 10, 13, 26}


def check_users(users: list[str]) -> list[str]:
    """Validated, lower-cased user names (last.fm names are case-insensitive)."""
    if not users:
        raise ConfigError("no last.fm user given: pass --user NAME (or set users in scrobble-insights.toml)")
    for user in users:
        if not USER_NAME.match(user):
            raise ConfigError(f"{user!r} is not a valid last.fm user name (2-15 letters, digits, '_' or '-', "
                              "starting with a letter)")
    return list(dict.fromkeys(u.lower() for u in users))


def build_client(settings: Settings) -> LastfmClient:
    return LastfmClient(settings.api_key(), settings.lastfm_api_url, ClientOptions(
        rate_limit=settings.rate_limit, max_concurrency=settings.max_concurrency,
        timeout_s=settings.request_timeout_s, max_attempts=settings.max_attempts,
        backoff_s=settings.retry_backoff_s, backoff_max_s=settings.retry_backoff_max_s))


def extract(settings: Settings, users: list[str], first_day: date, last_day: date, *,
            reporter: Reporter | None = None,
            failures: dict[str, Exception] | None = None) -> tuple[list[ExtractStats], Counter]:
    """Land every scrobble of the users on first_day..last_day (UTC, inclusive) in bronze.

    With `failures`, each user is extracted on its own: a user that fails (renamed, private, a window
    that will not settle) is put there and the others go on; only errors no user can escape (the
    key, the endpoint) stop everything. Without it, the first failure raises.
    """
    if first_day > last_day:
        raise ConfigError(f"--since {first_day} is after --until {last_day}: swap them")
    users = check_users(users)
    settings.api_key()   # fail before any work when it is missing
    client = build_client(settings)
    bronze = open_bronze(settings)
    extracted: list[ExtractStats] = []

    async def extract_all() -> None:
        async with client:
            for user in users:
                try:
                    # The profile first: it fails fast on an unknown user and gives last.fm's own total.
                    _, body = await client.fetch_user_info(user)
                    await asyncio.to_thread(write_user_info, bronze, user, body, utc_now())
                    extracted.append(await extract_scrobbles(
                        client, user, first_day, last_day, bronze=bronze,
                        state_dir=settings.state_dir, limit=settings.page_limit,
                        target_pages=settings.window_target_pages, workers=max(1, settings.max_concurrency // 2),
                        reporter=reporter))
                except ScrobbleInsightsError as exc:
                    if failures is None or isinstance(exc, ConfigError) or \
                            (isinstance(exc, LastfmError) and exc.code in GLOBAL_CODES):
                        raise
                    failures[user] = exc
                    log.info("user %s failed, going on with the others: %s", user, exc)

    asyncio.run(extract_all())
    return extracted, client.stats


def load(settings: Settings, users: list[str] | None = None) -> tuple[LoadStats, LoadStats]:
    """Load the bronze days (and tag batches) that changed since the last load; no API."""
    bronze = open_bronze(settings)
    warehouse = open_warehouse(settings)
    try:
        scrobbles = load_scrobbles(warehouse, bronze, users)
        load_user_infos(warehouse, bronze)
        return scrobbles, load_tags(warehouse, bronze)   # includes batches left by a crash
    finally:
        warehouse.close()


def tag(settings: Settings, users: list[str] | None, now: datetime | None = None, *,
        on_artist=lambda artist: None) -> tuple[int, LoadStats, Counter]:
    """artist.getTopTags for the users' untagged or stale artists, landed then loaded.

    Returns (artists tagged, tag load stats, client stats).
    """
    now = now or datetime.now(timezone.utc)
    warehouse = open_warehouse(settings)
    try:
        artists = warehouse.artists_to_tag(now - timedelta(days=settings.tags_max_age_days), users)
    finally:
        warehouse.close()
    if not artists:
        return 0, LoadStats(), Counter()
    client = build_client(settings)
    bronze = open_bronze(settings)

    async def tag_all() -> None:
        async with client:
            await extract_artist_tags(client, artists, bronze, on_artist=on_artist)

    asyncio.run(tag_all())
    warehouse = open_warehouse(settings)
    try:
        return len(artists), load_tags(warehouse, bronze), client.stats
    finally:
        warehouse.close()


def count_rows(settings: Settings, users: list[str]) -> dict[str, int]:
    warehouse = open_warehouse(settings)
    try:
        return {u: warehouse.count_scrobbles(u) for u in users}
    finally:
        warehouse.close()


def extract_and_load(settings: Settings, users: list[str], first_day: date, last_day: date, *,
                     reporter: Reporter | None = None, tags: bool = True,
                     on_artist=lambda artist: None, now: datetime | None = None) -> JobSummary:
    """Land every scrobble of the users on first_day..last_day (UTC, inclusive), load, then tag.

    Users are isolated: what failed is in `summary.failures` (the caller models what loaded, then
    fails naming them); when every user failed, the first failure is raised. A tag fetch that fails
    after its retries is recorded there too, so the scrobbles that loaded are still modelled.
    """
    started = time.monotonic()
    summary = JobSummary(first_day, last_day)
    users = check_users(users)
    summary.extracted, summary.client = extract(settings, users, first_day, last_day, reporter=reporter,
                                                failures=summary.failures)
    if len(summary.failures) == len(users):
        raise next(iter(summary.failures.values()))
    summary.extract_seconds = time.monotonic() - started
    summary.loaded, summary.tags_loaded = load(settings, users)
    if tags:
        try:
            summary.artists_tagged, tags_loaded, tag_client = tag(settings, users, now, on_artist=on_artist)
        except ScrobbleInsightsError as exc:
            summary.failures["artist tags"] = exc
            log.info("artist tags failed, the scrobbles are loaded: %s", exc)
        else:
            summary.tags_loaded.tag_files += tags_loaded.tag_files
            summary.tags_loaded.artists += tags_loaded.artists
            summary.client.update(tag_client)
    summary.warehouse_rows = count_rows(settings, users)
    summary.seconds = time.monotonic() - started
    return summary


def failures_error(failures: dict[str, Exception]) -> JobFailures:
    """One line naming what failed, once the rest has been loaded and modelled."""
    parts = [f"{what}: {first_line(exc)}" for what, exc in failures.items()]
    users = [w for w in failures if w != "artist tags"]
    done = ("the other users' scrobbles were extracted and loaded" if users
            else "the scrobbles were loaded; run again to fetch the remaining tags")
    head = f"{len(users)} user(s) failed" if users else "artist tags failed"
    return JobFailures(f"{head} — {'; '.join(parts)}; {done}")


def rebuild_from_bronze(settings: Settings) -> tuple[LoadStats, LoadStats]:
    """Rebuild every raw table from the bronze files alone (no API).

    DuckDB: into a fresh file, swapped in only once it is complete; the old one (even a damaged one)
    is kept as warehouse.previous.duckdb. The fact's build state goes with it: the next transform
    rebuilds fully.
    """
    bronze = open_bronze(settings)

    def fill(warehouse) -> tuple[LoadStats, LoadStats]:
        scrobbles = load_scrobbles(warehouse, bronze, rebuild=True)
        load_user_infos(warehouse, bronze)
        return scrobbles, load_tags(warehouse, bronze, rebuild=True)

    if settings.warehouse == "duckdb":
        from scrobble_insights.load.duckdb_warehouse import rebuild

        return rebuild(settings.warehouse_path, fill)[0]
    warehouse = open_warehouse(settings)
    try:
        return fill(warehouse)
    finally:
        warehouse.close()


def publish_for_readers(settings: Settings) -> None:
    """After a job, while it still holds the data directory: publish the warehouse for readers
    (dashboard, report, export, status, verify). A failure is logged, never raised: readers keep the
    previous snapshot and the job's own outcome stands."""
    from scrobble_insights.load.snapshot import publish_snapshot

    try:
        publish_snapshot(settings)
    except Exception as exc:  # noqa: BLE001 - e.g. a damaged warehouse: the job's own error says more
        log.warning("could not publish the warehouse for readers: %s", first_line(exc))


def summary_dict(summary: JobSummary) -> dict:
    """The summary as plain JSON-able data (for --summary-json and the orchestrator)."""
    return {
        "first_day": summary.first_day.isoformat(), "last_day": summary.last_day.isoformat(),
        "users": [vars(s) for s in summary.extracted],
        "loaded_days": summary.loaded.days, "loaded_scrobbles": summary.loaded.scrobbles,
        "artists_tagged": summary.artists_tagged, "warehouse_rows": summary.warehouse_rows,
        "client": dict(summary.client), "seconds": round(summary.seconds, 3),
        "extract_seconds": round(summary.extract_seconds, 3),
    }
