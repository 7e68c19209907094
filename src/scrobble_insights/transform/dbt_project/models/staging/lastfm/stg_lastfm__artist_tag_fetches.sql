-- One row per artist asked for tags: last.fm's answer status and, when it knew the artist, the name it
-- answered as (artist.getTopTags with autocorrect=1 corrects misspellings and old names to this one).
select
    artist_name,
    case when status = 'ok' then nullif(answered_as, '') end as corrected_name,
    status,
    tag_count,
    fetched_at
from {{ source('lastfm', 'artist_tag_fetches') }}
