-- One row per matched MusicBrainz artist key and curated genre (the `genres` array of a lookup body,
-- flattened): the genre's name as MusicBrainz spells it and its votes. Search hits carry no genres,
-- and ambiguous or unknown keys describe no artist of ours, so neither gives rows.
with matched as (
    select artist_key, body
    from {{ source('musicbrainz', 'mb_artists') }}
    where match in ('mbid', 'merged', 'name')
),

genres as (
    select
        m.artist_key,
        {{ json_text('genre', '$.name') }} as genre_name,
        {{ safe_integer(json_text('genre', '$.count')) }} as votes
    from matched as m
    cross join {{ json_array_rows('m.body', '$.genres', 'genre') }}
)

select artist_key, genre_name, max(votes) as votes
from genres
where genre_name is not null and votes > 0
group by artist_key, genre_name
