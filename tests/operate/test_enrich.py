"""The enrichment job against the simulated MusicBrainz on 127.0.0.1 and a real DuckDB: batching, rate,
exactly once, resume, and what each kind of artist becomes in raw.mb_artists."""

from __future__ import annotations

import gzip
import json
import math
import shutil
from collections import Counter
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.errors import ConfigError
from scrobble_insights.operate import steps
from scrobble_insights.operate.enrich import enrich
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from scrobble_insights.simulator.faults import MB_FAULT_KINDS, FaultInjector, RateLimiter
from support import NOW, TEST_KEY, TODAY, cli_env, run_cli

CONTACT = "enrich-tests@example.org"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One simulator and one extracted year of alice's scrobbles (no tags), copied into each test's data
    directory: (simulator, server, data directory to copy)."""
    sim = Simulator(SimulatorConfig(users=[UserSpec("alice", scrobbles_per_day=40)], now=NOW, rate_limit=0,
                                    mb_rate_limit=0, years=1.0))
    server = sim.serve(host="127.0.0.1", port=0)
    base = tmp_path_factory.mktemp("enrich-base") / "data"
    settings = build_settings(lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, data_dir=base, rate_limit=500)
    steps.extract_and_load(settings, ["alice"], TODAY - timedelta(days=365), TODAY - timedelta(days=1), tags=False)
    yield sim, server, base
    server.close()


@pytest.fixture
def enriching(world, tmp_path):
    """Factory: Settings on a fresh copy of the extracted data directory, pointing at the simulated
    MusicBrainz with a high rate (tests of the rate set their own) and fast retries."""
    sim, server, base = world
    sim.mb_limiter = RateLimiter(0)
    sim.mb_faults = FaultInjector(0, MB_FAULT_KINDS, 1, MB_FAULT_KINDS)

    def make(name: str = "data", **overrides):
        data = tmp_path / name
        shutil.copytree(base, data)
        values = dict(lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, data_dir=data, mb_api_url=server.mb_url,
                      mb_contact=CONTACT, mb_rate_limit=1000, mb_lookup_top=0, request_timeout_s=5,
                      retry_backoff_s=0.01, retry_backoff_max_s=0.05, max_attempts=12)
        values.update(overrides)
        return build_settings(**values)

    return make


def mb_log(sim, since: int = 0):
    return [e for e in sim.request_log()[since:] if e.method.startswith("mb.")]


def rows(settings) -> dict[str, tuple]:
    """raw.mb_artists: key -> (asked_mbid, asked_name, mbid, match, answer, body)."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        found = con.execute("SELECT artist_key, asked_mbid, asked_name, mbid, match, answer, body "
                            "FROM raw.mb_artists").fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in found}


def keys_with_mbid(settings) -> int:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute("SELECT count(DISTINCT lower(artist_mbid)) FROM raw.scrobbles "
                           "WHERE artist_mbid <> ''").fetchone()[0]
    finally:
        con.close()


def test_mbids_are_batched_and_the_rate_is_never_exceeded(world, enriching):
    sim, _, _ = world
    rate, burst = 60.0, 3.0
    sim.mb_limiter = RateLimiter(rate, burst)          # the simulator answers 503 above it
    settings = enriching(mb_rate_limit=rate)
    start, limited = len(sim.request_log()), sim.stats.get("mb_rate_limited", 0)

    summary = enrich(settings, ["alice"])

    log = mb_log(sim, start)
    assert summary.requests == len(log)
    assert sim.stats.get("mb_rate_limited", 0) == limited, "the simulator had to refuse requests"
    times = [e.at for e in log]
    for i in range(len(times)):           # any stretch of requests fits the rate, allowing the burst
        for j in range(i + 1, len(times)):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6, (i, j)
    arid = [e for e in log if e.method == "mb.artist.search" and e.params["query"].startswith("arid:")]
    with_mbid = keys_with_mbid(settings)
    assert len(arid) == math.ceil(with_mbid / 100) and all(e.params["limit"] == "100" for e in arid)
    by_mbid_requests = len(arid) + sum(1 for e in log if e.method == "mb.artist.lookup")
    assert by_mbid_requests / with_mbid < 0.25, (by_mbid_requests, with_mbid)
    assert summary.enriched == summary.asked == len(rows(settings))
    artist_requests = summary.requests - summary.album_requests     # the release-group step has its own test
    assert artist_requests == sum(1 for e in log if e.method.startswith("mb.artist."))
    assert artist_requests / summary.enriched < 0.6


def test_a_second_run_asks_nothing_until_the_refresh_age_passes(world, enriching):
    sim, _, _ = world
    settings = enriching(mb_max_age_days=30)
    first = enrich(settings, ["alice"])
    start = len(sim.request_log())

    again = enrich(settings, ["alice"], now=datetime.now(timezone.utc) + timedelta(days=29))
    assert (again.requests, again.asked) == (0, 0) and not mb_log(sim, start)

    later = enrich(settings, ["alice"], now=datetime.now(timezone.utc) + timedelta(days=31))
    assert later.asked == first.asked and later.requests == first.requests
    assert len(rows(settings)) == first.asked


def test_a_killed_run_resumes_without_asking_again_what_it_landed(world, enriching):
    sim, _, _ = world
    clean = enriching("clean")
    enrich(clean, ["alice"])
    settings = enriching()
    start = len(sim.request_log())
    answers = []

    class Killed(Exception):
        pass

    def kill_after_150(record):
        answers.append(record)
        if len(answers) == 150:
            raise Killed()

    with pytest.raises(Killed):
        enrich(settings, ["alice"], on_answer=kill_after_150)
    assert len(rows(settings)) > 0, "what was answered before the kill is landed and loaded"
    resumed = enrich(settings, ["alice"])

    log = mb_log(sim, start)
    assert len(log) == 150 + resumed.requests
    single = Counter(e.params.get("path") if e.method == "mb.artist.lookup" else
                     e.params.get("query") or (e.params.get("artist"), e.params.get("offset"))
                     for e in log if not e.params.get("query", "").startswith("arid:"))
    assert max(single.values()) == 1, "a name search, a lookup or a release-group request was asked twice"
    assert {k: v[2:4] for k, v in rows(settings).items()} == {k: v[2:4] for k, v in rows(clean).items()}


def test_names_match_only_when_unambiguous_and_never_a_wrong_artist(world, enriching):
    sim, _, _ = world
    settings = enriching()
    summary = enrich(settings, ["alice"])
    mb = sim.musicbrainz
    by_name = {k: v for k, v in rows(settings).items() if k.startswith("name:")}
    ambiguous = {k: v for k, v in by_name.items() if v[1].casefold() in mb.ambiguous}
    assert ambiguous, "the history should hold an artist whose name two MusicBrainz artists share"
    assert {v[3] for v in ambiguous.values()} == {"ambiguous"} and {v[2] for v in ambiguous.values()} == {None}
    for _, name, mbid, match, _, _ in by_name.values():
        aid = sim.catalogue.find_artist(name)
        if match == "name":
            assert mbid == mb.by_lastfm[aid], f"{name} matched the wrong artist"
        elif match == "unknown":       # not in MusicBrainz, or only as an alias (scored below 100): a miss, no guess
            assert aid not in mb.by_lastfm or mb.artists[mb.by_lastfm[aid]].name.casefold() != name.casefold(), name
    misses = [v[1] for v in by_name.values() if v[3] == "unknown" and sim.catalogue.find_artist(v[1]) in mb.by_lastfm]
    assert len(misses) <= 0.1 * len(by_name), misses
    assert summary.matches["ambiguous"] == len(ambiguous) and summary.matches["name"] > 0


def test_merged_mbids_land_on_their_target_and_unknown_ones_are_counted_and_kept(world, enriching):
    sim, _, _ = world
    settings = enriching()
    summary = enrich(settings, ["alice"])
    mb = sim.musicbrainz
    by_mbid = {k: v for k, v in rows(settings).items() if k.startswith("mbid:")}
    merged = {k: v for k, v in by_mbid.items() if v[0] in mb.redirects}
    unknown = {k: v for k, v in by_mbid.items() if v[0] in mb.unknown}
    assert merged and unknown
    for asked, _, mbid, match, answer, body in merged.values():
        assert (match, mbid, answer) == ("merged", mb.redirects[asked], "lookup")
        assert json.loads(body)["id"] == mbid and "genres" in json.loads(body)
    assert {(v[2], v[3]) for v in unknown.values()} == {(None, "unknown")}
    assert {v[3] for k, v in by_mbid.items() if k not in merged and k not in unknown} == {"mbid"}
    assert summary.matches["merged"] == len(merged)
    assert summary.matches["unknown"] == len(unknown) + sum(1 for k, v in rows(settings).items()
                                                          if k.startswith("name:") and v[3] == "unknown")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)   # their last.fm plays are kept
    try:
        kept = con.execute("SELECT count(*) FROM raw.scrobbles WHERE lower(artist_mbid) IN (SELECT unnest(?))",
                           [[v[0] for v in unknown.values()]]).fetchone()[0]
    finally:
        con.close()
    assert kept > 0


def test_genre_lookups_go_to_the_most_played_matched_artists_only(world, enriching):
    settings = enriching(mb_lookup_top=15)
    summary = enrich(settings, ["alice"])
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        top = [r[0] for r in con.execute("""
            SELECT key FROM (SELECT CASE WHEN mbid IS NULL THEN 'name:' || artist_name ELSE 'mbid:' || mbid END AS key,
                                    sum(n) AS plays
                             FROM (SELECT artist_name, max(nullif(lower(artist_mbid), '')) AS mbid, count(*) AS n
                                   FROM raw.scrobbles GROUP BY 1) GROUP BY 1)
            ORDER BY plays DESC, key LIMIT 15""").fetchall()]
    finally:
        con.close()
    found = rows(settings)
    looked = {k for k, v in found.items() if v[4] == "lookup" and v[3] in ("mbid", "name")}
    assert looked == {k for k in top if found[k][3] in ("mbid", "name")}
    assert summary.looked_up == len(looked) > 0
    assert all("genres" in json.loads(found[k][5]) for k in looked)


def test_faults_and_503s_are_retried_to_the_same_answers(world, enriching):
    sim, _, _ = world
    clean = enriching("clean")
    enrich(clean, ["alice"])
    sim.mb_faults = FaultInjector(0.15, MB_FAULT_KINDS, 3, MB_FAULT_KINDS)
    sim.config.timeout_fault_s = 0.6
    try:
        settings = enriching(request_timeout_s=0.3)
        summary = enrich(settings, ["alice"])
    finally:
        sim.mb_faults = FaultInjector(0, MB_FAULT_KINDS, 1, MB_FAULT_KINDS)
    assert summary.retries > 0
    assert {k: v[2:4] for k, v in rows(settings).items()} == {k: v[2:4] for k, v in rows(clean).items()}


def test_the_user_agent_names_the_contact_and_no_lastfm_key_reaches_musicbrainz(world, enriching):
    sim, _, _ = world
    settings = enriching()
    start = len(sim.request_log())
    enrich(settings, ["alice"])
    log = mb_log(sim, start)
    assert {e.params["user-agent"] for e in log} == {f"scrobble-insights/0.1.0 ( {CONTACT} )"}
    assert not any(TEST_KEY in json.dumps(e.params) for e in log)
    for path in (settings.bronze_dir / "musicbrainz").rglob("*.jsonl.gz"):
        assert TEST_KEY not in gzip.decompress(path.read_bytes()).decode()


def test_enrich_without_a_contact_fails_in_one_line_before_any_request(world, enriching):
    sim, _, _ = world
    settings = enriching(mb_contact="")
    start = len(sim.request_log())
    with pytest.raises(ConfigError, match="SCROBBLE_INSIGHTS_MB_CONTACT is not set") as caught:
        enrich(settings, ["alice"])
    assert "\n" not in str(caught.value) and not mb_log(sim, start)


def test_enrich_command_holds_the_job_and_prints_one_summary_line(world, tmp_path):
    sim, server, base = world
    data = tmp_path / "data"
    shutil.copytree(base, data)
    env = cli_env(server, data, SCROBBLE_INSIGHTS_MB_API_URL=server.mb_url, SCROBBLE_INSIGHTS_MB_CONTACT=CONTACT,
                  SCROBBLE_INSIGHTS_MB_RATE_LIMIT="1000", SCROBBLE_INSIGHTS_MB_LOOKUP_TOP="0")
    first = run_cli(["enrich", "--user", "alice"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    line = [s for s in first.stdout.splitlines() if s.startswith("MusicBrainz:")]
    assert len(line) == 1 and " by MBID" in line[0] and " per artist asked" in line[0]
    second = run_cli(["enrich", "--user", "alice"], env, tmp_path)
    assert second.returncode == 0 and "· 0 requests" in second.stdout, second.stdout
    runs = [json.loads(s) for s in (data / "state" / "runs.jsonl").read_text().splitlines()]
    assert [r["command"] for r in runs[-2:]] == ["enrich", "enrich"] and runs[-1]["mb_requests"] == 0
    missing = run_cli(["enrich", "--user", "alice"], {**env, "SCROBBLE_INSIGHTS_MB_CONTACT": ""}, tmp_path)
    assert missing.returncode == 2 and "SCROBBLE_INSIGHTS_MB_CONTACT" in missing.stderr


def test_raw_mb_artists_rebuilds_from_bronze_alone(world, enriching):
    settings = enriching(mb_lookup_top=20)
    enrich(settings, ["alice"])
    before = rows(settings)
    steps.rebuild_from_bronze(settings)          # a fresh warehouse file from bronze, no API
    assert rows(settings) == before


def test_the_summary_line_counts_the_artists_requests_per_artist_and_the_albums_apart():
    from scrobble_insights.operate.enrich import EnrichSummary

    summary = EnrichSummary(requests=10, retries=1, matches=Counter(mbid=2, name=1), album_requests=4,
                            album_matches=Counter(mbid=6, title=2))
    line = summary.line()
    assert "· 6 requests, 2.00 per artist asked ·" in line            # (10 - 4) requests / 3 artists
    assert "8 albums — 6 by release MBID, 2 by title" in line and "4 requests, 0.50 per album asked" in line
    assert "· 10 requests in all (1 retries) ·" in line
