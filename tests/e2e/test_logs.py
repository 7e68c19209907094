"""Structured logs: JSON lines on stderr with --log-format json, and a rotating JSON-lines file in
<data>/logs/ that every job writes; one run id per invocation, shared with state/runs.jsonl."""

import json
import logging
import re
from datetime import datetime, timedelta

import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.operate.logs import LOG_FILE, log_context, set_run_id, setup_logging
from support import TEST_KEY, TODAY, cli_env, run_cli


def json_lines(text: str) -> list[dict]:
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert records and all(isinstance(r, dict) for r in records)
    return records


def test_backfill_logs_json_lines_with_one_run_id_on_stderr_and_in_the_log_file(simulator, tmp_path):
    # Faults make the client retry; small pages and windows give many windows to log.
    _, server = simulator(years=0.3, fault_rate=0.2, fault_kinds=("error8", "error16"))
    data = tmp_path / "data"
    env = cli_env(server, data, SCROBBLE_INSIGHTS_PAGE_LIMIT="50", SCROBBLE_INSIGHTS_WINDOW_TARGET_PAGES="4")
    since, until = TODAY - timedelta(days=60), TODAY - timedelta(days=1)
    result = run_cli(["backfill", "-u", "alice", "--since", str(since), "--until", str(until), "--no-transform",
                      "--no-tags", "--log-format", "json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stderr)                # every stderr line is one JSON object
    for record in records:
        assert {"ts", "level", "logger", "message", "run_id"} <= record.keys()
        assert datetime.fromisoformat(record["ts"]).utcoffset() == timedelta(0)
    [run] = [json.loads(line) for line in (data / "state" / "runs.jsonl").read_text().splitlines()]
    assert {r["run_id"] for r in records} == {run["run_id"]} and re.fullmatch(r"[0-9a-f]{12}", run["run_id"])

    windows = [r for r in records if r["message"] == "window landed"]
    assert len(windows) > 3
    for window in windows:
        assert window["user"] == "alice" and window["command"] == "backfill" and window["pages"] >= 1
        assert re.fullmatch(r"\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d", window["window"])
    [summary] = [r for r in records if r["message"] == "user extracted"]
    assert summary["days"] == 60 and summary["window"] == f"{since}..{until}"
    assert summary["windows"] == len(windows) and summary["pages"] >= sum(w["pages"] for w in windows)
    assert summary["scrobbles"] == sum(w["scrobbles"] for w in windows) == run["scrobbles"] > 0
    retrying = [r for r in records if r["message"].startswith("retrying ")]
    assert retrying and all(r["method"] and r["attempt"] >= 1 for r in retrying)
    assert 0 < sum(w["retries"] for w in windows) <= summary["retries"] == max(r["retries"] for r in retrying)
    started, finished = (next(r for r in records if r["message"] == m) for m in ("job started", "job finished"))
    assert started["users"] == ["alice"] and started["first_day"] == str(since) and started["last_day"] == str(until)
    assert finished["status"] == "ok" and finished["seconds"] > 0 and finished["command"] == "backfill"

    log_file = data / "logs" / LOG_FILE
    in_file = json_lines(log_file.read_text())
    assert [r["message"] for r in in_file] == [r["message"] for r in records]
    assert {r["run_id"] for r in in_file} == {run["run_id"]}
    assert TEST_KEY not in result.stdout + result.stderr + log_file.read_text()

    # The environment variable sets the format too; a second invocation gets a run id of its own.
    again = run_cli(["backfill", "-u", "alice", "--since", str(until), "--until", str(until), "--no-transform",
                     "--no-tags"], dict(env, SCROBBLE_INSIGHTS_LOG_FORMAT="json"), tmp_path)
    assert again.returncode == 0, again.stderr
    second_ids = {r["run_id"] for r in json_lines(again.stderr)}
    assert len(second_ids) == 1 and second_ids != {run["run_id"]}
    assert {r["run_id"] for r in json_lines(log_file.read_text())} == {run["run_id"], *second_ids}
    assert json.loads((data / "state" / "runs.jsonl").read_text().splitlines()[-1])["run_id"] in second_ids


def test_text_logs_stay_quiet_but_the_log_file_gets_the_records(simulator, tmp_path):
    _, server = simulator(years=0.1)
    data = tmp_path / "data"
    day = str(TODAY - timedelta(days=1))
    result = run_cli(["run", "-u", "alice", "--date", day, "--lookback-days", "3", "--no-transform", "--no-tags"],
                     cli_env(server, data), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "window landed" not in result.stderr and "job started" not in result.stderr
    messages = [r["message"] for r in json_lines((data / "logs" / LOG_FILE).read_text())]
    assert messages[0] == "job started" and "window landed" in messages and messages[-1] == "job finished"


def test_a_failed_job_logs_json_then_the_one_line_error_and_its_alert_cites_the_run_id(simulator, tmp_path):
    _, server = simulator(api_key="f" * 32)                    # refuses the test's key: error 10
    data = tmp_path / "data"
    failed = run_cli(["run", "-u", "alice", "--date", str(TODAY - timedelta(days=1)), "--log-format", "json"],
                     cli_env(server, data), tmp_path)
    assert failed.returncode == 1
    *lines, error = failed.stderr.strip().splitlines()
    assert error.startswith("error: ") and "error 10" in error
    records = json_lines("\n".join(lines))
    [job_failed] = [r for r in records if r["message"] == "job failed"]
    assert job_failed["status"] == "failed" and "error 10" in job_failed["error"] and job_failed["command"] == "run"
    [run] = [json.loads(line) for line in (data / "state" / "runs.jsonl").read_text().splitlines()]
    [alert] = [json.loads(line) for line in (data / "state" / "alerts.log").read_text().splitlines()]
    assert {r["run_id"] for r in records} == {run["run_id"]} == {alert["run_id"]}
    assert TEST_KEY not in failed.stderr + (data / "logs" / LOG_FILE).read_text()


@pytest.mark.parametrize(("args", "env", "named"), [
    (["--log-format", "yaml"], {}, "--log-format yaml is not text or json"),
    ([], {"SCROBBLE_INSIGHTS_LOG_FORMAT": "yaml"}, "SCROBBLE_INSIGHTS_LOG_FORMAT"),
])
def test_an_unknown_log_format_is_a_one_line_error(tmp_path, args, env, named):
    nowhere = type("S", (), {"url": "http://127.0.0.1:9/2.0/"})()
    result = run_cli(["backfill", "-u", "alice", "--since", str(TODAY - timedelta(days=2)), *args],
                     cli_env(nowhere, tmp_path / "data", **env), tmp_path)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and named in line and "Traceback" not in result.stderr


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = handlers, level
    set_run_id(None)


def test_the_log_file_rotates_and_holds_bound_fields_but_no_secret(tmp_path, restore_logging):
    settings = build_settings(data_dir=tmp_path / "data", lastfm_api_key=TEST_KEY)
    run_id = setup_logging(settings, verbose=False, log_format="text", secrets=[TEST_KEY], run_id="dagster-run-7",
                           max_bytes=2_000, backups=2)
    assert run_id == "dagster-run-7"
    log = logging.getLogger("scrobble_insights.test")
    with log_context(user="rj", command="backfill"):
        for page in range(60):
            log.info("page %d read with key %s", page, TEST_KEY, extra={"pages": page, "retries": 0})
    log.info("outside the block")

    directory = tmp_path / "data" / "logs"
    assert sorted(p.name for p in directory.iterdir()) == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]
    assert all(p.stat().st_size <= 2_000 for p in directory.iterdir())
    records = [r for p in (directory / f"{LOG_FILE}.1", directory / LOG_FILE) for r in json_lines(p.read_text())]
    assert {r["run_id"] for r in records} == {"dagster-run-7"}
    inside, outside = records[:-1], records[-1]
    assert all(r["user"] == "rj" and r["command"] == "backfill" and r["level"] == "INFO" for r in inside)
    assert [r["pages"] for r in inside] == list(range(60 - len(inside), 60))
    assert outside["message"] == "outside the block" and "user" not in outside
    assert all(TEST_KEY not in p.read_text() for p in directory.iterdir())
    assert "page 59 read with key ***" in (directory / LOG_FILE).read_text()


def test_an_unwritable_data_directory_skips_the_log_file(tmp_path, restore_logging):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings = build_settings(data_dir=blocker / "data")
    setup_logging(settings, verbose=False, log_format="json", secrets=[])
    logging.getLogger("scrobble_insights.test").info("still fine")      # no crash, no file
    assert [type(h).__name__ for h in logging.getLogger().handlers] == ["StreamHandler"]
