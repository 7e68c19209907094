"""The release-group step of the enrichment job against the simulated MusicBrainz on 127.0.0.1 and a real
DuckDB: reid batching and the rate, title matching (a title two release groups share is never guessed),
exactly once, resume, rebuild from bronze, and (with dbt) each album's first release year in dim_album."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
import test_enrich

from scrobble_insights.musicbrainz.match import normalise
from scrobble_insights.operate import steps
from scrobble_insights.operate.enrich import enrich
from scrobble_insights.simulator.faults import RateLimiter
from support import TODAY

world, enriching, mb_log = test_enrich.world, test_enrich.enriching, test_enrich.mb_log   # shared with the artist tests
# A history and warehouse of its own (~40 s of enrich runs): in the full suite, not the fast lane, which still
# runs the release-group step inside every test of test_enrich.py (second run: 0 requests; killed run: none twice).
pytestmark = pytest.mark.slow


def rg_rows(settings) -> dict[str, tuple]:
    """raw.mb_release_groups: album_ref -> (asked_release_mbid, asked_artist_mbid, asked_artist_name,
    asked_title, release_group_mbid, first_release_date, match, answer)."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        found = con.execute("SELECT album_ref, asked_release_mbid, asked_artist_mbid, asked_artist_name, asked_title, "
                            "release_group_mbid, first_release_date, match, answer FROM raw.mb_release_groups").fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in found}


def true_groups(sim, artist_name: str, title: str) -> set[str]:
    """The simulator's release groups of the last.fm albums of that artist and title."""
    cat, mb = sim.catalogue, sim.musicbrainz
    aid = cat.find_artist(artist_name)
    return {mb.by_lastfm_album[a] for a in cat.artist_albums[aid] if cat.album_name[a] == title
            and a in mb.by_lastfm_album}


def rg_log(sim, since: int):
    return [e for e in mb_log(sim, since) if e.method.startswith("mb.release-group.")]


def test_release_groups_are_batched_by_release_mbid_and_the_rate_is_never_exceeded(world, enriching):
    sim, _, _ = world
    rate, burst = 60.0, 3.0
    sim.mb_limiter = RateLimiter(rate, burst)          # the simulator answers 503 above it
    settings = enriching(mb_rate_limit=rate)
    start, limited = len(sim.request_log()), sim.stats.get("mb_rate_limited", 0)

    summary = enrich(settings, ["alice"])

    log, albums = mb_log(sim, start), rg_log(sim, start)
    assert sim.stats.get("mb_rate_limited", 0) == limited, "the simulator had to refuse requests"
    times = [e.at for e in log]
    for i in range(len(times)):           # any stretch of requests fits the rate, allowing the burst
        for j in range(i + 1, len(times)):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6, (i, j)
    rows = rg_rows(settings)
    assert summary.album_requests == len(albums) > 0
    assert summary.albums_asked == len(rows) == sum(summary.album_matches.values())
    with_release = [k for k in rows if k.startswith("mbid:")]
    reid = [e for e in albums if e.method == "mb.release-group.search"]
    assert all(e.params["query"].startswith("reid:(") and e.params["limit"] == "100" for e in reid)
    assert len(reid) == math.ceil(len(with_release) / 100) and len(reid) / len(with_release) < 0.05
    browsed = [e.params["artist"] for e in albums if e.method == "mb.release-group.browse"]
    assert sorted(browsed) == sorted({v[1] for k, v in rows.items() if k.startswith("title:")})
    assert summary.album_requests / summary.albums_asked < 0.5
    assert " albums — " in summary.line() and " by release MBID, " in summary.line()


def test_albums_land_on_their_own_release_group_and_a_shared_title_stays_ambiguous(world, enriching):
    sim, _, _ = world
    mb = sim.musicbrainz
    settings = enriching()
    summary = enrich(settings, ["alice"])
    rows = rg_rows(settings)
    for ref, (release, artist_mbid, artist_name, title, group, date, match, answer) in rows.items():
        if ref.startswith("mbid:"):
            assert (release, answer) == (ref[5:], "search") and artist_mbid in (None, *mb.artists)
            assert group == mb.release_of.get(release), f"{title}: release {release} is in another group"
            assert match == ("mbid" if group else "unknown")
        else:
            assert (release, answer) == (None, "browse") and artist_mbid in mb.artists
            truth = true_groups(sim, artist_name, title)
            same = [g for g in mb.artists[artist_mbid].release_groups
                    if normalise(mb.release_groups[g].title) == normalise(title)]
            assert match == ("title" if len(same) == 1 else "ambiguous" if same else "unknown"), title
            if match == "title":
                assert {group} == truth, f"{title} matched the wrong release group"
            else:
                assert group is None
        assert date == (mb.release_groups[group].first_release_date if group else None)
    kinds = Counter(v[6] for v in rows.values())
    assert kinds["mbid"] and kinds["title"] and kinds["ambiguous"] and kinds["unknown"]
    assert summary.album_matches == kinds
    respelled = [v for v in rows.values() if v[6] == "title" and mb.release_groups[v[4]].title != v[3]]
    assert respelled, "a title MusicBrainz spells in another case or punctuation should still match"
    ambiguous = [v for v in rows.values() if v[6] == "ambiguous"]
    assert any(mb.release_groups[g].primary_type == "Single" for v in ambiguous
               for g in mb.artists[v[1]].release_groups if normalise(mb.release_groups[g].title) == normalise(v[3]))


def test_a_second_run_asks_for_no_release_group_until_the_refresh_age_passes(world, enriching):
    sim, _, _ = world
    settings = enriching(mb_max_age_days=30)
    first = enrich(settings, ["alice"])
    start = len(sim.request_log())

    again = enrich(settings, ["alice"], now=datetime.now(timezone.utc) + timedelta(days=29))
    assert (again.albums_asked, again.album_requests) == (0, 0) and not rg_log(sim, start)

    later = enrich(settings, ["alice"], now=datetime.now(timezone.utc) + timedelta(days=31))
    assert (later.albums_asked, later.album_requests) == (first.albums_asked, first.album_requests)
    assert len(rg_rows(settings)) == first.albums_asked


def test_a_killed_release_group_run_resumes_without_asking_again_what_it_landed(world, enriching):
    sim, _, _ = world
    clean = enriching("clean")
    enrich(clean, ["alice"])
    settings = enriching()
    start = len(sim.request_log())
    answers = []

    class Killed(Exception):
        pass

    def kill_after_60_album_answers(record):
        if record["request"].startswith("release-group."):
            answers.append(record)
            if len(answers) == 60:               # past the first flush of 50
                raise Killed()

    with pytest.raises(Killed):
        enrich(settings, ["alice"], on_answer=kill_after_60_album_answers)
    landed = rg_rows(settings)
    assert 0 < len(landed) < len(rg_rows(clean)), "what was answered before the kill is landed and loaded"
    resumed = enrich(settings, ["alice"])

    asked = rg_log(sim, start)
    assert len(asked) == 60 + resumed.album_requests and resumed.asked == 0
    once = Counter(e.params.get("query") or (e.params["artist"], e.params.get("offset")) for e in asked)
    assert max(once.values()) == 1, "a reid search or a browse was asked twice"
    assert {k: v[4:7] for k, v in rg_rows(settings).items()} == {k: v[4:7] for k, v in rg_rows(clean).items()}


def test_raw_mb_release_groups_rebuilds_from_bronze_alone(world, enriching):
    settings = enriching()
    enrich(settings, ["alice"])
    before = rg_rows(settings)
    assert before
    steps.rebuild_from_bronze(settings)          # a fresh warehouse file from bronze, no API
    assert rg_rows(settings) == before


def test_enrich_then_dbt_gives_each_album_the_first_release_year_of_its_release_group(world, enriching):
    from scrobble_insights.transform.dbt import transform

    sim, _, _ = world
    mb = sim.musicbrainz
    settings = enriching()
    enrich(settings, ["alice"])
    transform(settings, today=TODAY)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        albums = con.execute("SELECT a.album_name, d.artist_name, a.release_group_mbid, a.first_release_year, "
                             "a.release_match, a.plays, a.is_unknown FROM marts.dim_album a "
                             "JOIN marts.dim_artist d USING (artist_key)").fetchall()
    finally:
        con.close()
    for name, _, group, year, match, _, unknown in albums:
        if match in ("mbid", "title"):
            date = mb.release_groups[group].first_release_date
            assert normalise(mb.release_groups[group].title) == normalise(name)
            assert year == (int(date[:4]) if date else None), name
        else:
            assert (group, year) == (None, None)
        assert not unknown or match is None           # the '(no album)' row is never asked
    assert {a[4] for a in albums} == {"mbid", "title", "ambiguous", "unknown", None}
    # a known answer: the most played album matched by its title, against the simulator's own catalogue
    name, artist, group, year, _, _, _ = max((a for a in albums if a[4] == "title" and a[3]), key=lambda a: a[5])
    (truth,) = true_groups(sim, artist, name) or {None}
    assert group == truth and year == int(mb.release_groups[truth].first_release_date[:4])
