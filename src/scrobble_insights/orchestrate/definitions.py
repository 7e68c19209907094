"""Dagster definitions: the same jobs as the CLI, as assets with a daily schedule, retries and alerts.

Assembled from the modules beside this one: assets.py (extract, load, tag, enrich, reference, dbt),
resources.py (what they need from Settings), jobs.py (`scrobbles_daily`), schedules.py (the daily
schedule), sensors.py (the run log and the failure alert).

Every step holds the data directory's lock (so the orchestrator and a cron `run` never race); a
step that meets a transient failure (last.fm down, the lock held) asks Dagster to retry it with an
exponential backoff; anything else fails at once. A failed run posts one alert to the webhook, and
every run is written to state/runs.jsonl so `scrobble-insights status` sees it.
"""

import os
import warnings
from collections.abc import Callable
from datetime import datetime

import dagster as dg

from scrobble_insights.config import Settings, disable_telemetry
from scrobble_insights.operate import steps
from scrobble_insights.operate.logs import attach_log_file
from scrobble_insights.orchestrate import asset_names
from scrobble_insights.orchestrate.assets import dbt_models, enrich, extract_asset, load_asset, reference, tag
from scrobble_insights.orchestrate.jobs import scrobbles_daily
from scrobble_insights.orchestrate.resources import Orchestration, dbt_resource, utc_now
from scrobble_insights.orchestrate.schedules import daily_schedule
from scrobble_insights.orchestrate.sensors import alert_on_failure, record_success
from scrobble_insights.transform.dbt import prepare_manifest


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
    users = steps.check_users(users or settings.user_names())
    orchestration = Orchestration(settings, users, asset_names(users), clock or utc_now, retry_delay_s, max_retries)
    attach_log_file(settings, orchestration.secrets)  # window/page/retry records: <data>/logs, with Dagster's run id
    daily = dg.DailyPartitionsDefinition(start_date=settings.history_start.isoformat(), timezone="UTC")
    extract = [extract_asset(user, orchestration.extract_key(user), daily) for user in users]
    return dg.Definitions(
        # One step at a time, in the run's process: the steps share the data directory's lock (and
        # a process per step would import dbt and Dagster again each time).
        executor=dg.in_process_executor,
        assets=[*extract, load_asset(daily, [a.key for a in extract]), tag, enrich, reference,
                dbt_models(prepare_manifest(settings, orchestration.today()))],
        jobs=[scrobbles_daily], schedules=[daily_schedule(settings)], sensors=[alert_on_failure, record_success],
        resources={"orchestration": orchestration, "dbt": dbt_resource(settings)})

