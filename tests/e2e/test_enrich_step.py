"""MusicBrainz enrichment as a step of `backfill` and `run` (issue 14), through the CLI against the simulator
(last.fm and MusicBrainz on 127.0.0.1), with real DuckDB and dbt: on with a contact, skipped with one
line without; a MusicBrainz outage never loses the scrobbles, fails the job, alerts, and the next run
resumes; a long enrichment comes after a first model readers can use."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import duckdb
import pytest

from scrobble_insights.operate.enrichment import SKIPPED
from scrobble_insights.simulator import musicbrainz
from scrobble_insights.simulator.faults import MB_FAULT_KINDS, FaultInjector
from support import TODAY, cli_env, run_cli, truth_rows, webhook_receiver

CONTACT = "enrich-step-tests@example.org"
DAY = str(TODAY - timedelta(days=1))
SINCE = str(TODAY - timedelta(days=20))


def mb_env(server, data, **extra) -> dict:
    """The CLI's environment with MusicBrainz on: the simulator's ws/2, a contact, no rate to wait for."""
    values = dict(SCROBBLE_INSIGHTS_MB_API_URL=server.mb_url, SCROBBLE_INSIGHTS_MB_CONTACT=CONTACT,
                  SCROBBLE_INSIGHTS_MB_RATE_LIMIT="1000")
    return cli_env(server, data, **{**values, **extra})


def mb_requests(sim) -> list:
    return [e for e in sim.request_log() if e.method.startswith("mb.")]


def status_of(env, cwd) -> dict:
    result = run_cli(["status", "--json"], env, cwd)
    assert result.returncode == 0, result.stderr
    [user] = json.loads(result.stdout)["users"]
    return user


def runs(data) -> list[dict]:
    return [json.loads(line) for line in (data / "state" / "runs.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_backfill_with_a_contact_enriches_and_status_shows_the_coverage(simulator, tmp_path):
    sim, server = simulator(mb_rate_limit=0)
    data = tmp_path / "data"
    env = mb_env(server, data)
    done = run_cli(["backfill", "-u", "alice", "--since", SINCE, "--until", DAY, "--no-transform", "--no-tags",
                    "--summary-json", str(tmp_path / "summary.json")], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert SKIPPED not in done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("MusicBrainz: "))
    enriched = int(line.split()[1].replace(",", ""))
    assert enriched > 0
    asked = mb_requests(sim)
    assert asked and all(CONTACT in e.params["user-agent"] for e in asked)      # the contact names us
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["enrich"] == "ok" and summary["artists_enriched"] == enriched
    assert summary["mb_requests"] == len(asked)
    [record] = runs(data)
    assert (record["status"], record["enrich"], record["artists_enriched"]) == ("ok", "ok", enriched)
    user = status_of(env, tmp_path)
    assert 0 < user["mb_coverage"] <= 1 and user["artists_unenriched"] == 0
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        keys = con.execute("SELECT count(*) FROM raw.mb_artists").fetchone()[0]
    assert keys == enriched

    # The daily run right after: nothing is due, so MusicBrainz is not asked again.
    again = run_cli(["run", "-u", "alice", "--date", DAY, "--no-transform", "--no-tags"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(mb_requests(sim)) == len(asked)
    assert runs(data)[-1]["enrich"] == "ok" and runs(data)[-1]["artists_enriched"] == 0


def test_backfill_without_a_contact_skips_enrichment_with_one_line(simulator, tmp_path):
    sim, server = simulator()
    data = tmp_path / "data"
    env = cli_env(server, data, SCROBBLE_INSIGHTS_MB_API_URL=server.mb_url)        # no contact
    done = run_cli(["backfill", "-u", "alice", "--since", SINCE, "--until", DAY, "--no-transform", "--no-tags"],
                   env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if "MusicBrainz" in line] == [SKIPPED]
    assert "MusicBrainz" not in done.stderr
    assert "export SCROBBLE_INSIGHTS_MB_CONTACT=" in SKIPPED
    assert mb_requests(sim) == []
    [record] = runs(data)
    assert (record["status"], record["enrich"]) == ("ok", "skipped")
    user = status_of(env, tmp_path)
    assert user["mb_coverage"] == 0 and user["artists_unenriched"] > 0
    assert user["scrobbles"] == sum(truth_rows(sim, "alice", TODAY - timedelta(days=20), TODAY).values())


def test_no_enrich_asks_musicbrainz_nothing_even_with_a_contact(simulator, tmp_path):
    sim, server = simulator()
    data = tmp_path / "data"
    done = run_cli(["run", "-u", "alice", "--date", DAY, "--lookback-days", "2", "--no-transform", "--no-tags",
                    "--no-enrich"], mb_env(server, data), tmp_path)
    assert done.returncode == 0, done.stderr
    assert "MusicBrainz" not in done.stderr + done.stdout
    assert mb_requests(sim) == []
    assert runs(data)[-1]["enrich"] == "skipped"


def test_a_malformed_contact_is_one_line_before_any_work(simulator, tmp_path):
    sim, server = simulator()
    data = tmp_path / "data"
    env = mb_env(server, data, SCROBBLE_INSIGHTS_MB_CONTACT="me (at) example.org")
    done = run_cli(["run", "-u", "alice", "--date", DAY, "--no-transform"], env, tmp_path)
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: SCROBBLE_INSIGHTS_MB_CONTACT is not set (or holds brackets)")
    assert sim.request_log() == [] and not (data / "warehouse.duckdb").exists()


@pytest.mark.slow
def test_musicbrainz_down_still_models_the_scrobbles_fails_alerts_and_the_next_run_resumes(simulator, tmp_path):
    sim, server = simulator(mb_rate_limit=0)
    sim.mb_faults = FaultInjector(1.0, ("mb503",), 7, MB_FAULT_KINDS)          # every /ws/2/ request: 503
    data = tmp_path / "data"
    with webhook_receiver() as (url, received):
        env = mb_env(server, data, SCROBBLE_INSIGHTS_MAX_ATTEMPTS="3",
                     SCROBBLE_INSIGHTS_ALERT_WEBHOOK=f"{url}/hook", XDG_STATE_HOME=str(tmp_path / "xdg"))
        down = run_cli(["backfill", "-u", "alice", "--since", SINCE, "--until", DAY], env, tmp_path)
    assert down.returncode == 1
    last = down.stderr.strip().splitlines()[-1]
    assert last.startswith("error: MusicBrainz enrichment failed — musicbrainz: ") and "HTTP 503" in last
    assert last.endswith("the scrobbles were loaded and modelled; run again to resume the MusicBrainz enrichment")
    assert "dbt build (full refresh): " in down.stdout                  # the scrobbles were modelled anyway
    truth = sum(truth_rows(sim, "alice", TODAY - timedelta(days=20), TODAY).values())
    with duckdb.connect(str(data / "warehouse.snapshot.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.fact_scrobbles").fetchone()[0] == truth
    [record] = runs(data)
    assert (record["status"], record["enrich"]) == ("failed", "failed") and "HTTP 503" in record["enrich_error"]
    [(_, alert)] = received
    assert alert["command"] == "backfill" and alert["error"] == last.removeprefix("error: ")
    assert status_of(env, tmp_path)["mb_coverage"] == 0

    sim.mb_faults = FaultInjector(0, MB_FAULT_KINDS, 7, MB_FAULT_KINDS)        # MusicBrainz is back
    asked = len(mb_requests(sim))
    healed = run_cli(["run", "-u", "alice", "--date", DAY, "--lookback-days", "0"], env, tmp_path)
    assert healed.returncode == 0, healed.stderr
    assert len(mb_requests(sim)) > asked
    assert runs(data)[-1]["enrich"] == "ok" and runs(data)[-1]["artists_enriched"] > 0
    user = status_of(env, tmp_path)
    assert user["mb_coverage"] > 0.5 and user["artists_unenriched"] == 0


@pytest.mark.slow
def test_a_long_enrichment_comes_after_a_model_readers_can_use_then_models_again(simulator, tmp_path, monkeypatch):
    sim, server = simulator(mb_rate_limit=0)
    entered, release = _hold_musicbrainz(monkeypatch)
    data = tmp_path / "data"
    env = mb_env(server, data, SCROBBLE_INSIGHTS_EARLY_ANSWER_S="0", SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S="150")
    truth = sum(truth_rows(sim, "alice", TODAY - timedelta(days=20), TODAY).values())
    job = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "backfill", "-u", "alice", "--since", SINCE,
                            "--until", DAY, "--summary-json", str(tmp_path / "summary.json")],
                           env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert entered.wait(240), "MusicBrainz was never asked"
        # MusicBrainz holds its first answer: the job is still running, and readers answer already.
        assert job.poll() is None
        user = status_of(env, tmp_path)
        assert user["scrobbles_modelled"] == truth and user["mb_coverage"] == 0
    finally:
        release.set()
    out, errors = job.communicate(timeout=300)
    assert job.returncode == 0, errors
    assert "MusicBrainz enrichment follows at 1000 request(s)/s" in " ".join(out.split())
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["stages"][-2:] == ["before musicbrainz", "done"]
    assert status_of(env, tmp_path)["mb_coverage"] > 0.5


def _hold_musicbrainz(monkeypatch):
    """The simulated MusicBrainz holds every answer until `release` is set; `entered` tells it was asked."""
    import threading

    entered, release = threading.Event(), threading.Event()
    answer = musicbrainz.call

    def held(sim, path, params):
        entered.set()
        release.wait(120)
        return answer(sim, path, params)

    monkeypatch.setattr(musicbrainz, "call", held)
    return entered, release
