"""A job: one unit of work on a data directory (a CLI command such as `run` or `transform`, or a
Dagster step), under the data directory's lock, told once when it fails and recorded either way.

Every failure is told, the lock conflict, a full or read-only disk and SIGTERM included: first the
alert (the webhook needs nothing of the data directory), then the run-log line (which falls back
outside the data directory when it cannot be written there). After the job, readers get a fresh
snapshot of the warehouse.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Coroutine
from contextlib import contextmanager
from typing import Any, TypeVar

from scrobble_insights.config import Settings, redact
from scrobble_insights.errors import ScrobbleInsightsError, Terminated, first_line, os_error_message
from scrobble_insights.operate.alerts import alert_failure
from scrobble_insights.operate.logs import current_run_id, log_context
from scrobble_insights.operate.runlog import job_lock, record_run

log = logging.getLogger(__name__)


def one_line(exc: BaseException, settings: Settings, secrets: list[str]) -> str:
    """What went wrong, in one line, secrets scrubbed (OS errors as the one-line message users see)."""
    if isinstance(exc, OSError) and not isinstance(exc, ScrobbleInsightsError):
        return redact(os_error_message(exc, settings.data_dir), secrets)
    return redact(first_line(exc), secrets)


def _terminate(signum, frame) -> None:
    """SIGTERM (systemd stop, `timeout`, kill) during a job unwinds like an error: the job is alerted
    and recorded, its transactions roll back and its children stop."""
    raise Terminated(f"stopped by signal {signal.Signals(signum).name} before the command finished; "
                     "run it again to resume")


T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run; during a job, SIGTERM stops the coroutine the way asyncio.run stops it on Ctrl-C: the
    event loop takes the signal and cancels the main task (every task unwinds at its next await), and
    only then does the job's handler raise Terminated. Raised straight from the handler, the stop lands
    at any instant: inside anyio's cancel scopes (httpx), in the loop's own bookkeeping, or in a callback
    that swallows it. Measured with SIGTERM at random instants: 219 of 3000 stops lost, one "Attempted to
    exit a cancel scope..." (as on CI), and once asyncio.run waiting forever on a task."""
    handler = signal.getsignal(signal.SIGTERM)
    if handler is not _terminate or threading.current_thread() is not threading.main_thread():
        return asyncio.run(main)       # not in a job (the default: the process ends; Dagster's own)
    stopped = False

    def stop(task: asyncio.Task) -> None:
        nonlocal stopped
        stopped = True
        task.cancel()

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop, asyncio.current_task())
        try:
            return await main
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, handler)        # removing it set SIG_DFL

    try:
        return asyncio.run(guarded())
    finally:
        if stopped:
            _terminate(signal.SIGTERM, None)       # the unwinding done


@contextmanager
def job(settings: Settings, command: str, *, retry: str, secrets: list[str], **details):
    """Run the body as the job `command`; yields the run-log record, which the body may add counts to.
    `retry` is the command line an alert suggests; `details` (users, days) go into the record."""
    from scrobble_insights.operate.steps import publish_for_readers

    record = {"command": command, **details, "run_id": current_run_id()}
    started = time.monotonic()
    previous = signal.signal(signal.SIGTERM, _terminate)      # during a job, SIGTERM unwinds like an error
    try:
        with log_context(command=command):
            try:
                with job_lock(settings.data_dir, command):
                    log.info("job started", extra=details)
                    try:
                        yield record
                    finally:
                        publish_for_readers(settings)
            except BaseException as exc:
                error = one_line(exc, settings, secrets)
                if not isinstance(exc, KeyboardInterrupt):
                    _alert(settings, command, error, retry)
                _finish(settings, "job failed", {**record, "status": "failed", "error": error}, started)
                raise
            _finish(settings, "job finished", {**record, "status": "ok"}, started)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _finish(settings: Settings, message: str, outcome: dict, started: float) -> None:
    """A job's outcome: one line in state/runs.jsonl, one log record."""
    record_run(settings.data_dir, outcome)
    log.info(message, extra={**outcome, "seconds": round(time.monotonic() - started, 3)})


def _alert(settings: Settings, command: str, error: str, retry: str) -> None:
    """Tell a person: the log always, the configured webhook if any (exactly one POST per failure)."""
    try:
        alert_failure(settings, command, error, retry, current_run_id())
    except Exception as exc:  # noqa: BLE001 - the job's own error is what the user must see
        log.error("could not send the alert: %s", type(exc).__name__)
