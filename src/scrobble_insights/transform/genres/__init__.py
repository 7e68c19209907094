"""Genre vocabulary: last.fm tags -> canonical genres -> dashboard families.

Ranking an artist's genres (weights, weak tags, ties) lives in dbt: int_artist_genres_ranked.
"""

from scrobble_insights.transform.genres.vocabulary import (
    GENRE_FAMILIES,
    OTHER,
    UNKNOWN,
    VOCABULARY_VERSION,
    GenreInfo,
    canonical_genre,
    genre_info,
    hierarchy_rows,
    normalize_tag,
    tag_rows,
)

__all__ = [
    "GENRE_FAMILIES", "OTHER", "UNKNOWN", "VOCABULARY_VERSION", "GenreInfo",
    "canonical_genre", "genre_info", "hierarchy_rows", "normalize_tag", "tag_rows",
]
