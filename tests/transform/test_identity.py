"""One artist per artist (issue 11): known answers on small hand-written histories (real DuckDB, real dbt).

Spellings of one artist (accent, case, U+2010 hyphen, U+2019 apostrophe, a name last.fm corrects, a
shared MusicBrainz id) are one artist, shown under its most-played spelling, with every spelling in
dim_artist_alias and the artist's genre on all of them; tracks and albums of an artist fold the same way.
An incremental build equals a full rebuild when a tag answer or a new spelling that moves a name arrives later.
"""

from collections import defaultdict
from datetime import date, timedelta

import duckdb
import pytest
from test_incremental import TABLES, normalised, qualified
from test_transform import TODAY, query

from scrobble_insights.bronze.files import write_tags_batch
from scrobble_insights.bronze.store import LocalBronze
from scrobble_insights.config import build_settings
from scrobble_insights.load.loader import load_tags
from scrobble_insights.load.warehouse import open_warehouse
from scrobble_insights.operate.steps import extract_and_load
from scrobble_insights.transform.dbt import transform
from support import TODAY as SIMULATOR_TODAY
from transform_history import FETCHED, write_history

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
ROCK = [("post-rock", 100), ("ambient", 40), ("seen live", 30)]


def plays(count: int, day: str, artist: str, track: str, album: str | None = "Ágætis byrjun",
          mbid: str = "") -> list[tuple]:
    """`count` plays a minute apart from 10:00 UTC of `day`."""
    return [(f"{day} 10:{minute:02d}", artist, track, album, mbid) for minute in range(count)]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # no scrobble-insights.toml or .env of the developer
    return lambda **values: build_settings(data_dir=tmp_path / "data", **values)


def snapshot(settings) -> dict[str, list]:
    """Every compared table, rows sorted (test_incremental's list plus the identity tables)."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return {table: sorted((normalised(r) for r in con.execute(f"SELECT * FROM {qualified(table)}").fetchall()), key=repr)
                for table in [*TABLES, "dim_artist_alias", "mart_artist_tags"]}
    finally:
        con.close()


def land_tags(settings, artist: str, tags: list[tuple[str, int]], answered_as: str) -> None:
    """Land and load one later artist.getTopTags answer (as the `tag` step would)."""
    record = {"artist": artist, "fetched_at": FETCHED.isoformat(),
              "body": {"toptags": {"tag": [{"name": n, "count": c, "url": ""} for n, c in tags],
                                   "@attr": {"artist": answered_as}}}}
    write_tags_batch(LocalBronze(settings.bronze_dir), [record], FETCHED)
    warehouse = open_warehouse(settings)
    try:
        load_tags(warehouse, LocalBronze(settings.bronze_dir))
    finally:
        warehouse.close()


@pytest.mark.slow
def test_spelling_variants_are_one_artist_shown_under_its_most_played_spelling(settings):
    s = settings(users=[{"name": "ann", "timezone": "UTC"}])
    history = (plays(14, "2026-03-01", "Sigur Rós", "Hoppípolla")                  # accent
               + plays(2, "2026-03-02", "Sigur Ros", "Hoppipolla")                # the spelling without tags
               + plays(1, "2026-03-02", "SIGUR ROS", "hoppípolla", None)
               + plays(5, "2026-03-03", "Of Monsters and Men", "Don’t Stop")     # case, U+2019
               + plays(7, "2026-03-03", "Of Monsters And Men", "Don't stop")
               + plays(4, "2026-03-04", "Jay‐Z", "Song")                          # U+2010 hyphen
               + plays(3, "2026-03-04", "Jay-Z", "Song")
               + plays(3, "2026-03-05", "Mumiy Troll", "Vladivostok 2000", None)  # last.fm corrects it
               + plays(2, "2026-03-05", "Мумий Тролль", "Владивосток 2000", None)
               + plays(2, "2026-03-06", "Prince", "Purple Rain", mbid=MBID)     # one MBID, two names
               + plays(1, "2026-03-06", "The Artist Formerly Known as Prince", "Gett Off", mbid=MBID)
               + plays(1, "2026-03-06", "Portishead", "Roads"))                 # alone
    write_history(s, "ann", history, first=date(2026, 3, 1), last=date(2026, 3, 6),
                  tags={"Sigur Rós": ROCK, "Mumiy Troll": [("rock", 100), ("russian", 80)]},
                  answered_as={"Mumiy Troll": "Мумий Тролль"})
    transform(s, today=TODAY)

    assert query(s, "SELECT artist_name, plays, alias_count FROM marts.dim_artist ORDER BY plays DESC, 1") == [
        ("Sigur Rós", 17, 3), ("Of Monsters And Men", 12, 2), ("Jay‐Z", 7, 2), ("Mumiy Troll", 5, 2),
        ("Prince", 3, 2), ("Portishead", 1, 1)]
    assert query(s, """SELECT artist_name_as_scrobbled, artist_name, plays, is_displayed, is_tags_source
                       FROM marts.dim_artist_alias ORDER BY artist_name, plays DESC""") == [
        ("Jay‐Z", "Jay‐Z", 4, True, False), ("Jay-Z", "Jay‐Z", 3, False, False),
        ("Mumiy Troll", "Mumiy Troll", 3, True, True), ("Мумий Тролль", "Mumiy Troll", 2, False, False),
        ("Of Monsters And Men", "Of Monsters And Men", 7, True, False),
        ("Of Monsters and Men", "Of Monsters And Men", 5, False, False),
        ("Portishead", "Portishead", 1, True, False),
        ("Prince", "Prince", 2, True, False),
        ("The Artist Formerly Known as Prince", "Prince", 1, False, False),
        ("Sigur Rós", "Sigur Rós", 14, True, True), ("Sigur Ros", "Sigur Rós", 2, False, False),
        ("SIGUR ROS", "Sigur Rós", 1, False, False)]
    # the spellings without tags get their artist's genre, in every mart that shows one
    assert query(s, """SELECT a.artist_name_as_scrobbled, d.primary_genre FROM marts.dim_artist_alias a
                       JOIN marts.dim_artist d USING (artist_key)
                       WHERE d.artist_name IN ('Sigur Rós', 'Mumiy Troll') ORDER BY 1""") == [
        ("Mumiy Troll", "rock"), ("SIGUR ROS", "post-rock"), ("Sigur Ros", "post-rock"),
        ("Sigur Rós", "post-rock"), ("Мумий Тролль", "rock")]
    assert query(s, "SELECT DISTINCT artist_name, primary_genre FROM marts.wide_scrobbles "
                    "WHERE artist_name = 'Sigur Rós'") == [("Sigur Rós", "post-rock")]
    assert query(s, "SELECT artist_name, tag_name FROM marts.mart_artist_tags ORDER BY 1, tag_rank") == [
        ("Mumiy Troll", "rock"), ("Mumiy Troll", "russian"),
        ("Sigur Rós", "post-rock"), ("Sigur Rós", "ambient"), ("Sigur Rós", "seen live")]
    # tracks and albums of one artist fold the same way (a transliterated title stays its own track)
    assert query(s, """SELECT artist_name, track_name, plays FROM marts.dim_track
                       WHERE artist_name IN ('Sigur Rós', 'Of Monsters And Men', 'Mumiy Troll')
                       ORDER BY 1, 2""") == [
        ("Mumiy Troll", "Vladivostok 2000", 3), ("Mumiy Troll", "Владивосток 2000", 2),
        ("Of Monsters And Men", "Don't stop", 12), ("Sigur Rós", "Hoppípolla", 17)
    ]
    assert query(s, """SELECT artist_name, album_name, is_unknown, plays FROM marts.dim_album
                       WHERE artist_name = 'Sigur Rós' ORDER BY album_name""") == [
        ("Sigur Rós", "(no album)", True, 1), ("Sigur Rós", "Ágætis byrjun", False, 16)]
    # who is number one: the top ten counts each artist once
    assert query(s, """SELECT entity_name, plays FROM marts.mart_top_music_yearly
                       WHERE entity_type = 'artist' ORDER BY plays DESC LIMIT 2""") == [
        ("Sigur Rós", 17), ("Of Monsters And Men", 12)]


@pytest.mark.slow
def test_a_later_tag_answer_or_spelling_that_moves_a_name_rebuilds_its_days_incrementally(settings):
    s = settings(users=[{"name": "bob", "timezone": "Europe/London"}])
    history = (plays(3, "2026-04-01", "Mumiy Troll", "Utekay") + plays(2, "2026-04-02", "Мумий Тролль", "Утекай")
               + plays(2, "2026-04-03", "Sigur Rós", "Glósóli", mbid=MBID)
               + plays(1, "2026-04-03", "Mumiy Troll", "Utekay"))
    write_history(s, "bob", history, first=date(2026, 4, 1), last=date(2026, 4, 3),
                  tags={"Мумий Тролль": [("rock", 100)], "Sigur Rós": ROCK})
    first = transform(s, today=TODAY)
    assert first.full_refresh
    assert query(s, "SELECT count(*) FROM marts.dim_artist") == [(3,)]
    assert query(s, "SELECT primary_genre FROM marts.dim_artist WHERE artist_name = 'Mumiy Troll'") == [("unknown",)]

    # 1. last.fm's answer for 'Mumiy Troll' corrects it to 'Мумий Тролль': no scrobble changed
    land_tags(s, "Mumiy Troll", [("rock", 100)], answered_as="Мумий Тролль")
    assert_incremental_equals_full(s)
    assert query(s, "SELECT artist_name, plays, primary_genre FROM marts.dim_artist ORDER BY 1") == [
        ("Mumiy Troll", 6, "rock"), ("Sigur Rós", 2, "post-rock")]

    # 2. a new spelling with Sigur Rós's MBID and a smaller folded name: the artist's key moves
    write_history(s, "bob", plays(1, "2026-04-04", "Hljómsveitin Sigur Rós", "Glósóli", mbid=MBID),
                  first=date(2026, 4, 4), last=date(2026, 4, 4))
    assert_incremental_equals_full(s)
    assert query(s, "SELECT artist_name, plays, alias_count, primary_genre FROM marts.dim_artist ORDER BY 1") == [
        ("Mumiy Troll", 6, 2, "rock"), ("Sigur Rós", 3, 2, "post-rock")]
    assert query(s, "SELECT count(DISTINCT artist_key), count(DISTINCT track_key) FROM marts.fact_scrobbles") \
        == [(2, 3)]


def assert_incremental_equals_full(s) -> None:
    """Build incrementally, then fully; every compared table is the same after both."""
    assert not transform(s, today=TODAY).full_refresh
    after_incremental = snapshot(s)
    assert transform(s, full_refresh=True, today=TODAY).full_refresh
    for table, rows in snapshot(s).items():
        assert after_incremental[table] == rows, f"{table} differs between incremental and full"


@pytest.mark.slow
def test_the_simulators_variant_spellings_are_merged_into_their_artists(simulator, settings_for):
    """Extracted from the simulator: each artist's spellings (untagged accent and apostrophe variants,
    case, 'The ', transliterations that last.fm corrects) end up as exactly that artist, with its genre."""
    sim, server = simulator(years=0.2)
    s = settings_for(server, users=[{"name": "alice", "timezone": "UTC"}])
    extract_and_load(s, ["alice"], SIMULATOR_TODAY - timedelta(days=70), SIMULATOR_TODAY - timedelta(days=1))
    transform(s, today=SIMULATOR_TODAY)
    cat = sim.catalogue
    rows = query(s, """SELECT a.artist_name_as_scrobbled, a.artist_key, a.has_tags, a.is_displayed, d.has_genre
                       FROM marts.dim_artist_alias a JOIN marts.dim_artist d USING (artist_key)""")
    keys_of, artists_of = defaultdict(set), defaultdict(set)
    for name, key, *_ in rows:
        keys_of[cat.find_artist(name)].add(key)
        artists_of[key].add(cat.find_artist(name))
    assert all(len(keys) == 1 for keys in keys_of.values()), "an artist split in two"
    assert all(len(aids) == 1 for aids in artists_of.values()), "two artists merged"
    variants = [row for row in rows if row[0] != cat.artist_name[cat.find_artist(row[0])]]
    untagged = [row for row in variants if row[0].casefold() in cat.untagged]
    assert len(variants) > len(untagged) > 0
    assert not any(has_tags for _, _, has_tags, _, _ in untagged)
    assert any(has_genre for *_, has_genre in untagged)      # their artist's genre
    assert query(s, "SELECT count(*) FROM marts.dim_artist") == [(len(keys_of),)]
