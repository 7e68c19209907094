"""Dagster definitions: the same jobs as the CLI, as assets with a daily schedule, retries and alerts.

Lineage, left to right:
- `bronze/<user>/scrobbles`: one asset per listener, partitioned by UTC day. A run over a partition
  range is ONE run (BackfillPolicy.single_run) that calls the same `steps.extract` as
  `scrobble-insights backfill`, so both give the same bronze files and the same warehouse.
- `raw/scrobbles`: loads the bronze days that changed (same partitions).
- `raw/artist_tags`: tag enrichment, artist.getTopTags for untagged or stale artists.
- the dbt models (dagster-dbt), their data tests as asset checks.

Every step holds the data directory's lock (so the orchestrator and a cron `run` never race); a
step that meets a transient failure (last.fm down, the lock held) asks Dagster to retry it with an
exponential backoff; anything else fails at once. A failed run posts one alert to the webhook, and
every run is written to state/runs.jsonl so `scrobble-insights status` sees it.
"""

# No `from __future__ import annotations`: Dagster reads the context annotations at definition time.
import json
import os
import shlex
import shutil
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from scrobble_insights.config import Settings, disable_telemetry, redact
from scrobble_insights.errors import ExtractError, LockedError, TransientLastfmError
from scrobble_insights.operate import steps
from scrobble_insights.operate.alerts import alert_failure
from scrobble_insights.operate.logs import attach_log_file, log_context, set_run_id
from scrobble_insights.operate.runlog import job_lock, record_run
from scrobble_insights.orchestrate import asset_names
from scrobble_insights.transform.dbt import (
    PROJECT_DIR,
    dbt_dir,
    dbt_vars,
    mark_built,
    prepare_manifest,
    prepare_reference,
    write_profiles,
)

# The run tags Dagster sets on partitioned and backfill runs (their names are documented; the
# constants holding them are private to Dagster, so they are spelled out here).
ASSET_PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
ASSET_PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"
BACKFILL_ID_TAG = "dagster/backfill"
PARTITION_NAME_TAG = "dagster/partition"
JOB = "scrobbles_daily"
FACT = dg.AssetKey(["marts", "fact_scrobbles"])
TRANSIENT = (LockedError, TransientLastfmError, ExtractError)
# The raw tables, by the step that writes them (each is a dbt source).
LOADED = ["scrobbles", "extracted_days", "user_infos"]
TAGGED = ["artist_tags", "artist_tag_fetches"]
REFERENCE = ["users", "user_timezones", "tag_genres"]


def raw(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


class RawSources(DagsterDbtTranslator):
    """dbt sources are the assets our loader writes; models keep dagster-dbt's default keys."""

    def get_asset_key(self, dbt_resource_props) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return raw(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props) -> str:
        return "models"


def run_days(tags: dict) -> tuple[date, date] | None:
    """The UTC days a run covers, from its partition (range) tags."""
    first = tags.get(ASSET_PARTITION_RANGE_START_TAG) or tags.get(PARTITION_NAME_TAG)
    last = tags.get(ASSET_PARTITION_RANGE_END_TAG) or tags.get(PARTITION_NAME_TAG)
    return (date.fromisoformat(first), date.fromisoformat(last)) if first and last else None


def build_definitions(settings: Settings, *, users: list[str] | None = None,
                      clock: Callable[[], datetime] | None = None, retry_delay_s: float = 120.0,
                      max_retries: int = 3) -> dg.Definitions:
    """Definitions for `users` (default: the configured ones). `clock` pins "now" (dbt's today, tag
    staleness) in tests."""
    disable_telemetry()
    warnings.filterwarnings("ignore", category=dg.BetaWarning)   # backfill_policy is "beta" since 1.7
    # When Dagster runs a subset of the models (an asset backfill starts the models without upstream
    # first), run only the tests whose parents are all built; dagster-dbt reads this at run time.
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "cautious")
    clock = clock or (lambda: datetime.now(timezone.utc))
    users = steps.check_users(users or settings.user_names())
    names = asset_names(users)
    daily = dg.DailyPartitionsDefinition(start_date=settings.history_start.isoformat(), timezone="UTC")
    single_run = dg.BackfillPolicy.single_run()
    secrets = [s.get_secret_value() for s in (settings.lastfm_api_key, settings.alert_webhook) if s]
    attach_log_file(settings, secrets)    # window/page/retry records: <data>/logs, with Dagster's run id

    @contextmanager
    def step(context: dg.AssetExecutionContext, what: str, publish: bool = True):
        """Hold the data directory; turn a transient failure into a retry with exponential backoff.
        A step that wrote the warehouse publishes it for readers before it lets go."""
        set_run_id(context.run.run_id)
        try:
            with log_context(command=f"dagster {what}"), \
                    job_lock(settings.data_dir, f"dagster run {context.run.run_id[:8]} ({what})"):
                try:
                    yield
                finally:
                    if publish:
                        steps.publish_for_readers(settings)
        except TRANSIENT as exc:
            if context.retry_number >= max_retries:
                raise                                   # the run fails with the cause itself
            wait = retry_delay_s * 2 ** context.retry_number
            context.log.warning(f"{what}: {redact(str(exc), secrets)}; retry {context.retry_number + 1} of "
                                f"{max_retries} in {wait:.0f}s")
            raise dg.RetryRequested(max_retries=max_retries, seconds_to_wait=wait) from exc

    def partition_days(context: dg.AssetExecutionContext) -> tuple[date, date]:
        keys = context.partition_key_range
        return date.fromisoformat(keys.start), date.fromisoformat(keys.end)

    def extract_asset(user: str) -> dg.AssetsDefinition:
        @dg.asset(key=["bronze", names[user], "scrobbles"], partitions_def=daily, backfill_policy=single_run,
                  group_name="extract", kinds={"python"},
                  description=f"{user}'s scrobbles from user.getRecentTracks, one gzip JSON-lines file per UTC "
                              "day in <data>/bronze (untouched API data)")
        def scrobbles(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            first, last = partition_days(context)
            with step(context, f"extract {user} {first}..{last}", publish=False):
                [stats], client = steps.extract(settings, [user], first, last)
            return dg.MaterializeResult(metadata={
                "days": stats.days, "windows": stats.windows, "pages": stats.pages, "scrobbles": stats.scrobbles,
                "windows_refetched": stats.windows_refetched, "requests": client["requests"],
                "retries": client["retries"]})
        return scrobbles

    extract_assets = [extract_asset(user) for user in users]

    @dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=[a.key for a in extract_assets], group_name="load",
                                         kinds={"duckdb"}) for t in LOADED],
                    partitions_def=daily, backfill_policy=single_run, name="load",
                    description="The bronze days that changed, loaded into raw.scrobbles, raw.extracted_days "
                                "and raw.user_infos")
    def load(context: dg.AssetExecutionContext):
        with step(context, "load"):
            scrobbles, _ = steps.load(settings, users)
            rows = steps.count_rows(settings, users)
        yield dg.MaterializeResult(asset_key=raw("scrobbles"), metadata={
            "days_loaded": scrobbles.days, "rows_loaded": scrobbles.scrobbles, **{f"rows_{u}": n for u, n in rows.items()}})
        for table in LOADED[1:]:
            yield dg.MaterializeResult(asset_key=raw(table))

    @dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=[raw("scrobbles")], group_name="load", kinds={"duckdb"})
                           for t in TAGGED], name="tag",
                    description="artist.getTopTags of untagged or stale artists (genre evidence), landed and loaded")
    def tag(context: dg.AssetExecutionContext):
        with step(context, "artist tags"):
            tagged, loaded, client = steps.tag(settings, users, clock())
        yield dg.MaterializeResult(asset_key=raw("artist_tags"), metadata={
            "artists_tagged": tagged, "tag_files_loaded": loaded.tag_files, "requests": client["requests"]})
        yield dg.MaterializeResult(asset_key=raw("artist_tag_fetches"))

    @dg.multi_asset(specs=[dg.AssetSpec(raw(t), deps=[raw("scrobbles"), raw("artist_tags")], group_name="load",
                                        kinds={"duckdb"}) for t in REFERENCE], name="reference",
                    description="raw.users, raw.user_timezones (with dated moves) and raw.tag_genres, from the "
                                "configuration and the genre vocabulary")
    def reference(context: dg.AssetExecutionContext):
        with step(context, "reference tables", publish=False):     # the dbt step right after publishes
            prepare_reference(settings)
        for table in REFERENCE:
            yield dg.MaterializeResult(asset_key=raw(table))

    manifest = prepare_manifest(settings, clock().date())
    dbt_target = dbt_dir(settings) / "target-dagster"

    @dbt_assets(manifest=manifest, dagster_dbt_translator=RawSources(), name="dbt_models")
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        with step(context, "dbt build"):
            # Written again (the same rows) so that a model materialised on its own sees the current
            # configuration; a changed time zone setup makes the incremental fact stale: full refresh.
            zones_changed, fingerprint = prepare_reference(settings)
            args = ["build", *(["--full-refresh"] if zones_changed else []),
                    "--vars", json.dumps(dbt_vars(settings, clock().date())),
                    "--log-path", str(dbt_dir(settings) / "logs")]
            yield from dbt.cli(args, context=context, target_path=dbt_target).stream()
            if FACT in context.selected_asset_keys:
                mark_built(settings, fingerprint)

    job = dg.define_asset_job(JOB, selection=dg.AssetSelection.all(),
                              description="Extract, load, tag and model: one run per day range")

    @dg.schedule(job=job, cron_schedule=f"0 {settings.schedule_hour} * * *", execution_timezone="UTC",
                 default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"Every day at {settings.schedule_hour:02d}:00 UTC: yesterday plus "
                             f"{settings.lookback_days} days of lookback (late and deleted scrobbles)")
    def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        run_day = context.scheduled_execution_time.astimezone(timezone.utc).date() - timedelta(days=1)
        if run_day < settings.history_start:
            return dg.SkipReason(f"{run_day} is before SCROBBLE_INSIGHTS_HISTORY_START ({settings.history_start})")
        first = max(run_day - timedelta(days=settings.lookback_days), settings.history_start)
        return dg.RunRequest(run_key=f"daily-{run_day}", tags={
            ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: run_day.isoformat()})

    def run_record(run: dg.DagsterRun) -> dict:
        """The run for state/runs.jsonl: credited to the users whose scrobbles it extracted."""
        days = run_days(run.tags)
        backfill = run.tags.get(BACKFILL_ID_TAG)
        command = f"dagster backfill {backfill}" if backfill else f"dagster {run.job_name}"
        selected = run.asset_selection                  # empty (or None) when the whole job ran
        ran = [u for u in users if not selected or dg.AssetKey(["bronze", names[u], "scrobbles"]) in selected]
        return {"command": command, "run_id": run.run_id, "users": ran,
                **({"first_day": str(days[0]), "last_day": str(days[1])} if days else {})}

    @dg.run_failure_sensor(name="alert_on_failure", default_status=dg.DefaultSensorStatus.RUNNING,
                           minimum_interval_seconds=30)
    def alert_on_failure(context: dg.RunFailureSensorContext) -> None:
        """One alert per failed run: the webhook (if configured), state/alerts.log and the run log."""
        error = redact(first_error(context), secrets)
        record = run_record(context.dagster_run)
        retry = (f"scrobble-insights backfill --since {record['first_day']} --until {record['last_day']} "
                 f"{' '.join(f'--user {shlex.quote(u)}' for u in record['users'])} "
                 f"--data-dir {shlex.quote(str(settings.data_dir.resolve()))}"
                 if "first_day" in record and record["users"]
                 else f"re-execute run {record['run_id']} in the Dagster UI")
        alert_failure(settings, record["command"], error, retry, record["run_id"])     # first: needs no disk
        record_run(settings.data_dir, {**record, "status": "failed", "error": error})

    @dg.run_status_sensor(name="record_success", run_status=dg.DagsterRunStatus.SUCCESS,
                          default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30)
    def record_success(context: dg.RunStatusSensorContext) -> None:
        record_run(settings.data_dir, {**run_record(context.dagster_run), "status": "ok"})

    return dg.Definitions(
        # One step at a time, in the run's process: the steps share the data directory's lock (and
        # a process per step would import dbt and Dagster again each time).
        executor=dg.in_process_executor,
        assets=[*extract_assets, load, tag, reference, dbt_models], jobs=[job], schedules=[daily_schedule],
        sensors=[alert_on_failure, record_success],
        resources={"dbt": DbtCliResource(project_dir=str(PROJECT_DIR), profiles_dir=str(write_profiles(settings)),
                                         target=settings.warehouse, dbt_executable=dbt_executable())})


def first_error(context: dg.RunFailureSensorContext) -> str:
    """The root cause of the first failed step, in one line (not Dagster's "max retries exceeded")."""
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:
            error = error.cause
        if error is not None:
            return f"{event.step_key}: {error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name}"
    return (context.failure_event.message or "the run failed").splitlines()[0]


def dbt_executable() -> str:
    """dbt beside our Python (a venv need not be activated for the orchestrator to find it)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")
