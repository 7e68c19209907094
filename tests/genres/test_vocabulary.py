"""The vendored vocabulary, our overlay, the version string and the generated dbt seed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import scrobble_insights.transform.genres as genres_pkg
from scrobble_insights.transform.genres import VOCABULARY_VERSION
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
