"""Insight in the first minute (issue 13): a backfill models and publishes the scrobbles before the
artist tags, which then arrive most played first; readers answer all along."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import duckdb
import pytest

from support import TODAY, cli_env, hold_method, run_cli, truth_rows


def read_until(stream, text: str) -> list[str]:
    """Lines of a child's output up to the one containing `text`; fails if the child ends first."""
    lines = []
    for line in stream:
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"the job ended without printing {text!r}:\n{''.join(lines)}")


@pytest.mark.slow
def test_scrobbles_are_modelled_and_readable_while_the_tags_are_still_being_fetched(simulator, tmp_path,
                                                                                     monkeypatch):
    sim, server = simulator(years=0.25)
    entered, release = hold_method(monkeypatch, "artist.gettoptags")    # last.fm is slow to answer tags
    data = tmp_path / "data"
    env = cli_env(server, data, SCROBBLE_INSIGHTS_EARLY_ANSWER_S="0", SCROBBLE_INSIGHTS_REQUEST_TIMEOUT_S="150")
    first, last = TODAY - timedelta(days=80), TODAY - timedelta(days=1)
    truth = truth_rows(sim, "alice", first, TODAY)
    job = subprocess.Popen([sys.executable, "-m", "scrobble_insights", "backfill", "-u", "alice", "--since",
                            str(first), "--until", str(last), "--summary-json", str(tmp_path / "summary.json")],
                           env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        early = read_until(job.stdout, "The scrobbles are modelled")
        assert entered.is_set(), "tags were not asked for before the first model was published"
        printed = " ".join("".join(early).split())
        assert "dbt build · scrobbles first (full refresh)" in printed and "genre coverage 0.0% of plays" in printed
        # Held tags: the job is still running, and every reader answers from what it published.
        assert job.poll() is None
        status = run_cli(["status", "--json"], env, tmp_path)
        assert status.returncode == 0, status.stderr
        [user] = json.loads(status.stdout)["users"]
        assert user["scrobbles_modelled"] == sum(truth.values())
        assert user["genre_coverage"] == 0
        artists = len({artist for _, artist, *_ in truth})
        assert user["artists_untagged"] == artists
        report = run_cli(["report", "--output", str(tmp_path / "early.html")], env, tmp_path)
        assert report.returncode == 0, report.stderr
        html = (tmp_path / "early.html").read_text()
        assert "Artist tags are still being fetched: genres so far cover the artists of 0% of the plays" in html
    finally:
        release.set()
    rest, errors = job.communicate(timeout=300)
    assert job.returncode == 0, errors
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["stages"][0] == "scrobbles" and summary["stages"][-1] == "done"
    assert summary["artists_tagged"] == artists
    [user] = json.loads(run_cli(["status", "--json"], env, tmp_path).stdout)["users"]
    assert user["artists_untagged"] == 0 and user["genre_coverage"] > 0.5
    with duckdb.connect(str(data / "warehouse.snapshot.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.fact_scrobbles").fetchone()[0] == sum(truth.values())
