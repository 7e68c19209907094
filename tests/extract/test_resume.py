"""A backfill killed with SIGKILL at random points, then resumed, lands exactly the same set."""

import json
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from scrobble_insights.simulator import UserSpec
from support import TODAY, cli_env, run_cli, truth_rows, warehouse_rows

FIRST = TODAY - timedelta(days=400)
LAST = TODAY - timedelta(days=1)


def wait_for(condition, timeout: float = 60.0) -> None:
    """Poll a condition (this is waiting for an event, not sleeping to synchronise)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


@pytest.mark.slow
def test_backfill_killed_at_random_points_resumes_to_the_exact_set(simulator, tmp_path):
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=150)], latency_ms=20, years=1.2)
    data = tmp_path / "data"
    env = cli_env(server, data, SCROBBLE_INSIGHTS_WINDOW_TARGET_PAGES="5")
    args = ["backfill", "--user", "alice", "--since", str(FIRST), "--until", str(LAST), "--no-tags", "--no-transform"]
    rng = random.Random(7)
    checkpoints = data / "state" / "checkpoints" / "user=alice"
    landed_after_kill = []
    for _ in range(3):
        start = sim.stats["requests"]
        kill_after = rng.randint(40, 90)        # a random point: after this many more API requests (up to
        # ~20 are in flight at this rate and latency: a kill loses the windows they belong to)
        process = subprocess.Popen([sys.executable, "-m", "scrobble_insights", *args], env=env, cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: sim.stats["requests"] - start >= kill_after or process.poll() is not None)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        assert process.returncode == -signal.SIGKILL, "the backfill should still have been running"
        files = list(checkpoints.glob("*.json"))
        landed_after_kill.append(sum(len(json.loads(f.read_text())["done"]) for f in files))

    assert landed_after_kill[-1] > 0, "some windows should have been checkpointed before the last kill"
    before_final = sim.stats["requests"]
    result = run_cli(args, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stdout
    final_requests = sim.stats["requests"] - before_final

    expected = truth_rows(sim, "alice", FIRST, LAST + timedelta(days=1))
    assert warehouse_rows(data / "warehouse.duckdb", "alice") == expected
    assert not list(checkpoints.glob("*.json")), "a finished backfill removes its checkpoint"
    # Resuming did not walk the finished windows again: fewer requests than a walk of the whole range.
    before_full = sim.stats["requests"]
    assert run_cli(args, cli_env(server, tmp_path / "fresh", SCROBBLE_INSIGHTS_WINDOW_TARGET_PAGES="5"),
                   tmp_path).returncode == 0
    full_walk = sim.stats["requests"] - before_full
    assert final_requests < full_walk - 4, (final_requests, full_walk)
