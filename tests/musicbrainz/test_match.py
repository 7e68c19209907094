"""The name-matching rule and the Lucene query builders (pure functions, no I/O)."""

from __future__ import annotations

from scrobble_insights.musicbrainz.match import (
    arid_query,
    lucene_escape,
    match_name,
    match_title,
    name_query,
    normalise,
    reid_query,
    release_group_holding,
)


def hit(name: str, score: int, mbid: str = "a") -> dict:
    return {"id": mbid, "name": name, "score": score}


def test_normalise_folds_case_width_typographic_quotes_and_spaces():
    assert normalise("  Ｂjörk ") == normalise("björk") == "björk"
    assert normalise("Vera\u2019s   Moon") == "vera's moon"


def test_lucene_special_characters_are_escaped_in_name_queries():
    assert lucene_escape('AC/DC: "Live" (1992) && more!') == r'AC\/DC\: \"Live\" \(1992\) \&& more\!'
    assert name_query("Sigur Rós") == 'artist:"Sigur Rós"'
    assert arid_query(["x", "y"]) == "arid:(x OR y)"


def test_a_single_exact_hit_at_100_matches():
    found = match_name("The Cure", {"artists": [hit("The Cure", 100, "c"), hit("The Cures", 60, "d")]})
    assert (found.kind, found.hit["id"]) == ("name", "c")


def test_namesakes_at_100_and_98_are_ambiguous():
    found = match_name("Nirvana", {"artists": [hit("Nirvana", 100, "a"), hit("Nirvana", 98, "b")]})
    assert (found.kind, found.hit) == ("ambiguous", None)


def test_a_rival_with_a_close_score_is_ambiguous_even_under_another_name():
    assert match_name("Low", {"artists": [hit("Low", 100), hit("LOW Band", 96, "b")]}).kind == "ambiguous"
    assert match_name("Low", {"artists": [hit("Low", 100), hit("Low Roar", 80, "b")]}).kind == "name"


def test_weak_partial_matches_and_non_exact_names_are_unknown_never_the_top_hit():
    assert match_name("Nobody Knows Us", {"artists": [hit("Nobody", 80), hit("Us", 40, "b")]}).kind == "unknown"
    assert match_name("Beatles", {"artists": [hit("The Beatles", 100)]}).kind == "unknown"
    assert match_name("Vera's Moon", {"artists": [hit("Vera's Moon", 95)]}).kind == "unknown"
    assert match_name("Anyone", {"artists": []}).kind == "unknown"


def test_a_title_matches_only_the_one_release_group_that_has_it_after_normalisation():
    album = {"id": "a", "title": "Vera’s Moon", "primary-type": "Album"}
    single = {"id": "s", "title": "VERA'S MOON", "primary-type": "Single"}
    other = {"id": "o", "title": "Vera's Moon (Live)", "primary-type": "Album"}
    assert match_title("vera's  moon", [album, other]) == ("title", album, [album])
    assert match_title("Vera's Moon", [album, single, other]) == ("ambiguous", None, [album, single])
    assert match_title("Vera", [album, single, other]) == ("unknown", None, [])


def test_a_release_belongs_to_the_hit_whose_releases_hold_it():
    hits = [{"id": "g1", "releases": [{"id": "r1"}, {"id": "r2"}]}, {"id": "g2", "releases": [{"id": "r3"}]}]
    assert release_group_holding("R2", hits)["id"] == "g1" and release_group_holding("r9", hits) is None
    assert reid_query(["r1", "r3"]) == "reid:(r1 OR r3)"
