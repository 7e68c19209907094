"""Running unattended: one job per data directory, status, and the schedule printers."""

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest

from scrobble_insights.operate.runlog import job_lock
from support import TEST_KEY, TODAY, cli_env, hold_answers, run_cli, truth_rows, warehouse_rows, webhook_receiver


def test_a_second_run_on_the_same_data_directory_exits_with_a_clear_message(simulator, tmp_path):
    _, server = simulator(years=0.2)
    data = tmp_path / "data"
    env = cli_env(server, data)
    with job_lock(data, "run --user alice"):          # the first run, still going
        second = run_cli(["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1)), "--no-transform"],
                         env, tmp_path)
    assert second.returncode == 3
    [line] = second.stderr.strip().splitlines()
    assert line.startswith(f"error: {data} is in use by `scrobble-insights run --user alice` (pid ")
    assert line.endswith("wait for it to finish (a scheduled run will try again next time)")
    # once the first is done, the same command runs
    third = run_cli(["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1)), "--no-transform",
                     "--no-tags"], env, tmp_path)
    assert third.returncode == 0, third.stderr


def test_two_concurrent_runs_one_runs_the_other_exits_with_the_message(simulator, tmp_path, monkeypatch):
    _, server = simulator(years=0.2)
    entered, release = hold_answers(monkeypatch)      # the simulator holds its answers until released
    data = tmp_path / "data"
    env = cli_env(server, data, SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S="150")
    args = ["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1)), "--no-transform", "--no-tags"]
    first = subprocess.Popen([sys.executable, "-m", "scrobble_insights", *args], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert entered.wait(120), "the first run never asked last.fm"    # it holds the lock and waits
        second = run_cli(args, env, tmp_path)
    finally:
        release.set()
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 3
    [line] = second.stderr.strip().splitlines()
    assert line.startswith(f"error: {data} is in use by `scrobble-insights run` (pid {first.pid}, started ")
    assert line.endswith("wait for it to finish (a scheduled run will try again next time)")


@pytest.mark.slow
def test_status_json_fresh_after_backfill_and_after_a_failure(simulator, tmp_path):
    sim, server = simulator(years=0.3)
    data = tmp_path / "data"
    env = cli_env(server, data)
    fresh = json.loads(run_cli(["status", "--json"], env, tmp_path).stdout)
    assert fresh["users"] == [] and fresh["warehouse_exists"] is False and fresh["last_run"] is None

    first = TODAY - timedelta(days=30)
    for since, until in ((first, first + timedelta(days=9)), (first + timedelta(days=15), TODAY - timedelta(days=1))):
        assert run_cli(["backfill", "-u", "alice", "--since", str(since), "--until", str(until), "--no-transform",
                        "--no-tags"], env, tmp_path).returncode == 0
    after = json.loads(run_cli(["status", "--json"], env, tmp_path).stdout)
    [alice] = after["users"]
    expected = len(sim.truth("alice"))
    assert alice["scrobbles"] > 0 and alice["days_extracted"] == 25 and alice["gaps"] == 5
    assert alice["gap_ranges"] == [[str(first + timedelta(days=10)), str(first + timedelta(days=14))]]
    assert alice["artists_untagged"] > 0                     # backfilled with --no-tags
    assert alice["last_success"]["command"] == "backfill" and alice["last_failure"] is None
    assert expected > alice["scrobbles"]                     # only 25 of the history's days are extracted

    bad = dict(env, LASTFM_API_KEY="0" * 32)
    sim.config.api_key = "f" * 32                            # the simulator now refuses our key
    failed = run_cli(["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1)), "--no-transform"], bad, tmp_path)
    assert failed.returncode == 1
    later = json.loads(run_cli(["status", "--json"], env, tmp_path).stdout)
    failure = later["users"][0]["last_failure"]
    assert failure["command"] == "run" and "error 10" in failure["error"] and "0" * 32 not in json.dumps(later)
    assert later["last_run"]["status"] == "failed"


def test_schedule_prints_a_crontab_line_and_systemd_units(tmp_path):
    env = cli_env(type("S", (), {"url": "http://127.0.0.1:9/2.0/"})(), tmp_path / "data")
    cron = run_cli(["schedule", "--print", "cron", "--hour", "5", "-u", "alice"], env, tmp_path)
    assert cron.returncode == 0
    line = [li for li in cron.stdout.splitlines() if not li.startswith("#")][0]
    assert line.startswith("7 5 * * * cd ") and " run --user alice --data-dir " in line
    systemd = run_cli(["schedule", "--print", "systemd", "-u", "alice"], env, tmp_path)
    assert "OnCalendar=*-*-* 06:07:00" in systemd.stdout and "Type=oneshot" in systemd.stdout
    assert run_cli(["schedule", "--print", "launchd"], env, tmp_path).returncode == 2


@pytest.mark.slow
def test_verify_finds_corrupted_months_and_repair_fixes_them(simulator, tmp_path):
    sim, server = simulator(years=0.4)
    data = tmp_path / "data"
    env = cli_env(server, data)
    first = TODAY - timedelta(days=100)
    since = ["--since", str(first)]
    assert run_cli(["backfill", "-u", "alice", *since, "--until", str(TODAY - timedelta(days=1)), "--no-transform",
                    "--no-tags"], env, tmp_path).returncode == 0
    clean = run_cli(["verify", "-u", "alice", *since], env, tmp_path)
    assert clean.returncode == 0 and ", 0 disagree" in clean.stdout

    con = duckdb.connect(str(data / "warehouse.duckdb"))               # lose one row in the warehouse ...
    lost_uts = con.execute("SELECT played_at_uts FROM raw.scrobbles ORDER BY played_at_uts LIMIT 1 OFFSET 10"
                           ).fetchone()[0]
    con.execute("DELETE FROM raw.scrobbles WHERE played_at_uts = ?", [lost_uts])
    con.close()
    run_cli(["load"], env, tmp_path)                                    # (publishes it for readers)
    late = sim.add_late_scrobbles("alice", 1, max_age_days=5)            # ... and gain one upstream
    found = run_cli(["verify", "-u", "alice", *since], env, tmp_path)
    assert found.returncode == 1
    months = [line.split(":")[0].strip() for line in found.stdout.splitlines() if line.startswith("  ")]
    month_of = {datetime.fromtimestamp(u, timezone.utc).strftime("%Y-%m") for u in (lost_uts, late[0].uts)}
    assert {m[:7] for m in months} == month_of and len(months) == len(month_of)

    repaired = run_cli(["verify", "-u", "alice", *since, "--repair"], env, tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "after repair: alice: " in repaired.stdout and ", 0 disagree" in repaired.stdout.split("after repair")[1]


@pytest.mark.slow
def test_verify_covers_the_whole_history_and_fails_on_the_playcount(simulator, tmp_path):
    sim, server = simulator(years=0.4)
    data = tmp_path / "data"
    env = cli_env(server, data)
    first = TODAY - timedelta(days=60)                  # the history began about 146 days ago
    assert run_cli(["backfill", "-u", "alice", "--since", str(first), "--until", str(TODAY - timedelta(days=1)),
                    "--no-transform", "--no-tags"], env, tmp_path).returncode == 0
    partial = run_cli(["verify", "-u", "alice"], env, tmp_path)
    assert partial.returncode == 1
    months = [line.strip()[:10] for line in partial.stdout.splitlines() if line.startswith("  ")]
    assert months and all(m < str(first) for m in months)                  # the months never extracted
    assert "DISAGREES" in partial.stdout

    repaired = run_cli(["verify", "-u", "alice", "--repair"], env, tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    after = repaired.stdout.split("after repair", 1)[1]
    assert ", 0 disagree" in after and ": agrees" in after
    assert warehouse_rows(data / "warehouse.duckdb", "alice") == truth_rows(sim, "alice", date(2002, 1, 1), TODAY)


def test_a_failing_run_posts_exactly_one_alert_to_the_webhook(simulator, tmp_path):
    with webhook_receiver() as (url, received):
        _, server = simulator(api_key="f" * 32)                    # refuses the test's key: error 10
        env = cli_env(server, tmp_path / "data", SCROBBLE_INSIGHTS_ALERT_WEBHOOK=f"{url}/hooks/secret-token")
        failed = run_cli(["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1))], env, tmp_path)
    assert failed.returncode == 1
    assert len(received) == 1
    path, payload = received[0]
    assert path == "/hooks/secret-token"
    assert payload["command"] == "run" and "error 10" in payload["error"]
    assert payload["retry"].startswith("scrobble-insights run -u alice --date ")
    assert payload["text"] == payload["content"] and "Retry with" in payload["text"]      # Slack and Discord
    assert TEST_KEY not in json.dumps(payload)
    assert "secret-token" not in failed.stdout + failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    [logged] = [json.loads(line) for line in (tmp_path / "data" / "state" / "alerts.log").read_text().splitlines()]
    assert logged["error"] == payload["error"] and "secret-token" not in json.dumps(logged)
    assert "secret-token" not in (tmp_path / "data" / "logs" / "scrobble-insights.log").read_text()
