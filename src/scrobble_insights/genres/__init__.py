"""Genre vocabulary and resolver: last.fm tags -> canonical genres -> dashboard families."""

from scrobble_insights.genres.resolver import (
    ArtistGenres,
    canonical_genre,
    genre_info,
    hierarchy_rows,
    resolve_artist,
    tag_rows,
)
from scrobble_insights.genres.vocabulary import (
    DASHBOARD_PARENTS,
    OTHER,
    UNKNOWN,
    VOCABULARY_VERSION,
    GenreInfo,
    normalize_tag,
)

__all__ = [
    "DASHBOARD_PARENTS", "OTHER", "UNKNOWN", "VOCABULARY_VERSION", "ArtistGenres", "GenreInfo",
    "canonical_genre", "genre_info", "hierarchy_rows", "normalize_tag", "resolve_artist", "tag_rows",
]
