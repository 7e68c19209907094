"""Genre vocabulary and resolver: last.fm tags -> canonical genres -> dashboard families."""

from scrobble_insights.transform.genres.resolver import (
    ArtistGenres,
    canonical_genre,
    genre_info,
    hierarchy_rows,
    resolve_artist,
    tag_rows,
)
from scrobble_insights.transform.genres.vocabulary import (
    GENRE_FAMILIES,
    OTHER,
    UNKNOWN,
    VOCABULARY_VERSION,
    GenreInfo,
    normalize_tag,
)

__all__ = [
    "GENRE_FAMILIES", "OTHER", "UNKNOWN", "VOCABULARY_VERSION", "ArtistGenres", "GenreInfo",
    "canonical_genre", "genre_info", "hierarchy_rows", "normalize_tag", "resolve_artist", "tag_rows",
]
