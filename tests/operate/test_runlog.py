"""The data directory's lock and run log: one holder at a time (named to the second), released on exit,
on exception and on kill -9; inherited by a child; runs recorded, with a fallback outside the data
directory when it cannot take them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest

from scrobble_insights.errors import LockedError
from scrobble_insights.operate.runlog import fallback_log, held_lock_fds, job_lock, read_runs, record_run

HOLDER = """
import sys
from pathlib import Path
from scrobble_insights.operate.runlog import job_lock
with job_lock(Path(sys.argv[1]), "backfill"):
    print("held", flush=True)
    sys.stdin.read()
"""


def hold_in_child(data_dir) -> subprocess.Popen:
    """A child process holding the lock until its stdin closes (or it is killed)."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(data_dir)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def stop(child: subprocess.Popen) -> None:
    child.stdin.close()
    child.wait(timeout=30)
    child.stdout.close()


# -- the lock -----------------------------------------------------------------------------------------

def test_a_second_holder_in_another_process_fails_at_once_naming_the_first(tmp_path):
    data = tmp_path / "data"
    child = hold_in_child(data)
    try:
        started = time.monotonic()
        with pytest.raises(LockedError) as caught:
            with job_lock(data, "run"):
                pytest.fail("the lock was granted twice")
        assert time.monotonic() - started < 2                    # no waiting for the holder
    finally:
        stop(child)
    message = str(caught.value)
    assert f"`scrobble-insights backfill` (pid {child.pid}, started " in message
    assert str(data) in message and "\n" not in message
    assert caught.value.exit_code == 3
    with job_lock(data, "run"):                                  # the holder is gone: free again
        pass


def test_a_second_holder_in_the_same_process_fails_too(tmp_path):
    with job_lock(tmp_path, "run"):
        with pytest.raises(LockedError, match=rf"`scrobble-insights run` \(pid {os.getpid()},"):
            with job_lock(tmp_path, "transform"):
                pass


def test_the_lock_is_released_on_exit_and_on_exception(tmp_path):
    with job_lock(tmp_path, "run"):
        pass
    with pytest.raises(RuntimeError):
        with job_lock(tmp_path, "load"):
            raise RuntimeError("the job broke")
    with job_lock(tmp_path, "transform"):
        assert (tmp_path / "state" / "pipeline.lock").read_text().startswith("`scrobble-insights transform`")


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    child = hold_in_child(tmp_path)
    child.kill()
    child.wait(timeout=30)
    child.stdin.close()
    child.stdout.close()
    with job_lock(tmp_path, "run"):              # the stale holder text in the file does not block
        pass


def test_held_lock_fds_lists_the_lock_only_while_held(tmp_path):
    assert held_lock_fds() == []
    with job_lock(tmp_path, "run"):
        [fd] = held_lock_fds()
        assert os.readlink(f"/proc/self/fd/{fd}") == str(tmp_path / "state" / "pipeline.lock")
    assert held_lock_fds() == []


def test_a_child_given_the_lock_fds_keeps_the_data_directory_locked(tmp_path):
    with job_lock(tmp_path, "run"):
        child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE,
                                 pass_fds=held_lock_fds())
    try:
        with pytest.raises(LockedError):                 # the job is over, its child is not
            with job_lock(tmp_path, "transform"):
                pass
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    with job_lock(tmp_path, "transform"):
        pass


# -- the run log --------------------------------------------------------------------------------------

def test_record_run_appends_to_the_data_directory_and_read_runs_reads_back(tmp_path):
    data = tmp_path / "data"
    assert record_run(data, {"command": "run", "users": ["alice"], "status": "ok"}) == data / "state" / "runs.jsonl"
    record_run(data, {"command": "transform", "status": "failed", "error": "dbt said no"})
    runs = read_runs(data)
    assert [(r["command"], r["status"]) for r in runs] == [("run", "ok"), ("transform", "failed")]
    assert runs[0]["users"] == ["alice"] and runs[1]["error"] == "dbt said no"
    assert all(r["finished_at"].endswith("+00:00") for r in runs)
    assert "data_dir" not in runs[0]                     # only fallback lines say which directory


def test_read_runs_skips_a_line_cut_by_a_crash(tmp_path):
    record_run(tmp_path, {"command": "run", "status": "ok"})
    with open(tmp_path / "state" / "runs.jsonl", "a") as handle:
        handle.write('{"command": "run", "sta')
    assert [r["command"] for r in read_runs(tmp_path)] == ["run"]


def test_read_runs_of_a_directory_without_a_log_is_empty(tmp_path):
    assert read_runs(tmp_path / "never-used") == []


def unwritable_state(data_dir):
    """A data directory whose state/ cannot be created (a file is in the way): works even as root."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "state").write_text("not a directory")


def test_runs_go_to_the_fallback_log_when_the_data_directory_cannot_take_them(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    data = tmp_path / "data"
    unwritable_state(data)
    where = record_run(data, {"command": "run", "users": ["alice"], "status": "failed", "error": "disk full"})
    assert where == fallback_log() == tmp_path / "xdg" / "scrobble-insights" / "runs.jsonl"
    [line] = [json.loads(text) for text in where.read_text().splitlines()]
    assert line["data_dir"] == str(data.resolve()) and line["error"] == "disk full"
    [run] = read_runs(data)
    assert run["command"] == "run" and run["status"] == "failed"
    assert read_runs(tmp_path / "another") == []           # tagged: not another directory's run


def test_read_runs_merges_both_logs_in_time_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    data = tmp_path / "data"
    unwritable_state(data)
    assert record_run(data, {"command": "b", "finished_at": "2026-03-15T11:00:00+00:00"}) == fallback_log()
    (data / "state").unlink()                               # the disk has room again
    record_run(data, {"command": "a", "finished_at": "2026-03-15T10:00:00+00:00"})
    record_run(data, {"command": "c", "finished_at": "2026-03-15T12:00:00+00:00"})
    assert [r["command"] for r in read_runs(data)] == ["a", "b", "c"]


def test_nowhere_to_record_is_logged_not_raised(tmp_path, monkeypatch, caplog):
    blocked = tmp_path / "xdg-is-a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))
    data = tmp_path / "data"
    unwritable_state(data)
    with caplog.at_level(logging.ERROR, logger="scrobble_insights.operate.runlog"):
        assert record_run(data, {"command": "run", "status": "ok"}) is None
    assert "could not record the run" in caplog.text
    assert read_runs(data) == []


def test_fallback_log_defaults_under_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert fallback_log() == tmp_path / ".local" / "state" / "scrobble-insights" / "runs.jsonl"
