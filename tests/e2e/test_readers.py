"""Readers never block the pipeline, and jobs never fail because of a reader: every reader (dashboard,
report, export, status) opens the read-only snapshot that each job publishes, never the live warehouse.
Writers and readers here are separate processes, as in real life (file locks are per process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from scrobble_insights.config import build_settings
from scrobble_insights.errors import WarehouseBusyError
from scrobble_insights.load.snapshot import publish_snapshot, reader_path
from scrobble_insights.operate.runlog import record_run
from scrobble_insights.serve import queries
from scrobble_insights.serve.dashboard import APP_PATH, WAREHOUSE_ENV
from scrobble_insights.serve.dashboard.data import ask
from scrobble_insights.serve.exports import TABLES, export
from scrobble_insights.transform.dbt import transform
from support import cli_env, run_cli
from transform_history import write_history

USERS = [{"name": "exp", "timezone": "Europe/Paris"}]
PLAYS = [(f"2026-02-{day:02d} {hour:02d}:15", f"Artist {hour % 3}", f"Track {day}-{hour}")
         for day in range(1, 11) for hour in (8, 12, 20, 21)]

# A job in another process: holds the data directory's lock and the live warehouse open read-write,
# deletes the plays of `argv[2]` (if given), and keeps both until told to stop on stdin.
JOB = """
import sys
from pathlib import Path
import duckdb
from scrobble_insights.operate.runlog import job_lock
data = Path(sys.argv[1])
with job_lock(data, "run --user exp"):
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    if len(sys.argv) > 2:
        con.execute("DELETE FROM raw.scrobbles WHERE played_date = ?", [sys.argv[2]])
    print("writing", flush=True)
    sys.stdin.readline()
    con.close()
"""

# A reader in another process, looping the dashboard's questions on fresh connections to the snapshot
# while one more connection (to the first snapshot) stays open throughout; it reports the highest
# mark it sees (raw.publish_marks, written by the test's writer) and what the held connection sees.
READER = """
import json, os, sys
from pathlib import Path
from scrobble_insights.serve import queries as q
snapshot, stop, progress = map(Path, sys.argv[1:4])
MARK = "SELECT coalesce(max(n), 0) FROM raw.publish_marks"
HAS_MARKS = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'publish_marks'"
def mark(con):
    return con.execute(MARK).fetchone()[0] if con.execute(HAS_MARKS).fetchone()[0] else 0
held = q.connect(snapshot)
user = q.users(held)[0]
loops = 0
while not stop.exists():
    con = q.connect(snapshot)
    try:
        everything = q.Filters(user)
        scrobbles = q.kpis(con, everything)["scrobbles"]
        q.listening_clock(con, everything); q.top_entities(con, everything, "artist"); q.genre_by_year(con, everything)
        seen = mark(con)
    finally:
        con.close()
    loops += 1
    report = {"seen": seen, "held": mark(held), "held_scrobbles": q.kpis(held, everything)["scrobbles"],
              "scrobbles": scrobbles, "loops": loops}
    progress.with_suffix(".tmp").write_text(json.dumps(report))
    os.replace(progress.with_suffix(".tmp"), progress)
held.close()
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A modelled warehouse (no snapshot yet: a data directory from before snapshots)."""
    settings = build_settings(data_dir=tmp_path_factory.mktemp("readers") / "data", users=USERS)
    write_history(settings, "exp", PLAYS, first=date(2026, 2, 1), last=date(2026, 2, 12),
                  tags={"Artist 0": [("rock", 100)], "Artist 1": [("Hip-Hop", 100)]})
    transform(settings, today=date(2026, 2, 13))
    return settings.data_dir


@pytest.fixture
def settings(built, tmp_path):
    """A copy of the built data directory, for one test to change."""
    shutil.copytree(built, tmp_path / "data")
    return build_settings(data_dir=tmp_path / "data", users=USERS)


@contextmanager
def job_writing(data: Path, *args: str):
    """A job in another process holding the lock and the live warehouse until the block ends."""
    job = subprocess.Popen([sys.executable, "-c", JOB, str(data), *args], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert job.stdout.readline() == "writing\n", job.stderr.read()
        yield job
    finally:
        _, err = job.communicate("done\n", timeout=60)
    assert job.returncode == 0, err


def status(settings, tmp_path) -> dict:
    env = cli_env(type("S", (), {"url": "http://127.0.0.1:9/2.0/"})(), settings.data_dir)
    result = run_cli(["status", "--json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_status_and_export_work_while_a_job_writes(settings, tmp_path):
    record_run(settings.data_dir, {"command": "backfill", "users": ["exp"], "status": "ok"})
    # A data directory from before snapshots, and a job writing: nothing may be read; status says so.
    with job_writing(settings.data_dir):
        during = status(settings, tmp_path)
        with pytest.raises(WarehouseBusyError, match="a job is writing .* try again when the job finishes"):
            reader_path(settings)
    assert during["warehouse_readable"] is False and during["users"] == []
    assert "try again when the job finishes" in during["warehouse_error"]
    assert [(u["user"], u["last_success"]["command"]) for u in during["run_log_users"]] == [("exp", "backfill")]

    # Once published, the snapshot is read while the next job writes (and deletes a day's plays).
    publish_snapshot(settings)
    with job_writing(settings.data_dir, "2026-02-03"):
        during = status(settings, tmp_path)
        summary = export(reader_path(settings), "parquet", tmp_path / "export")
        con = queries.connect(reader_path(settings))
        con.close()
    assert during["warehouse_readable"] is True and during["users"][0]["scrobbles"] == len(PLAYS)
    assert len(summary.files) == len(TABLES) and summary.rows["fact_scrobbles"] == len(PLAYS)

    publish_snapshot(settings)            # what the job does once it has closed the warehouse
    after = status(settings, tmp_path)
    assert after["warehouse_readable"] is True and after["users"][0]["scrobbles"] == len(PLAYS) - 4


@pytest.mark.slow
def test_a_reader_holding_the_snapshot_never_stops_a_writer_and_sees_each_new_snapshot(settings, tmp_path):
    publish_snapshot(settings)
    stop, progress = tmp_path / "stop", tmp_path / "progress.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(settings.snapshot_path), str(stop), str(progress)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def reader_saw(mark: int) -> dict:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert reader.poll() is None, reader.communicate()[1]
            if progress.exists() and (seen := json.loads(progress.read_text()))["seen"] == mark:
                return seen
            time.sleep(0.05)               # polling interval
        raise AssertionError(f"the reader never saw mark {mark}: {progress.read_text()}")

    try:
        first = reader_saw(0)
        for mark in range(1, 11):
            writer = duckdb.connect(str(settings.warehouse_path))     # read-write, while the reader reads
            writer.execute("CREATE TABLE IF NOT EXISTS raw.publish_marks (n INTEGER)")
            writer.execute("INSERT INTO raw.publish_marks VALUES (?)", [mark])
            writer.close()
            publish_snapshot(settings)
            seen = reader_saw(mark)
            assert seen["held"] == 0 and seen["scrobbles"] == seen["held_scrobbles"] == len(PLAYS)
        assert seen["loops"] > first["loops"]
    finally:
        stop.touch()
        _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert not list(settings.data_dir.glob(".warehouse.snapshot.duckdb.*"))       # no temporary copy left


@pytest.mark.slow
def test_the_dashboard_shows_a_new_snapshot_on_its_next_run(settings, monkeypatch):
    monkeypatch.setenv(WAREHOUSE_ENV, str(reader_path(settings)))     # what the CLI passes it
    ask.clear()

    def scrobbles() -> str:
        app = AppTest.from_file(str(APP_PATH), default_timeout=60).run()
        assert not app.exception and not app.error and not app.warning
        return {m.label: m.value for m in app.metric}["Scrobbles"]

    assert scrobbles() == f"{len(PLAYS):,}"
    writer = duckdb.connect(str(settings.warehouse_path))
    writer.execute("DELETE FROM marts.mart_track_plays WHERE local_date = DATE '2026-02-05'")   # what it reads
    writer.close()
    assert scrobbles() == f"{len(PLAYS):,}"                           # not published yet
    publish_snapshot(settings)
    assert scrobbles() == f"{len(PLAYS) - 4:,}"


@pytest.mark.slow
def test_publishing_folds_a_leftover_log_in_and_is_a_no_op_for_bigquery(settings, tmp_path):
    writer = duckdb.connect(str(settings.warehouse_path))
    writer.execute("SET checkpoint_threshold = '1GB'")
    writer.execute("CREATE TABLE raw.late (n INTEGER)")
    writer.execute("INSERT INTO raw.late VALUES (42)")
    wal = settings.warehouse_path.with_name("warehouse.duckdb.wal")
    live = tmp_path / "crashed"                        # the files as a writer killed before its checkpoint leaves them
    live.mkdir()
    shutil.copyfile(settings.warehouse_path, live / "warehouse.duckdb")
    shutil.copyfile(wal, live / "warehouse.duckdb.wal")
    writer.close()
    crashed = build_settings(data_dir=live, users=USERS)
    assert publish_snapshot(crashed) == crashed.snapshot_path
    con = queries.connect(crashed.snapshot_path)
    try:
        assert con.execute("SELECT n FROM raw.late").fetchall() == [(42,)]
    finally:
        con.close()
    assert sorted(p.name for p in live.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.wal",
                                                      "warehouse.snapshot.duckdb"]

    bigquery = build_settings(data_dir=settings.data_dir, users=USERS, warehouse="bigquery")
    before = settings.snapshot_path.exists()
    assert publish_snapshot(bigquery) is None and settings.snapshot_path.exists() == before


# The dashboard's way of reading, in a loop of its own: a fresh read-only connection to whatever the
# readers' file is now, a few of its questions, closed again; until told to stop. Prints its tally.
DASHBOARD_READER = """
import json, sys
from pathlib import Path
from scrobble_insights.config import build_settings
from scrobble_insights.load.snapshot import read_only, reader_path
from scrobble_insights.serve import queries as q
settings = build_settings(data_dir=Path(sys.argv[1]))
stop = Path(sys.argv[2])
reads, errors = 0, []
while not stop.exists():
    try:
        con = read_only(reader_path(settings))
        try:
            f = q.Filters(user="alice")
            q.kpis(con, f); q.listening_clock(con, f); q.genre_totals(con, f); q.daily_plays(con, f)
        finally:
            con.close()
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"reads": reads, "errors": errors[:5]}))
"""


@pytest.mark.slow
def test_ten_pipeline_jobs_succeed_while_a_dashboard_reader_reloads(simulator, tmp_path):
    from datetime import timedelta

    from support import TODAY

    _, server = simulator(years=0.2)
    data = tmp_path / "data"
    env = cli_env(server, data)
    built = run_cli(["backfill", "-u", "alice", "--since", str(TODAY - timedelta(days=30)), "--until",
                     str(TODAY - timedelta(days=1)), "--no-tags"], env, tmp_path)
    assert built.returncode == 0, built.stderr
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", DASHBOARD_READER, str(data), str(stop)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        jobs = [["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1 + i)), "--lookback-days", "2",
                 "--no-tags", "--no-transform"] for i in range(8)] + [["transform"], ["load"]]
        for args in jobs:                            # the writers: the real pipeline, one job after another
            done = run_cli(args, env, tmp_path)
            assert done.returncode == 0, (args, done.stderr)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    tally = json.loads(out)
    assert tally["errors"] == [] and tally["reads"] > 10
