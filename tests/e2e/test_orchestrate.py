"""The Dagster definitions, run in-process against the simulator over HTTP on 127.0.0.1, with real
DuckDB and real dbt; and `scrobble-insights orchestrate` serving Dagster's UI and daemon."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone

import dagster as dg
import duckdb
import httpx
import pytest
import yaml

from scrobble_insights.config import UserProfile, build_settings
from scrobble_insights.operate.runlog import job_lock, read_runs
from scrobble_insights.operate.status import status_report
from scrobble_insights.orchestrate import ORCHESTRATED_USERS, dagster_env
from scrobble_insights.orchestrate.definitions import build_definitions
from scrobble_insights.orchestrate.jobs import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG, JOB
from scrobble_insights.simulator import UserSpec
from support import (
    NOW,
    TODAY,
    alive,
    cli_env,
    descendants,
    hold_method,
    run_cli,
    truth_rows,
    warehouse_rows,
    webhook_receiver,
)

CLOCK = lambda: datetime.fromtimestamp(NOW, timezone.utc)  # noqa: E731 - the pinned "now"
TABLES = ["fact_scrobbles", "dim_artist", "dim_track", "dim_album", "dim_user", "bridge_artist_genre"]
VOLATILE = ("loaded_at", "extracted_at", "fetched_at")     # when a row was written, not what it says


def range_tags(first: date, last: date) -> dict[str, str]:
    return {ASSET_PARTITION_RANGE_START_TAG: first.isoformat(), ASSET_PARTITION_RANGE_END_TAG: last.isoformat()}


def snapshot(path) -> dict[str, list]:
    """The star schema's rows, minus the columns that say when they were written."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {}
        for table in TABLES:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall() if not c.endswith(VOLATILE)]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM marts.{table}").fetchall()
            tables[table] = sorted(rows, key=repr)
        return tables
    finally:
        con.close()


@pytest.mark.slow
def test_a_partition_range_gives_the_simulators_scrobbles_and_the_same_warehouse_as_cli_backfill(
        simulator, settings_for, tmp_path):
    sim, server = simulator(users=[UserSpec("alice", scrobbles_per_day=40), UserSpec("bob-k", scrobbles_per_day=15)])
    first, last = TODAY - timedelta(days=30), TODAY - timedelta(days=1)
    settings = settings_for(server, data_dir=tmp_path / "dagster-data", users=["alice", "bob-k"],
                            timezone="Europe/London")
    defs = build_definitions(settings, clock=CLOCK)
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(JOB).execute_in_process(instance=instance, tags=range_tags(first, last))
    assert result.success

    for user in ("alice", "bob-k"):
        truth = truth_rows(sim, user, first, last + timedelta(days=1))
        assert sum(truth.values()) > 100
        assert warehouse_rows(settings.warehouse_path, user) == truth, f"{user}: warehouse != simulator"
        key = dg.AssetKey(["bronze", user.replace("-", "_"), "scrobbles"])
        assert instance.get_materialized_partitions(key) == {
            (first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
    # One run over the range: every asset materialised once, the dbt models and their checks too.
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/scrobbles", "raw/artist_tags", "marts/fact_scrobbles", "marts/mart_daily_plays"} <= materialized
    checks = result.get_asset_check_evaluations()
    assert len(checks) > 50 and all(c.passed for c in checks)
    fact_rows = duckdb.connect(str(settings.warehouse_path), read_only=True).execute(
        "SELECT count(*) FROM marts.fact_scrobbles").fetchone()[0]
    assert fact_rows == sum(sum(warehouse_rows(settings.warehouse_path, u).values()) for u in ("alice", "bob-k"))

    # Its log records (windows, pages, retries) are in the data directory's log file, with Dagster's run id.
    records = [json.loads(line) for line in (settings.data_dir / "logs" / "scrobble-insights.log").open()]
    windows = [r for r in records if r["message"] == "window landed"]
    assert windows and {r["run_id"] for r in windows} == {result.run_id}
    assert {r["user"] for r in windows} == {"alice", "bob-k"} and all(r["pages"] >= 1 for r in windows)

    # The run is in the run log (the daemon's sensor writes it), so `status` knows it.
    sensor = defs.resolve_sensor_def("record_success")
    sensor(dg.build_run_status_sensor_context(
        sensor_name="record_success", dagster_event=result.get_run_success_event(), dagster_instance=instance,
        dagster_run=result.dagster_run, resources=defs.resources))       # as the daemon does
    [alice] = [u for u in status_report(settings, now=CLOCK())["users"] if u["user"] == "alice"]
    assert alice["last_success"]["run_id"] == result.run_id and alice["last_success"]["command"] == f"dagster {JOB}"
    assert alice["gaps"] == 0 and alice["days_extracted"] == 30 and alice["last_failure"] is None

    # The same range through the CLI, into another data directory: the same warehouse.
    cli_data = tmp_path / "cli-data"
    env = cli_env(server, cli_data, SCROBBLE_INSIGHTS_TIMEZONE="Europe/London")
    done = run_cli(["backfill", "-u", "alice", "-u", "bob-k", "--since", str(first), "--until", str(last)],
                   env, tmp_path)
    assert done.returncode == 0, done.stderr
    for user in ("alice", "bob-k"):
        assert warehouse_rows(cli_data / "warehouse.duckdb", user) == warehouse_rows(settings.warehouse_path, user)
    assert snapshot(cli_data / "warehouse.duckdb") == snapshot(settings.warehouse_path)


@pytest.mark.slow
def test_the_schedule_asks_for_yesterday_plus_the_lookback_at_the_configured_hour(simulator, settings_for):
    _, server = simulator()
    settings = settings_for(server, users=["alice"], schedule_hour=5, lookback_days=14)
    schedule = build_definitions(settings, clock=CLOCK).resolve_schedule_def("daily_schedule")
    assert schedule.cron_schedule == "0 5 * * *" and schedule.execution_timezone == "UTC"

    at = datetime(2026, 3, 15, 5, 0, tzinfo=timezone.utc)
    [request] = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=at)).run_requests
    assert request.run_key == "daily-2026-03-14"
    assert request.partition_key_range == dg.PartitionKeyRange("2026-02-28", "2026-03-14")

    # Never before the first day the orchestrator offers.
    late_start = settings_for(server, users=["alice"], history_start=date(2026, 3, 10))
    defs = build_definitions(late_start, clock=CLOCK)
    schedule = defs.resolve_schedule_def("daily_schedule")
    [request] = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=at)).run_requests
    assert request.partition_key_range == dg.PartitionKeyRange("2026-03-10", "2026-03-14")
    before = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=datetime(
        2026, 3, 10, 5, tzinfo=timezone.utc)))
    assert before.run_requests == [] and "before SCROBBLE_INSIGHTS_HISTORY_START" in before.skip_message
    # Steps run one after the other in the run's process (they share the data directory's lock),
    # in the daily job and in the asset job the UI's backfills use.
    assert defs.resolve_job_def(JOB).executor_def.name == "in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


@pytest.mark.slow
@pytest.mark.slow
def test_a_long_tag_fetch_publishes_the_scrobbles_first_then_the_genres(simulator, settings_for, monkeypatch):
    """Scrobbles first in the orchestrator too (issue 13): while last.fm holds every artist.getTopTags
    answer, the tag step has modelled and published the scrobbles, and readers answer from them."""
    from scrobble_insights.operate import steps

    sim, server = simulator(years=0.25)
    entered, release = hold_method(monkeypatch, "artist.gettoptags")
    settings = settings_for(server, users=["alice"], early_answer_s=0, request_timeout_s=150)
    first, last = TODAY - timedelta(days=60), TODAY - timedelta(days=1)
    truth = truth_rows(sim, "alice", first, TODAY)
    artists = len({artist for _, artist, *_ in truth})
    modelled = threading.Event()
    publish = steps.publish_for_readers

    def published(s) -> None:             # the snapshot readers open has the star schema
        publish(s)
        with duckdb.connect(str(s.snapshot_path), read_only=True) as con:
            if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'fact_scrobbles'"
                           ).fetchone()[0]:
                modelled.set()

    monkeypatch.setattr(steps, "publish_for_readers", published)
    defs = build_definitions(settings, clock=CLOCK)
    outcome = {}
    run = threading.Thread(target=lambda: outcome.update(result=defs.resolve_job_def(JOB).execute_in_process(
        tags=range_tags(first, last), raise_on_error=False)))
    run.start()
    try:
        assert modelled.wait(300), "the scrobbles were not published while the tags were held"
        assert entered.is_set() and run.is_alive()
        [user] = status_report(settings, now=CLOCK())["users"]
        assert user["scrobbles_modelled"] == sum(truth.values())
        assert user["genre_coverage"] == 0 and user["artists_untagged"] == artists
    finally:
        release.set()
        run.join(300)
    result = outcome["result"]
    assert result.success
    [tags] = [e.materialization for e in result.get_asset_materialization_events()
              if e.asset_key == dg.AssetKey(["raw", "artist_tags"])]
    assert tags.metadata["artists_tagged"].value == artists
    assert tags.metadata["stages_published"].value.startswith("scrobbles")
    [user] = status_report(settings, now=CLOCK())["users"]
    assert user["artists_untagged"] == 0 and user["genre_coverage"] > 0.5


@pytest.mark.slow
def test_a_busy_data_directory_is_retried_with_backoff_then_fails(simulator, settings_for):
    _, server = simulator()
    settings = settings_for(server, users=["alice"])
    defs = build_definitions(settings, clock=CLOCK, retry_delay_s=0.01, max_retries=2)
    day = TODAY - timedelta(days=1)
    with job_lock(settings.data_dir, "backfill"):          # a cron `run` holds the directory
        result = defs.resolve_job_def(JOB).execute_in_process(tags=range_tags(day, day), raise_on_error=False)
    assert not result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 2
    # Free again: the same run goes through.
    assert defs.resolve_job_def(JOB).execute_in_process(tags=range_tags(day, day)).success


def test_a_failed_run_posts_exactly_one_alert_and_is_in_the_run_log(simulator, settings_for):
    with webhook_receiver() as (url, received):
        _, server = simulator(api_key="f" * 32)                 # refuses the test's key: error 10, permanent
        settings = settings_for(server, users=["alice"], alert_webhook=f"{url}/hook/t0ken")
        defs = build_definitions(settings, clock=CLOCK, retry_delay_s=0.01)
        instance = dg.DagsterInstance.ephemeral()
        day = TODAY - timedelta(days=1)
        result = defs.resolve_job_def(JOB).execute_in_process(instance=instance, tags=range_tags(day, day),
                                                              raise_on_error=False)
        assert not result.success
        retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
        assert retries == []                                     # a bad key is not worth retrying
        sensor = defs.resolve_sensor_def("alert_on_failure")
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_failure", dagster_event=result.get_run_failure_event(),
            dagster_instance=instance, dagster_run=result.dagster_run,
            resources=defs.resources).for_run_failure()                 # as the daemon does
        sensor(context)
    assert len(received) == 1
    [(_, alert)] = received
    assert alert["command"] == f"dagster {JOB}"
    assert alert["error"].startswith("bronze__alice__scrobbles") and "API key" in alert["error"]
    assert alert["retry"] == (f"scrobble-insights backfill --since {day} --until {day} --user alice "
                              f"--data-dir {settings.data_dir.resolve()}")
    assert alert["text"] == alert["content"] and "t0ken" not in json.dumps(alert)
    assert alert["run_id"] == result.run_id
    [run] = read_runs(settings.data_dir)
    assert run["status"] == "failed" and run["run_id"] == result.run_id and run["users"] == ["alice"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_orchestrate_serves_dagsters_ui_and_daemon_on_loopback(simulator, tmp_path):
    _, server = simulator()
    port = free_port()
    env = cli_env(server, tmp_path / "data")
    process = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "orchestrate", "-u", "alice",
                                "--port", str(port)], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    query = """{ repositoriesOrError { ... on RepositoryConnection { nodes {
                   schedules { name cronSchedule scheduleState { status } }
                   sensors { name sensorState { status } }
                   assetNodes { assetKey { path } } } } }
                 instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }"""
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as client:
            answer = None
            for _ in range(600):        # poll (up to ~5 min on a loaded machine) until all is up
                if process.poll() is not None:
                    break
                try:
                    data = client.post("/graphql", json={"query": query}).json()["data"]
                except (httpx.HTTPError, ValueError, KeyError, TypeError):
                    threading.Event().wait(0.5)
                    continue
                daemons = {d["daemonType"]: d["healthy"] for d in data["instance"]["daemonHealth"]["allDaemonStatuses"]}
                if data["repositoriesOrError"].get("nodes") and daemons.get("SCHEDULER") and daemons.get("SENSOR"):
                    answer = data
                    break
                threading.Event().wait(0.5)
        assert answer is not None, "dagster did not come up: " + (process.stdout.read() if process.poll() else "")
        [repo] = answer["repositoriesOrError"]["nodes"]
        assert {(s["name"], s["cronSchedule"], s["scheduleState"]["status"]) for s in repo["schedules"]} == {
            ("daily_schedule", "0 6 * * *", "RUNNING")}
        assert {s["name"]: s["sensorState"]["status"] for s in repo["sensors"]} == {
            "alert_on_failure": "RUNNING", "record_success": "RUNNING"}
        keys = {"/".join(a["assetKey"]["path"]) for a in repo["assetNodes"]}
        assert {"bronze/alice/scrobbles", "raw/scrobbles", "raw/artist_tags", "marts/fact_scrobbles"} <= keys
        home = tmp_path / "data" / "dagster"
        assert "enabled: false" in (home / "dagster.yaml").read_text()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_orchestrate_started_in_the_background_stops_on_sigterm_with_its_children(simulator, tmp_path):
    _, server = simulator()
    port = free_port()
    log = open(tmp_path / "orchestrate.log", "w")
    # A shell starts `scrobble-insights orchestrate &` with SIGINT ignored.
    process = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "orchestrate", "-u", "alice",
                                "--port", str(port)], env=cli_env(server, tmp_path / "data"), cwd=tmp_path,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    family: set[int] = set()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as client:
            for _ in range(600):        # poll (up to ~5 min on a loaded machine) until the UI has our assets
                assert process.poll() is None, (tmp_path / "orchestrate.log").read_text()
                try:
                    nodes = client.post("/graphql", json={"query": "{ repositoriesOrError { ... on "
                                        "RepositoryConnection { nodes { name } } } }"}).json()["data"]
                    if nodes["repositoriesOrError"].get("nodes"):
                        break
                except (httpx.HTTPError, ValueError, KeyError, TypeError):
                    pass
                threading.Event().wait(0.5)
            else:
                raise AssertionError("dagster did not come up: " + (tmp_path / "orchestrate.log").read_text())
        family = descendants(process.pid)
        assert family, "dagster dev started no web server or daemon"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        for _ in range(600):
            if not any(alive(pid) for pid in family):
                break
            threading.Event().wait(0.1)
        assert not [pid for pid in family if alive(pid)], "processes outlived `orchestrate`"
    finally:
        log.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in family:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_orchestrate_hands_dagster_every_profile_and_the_chosen_users_and_an_offline_instance(tmp_path, monkeypatch):
    settings = build_settings(data_dir=tmp_path / "data", users=[
        {"name": "alice", "timezone": "Asia/Tokyo", "hemisphere": "south",
         "moves": [{"since": "2024-05-01", "tz": "Europe/Paris"}]},
        {"name": "bob", "timezone": "Europe/Paris"}])
    env = dagster_env(settings, ["bob", "carol"])                # `orchestrate -u bob -u carol`
    for key in ("SCROBBLE_INSIGHTS_USERS", "SCROBBLE_INSIGHTS_DATA_DIR", "DAGSTER_HOME"):
        monkeypatch.setenv(key, env[key])
    seen = build_settings()                     # what Dagster's code server builds from that environment
    assert seen.users == [*settings.users, UserProfile(name="carol")]      # alice keeps her zones
    assert json.loads(env[ORCHESTRATED_USERS]) == ["bob", "carol"]
    assert seen.data_dir == settings.data_dir.resolve()
    instance = yaml.safe_load((tmp_path / "data" / "dagster" / "dagster.yaml").read_text())
    assert instance["telemetry"] == {"enabled": False} and env["DAGSTER_DISABLE_TELEMETRY"] == "1"


def test_the_run_tags_we_spell_out_are_dagsters_own():
    """jobs.py names Dagster's run tags itself (its constants are private): they must not drift."""
    from dagster._core.storage import tags

    from scrobble_insights.orchestrate import jobs

    for name in ("ASSET_PARTITION_RANGE_START_TAG", "ASSET_PARTITION_RANGE_END_TAG", "BACKFILL_ID_TAG",
                 "PARTITION_NAME_TAG"):
        assert getattr(jobs, name) == getattr(tags, name)
