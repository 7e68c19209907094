"""The `job` context manager: under the data directory's lock; recorded either way; a failure recorded
in one line with the secrets scrubbed and told once to the webhook; SIGTERM unwinds like an error."""

from __future__ import annotations

import asyncio
import errno
import signal

import anyio
import pytest

from scrobble_insights.errors import LockedError, Terminated, TransientLastfmError
from scrobble_insights.operate.job import job, run_async
from scrobble_insights.operate.logs import current_run_id
from scrobble_insights.operate.runlog import held_lock_fds, job_lock, read_runs
from support import TEST_KEY

RETRY = "scrobble-insights run --user alice"


@pytest.fixture
def settings(settings_at, webhook):
    return settings_at(alert_webhook=webhook.url)


def secrets_of(settings) -> list[str]:
    return [settings.lastfm_api_key.get_secret_value(), settings.alert_webhook.get_secret_value()]


def test_a_successful_job_records_ok_with_its_details_and_sends_no_alert(settings, webhook):
    with job(settings, "run", retry=RETRY, secrets=secrets_of(settings), users=["alice"], days=3) as record:
        record["scrobbles"] = 120
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "ok" and run["command"] == "run"
    assert run["users"] == ["alice"] and run["days"] == 3 and run["scrobbles"] == 120
    assert run["run_id"] == current_run_id() and "error" not in run
    assert webhook.received == []
    assert not (settings.data_dir / "state" / "alerts.log").exists()


def test_the_lock_is_held_during_the_body_and_released_after(settings):
    with job(settings, "transform", retry=RETRY, secrets=[]):
        assert len(held_lock_fds()) == 1
        with pytest.raises(LockedError, match="`scrobble-insights transform`"):
            with job_lock(settings.data_dir, "load"):
                pass
    assert held_lock_fds() == []
    with job_lock(settings.data_dir, "load"):
        pass


def test_a_failure_is_recorded_in_one_scrubbed_line_and_alerted_once(settings, webhook):
    error = TransientLastfmError(f"user.getInfo: last.fm error 11 with key {TEST_KEY} via {webhook.url}\n"
                                 "Traceback (most recent call last): ...")
    with pytest.raises(TransientLastfmError) as caught:
        with job(settings, "run", retry=RETRY, secrets=secrets_of(settings), users=["alice"]):
            raise error
    assert caught.value is error                               # the job's own error, untouched
    expected = "user.getInfo: last.fm error 11 with key *** via ***"
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "failed" and run["error"] == expected and run["users"] == ["alice"]
    [(_, _, _, alert)] = webhook.received
    assert alert["error"] == expected and alert["command"] == "run" and alert["retry"] == RETRY
    assert alert["run_id"] == run["run_id"]
    logged = (settings.data_dir / "state" / "alerts.log").read_text() + \
        (settings.data_dir / "state" / "runs.jsonl").read_text()
    assert TEST_KEY not in logged and webhook.token not in logged
    assert held_lock_fds() == []


def test_a_lock_held_elsewhere_fails_the_job_before_its_body_and_is_told(settings, webhook):
    ran = []
    with job_lock(settings.data_dir, "backfill"):
        with pytest.raises(LockedError):
            with job(settings, "run", retry=RETRY, secrets=[], users=["alice"]):
                ran.append(True)
    assert ran == []
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "failed" and "in use by `scrobble-insights backfill`" in run["error"]
    assert len(webhook.received) == 1


def test_an_os_error_is_recorded_as_the_one_line_users_see(settings):
    with pytest.raises(OSError):
        with job(settings, "load", retry=RETRY, secrets=[]):
            raise OSError(errno.ENOSPC, "No space left on device", str(settings.data_dir / "warehouse.duckdb"))
    [run] = read_runs(settings.data_dir)
    assert run["error"].startswith(f"no space left on the device of {settings.data_dir / 'warehouse.duckdb'}")


def test_ctrl_c_is_recorded_but_not_alerted(settings, webhook):
    with pytest.raises(KeyboardInterrupt):
        with job(settings, "run", retry=RETRY, secrets=[]):
            raise KeyboardInterrupt
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "failed"
    assert webhook.received == []


def test_sigterm_during_a_job_fails_it_like_an_error_and_the_handler_is_restored(settings, webhook):
    before = signal.getsignal(signal.SIGTERM)
    after_the_signal = []
    with pytest.raises(Terminated):
        with job(settings, "run", retry=RETRY, secrets=[]):
            assert signal.getsignal(signal.SIGTERM) is not before
            signal.raise_signal(signal.SIGTERM)
            after_the_signal.append(True)
    assert after_the_signal == []
    assert signal.getsignal(signal.SIGTERM) is before
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "failed" and "stopped by signal SIGTERM" in run["error"]
    assert len(webhook.received) == 1


def test_sigterm_in_async_code_stops_it_at_an_await_then_fails_the_job(settings, webhook):
    # Raised from the handler at whatever instant, SIGTERM could land inside anyio's cancel scopes (httpx)
    # and fail with "Attempted to exit a cancel scope..." (seen on CI), or hang asyncio.run's clean-up.
    steps = []

    async def busy():
        try:
            with anyio.fail_after(30):                 # a cancel scope, as httpx holds around a request
                signal.raise_signal(signal.SIGTERM)
                steps.append("went on to the next await")
                await asyncio.Event().wait()
        finally:
            steps.append("unwound")

    with pytest.raises(Terminated, match="stopped by signal SIGTERM"):
        with job(settings, "run", retry=RETRY, secrets=[]):
            handler = signal.getsignal(signal.SIGTERM)
            try:
                run_async(busy())
            finally:
                assert signal.getsignal(signal.SIGTERM) is handler      # the job's handler is back
    assert steps == ["went on to the next await", "unwound"]
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "failed" and "stopped by signal SIGTERM" in run["error"]


def test_async_code_outside_a_job_keeps_the_default_sigterm(settings):
    async def answer():
        return signal.getsignal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        assert run_async(answer()) is signal.SIG_DFL        # SIGTERM still ends the process at once
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_webhook_that_is_down_does_not_hide_the_jobs_error(settings_at):
    settings = settings_at(alert_webhook="http://127.0.0.1:9/hook")     # port 9 (discard): refused
    with pytest.raises(RuntimeError, match="the real problem"):
        with job(settings, "run", retry=RETRY, secrets=[]):
            raise RuntimeError("the real problem")
    [run] = read_runs(settings.data_dir)
    assert run["error"] == "the real problem"
