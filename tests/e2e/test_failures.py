"""Every failure is told and recorded, whatever broke: a full or read-only disk, SIGTERM, a lock
conflict; one bad user does not block the others; dates and sizes from the command line are bounded.

The disks are small tmpfs mounts inside the test's own scratch directory (we run as root); a machine
that does not allow mounting fails those tests, unless SCROBBLE_TESTS_WITHOUT_MOUNT=1 says to
skip them (never set on CI, where they must run).
"""

import json
import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest

from scrobble_insights.operate.runlog import job_lock
from scrobble_insights.simulator import methods
from support import TODAY, cli_env, hold_answers, run_cli, truth_rows, warehouse_rows, webhook_receiver

DAY = str(TODAY - timedelta(days=1))
RUN = ["run", "-u", "alice", "--date", DAY, "--no-transform", "--no-tags"]


@contextmanager
def small_disk(path, size="2m"):
    """A tmpfs of `size` mounted at `path` (a directory of the test's own), unmounted afterwards."""
    path.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        reason = f"this machine does not let the tests mount a tmpfs: {mounted.stderr.strip()}"
        if os.environ.get("SCROBBLE_TESTS_WITHOUT_MOUNT") == "1":
            pytest.skip(reason)
        pytest.fail(f"{reason} (run as root, or set SCROBBLE_TESTS_WITHOUT_MOUNT=1 to skip)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(disk) -> None:
    """Write a ballast file until the disk is full."""
    with open(disk / "ballast", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass


def runs_recorded(tmp_path, data) -> list[dict]:
    """The run records of `data`: its own runs.jsonl and the fallback log (XDG_STATE_HOME below)."""
    records = []
    for path in (data / "state" / "runs.jsonl", tmp_path / "xdg" / "scrobble-insights" / "runs.jsonl"):
        if path.exists():
            records += [json.loads(line) for line in path.read_text().splitlines()]
    return records


def env_for(server, data, tmp_path, url) -> dict:
    return cli_env(server, data, SCROBBLE_INSIGHTS_ALERT_WEBHOOK=f"{url}/hook", XDG_STATE_HOME=str(tmp_path / "xdg"))


def test_a_full_disk_is_alerted_recorded_and_told_in_one_line(simulator, tmp_path):
    _, server = simulator(years=0.3)
    with webhook_receiver() as (url, received), small_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        env = env_for(server, data, tmp_path, url)
        fill(disk)
        failed = run_cli(["backfill", "-u", "alice", "--since", str(TODAY - timedelta(days=60)), "--until", DAY,
                          "--no-transform", "--no-tags"], env, tmp_path)
        records = runs_recorded(tmp_path, data)
    assert failed.returncode == 74, failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    [line] = failed.stderr.strip().splitlines()
    assert line.startswith("error: no space left on the device of ") and "free some space" in line
    [(_, alert)] = received
    assert alert["command"] == "backfill" and "no space left" in alert["error"]
    [record] = records
    assert record["status"] == "failed" and "no space left" in record["error"]
    assert record["data_dir"] == str(data.resolve())          # kept outside the full disk, naming it


def test_a_read_only_data_directory_is_alerted_and_recorded(simulator, tmp_path):
    _, server = simulator(years=0.3)
    with webhook_receiver() as (url, received), small_disk(tmp_path / "disk") as disk:
        data = disk / "data"
        env = env_for(server, data, tmp_path, url)
        (data / "state").mkdir(parents=True)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        failed = run_cli(RUN, env, tmp_path)
        status = run_cli(["status", "--json"], env, tmp_path)
    assert failed.returncode == 74
    [line] = failed.stderr.strip().splitlines()
    assert "read-only" in line and "--data-dir" in line
    [(_, alert)] = received
    assert alert["command"] == "run" and "read-only" in alert["error"]
    [record] = runs_recorded(tmp_path, data)
    assert record["status"] == "failed" and record["users"] == ["alice"]
    assert json.loads(status.stdout)["last_run"]["status"] == "failed"   # status reads the fallback too


def test_sigterm_stops_a_job_with_an_alert_and_a_run_record(simulator, tmp_path, monkeypatch):
    _, server = simulator(years=0.2)
    entered, release = hold_answers(monkeypatch)      # the simulator holds its answers until released
    data = tmp_path / "data"
    with webhook_receiver() as (url, received):
        env = env_for(server, data, tmp_path, url)
        env["SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S"] = "90"
        job = subprocess.Popen([sys.executable, "-m", "scrobble_insights", *RUN], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert entered.wait(120), "the job never asked last.fm"
            job.send_signal(signal.SIGTERM)
            _, stderr = job.communicate(timeout=60)
        finally:
            release.set()
    assert job.returncode == 143, stderr
    [line] = stderr.strip().splitlines()
    assert line == "error: stopped by signal SIGTERM before the command finished; run it again to resume"
    [(_, alert)] = received
    assert alert["command"] == "run" and "SIGTERM" in alert["error"]
    [record] = runs_recorded(tmp_path, data)
    assert record["status"] == "failed" and "SIGTERM" in record["error"]


def test_a_lock_conflict_is_alerted_and_recorded(simulator, tmp_path):
    _, server = simulator(years=0.2)
    data = tmp_path / "data"
    with webhook_receiver() as (url, received):
        env = env_for(server, data, tmp_path, url)
        with job_lock(data, "backfill --user alice"):
            second = run_cli(RUN, env, tmp_path)
    assert second.returncode == 3
    [(_, alert)] = received
    assert "is in use by `scrobble-insights backfill --user alice`" in alert["error"]
    [record] = runs_recorded(tmp_path, data)
    assert record["status"] == "failed" and record["command"] == "run"


def test_a_bad_user_does_not_block_a_good_one(simulator, tmp_path):
    sim, server = simulator(years=0.2)
    data = tmp_path / "data"
    with webhook_receiver() as (url, received):
        env = env_for(server, data, tmp_path, url)
        first = TODAY - timedelta(days=20)
        done = run_cli(["backfill", "-u", "renamed", "-u", "alice", "--since", str(first), "--until", DAY,
                        "--no-transform", "--no-tags"], env, tmp_path)
    assert done.returncode == 1
    line = done.stderr.strip().splitlines()[-1]                     # after alice's progress bar
    assert line.startswith("error: 1 user(s) failed — renamed: ") and "the other users' scrobbles were" in line
    assert warehouse_rows(data / "warehouse.duckdb", "alice") == truth_rows(sim, "alice", first, TODAY)
    [(_, alert)] = received
    assert "renamed" in alert["error"]
    [record] = runs_recorded(tmp_path, data)
    assert record["status"] == "failed" and record["users"] == ["renamed", "alice"]


@pytest.mark.slow
def test_failed_tags_still_model_the_scrobbles_that_loaded(simulator, tmp_path, monkeypatch):
    _, server = simulator(years=0.1)
    answer = methods.call

    def tags_down(sim, params):                         # artist.getTopTags always fails (error 8)
        if params.get("method", "").lower() == "artist.gettoptags":
            return methods.user_error(500, 8)
        return answer(sim, params)

    monkeypatch.setattr(methods, "call", tags_down)
    data = tmp_path / "data"
    env = cli_env(server, data, SCROBBLE_INSIGHTS_MAX_ATTEMPTS="2", XDG_STATE_HOME=str(tmp_path / "xdg"))
    done = run_cli(["backfill", "-u", "alice", "--since", str(TODAY - timedelta(days=10)), "--until", DAY],
                   env, tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: artist tags failed — artist tags: ")
    assert "dbt build (full refresh): " in done.stdout              # the scrobbles were modelled anyway
    import duckdb

    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        fact, raw = con.execute("SELECT (SELECT count(*) FROM marts.fact_scrobbles), "
                                "(SELECT count(*) FROM raw.scrobbles)").fetchone()
    finally:
        con.close()
    assert fact == raw > 0


def test_dates_are_bounded(simulator, tmp_path):
    _, server = simulator(years=0.1)
    data = tmp_path / "data"
    env = cli_env(server, data)
    # The CLI clamps to its own clock (a subprocess's, not the pinned TODAY): three days up to its yesterday,
    # asked up to a year after it (a fixed date would stop being in the future one day).
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    later = yesterday + timedelta(days=366)

    future = run_cli(["backfill", "-u", "alice", "--since", str(yesterday - timedelta(days=2)), "--until", str(later),
                      "--no-transform", "--no-tags"], env, tmp_path)
    assert future.returncode == 0, future.stderr
    clamped = re.search(rf"--until {later} is after yesterday \(UTC\): extracting up to (\S+)", future.stderr)
    assert clamped, future.stderr
    assert date.fromisoformat(clamped[1]) - yesterday in (timedelta(0), timedelta(days=1))   # (midnight between)
    status = json.loads(run_cli(["status", "--json"], env, tmp_path).stdout)
    assert status["users"][0]["last_day"] == clamped[1]          # up to yesterday, no future day marked done
    assert status["users"][0]["freshness_days"] >= 1

    for args, message in (
        (["run", "-u", "alice", "--date", "1999-12-31"], "--date 1999-12-31 is before last.fm existed"),
        (["backfill", "-u", "alice", "--since", "2999-01-01"], "--since 2999-01-01 is in the future"),
        (["backfill", "-u", "alice", "--since", "2019-02-30"], "is not a date: use YYYY-MM-DD"),
        (["transform", "--today", "9999-12-31"], "--today 9999-12-31 is in the future"),
        (["run", "-u", "alice", "--lookback-days", "1000000"], "--lookback-days 1000000 is not between 0 and 365"),
    ):
        refused = run_cli(args, env, tmp_path)
        assert refused.returncode == 2, (args, refused.stderr)
        [line] = refused.stderr.strip().splitlines()
        assert message in line, line
