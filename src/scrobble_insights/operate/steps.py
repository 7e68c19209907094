"""The jobs the CLI and the orchestrator run: extract -> land -> load -> tag, composed.

HTTP and storage never meet here in one function: the extractors write bronze, the loader reads it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
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
from scrobble_insights.extract.scrobbles import ExtractStats, Reporter, extract_scrobbles, gather_all, task_group
from scrobble_insights.lastfm.client import ClientOptions, LastfmClient
from scrobble_insights.load.loader import LoadStats, load_mb_artists, load_scrobbles, load_tags, load_user_infos
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.operate.job import run_async

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
    model_error: BaseException | None = None       # what `publish` (model, publish for readers) raised
    stages: list[str] = field(default_factory=list)     # what was published, in order ("scrobbles", "done")
    enrich_on: bool = False                         # MusicBrainz enrichment was a step of this job
    enriched: object = None                         # its EnrichSummary (None: skipped or failed)


MAX_USERS_AT_ONCE = 8          # users extracted concurrently on one client
TAG_MILESTONES = (0.5, 0.9, 0.99, 1.0)   # shares of the plays to tag at which the genre answers are republished

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


def check_job(settings: Settings, users: list[str], first_day: date, last_day: date) -> list[str]:
    """Before any work: the users (validated, lower-cased), the range, and the API key."""
    users = check_users(users)
    if first_day > last_day:
        raise ConfigError(f"--since {first_day} is after --until {last_day}: swap them")
    settings.api_key()
    return users


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
    users = check_job(settings, users, first_day, last_day)
    client = build_client(settings)

    async def extract_all() -> list[ExtractStats]:
        async with client:
            return await extract_users(settings, client, users, first_day, last_day, reporter=reporter,
                                       failures=failures)

    return run_async(extract_all()), client.stats


async def extract_users(settings: Settings, client: LastfmClient, users: list[str], first_day: date, last_day: date,
                        *, reporter: Reporter | None = None,
                        failures: dict[str, Exception] | None = None,
                        on_fetched: Callable[[str, ExtractStats | None], None] = lambda user, stats: None,
                        ) -> list[ExtractStats]:
    """Every user at once on one client, so they share its rate limit fairly: the client serves
    waiting requests first come, first served, and each user has the same number of windows in flight,
    so a long backfill of one user does not hold back the daily run of another. At most
    MAX_USERS_AT_ONCE users are in flight (the memory of their windows); the others queue.
    `on_fetched(user, stats)` is told once per user: when every page of it is answered (its last days
    may still be being written), or with None when it failed first."""
    bronze = open_bronze(settings)
    turns = asyncio.Semaphore(MAX_USERS_AT_ONCE)
    done: dict[str, ExtractStats] = {}

    async def profile(user: str) -> None:
        _, body = await client.fetch_user_info(user)
        await asyncio.to_thread(write_user_info, bronze, user, body, utc_now())

    async def one(user: str) -> None:
        told = False

        def fetched(stats: ExtractStats | None) -> None:
            nonlocal told
            if not told:
                told = True
                on_fetched(user, stats)

        async with turns:
            try:
                # The profile (last.fm's own total) goes out with the first pages, not a round trip
                # before them: for an unknown user they all fail alike, and the first failure stops the rest.
                async with task_group() as group:
                    group.create_task(profile(user))
                    extraction = group.create_task(extract_scrobbles(
                        client, user, first_day, last_day, bronze=bronze,
                        state_dir=settings.state_dir, limit=settings.page_limit,
                        target_pages=settings.window_target_pages, workers=max(1, settings.max_concurrency // 2),
                        reporter=reporter, on_fetched=fetched))
                done[user] = extraction.result()
            except ScrobbleInsightsError as exc:
                if failures is None or isinstance(exc, ConfigError) or \
                        (isinstance(exc, LastfmError) and exc.code in GLOBAL_CODES):
                    raise
                failures[user] = exc
                log.info("user %s failed, going on with the others: %s", user, exc)
            finally:
                fetched(None)

    await gather_all(one(user) for user in users)
    return [done[user] for user in users if user in done]


def load(settings: Settings, users: list[str] | None = None) -> tuple[LoadStats, LoadStats]:
    """Load the bronze days (and tag batches) that changed since the last load; no API."""
    bronze = open_bronze(settings)
    warehouse = open_warehouse(settings)
    try:
        scrobbles = load_scrobbles(warehouse, bronze, users)
        load_user_infos(warehouse, bronze)
        tags = load_tags(warehouse, bronze)   # includes batches left by a crash
        load_mb_artists(warehouse, bronze)
        return scrobbles, tags
    finally:
        warehouse.close()


def tag(settings: Settings, users: list[str], now: datetime | None = None, *,
        publish: Callable[[str], None] | None = None) -> tuple[int, LoadStats, Counter, list[str]]:
    """artist.getTopTags for the users' untagged or stale artists, most played first, landed then loaded
    (the orchestrator's tag step; the CLI's jobs tag in extract_and_load).

    With `publish` (model and publish for readers), when the tags would take longer than
    settings.early_answer_s: the scrobbles already loaded are published first ("scrobbles") and again at
    each TAG_MILESTONES share of the plays ("tags 50%"), in a thread while the tags are fetched. The
    complete build is the caller's next step. A tag fetch that fails after its retries raises, once
    what landed is loaded.

    Returns (artists tagged, tag load stats, client stats, stages published).
    """
    now = now or datetime.now(timezone.utc)
    warehouse = open_warehouse(settings)
    try:
        order = warehouse.artists_to_tag(now - timedelta(days=settings.tags_max_age_days), users)
    finally:
        warehouse.close()
    if not order:
        return 0, LoadStats(), Counter(), []
    client = build_client(settings)
    worker = ModelWorker(settings, users, publish) if publish is not None and tags_take_long(settings, order) else None
    failures: dict[str, Exception] = {}

    async def tag_all() -> int:
        async with client:
            if worker is not None:
                worker.submit("scrobbles")
            return await stream_tags(settings, client, order, worker, failures=failures)

    try:
        tagged = run_async(tag_all())
        if worker is not None:
            worker.close()
    except BaseException:
        if worker is not None:
            worker.abort()
        raise
    if worker is not None and worker.error is not None:
        raise worker.error
    warehouse = open_warehouse(settings)
    try:
        loaded = load_tags(warehouse, open_bronze(settings))
    finally:
        warehouse.close()
    if failures:
        raise failures["artist tags"]
    return tagged, loaded, client.stats, worker.stages if worker is not None else []


def count_rows(settings: Settings, users: list[str]) -> dict[str, int]:
    warehouse = open_warehouse(settings)
    try:
        return {u: warehouse.count_scrobbles(u) for u in users}
    finally:
        warehouse.close()


def tag_order(pending: list[tuple[str, int]], fresh: set[str], extracted: list[ExtractStats]) -> list[tuple[str, int]]:
    """The artists to tag, most played first: those the warehouse already knew untagged (or stale),
    and those of the scrobbles just extracted, less the ones tagged recently. (artist, plays)."""
    plays: Counter[str] = Counter(dict(pending))
    for stats in extracted:
        plays.update({artist: n for artist, n in stats.artist_plays.items() if artist not in fresh})
    return sorted(plays.items(), key=lambda item: (-item[1], item[0]))


def milestones_reached(covered: int, total: int, passed: set[float]) -> list[float]:
    """The TAG_MILESTONES (shares of plays) that `covered` of `total` plays reach and that were not
    reached before (they are added to `passed`)."""
    new = [m for m in TAG_MILESTONES if m not in passed and total and covered >= m * total]
    passed.update(new)
    return new


class ModelWorker:
    """The job's one warehouse writer, in a thread: loads what landed in bronze, then calls `publish`
    (model and publish for readers), one stage at a time, while the API work goes on in the job's
    event loop. A stage asked for while another runs waits; stages that queued up run as one (the
    latest), since each loads everything landed so far. Its first failure is kept in `error` and
    ends it; `close` waits for the stage in progress."""

    def __init__(self, settings: Settings, users: list[str], publish: Callable[[str], None] | None) -> None:
        self.settings, self.users, self.publish = settings, users, publish
        self.bronze = open_bronze(settings)
        self.loaded, self.tags_loaded = LoadStats(), LoadStats()
        self.rows: dict[str, int] = {}
        self.error: BaseException | None = None
        self.stages: list[str] = []           # stages done, in order
        self._pending: str | None = None
        self._closed = False
        self._wake = threading.Condition()
        # The job's log context (run id, command) goes with it.
        self._thread = threading.Thread(target=contextvars.copy_context().run, args=(self._run,),
                                        name="model-worker", daemon=True)
        self._thread.start()

    def submit(self, stage: str) -> None:
        with self._wake:
            self._pending = stage
            self._wake.notify()

    def close(self, stage: str | None = None) -> None:
        """Run `stage` last (after any queued), then stop the thread and wait for it."""
        with self._wake:
            if stage is not None:
                self._pending = stage
            self._closed = True
            self._wake.notify()
        self._thread.join()

    def finish(self, stage: str) -> None:
        """Once closed: run `stage` in the caller's thread (the job's last one), unless a stage failed."""
        if self.error is None:
            try:
                self._stage(stage)
            except Exception as exc:  # noqa: BLE001 - kept like the thread's, for the job to report
                self.error = exc

    def abort(self) -> None:
        """The job is unwinding: drop what is queued, stop the dbt build in progress, wait for the thread."""
        from scrobble_insights.transform.dbt import stop_children

        with self._wake:
            self._pending, self._closed = None, True
            self._wake.notify()
        stop_children()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                stage, self._pending = self._pending, None     # None: closed, nothing queued
            if stage is None:
                return
            if self.error is None:
                try:
                    self._stage(stage)
                except BaseException as exc:  # noqa: BLE001 - handed to the job's thread
                    self.error = exc

    def _stage(self, stage: str) -> None:
        started = time.monotonic()
        self.load_landed()
        if self.publish is not None:
            self.publish(stage)
        self.stages.append(stage)
        log.info("stage modelled", extra={"stage": stage, "seconds": round(time.monotonic() - started, 3)})

    def load_landed(self) -> None:
        """Load what landed in bronze (scrobbles, profiles, tags) and count it; in the worker's thread,
        or in the caller's once the worker is closed."""
        warehouse = open_warehouse(self.settings)
        try:
            loaded = load_scrobbles(warehouse, self.bronze, self.users)
            load_user_infos(warehouse, self.bronze)
            tags = load_tags(warehouse, self.bronze)
            self.rows = {u: warehouse.count_scrobbles(u) for u in self.users}
        finally:
            warehouse.close()
        self.loaded.days += loaded.days
        self.loaded.scrobbles += loaded.scrobbles
        self.tags_loaded.tag_files += tags.tag_files
        self.tags_loaded.artists += tags.artists


def extract_and_load(settings: Settings, users: list[str], first_day: date, last_day: date, *,
                     reporter: Reporter | None = None, tags: bool = True,
                     on_artist=lambda artist: None, now: datetime | None = None,
                     publish: Callable[[str], None] | None = None, enrich: bool = False) -> JobSummary:
    """Land every scrobble of the users on first_day..last_day (UTC, inclusive), load, tag, model.

    Scrobbles first: when the tags would take longer than settings.early_answer_s at the rate limit, the
    scrobbles are loaded and `publish("scrobbles")` (model, publish for readers) runs in a thread while
    the tags are fetched, most played artists first, on the same client (no pause between the phases);
    the genre answers are published again at each TAG_MILESTONES share of the plays to tag ("tags 50%"),
    and at the end ("done"). Otherwise one load and one `publish("done")` at the end.

    Users are isolated: what failed is in `summary.failures` (the caller models what loaded, then
    fails naming them); when every user failed, the first failure is raised. A tag fetch that fails
    after its retries is recorded there too, so the scrobbles that loaded are still modelled. A failure
    of `publish` is kept in `summary.model_error`; the tags stop at once.

    With `enrich`, MusicBrainz enrichment follows the tags (operate/enrichment.py): when it would take
    longer than settings.early_answer_s, the scrobbles and tags are published first ("before
    musicbrainz") and again after it ("done"); otherwise "done" follows it. Its failure goes to
    `summary.failures["musicbrainz"]`; the scrobbles are modelled all the same.
    """
    from scrobble_insights.operate import enrichment

    started = time.monotonic()
    summary = JobSummary(first_day, last_day)
    users = check_job(settings, users, first_day, last_day)
    now = now or datetime.now(timezone.utc)
    pending: list[tuple[str, int]] = []
    fresh: set[str] = set()
    if tags:        # what the warehouse knows already, read before its writer starts
        fresh_after = now - timedelta(days=settings.tags_max_age_days)
        warehouse = open_warehouse(settings)
        try:
            pending, fresh = warehouse.artists_to_tag(fresh_after, users), warehouse.artists_tagged_since(fresh_after)
        finally:
            warehouse.close()
    mb_pending = enrichment.pending(settings, users, now) if enrich else None
    summary.enrich_on = enrich
    client = build_client(settings)
    worker = ModelWorker(settings, users, publish)
    try:
        run_async(_extract_then_tag(settings, client, users, summary, worker, pending, fresh,
                                    reporter=reporter, tags=tags, on_artist=on_artist, started=started))
        if mb_pending is None:
            worker.close("done")
        else:
            new_names = (a for stats in summary.extracted for a in stats.artist_plays)
            slow = enrichment.takes_long(settings, mb_pending.requests(new_names, settings.mb_lookup_top))
            worker.close(enrichment.BEFORE if slow else None)     # the warehouse answers before MusicBrainz
            if worker.error is None:       # a broken model: the job fails on it, MusicBrainz can wait
                worker.load_landed()       # the artists to ask about are the warehouse's
                summary.enriched = enrichment.enrich_step(settings, users, summary.failures, now)
            worker.finish("done")
    except BaseException:          # an error, Ctrl-C or SIGTERM: no dbt goes on writing after the job
        worker.abort()
        raise
    if worker.error is not None and not isinstance(worker.error, Exception):
        raise worker.error        # KeyboardInterrupt, SystemExit in the worker
    summary.model_error = worker.error
    summary.client = client.stats
    summary.loaded, summary.tags_loaded, summary.warehouse_rows = worker.loaded, worker.tags_loaded, worker.rows
    summary.stages = worker.stages
    summary.seconds = time.monotonic() - started
    return summary


async def _extract_then_tag(settings: Settings, client: LastfmClient, users: list[str], summary: JobSummary,
                            worker: ModelWorker, pending: list[tuple[str, int]], fresh: set[str], *,
                            reporter, tags: bool, on_artist, started: float) -> None:
    fetched: dict[str, ExtractStats | None] = {}
    all_fetched = asyncio.Event()

    def on_fetched(user: str, stats: ExtractStats | None) -> None:
        fetched[user] = stats
        if len(fetched) == len(users):
            all_fetched.set()

    async with client, task_group() as group:
        extraction = group.create_task(extract_users(settings, client, users, summary.first_day, summary.last_day,
                                                     reporter=reporter, failures=summary.failures,
                                                     on_fetched=on_fetched))
        # The tags start once every page is answered, while the last windows are being written: the
        # limiter goes on without a pause. The scrobbles are published once they are all written.
        await all_fetched.wait()
        answered = [stats for stats in fetched.values() if stats is not None]     # users that did not fail first
        order = tag_order(pending, fresh, answered) if tags else []
        early = tags_take_long(settings, order)
        stages = HeldStages(worker if early else None)

        async def extracted() -> None:
            summary.extracted = await extraction
            if all(user in summary.failures for user in users):      # the tags may have failed already
                raise summary.failures[users[0]]
            summary.extract_seconds = time.monotonic() - started
            stages.release("scrobbles")

        group.create_task(extracted())
        if order and answered:
            summary.artists_tagged = await stream_tags(settings, client, order, stages,
                                                       failures=summary.failures, on_artist=on_artist)


class HeldStages:
    """The model worker as the tags see it while the last scrobbles are still being written: a stage
    asked for before `release` waits for it (each stage loads all that landed, so none may run on
    half-written scrobbles). With no worker, stages are dropped."""

    def __init__(self, worker: ModelWorker | None) -> None:
        self.worker = worker
        self.held: list[str] | None = []

    @property
    def error(self) -> BaseException | None:
        return self.worker.error if self.worker is not None else None

    def submit(self, stage: str) -> None:
        if self.worker is None:
            return
        if self.held is None:
            self.worker.submit(stage)
        else:
            self.held.append(stage)

    def release(self, first: str) -> None:
        """The scrobbles are written: `first`, then what was held (the worker runs the latest of a queue)."""
        held, self.held = self.held or [], None
        for stage in (first, *held):
            self.submit(stage)


def tags_take_long(settings: Settings, order: list[tuple[str, int]]) -> bool:
    """Whether fetching the tags of `order` would take longer than settings.early_answer_s at the rate
    limit: the scrobbles are then published before the tags (and again as the genres fill in)."""
    return len(order) / max(settings.rate_limit, 1e-9) > settings.early_answer_s


async def stream_tags(settings: Settings, client: LastfmClient, order: list[tuple[str, int]],
                      worker: ModelWorker | HeldStages | None, *, failures: dict[str, Exception],
                      on_artist=lambda artist: None) -> int:
    """artist.getTopTags for `order` ((artist, plays), most played first), landed in bronze; returns how
    many artists were answered. With a `worker`, the genre answers are republished (a worker stage) at
    each TAG_MILESTONES share of the plays below 1, and a failed worker stops the fetch. A fetch that
    fails after its retries goes to failures["artist tags"]; errors no retry escapes (the key) raise."""
    total = sum(plays for _, plays in order)
    plays = dict(order)
    covered, tagged, passed = 0, 0, set()

    def answered(artist: str) -> None:
        nonlocal covered, tagged
        if worker is not None and worker.error is not None:
            raise ModelFailed()        # no point fetching more: the job fails on the model's error
        on_artist(artist)
        tagged += 1
        covered += plays[artist]
        for milestone in milestones_reached(covered, total, passed):
            if worker is not None and milestone < 1:
                worker.submit(f"tags {milestone:.0%}")

    try:
        await extract_artist_tags(client, [artist for artist, _ in order], open_bronze(settings), on_artist=answered)
    except ModelFailed:
        pass
    except ScrobbleInsightsError as exc:
        if isinstance(exc, LastfmError) and exc.code in GLOBAL_CODES:
            raise
        failures["artist tags"] = exc
        log.info("artist tags failed, the scrobbles are loaded: %s", exc)
    return tagged


class ModelFailed(Exception):
    """The model worker failed: stop fetching tags."""


def failures_error(failures: dict[str, Exception]) -> JobFailures:
    """One line naming what failed, once the rest has been loaded and modelled."""
    parts = [f"{what}: {first_line(exc)}" for what, exc in failures.items()]
    users = [w for w in failures if w not in ("artist tags", "musicbrainz")]
    steps = [w for w in ("artist tags", "musicbrainz") if w in failures]
    if users:
        done = "the other users' scrobbles were extracted and loaded"
    elif steps == ["musicbrainz"]:
        done = "the scrobbles were loaded and modelled; run again to resume the MusicBrainz enrichment"
    else:
        done = "the scrobbles were loaded; run again to fetch the remaining tags"
    names = {"artist tags": "artist tags", "musicbrainz": "MusicBrainz enrichment"}
    head = f"{len(users)} user(s) failed" if users else " and ".join(names[s] for s in steps) + " failed"
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
        tags = load_tags(warehouse, bronze, rebuild=True)
        load_mb_artists(warehouse, bronze, rebuild=True)
        return scrobbles, tags

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
    from scrobble_insights.operate.enrichment import record_fields

    return {
        "first_day": summary.first_day.isoformat(), "last_day": summary.last_day.isoformat(),
        "users": [{k: v for k, v in vars(s).items() if k != "artist_plays"} for s in summary.extracted],
        "loaded_days": summary.loaded.days, "loaded_scrobbles": summary.loaded.scrobbles,
        "artists_tagged": summary.artists_tagged, "warehouse_rows": summary.warehouse_rows,
        "client": dict(summary.client), "seconds": round(summary.seconds, 3),
        "extract_seconds": round(summary.extract_seconds, 3), "stages": summary.stages,
        "enrich": record_fields(summary.enriched, summary.failures, summary.enrich_on)["enrich"],
        "artists_enriched": summary.enriched.enriched if summary.enriched else 0,
        "mb_requests": summary.enriched.requests if summary.enriched else 0,
    }
