"""MusicBrainz in the model, through the real pipeline: the simulator's last.fm and MusicBrainz on
127.0.0.1 -> extract and load -> `enrich` -> dbt build on a real DuckDB. dim_artist carries what the
simulated MusicBrainz knows of each matched artist (and nothing for ambiguous or unknown keys), artists
with looked-up curated genres take their genre from MusicBrainz, and the artist marts agree with the
wide table's plays."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import timedelta

import duckdb
import pytest

from scrobble_insights.config import build_settings
from scrobble_insights.operate import steps
from scrobble_insights.operate.enrich import enrich
from scrobble_insights.simulator import Simulator, SimulatorConfig, UserSpec
from scrobble_insights.transform.dbt import transform
from scrobble_insights.transform.genres import canonical_genre
from support import NOW, TEST_KEY, TODAY

pytestmark = pytest.mark.slow      # a backfill, an enrichment and a full dbt build

LOOKUP_TOP = 40                    # genre lookups for the 40 most played matched artists


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(simulator, settings, enrich summary) after backfill, enrich and a full build of alice's 120 days."""
    sim = Simulator(SimulatorConfig(users=[UserSpec("alice", scrobbles_per_day=40)], now=NOW, rate_limit=0,
                                    mb_rate_limit=0, years=0.4))
    server = sim.serve(host="127.0.0.1", port=0)
    try:
        settings = build_settings(
            lastfm_api_url=server.url, lastfm_api_key=TEST_KEY, data_dir=tmp_path_factory.mktemp("mbmodel") / "data",
            rate_limit=500, mb_api_url=server.mb_url, mb_contact="model-tests@example.org", mb_rate_limit=1000,
            mb_lookup_top=LOOKUP_TOP, request_timeout_s=5, retry_backoff_s=0.01, retry_backoff_max_s=0.05,
            max_attempts=12)
        steps.extract_and_load(settings, ["alice"], TODAY - timedelta(days=120), TODAY - timedelta(days=1))
        summary = enrich(settings, ["alice"])
        transform(settings, today=TODAY)
        yield sim, settings, summary
    finally:
        server.close()


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def artists(settings) -> list[dict]:
    columns = ["artist_name", "mb_artist_key", "mb_artist_mbid", "mb_match", "country_code", "country_name",
               "artist_type", "gender", "begin_year", "end_year", "mb_genres", "primary_genre", "genre_source",
               "has_genre"]
    return [dict(zip(columns, row)) for row in query(settings, f"SELECT {', '.join(columns)} FROM marts.dim_artist")]


def test_matched_artists_carry_what_musicbrainz_knows_of_them(built):
    sim, settings, summary = built
    mb = sim.musicbrainz
    matched = [a for a in artists(settings) if a["mb_match"] in ("mbid", "merged", "name")]
    assert len(matched) > 100 and summary.matches["merged"] > 0 and summary.matches["name"] > 0
    for artist in matched:
        truth = mb.artists[artist["mb_artist_mbid"]]
        got = (artist["country_code"], artist["artist_type"], artist["gender"], artist["begin_year"],
               artist["end_year"])
        want = (truth.country, truth.kind, truth.gender, int(truth.begin[:4]),
                int(truth.end[:4]) if truth.end else None)
        assert got == want, artist["artist_name"]
        assert (artist["country_name"] is None) == (truth.country is None), artist["artist_name"]
    merged = [a for a in matched if a["mb_match"] == "merged"]
    assert merged and all(mb.redirects[a["mb_artist_key"][5:]] == a["mb_artist_mbid"] for a in merged)


def test_ambiguous_and_unknown_artists_get_no_musicbrainz_data_and_keep_their_lastfm_genre(built):
    _, settings, summary = built
    rows = artists(settings)
    by_match = Counter(a["mb_match"] for a in rows)
    assert by_match["ambiguous"] > 0 and by_match["unknown"] > 0
    assert by_match["unknown"] + by_match["ambiguous"] <= summary.matches["unknown"] + summary.matches["ambiguous"]
    unmatched = [a for a in rows if a["mb_match"] in ("ambiguous", "unknown")]
    assert all((a["mb_artist_mbid"], a["country_code"], a["artist_type"], a["gender"], a["begin_year"],
                a["mb_genres"]) == (None,) * 6 for a in unmatched)
    assert all(a["genre_source"] != "musicbrainz" for a in unmatched)
    kept = [a for a in unmatched if a["genre_source"] == "lastfm"]
    assert kept and all(a["has_genre"] and a["primary_genre"] != "unknown" for a in kept)


def test_artists_with_looked_up_genres_take_their_genre_from_musicbrainz(built):
    _, settings, summary = built
    curated = {}                    # artist key -> canonical genres of its looked-up curated genres
    for key, body in query(settings, "SELECT artist_key, body FROM raw.mb_artists WHERE answer = 'lookup' "
                                     "AND match IN ('mbid', 'merged', 'name')"):
        genres = {canonical_genre(g["name"]) for g in json.loads(body).get("genres") or [] if g["count"] > 0}
        curated[key] = genres - {None}
    assert summary.looked_up >= LOOKUP_TOP // 2 and sum(1 for g in curated.values() if g) >= 10
    rows = {a["mb_artist_key"]: a for a in artists(settings)}
    decided = {key for key, a in rows.items() if a["genre_source"] == "musicbrainz"}
    assert decided == {key for key, genres in curated.items() if genres and key in rows}
    for key in decided:
        assert rows[key]["primary_genre"] in curated[key] and rows[key]["mb_genres"], key
    assert {a["genre_source"] for a in rows.values()} == {"musicbrainz", "lastfm", "none"}


def test_country_and_type_marts_agree_with_the_plays_of_the_wide_table(built):
    _, settings, _ = built
    wide = query(settings, "SELECT country_code, count(*) FROM marts.wide_scrobbles GROUP BY 1")
    mart = query(settings, "SELECT country_code, plays FROM marts.mart_artist_countries WHERE user_name = 'alice'")
    assert sorted(mart, key=repr) == sorted(wide, key=repr) and len(mart) > 5
    known = sum(plays for code, plays in wide if code is not None)
    shares = dict(query(settings, "SELECT country_code, share_of_known FROM marts.mart_artist_countries"))
    assert all(shares[code] == pytest.approx(plays / known) for code, plays in wide if code is not None)
    assert shares[None] is None
    types = query(settings, "SELECT artist_type, count(*) FROM marts.wide_scrobbles GROUP BY 1")
    assert sorted(query(settings, "SELECT artist_type, plays FROM marts.mart_artist_types"), key=repr) == \
        sorted(types, key=repr)
    sources = query(settings, "SELECT sum(musicbrainz_plays), sum(lastfm_plays), sum(plays) FROM marts.mart_genre_sources")
    by_source = dict(query(settings, "SELECT genre_source, count(*) FROM marts.wide_scrobbles GROUP BY 1"))
    assert sources == [(by_source["musicbrainz"], by_source["lastfm"], sum(by_source.values()))]


def test_music_age_marts_agree_with_the_release_years_of_the_wide_table(built):
    """With release groups enriched too, each year's median release year, dated and new-music shares
    are those of the plays themselves (Python's statistics.median over the wide table's release years)."""
    _, settings, _ = built
    plays: dict[int, list] = {}
    for year, release_year in query(settings, "SELECT year, release_year FROM marts.wide_scrobbles"):
        plays.setdefault(year, []).append(release_year)
    yearly = {row[0]: row[1:] for row in query(settings, """
        SELECT listen_year, plays, dated_plays, dated_share, median_release_year, median_age_years, new_music_share
        FROM marts.mart_music_age_yearly WHERE user_name = 'alice'""")}
    assert sorted(yearly) == sorted(plays)
    dated_somewhere = 0
    for year, releases in plays.items():
        dated = [r for r in releases if r is not None]
        dated_somewhere += len(dated)
        want = (len(releases), len(dated), len(dated) / len(releases),
                statistics.median(dated) if dated else None,
                year - statistics.median(dated) if dated else None,
                sum(1 for r in dated if year - r in (0, 1)) / len(dated) if dated else None)
        assert yearly[year] == pytest.approx(want), year
    assert dated_somewhere > 1000
    decades = dict(((y, d), p) for y, d, p in query(
        settings, "SELECT listen_year, release_decade, plays FROM marts.mart_music_age WHERE user_name = 'alice'"))
    assert decades == Counter((year, r - r % 10 if r is not None else None)
                              for year, releases in plays.items() for r in releases)
