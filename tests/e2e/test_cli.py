"""The command line as a user meets it: the simulator, the demo, and one-line errors."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import duckdb
import pytest

from support import run_cli, stop


def cli_env_stub() -> dict:
    """The environment without any of our settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LASTFM_", "SCROBBLE_INSIGHTS_"))}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_simulate_serves_the_given_users_on_loopback_and_stops_on_sigterm(tmp_path):
    port = free_port()
    # Started as by a parent that ignores SIGTERM (inherited across exec): SIGTERM must stop it anyway.
    process = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "simulate", "--port", str(port),
                                "--users", "alice,bob", "--years", "0.2", "--seed", "3"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    try:
        deadline = time.monotonic() + 30
        while True:                       # wait until it answers (bounded)
            try:
                url = f"http://127.0.0.1:{port}/2.0/?method=user.getInfo&user=bob&api_key=k&format=json"
                body = json.load(urllib.request.urlopen(url, timeout=2))
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.05)
        assert body["user"]["name"] == "bob" and int(body["user"]["playcount"]) > 0
        with pytest.raises(urllib.error.HTTPError) as answer:      # MusicBrainz ws/2 beside it
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ws/2/artist?fmt=json", timeout=2)
        assert answer.value.code == 400 and "query type" in json.load(answer.value)["error"]
    finally:
        stop(process)
    assert process.returncode == -signal.SIGTERM
    assert f"http://127.0.0.1:{port}/ws/2/" in process.stderr.read()


def test_simulate_refuses_a_non_loopback_address(tmp_path):
    result = run_cli(["simulate", "--host", "0.0.0.0"], cli_env_stub(), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --host 0.0.0.0 is not a loopback address: the simulator only serves 127.0.0.1"]


def test_bad_input_gives_one_line_errors(tmp_path):
    env = {**cli_env_stub(), "COLUMNS": "80"}
    cases = [
        (["backfill", "-u", "alice", "--since", "2020-13-01"], "is not a date: use YYYY-MM-DD"),
        (["backfill", "-u", "alice", "--since", "2020-01-01"], "LASTFM_API_KEY is not set"),
        (["backfill", "--since", "2020-01-01"], "no last.fm user given"),
        (["run", "-u", "a b"], "is not a valid last.fm user name"),
        (["orchestrate"], "no last.fm user given"),
        (["orchestrate", "-u", "bob-k", "-u", "bob_k"], "would share the Dagster asset bronze/bob_k/scrobbles"),
        (["orchestrate", "-u", "alice"], "LASTFM_API_KEY is not set"),
        (["orchestrate", "-u", "alice"], "SCROBBLE_INSIGHTS_SCHEDULE_HOUR", {"SCROBBLE_INSIGHTS_SCHEDULE_HOUR": "25"}),
    ]
    for args, message, *extra in cases:
        case_env = {**env, **(extra[0] if extra else {})}
        if "LASTFM_API_KEY" not in message:
            case_env["LASTFM_API_KEY"] = "k" * 32
        else:
            case_env.pop("LASTFM_API_KEY", None)
        result = run_cli(args, case_env, tmp_path)
        assert result.returncode != 0, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr, (args, result.stderr)


def test_bad_setting_in_environment_is_named(tmp_path):
    env = {**cli_env_stub(), "SCROBBLE_INSIGHTS_RATE_LIMIT": "fast", "LASTFM_API_KEY": "k" * 32}
    result = run_cli(["run", "-u", "alice"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: invalid setting SCROBBLE_INSIGHTS_RATE_LIMIT: ")


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    result = run_cli(["demo", "--years", "0.25", "--rate-limit", "300", "--no-serve", "--data-dir", str(tmp_path / "demo")],
                     cli_env_stub(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Most played artists" in result.stdout and "tracks a day on average" in result.stdout
    assert "data tests passed" in result.stdout          # dbt's own tests pass on the demo data
    assert (tmp_path / "demo" / "report.html").stat().st_size > 100_000
    con = duckdb.connect(str(tmp_path / "demo" / "warehouse.duckdb"), read_only=True)
    scrobbles, artists_tagged, matched = con.execute(
        "SELECT (SELECT count(*) FROM raw.scrobbles), (SELECT count(*) FROM raw.artist_tag_fetches), "
        "(SELECT count(*) FROM raw.mb_artists WHERE match IN ('mbid', 'merged', 'name'))").fetchone()
    con.close()
    assert scrobbles > 1000 and artists_tagged > 50
    # MusicBrainz enrichment against the simulator's ws/2, at a demo rate it says.
    assert "the demo enriches at 200 requests/s" in " ".join(result.stderr.split())
    assert "MusicBrainz: " in result.stdout and matched > 50
