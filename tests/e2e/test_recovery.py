"""Coming back from the bad days, through the CLI against the simulator on 127.0.0.1 with real DuckDB and
real dbt: a CLI killed during `transform` takes dbt with it; a warehouse held by another process, or
damaged (garbage, cut short), is a one-line error, and `load --rebuild` builds it anew from bronze."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from support import TODAY, alive, cli_env, descendants, run_cli, truth_rows, warehouse_rows

FIRST, LAST = TODAY - timedelta(days=30), TODAY - timedelta(days=1)


def loaded_data_dir(simulator, tmp_path):
    """A data directory with 30 days of alice loaded (no tags, no dbt yet); returns (sim, env, data)."""
    sim, server = simulator()
    data = tmp_path / "data"
    env = cli_env(server, data)
    done = run_cli(["backfill", "-u", "alice", "--since", str(FIRST), "--until", str(LAST), "--no-transform",
                    "--no-tags"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    return sim, env, data


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "Traceback" not in line and "internal error" not in line
    return line


def until(condition, seconds: float, what: str):
    """Poll `condition` until it returns something true, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)     # a polling interval, not a synchronisation
    raise AssertionError(f"after {seconds}s: {what}")


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def lock_is_free(data: Path) -> bool:
    with open(data / "state" / "pipeline.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def test_killing_the_cli_during_transform_kills_dbt_and_keeps_the_lock_until_dbt_is_gone(simulator, tmp_path):
    _, env, data = loaded_data_dir(simulator, tmp_path)
    cli = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "transform"], env=env, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    family: set[int] = set()
    try:
        def dbt_child():
            assert cli.poll() is None, "transform ended before dbt started"
            return next((pid for pid in descendants(cli.pid) if b"dbt.cli.main" in cmdline(pid)), None)

        dbt = until(dbt_child, 120, "no dbt child process appeared")
        family = descendants(cli.pid)
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
        # The data directory is free again only once dbt is gone: nothing writes the warehouse after that.
        until(lambda: lock_is_free(data), 30, "the data directory stayed locked")
        assert not alive(dbt), "the data directory's lock was released while dbt was still running"
        until(lambda: not any(alive(pid) for pid in family), 10, "child processes outlived the CLI")
    finally:
        for pid in family:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if cli.poll() is None:
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait()


def test_a_warehouse_held_by_another_process_names_it_and_says_to_wait(simulator, tmp_path):
    _, env, data = loaded_data_dir(simulator, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(data / "warehouse.duckdb")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        line = one_line_error(run_cli(["transform"], env, tmp_path))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert f"PID {holder.pid}" in line and "import duckdb" in line and "wait for it" in line
    assert "damaged" not in line


def fact_rows(path: Path) -> Counter:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return Counter(con.execute("""
            SELECT epoch(played_at_utc)::BIGINT, artist_name_as_scrobbled, track_name, album_name
            FROM marts.wide_scrobbles
            WHERE user_name = 'alice'""").fetchall())
    finally:
        con.close()


@pytest.mark.slow
def test_a_garbage_warehouse_is_a_one_line_error_and_load_rebuild_then_transform_bring_it_back(simulator, tmp_path):
    sim, env, data = loaded_data_dir(simulator, tmp_path)
    warehouse = data / "warehouse.duckdb"
    garbage = b"this is not a DuckDB database\n" * 1000
    warehouse.write_bytes(garbage)

    line = one_line_error(run_cli(["load"], env, tmp_path))
    assert f"the warehouse {warehouse} is damaged" in line and "not a valid DuckDB database file" in line
    assert "`scrobble-insights load --rebuild`, then `scrobble-insights transform`" in line

    rebuilt = run_cli(["load", "--rebuild"], env, tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (data / "warehouse.previous.duckdb").read_bytes() == garbage      # kept aside, not lost
    assert not (data / "warehouse.rebuild.duckdb").exists()
    built = run_cli(["transform"], env, tmp_path)
    assert built.returncode == 0, built.stderr
    truth = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert sum(truth.values()) > 500
    assert warehouse_rows(warehouse, "alice") == truth
    assert fact_rows(warehouse) == Counter({(uts, artist, track, album or "(no album)"): n
                                            for (uts, artist, track, album), n in truth.items()})


@pytest.mark.slow
def test_a_truncated_warehouse_is_rebuilt_by_load_rebuild(simulator, tmp_path):
    sim, env, data = loaded_data_dir(simulator, tmp_path)
    warehouse = data / "warehouse.duckdb"
    size = warehouse.stat().st_size
    with open(warehouse, "r+b") as handle:
        handle.truncate(size // 2)

    assert "is damaged" in one_line_error(run_cli(["load"], env, tmp_path))
    rebuilt = run_cli(["load", "--rebuild"], env, tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (data / "warehouse.previous.duckdb").stat().st_size == size // 2
    truth = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert warehouse_rows(warehouse, "alice") == truth
    again = run_cli(["load"], env, tmp_path)                    # a healthy file: later jobs open it
    assert again.returncode == 0, again.stderr
