"""Run sensors (the daemon evaluates them): every finished run goes to state/runs.jsonl, so
`scrobble-insights status` sees it; a failed run also posts one alert."""

# No `from __future__ import annotations`: Dagster reads the annotations at definition time.
import shlex

import dagster as dg

from scrobble_insights.config import redact
from scrobble_insights.operate.alerts import alert_failure
from scrobble_insights.operate.runlog import record_run
from scrobble_insights.orchestrate.jobs import BACKFILL_ID_TAG, run_days
from scrobble_insights.orchestrate.resources import Orchestration


def run_record(run: dg.DagsterRun, orchestration: Orchestration) -> dict:
    """The run for state/runs.jsonl: credited to the users whose scrobbles it extracted."""
    days = run_days(run.tags)
    backfill = run.tags.get(BACKFILL_ID_TAG)
    command = f"dagster backfill {backfill}" if backfill else f"dagster {run.job_name}"
    selected = run.asset_selection                  # empty (or None) when the whole job ran
    ran = [u for u in orchestration.users if not selected or orchestration.extract_key(u) in selected]
    return {"command": command, "run_id": run.run_id, "users": ran,
            **({"first_day": str(days[0]), "last_day": str(days[1])} if days else {})}


def first_error(context: dg.RunFailureSensorContext) -> str:
    """The root cause of the first failed step, in one line (not Dagster's "max retries exceeded")."""
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:
            error = error.cause
        if error is not None:
            return f"{event.step_key}: {error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name}"
    return (context.failure_event.message or "the run failed").splitlines()[0]


def retry_hint(record: dict, orchestration: Orchestration) -> str:
    """How to run a failed run's days again: the CLI's backfill, else Dagster's re-execution."""
    if "first_day" not in record or not record["users"]:
        return f"re-execute run {record['run_id']} in the Dagster UI"
    users = " ".join(f"--user {shlex.quote(u)}" for u in record["users"])
    return (f"scrobble-insights backfill --since {record['first_day']} --until {record['last_day']} {users} "
            f"--data-dir {shlex.quote(str(orchestration.settings.data_dir.resolve()))}")


@dg.run_failure_sensor(name="alert_on_failure", default_status=dg.DefaultSensorStatus.RUNNING,
                       minimum_interval_seconds=30)
def alert_on_failure(context: dg.RunFailureSensorContext, orchestration: dg.ResourceParam[Orchestration]) -> None:
    """One alert per failed run: the webhook (if configured), state/alerts.log and the run log."""
    error = redact(first_error(context), orchestration.secrets)
    record = run_record(context.dagster_run, orchestration)
    settings = orchestration.settings
    alert_failure(settings, record["command"], error, retry_hint(record, orchestration),
                  record["run_id"])                                  # first: needs no disk
    record_run(settings.data_dir, {**record, "status": "failed", "error": error})


@dg.run_status_sensor(name="record_success", run_status=dg.DagsterRunStatus.SUCCESS,
                      default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=30)
def record_success(context: dg.RunStatusSensorContext, orchestration: dg.ResourceParam[Orchestration]) -> None:
    record_run(orchestration.settings.data_dir, {**run_record(context.dagster_run, orchestration), "status": "ok"})
