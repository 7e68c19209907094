"""Turn last.fm tags into canonical genres, and an artist's top tags into its genres.

Per artist: normalise each tag, apply aliases, keep known genres, drop weights under a threshold,
sum weights per genre, pick the primary genre, walk up the tree to its genre family.
Deterministic and pure; the vocabulary (vocabulary.py) is loaded once, on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scrobble_insights.transform.genres.vocabulary import (
    VOCABULARY_VERSION,
    GenreInfo,
    load_vocabulary,
    normalize_tag,
)


@dataclass(frozen=True)
class ArtistGenres:
    """An artist's resolved genres. All genre fields are None when no tag is a genre.

    `weights` holds (genre, summed tag weight, share of the artist's total), best first.
    """

    primary_genre: str | None
    parent_genre: str | None
    root_genre: str | None
    genre_family: str | None
    weights: list[tuple[str, int, float]]
    vocabulary_version: str = VOCABULARY_VERSION


def canonical_genre(tag: str) -> str | None:
    """The canonical genre a raw tag stands for, or None for junk, decades, places and names."""
    return load_vocabulary().canonical(normalize_tag(tag))


def genre_info(genre: str) -> GenreInfo:
    """Parent, root, genre family and depth of a known genre; KeyError for anything else."""
    info = load_vocabulary().info.get(normalize_tag(genre))
    if info is None:
        raise KeyError(f"not a known genre: {genre!r}")
    return info


def resolve_artist(tags: list[tuple[str, int]], min_weight: int = 10) -> ArtistGenres:
    """Resolve an artist's (tag, weight) list from artist.getTopTags into its genres.

    Tags under `min_weight` are dropped, unless that leaves no genre: then the single
    highest-weighted genre tag is kept. Ties go to the deeper genre, then the alphabetically first.
    """
    info = load_vocabulary().info
    folded = [(genre, int(weight)) for tag, weight in tags if (genre := canonical_genre(tag)) is not None]
    kept = [(genre, weight) for genre, weight in folded if weight >= min_weight]
    if not kept and folded:
        kept = [min(folded, key=lambda gw: (-gw[1], -info[gw[0]].depth, gw[0]))]
    if not kept:
        return ArtistGenres(None, None, None, None, [])
    summed: dict[str, int] = {}
    for genre, weight in kept:
        summed[genre] = summed.get(genre, 0) + weight
    ranked = sorted(summed.items(), key=lambda gw: (-gw[1], -info[gw[0]].depth, gw[0]))
    total = sum(summed.values())
    weights = [(genre, weight, round(weight / total, 4) if total else 0.0) for genre, weight in ranked]
    primary = info[ranked[0][0]]
    return ArtistGenres(primary.genre, primary.parent, primary.root, primary.genre_family, weights)


def hierarchy_rows() -> list[dict]:
    """One row per known genre, sorted by genre: genre, parent_genre, root_genre, genre_family, depth."""
    return [
        {"genre": g.genre, "parent_genre": g.parent, "root_genre": g.root,
         "genre_family": g.genre_family, "depth": g.depth}
        for g in sorted(load_vocabulary().info.values(), key=lambda g: g.genre)
    ]


def tag_rows(tags: Iterable[str]) -> list[dict]:
    """One lookup row per distinct raw tag name (first-seen order): tag_name, tag_key, genre, vocabulary_version."""
    rows, seen = [], set()
    for tag in tags:
        if tag in seen:
            continue
        seen.add(tag)
        rows.append({"tag_name": tag, "tag_key": normalize_tag(tag), "genre": canonical_genre(tag),
                     "vocabulary_version": VOCABULARY_VERSION})
    return rows
