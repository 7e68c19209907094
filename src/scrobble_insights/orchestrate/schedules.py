"""The daily schedule: yesterday plus the lookback days, at the configured hour (UTC)."""

# No `from __future__ import annotations`: Dagster reads the context annotations at definition time.
from datetime import datetime, timedelta, timezone

import dagster as dg

from scrobble_insights.config import Settings
from scrobble_insights.orchestrate.jobs import range_tags, scrobbles_daily


def daily_run_request(settings: Settings, scheduled: datetime) -> dg.RunRequest | dg.SkipReason:
    """The run of the tick at `scheduled`: yesterday (UTC) and the lookback days before it, never
    before the first day the orchestrator offers."""
    run_day = scheduled.astimezone(timezone.utc).date() - timedelta(days=1)
    if run_day < settings.history_start:
        return dg.SkipReason(f"{run_day} is before SCROBBLE_INSIGHTS_HISTORY_START ({settings.history_start})")
    first = max(run_day - timedelta(days=settings.lookback_days), settings.history_start)
    return dg.RunRequest(run_key=f"daily-{run_day}", tags=range_tags(first, run_day))


def daily_schedule(settings: Settings) -> dg.ScheduleDefinition:
    """A factory, not a module-level schedule: its cron hour and its description are settings, and
    Dagster fixes both when the schedule is defined."""
    @dg.schedule(name="daily_schedule", job=scrobbles_daily, cron_schedule=f"0 {settings.schedule_hour} * * *",
                 execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"Every day at {settings.schedule_hour:02d}:00 UTC: yesterday plus "
                             f"{settings.lookback_days} days of lookback (late and deleted scrobbles)")
    def schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        return daily_run_request(settings, context.scheduled_execution_time)
    return schedule
