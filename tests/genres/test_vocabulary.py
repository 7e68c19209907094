"""The vendored vocabulary, our overlay, the version string, the generated dbt seed, and the lookups
that feed dbt: spelling folding, junk rejection, hierarchy and genre familys. (Ranking an artist's
genres is dbt's int_artist_genres_ranked, tested by its unit tests.)"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import scrobble_insights.transform.genres as genres_pkg
from scrobble_insights.transform.genres import (
    GENRE_FAMILIES,
    UNKNOWN,
    VOCABULARY_VERSION,
    canonical_genre,
    genre_info,
    hierarchy_rows,
    normalize_tag,
    tag_rows,
)
from scrobble_insights.transform.genres.export import SEED_PATH, build_hierarchy_csv
from scrobble_insights.transform.genres.vocabulary import (
    OVERLAY_FILE,
    build_version,
    build_vocabulary,
    read_file,
    read_vendored,
)

PACKAGE = Path(genres_pkg.__file__).parent
VENDORED = PACKAGE / "vocabulary"


def test_vendored_files_match_their_recorded_checksums_when_read():
    table = (VENDORED / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"\| `([\w.-]+)` \|.*\| `([0-9a-f]{64})` \|", table))
    assert set(recorded) == {"genres.txt", "genres-tree.yaml", "aliases.yaml", "LICENSE-beets.txt"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name


def test_vocabulary_version_is_computed_from_packaged_files_when_imported():
    assert VOCABULARY_VERSION == build_version(read_file(OVERLAY_FILE), read_vendored())
    assert re.fullmatch(r"beets-2\.14\.1-[0-9a-f]{8}\+overlay-[0-9a-f]{8}", VOCABULARY_VERSION)


def test_vocabulary_version_changes_when_overlay_text_changes():
    overlay = read_file(OVERLAY_FILE).decode("utf-8")
    vendored = read_vendored()
    edited = overlay.replace("dance: electronic", "dance: pop")
    assert edited != overlay
    assert build_version(edited.encode(), vendored) != build_version(overlay.encode(), vendored)
    assert build_version(overlay.encode(), vendored + b"x") != build_version(overlay.encode(), vendored)
    assert build_version(overlay.encode(), vendored) == build_version(overlay.encode(), vendored)


def test_overlay_gives_a_reason_when_it_adds_an_entry():
    lines = (PACKAGE / "overlay.yaml").read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line.startswith("  ") and not line.strip().startswith("#")
               and not line.rstrip().endswith(":")]
    assert len(entries) > 50
    assert [line for line in entries if " # " not in line] == []


def test_seed_csv_matches_hierarchy_when_committed():
    assert SEED_PATH.read_text(encoding="utf-8") == build_hierarchy_csv(), (
        "genre_hierarchy.csv is stale: run `python -m scrobble_insights.transform.genres.export`")


def test_seed_csv_has_expected_header_when_read():
    lines = build_hierarchy_csv().splitlines()
    assert lines[0] == "genre,parent_genre,root_genre,genre_family,depth"
    assert "metal,,metal,metal,0" in lines
    assert "heavy metal,metal,metal,metal,1" in lines


# --- spelling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tag, expected", [
    ("  Hip\u2013Hop ", "hip-hop"),             # en dash, padding
    ("Rock_N_Roll", "rock n roll"),             # underscores
    ("R\u2019n\u2019B", "r'n'b"),               # curly apostrophes
    ("\uff32\uff2f\uff23\uff2b", "rock"),       # full-width letters (NFKC)
    ("post \t  rock", "post rock"),             # runs of whitespace
    ("\u201cIndie\u201d", '"indie"'),           # curly double quotes
    ("Stra\u00dfe", "strasse"),                 # casefold, not just lower
])
def test_normalize_tag_when_unicode_case_and_spacing_vary(tag, expected):
    assert normalize_tag(tag) == expected


@pytest.mark.parametrize("tags, genre", [
    (["hip hop", "Hip-Hop", "hiphop", "Hip Hop", "HIP_HOP", "hip\u2010hop", "hip-hop/rap"], "hip hop"),
    (["rnb", "R&B", "r and b", "rhythm and blues", "Rhythm & Blues", "r'n'b", "R\u2019n\u2019B", "r n b"], "r&b"),
    (["post rock", "Post-Rock", "postrock", "post\u2014rock"], "post-rock"),
    (["dream-pop", "dream pop", "Dream Pop", "dreampop"], "dream pop"),
    (["drum and bass", "drum n bass", "dnb", "Drum & Bass", "drum'n'bass", "DnB"], "drum and bass"),
    (["singer-songwriter", "singer/songwriter", "Singer Songwriter"], "singer-songwriter"),
    (["k-pop", "K-Pop", "kpop", "korean pop"], "k-pop"),
    (["synthpop", "synth-pop", "Synth Pop"], "synth-pop"),
    (["trip hop", "trip-hop", "triphop"], "trip hop"),
    (["neo soul", "neo-soul", "Neo Soul"], "neo soul"),
    (["folk", "Folk", "folk music"], "folk"),
    (["soundtrack", "OST", "soundtracks"], "soundtrack"),
    (["jazz rock", "jazz-rock"], "jazz rock"),                   # a duplicate inside beets' whitelist
    (["reggaeton", "Reggaet\u00f3n", "regueton"], "reggaeton"),
])
def test_spelling_variants_fold_into_one_genre_when_tagged_differently(tags, genre):
    assert {tag: canonical_genre(tag) for tag in tags} == {tag: genre for tag in tags}


@pytest.mark.parametrize("tag", [
    "seen live", "favorites", "Favourite", "favourite", "80s", "00s", "1990s", "70s", "british",
    "american", "USA", "UK", "swedish", "female vocalists", "male vocalists", "awesome",
    "albums I own", "chill", "love", "beautiful", "mellow", "Bandcamp", "my top artists",
    "guilty pleasure", "oldies", "classic", "vocal", "Radiohead", "piano", "", "   ",
])
def test_canonical_genre_is_none_when_tag_is_junk(tag):
    assert canonical_genre(tag) is None


def test_canonical_genre_is_stable_when_applied_to_its_own_output():
    produced = {canonical_genre(row["genre"]) for row in hierarchy_rows()} - {None}
    assert len(produced) > 1000
    assert {genre: canonical_genre(genre) for genre in produced} == {genre: genre for genre in produced}


def test_unknown_is_not_a_genre_family_when_listed():
    assert UNKNOWN not in GENRE_FAMILIES


def test_depths_behind_the_tie_breaks_of_the_genre_ranking_when_looked_up():
    """dbt's ranking breaks weight ties by depth, then name (its unit tests rely on these depths)."""
    assert genre_info("indie rock").depth > genre_info("rock").depth
    assert genre_info("house").depth == genre_info("techno").depth


# --- hierarchy --------------------------------------------------------------------------------


def test_genre_families_are_the_fixed_list_when_listed():
    assert GENRE_FAMILIES == ("rock", "metal", "pop", "electronic", "hip hop", "r&b", "jazz", "blues",
                                 "folk", "country", "classical", "reggae", "latin", "world", "soundtrack",
                                 "other")


def test_no_genre_family_is_junk_when_any_genre_resolves():
    parents = {row["genre_family"] for row in hierarchy_rows()}
    assert parents <= set(GENRE_FAMILIES)      # whose names test_genre_families_are_the_fixed_list_when_listed pins


def test_genre_info_walks_to_root_when_genre_is_nested():
    info = genre_info("melodic death metal")
    assert (info.parent, info.root, info.genre_family, info.depth) == ("death metal", "metal", "metal", 3)
    assert genre_info("Heavy Metal").parent == "metal"
    assert genre_info("rock").parent is None and genre_info("rock").depth == 0


@pytest.mark.parametrize("genre, parent, genre_family", [
    ("metal", None, "metal"), ("rap", "hip hop", "hip hop"), ("indie", "rock", "rock"),
    ("alternative", "rock", "rock"), ("k-pop", "pop", "pop"), ("j-pop", "pop", "pop"),
    ("trap", "hip hop", "hip hop"), ("contemporary r&b", "r&b", "r&b"), ("folk", None, "folk"),
    ("soundtrack", None, "soundtrack"), ("reggaeton", "caribbean and latin american", "latin"),
    ("world music", None, "world"), ("experimental", "avant-garde", "other"),
])
def test_genre_info_follows_overlay_when_beets_places_genre_poorly(genre, parent, genre_family):
    info = genre_info(genre)
    assert (info.parent, info.genre_family) == (parent, genre_family)


# Issue 11: dashboard families of common last.fm genres that beets files under the wrong family
# (moved in overlay.yaml), and common ones it already gets right (guarded against regressions).
@pytest.mark.parametrize("tag, genre_family", [
    ("glitch hop", "electronic"), ("space rock", "rock"), ("blues rock", "rock"), ("rap rock", "rock"),
    ("rap metal", "metal"), ("country rock", "rock"), ("rockabilly", "rock"), ("soft rock", "rock"),
    ("jangle pop", "rock"), ("emo pop", "rock"), ("stoner rock", "rock"), ("stoner metal", "metal"),
    ("industrial rock", "rock"), ("madchester", "rock"), ("baggy", "rock"), ("grindcore", "metal"),
    ("synthwave", "electronic"), ("grime", "hip hop"), ("pop rap", "hip hop"), ("acid jazz", "jazz"),
    ("shibuya-kei", "pop"), ("electro swing", "electronic"), ("8-bit", "electronic"),
    ("lieder", "classical"), ("rai", "world"), ("qawwali", "world"),
    ("trip-hop", "electronic"), ("neo-classical", "classical"), ("post-rock", "rock"), ("shoegaze", "rock"),
    ("synthpop", "electronic"), ("dream pop", "rock"), ("math rock", "rock"), ("nu metal", "metal"),
    ("folk rock", "rock"), ("dubstep", "electronic"), ("drum and bass", "electronic"),
    ("post-punk", "rock"), ("grunge", "rock"), ("indie pop", "rock"), ("neo-soul", "r&b"),
    ("bossa nova", "latin"), ("dancehall", "reggae"), ("jazz fusion", "jazz"), ("americana", "country"),
    ("indie folk", "folk"), ("electric blues", "blues"), ("black metal", "metal"), ("hardcore", "rock"),
])
def test_common_genres_land_in_their_dashboard_family_when_looked_up(tag, genre_family):
    assert genre_info(canonical_genre(tag)).genre_family == genre_family


def test_genre_info_raises_when_not_a_genre():
    with pytest.raises(KeyError):
        genre_info("seen live")


def test_hierarchy_rows_are_consistent_when_checked_row_by_row():
    rows = {row["genre"]: row for row in hierarchy_rows()}
    assert list(rows) == sorted(rows)
    assert len(rows) > 1000 and sum(row["parent_genre"] is not None for row in rows.values()) > 500
    for genre, row in rows.items():
        parent = row["parent_genre"]
        if parent is None:
            assert (row["root_genre"], row["depth"]) == (genre, 0)
        else:
            assert row["depth"] == rows[parent]["depth"] + 1
            assert row["root_genre"] == rows[parent]["root_genre"]
        assert row["genre_family"] == rows[row["root_genre"]]["genre_family"]


def test_tag_rows_keep_raw_names_when_tags_repeat():
    rows = tag_rows(["Hip-Hop", "seen live", "Hip-Hop", "hip hop"])
    assert rows == [
        {"tag_name": "Hip-Hop", "tag_key": "hip-hop", "genre": "hip hop", "vocabulary_version": VOCABULARY_VERSION},
        {"tag_name": "seen live", "tag_key": "seen live", "genre": None, "vocabulary_version": VOCABULARY_VERSION},
        {"tag_name": "hip hop", "tag_key": "hip hop", "genre": "hip hop", "vocabulary_version": VOCABULARY_VERSION},
    ]


# --- building a vocabulary from small made-up files ---------------------------------------------

TREE = "- rock:\n    - metal:\n        - death metal\n    - punk\n- electronic:\n    - house\n"


def test_build_vocabulary_guesses_parent_when_genre_is_placed_nowhere():
    vocab = build_vocabulary("brutal death metal\nacid house\nzydeco\n", TREE, "", "")
    assert vocab.info["brutal death metal"].parent == "death metal"
    assert vocab.info["acid house"].genre_family == "electronic"
    assert (vocab.info["zydeco"].parent, vocab.info["zydeco"].genre_family) == (None, "other")


def test_build_vocabulary_moves_subtree_when_overlay_sets_parent():
    vocab = build_vocabulary("", TREE, "", "parents:\n  metal: null  # own family\n")
    assert (vocab.info["death metal"].root, vocab.info["death metal"].genre_family) == ("metal", "metal")


def test_build_vocabulary_expands_backreferences_when_alias_matches():
    aliases = "\\1-\\2:\n    - (post)[- ]*(\\w+)\n"
    vocab = build_vocabulary("post-punk\n", TREE, aliases, "")
    assert vocab.canonical("post punk") == "post-punk"


@pytest.mark.parametrize("overlay, message", [
    ("parents:\n  rock: punk\n  punk: rock\n", "cycle"),
    ("parents:\n  rock: nothing\n", "unknown genre"),
    ("not_genres: [house]\n", "not_genres"),
    ("aliases:\n  nothing:\n    - house\n", "unknown"),
    ("dashboard:\n  rock: guitars\n", "dashboard"),
    ("aliases:\n  rock:\n    - a: b\n", "strings"),
])
def test_build_vocabulary_refuses_overlay_when_it_is_inconsistent(overlay, message):
    with pytest.raises(ValueError, match=message):
        build_vocabulary("", TREE, "", overlay)
