-- One row per artist and tag, as typed by last.fm users (genre folding happens downstream).
select
    artist_name,
    tag_name,
    tag_weight,
    tag_rank,
    fetched_at
from {{ source('lastfm', 'artist_tags') }}
