"""`run` (the daily job) follows late, deleted and edited scrobbles within its lookback."""

from datetime import timedelta

import duckdb
import pytest

from support import NOW, TODAY, cli_env, run_cli, truth_rows, warehouse_rows


@pytest.mark.slow
def test_run_makes_the_warehouse_equal_to_the_simulator_after_late_and_deleted_scrobbles(simulator, tmp_path):
    sim, server = simulator(years=0.5)
    data = tmp_path / "data"
    env = cli_env(server, data)
    first = TODAY - timedelta(days=60)
    yesterday = TODAY - timedelta(days=1)
    assert run_cli(["backfill", "-u", "alice", "--since", str(first), "--until", str(yesterday)], env,
                   tmp_path).returncode == 0

    late = sim.add_late_scrobbles("alice", 40, max_age_days=14)
    deleted = sim.delete_scrobbles("alice", 25, since_uts=NOW - 14 * 86400)
    edited = sim.edit_scrobbles("alice", 5, since_uts=NOW - 14 * 86400)
    assert len(late) == 40 and len(deleted) == 25 and len(edited) == 5
    assert warehouse_rows(data / "warehouse.duckdb", "alice") != truth_rows(sim, "alice", first, TODAY)

    result = run_cli(["run", "-u", "alice", "--date", str(yesterday)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    lookback_start = yesterday - timedelta(days=14)
    assert warehouse_rows(data / "warehouse.duckdb", "alice", lookback_start, TODAY) == truth_rows(
        sim, "alice", lookback_start, TODAY)
    assert warehouse_rows(data / "warehouse.duckdb", "alice") == truth_rows(sim, "alice", first, TODAY)

    # Running it again changes nothing: same rows, same ids.
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    ids = con.execute("SELECT scrobble_id FROM raw.scrobbles ORDER BY 1").fetchall()
    con.close()
    assert run_cli(["run", "-u", "alice", "--date", str(yesterday)], env, tmp_path).returncode == 0
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT scrobble_id FROM raw.scrobbles ORDER BY 1").fetchall() == ids
    con.close()
