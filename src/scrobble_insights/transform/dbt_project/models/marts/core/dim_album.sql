-- One row per album (artist + title); scrobbles without an album share one '(no album)' row per artist.
with plays as (
    select
        artist_name,
        coalesce(album_name, '(no album)') as album_name,
        album_name is null as is_unknown,
        count(*) as plays,
        max(album_mbid) as album_mbid
    from {{ ref('stg_lastfm__scrobbles') }}
    group by artist_name, coalesce(album_name, '(no album)'), album_name is null
)

select
    {{ surrogate_key(['artist_name', 'album_name', 'is_unknown']) }} as album_key,
    album_name,
    artist_name,
    {{ surrogate_key(['artist_name']) }} as artist_key,
    album_mbid,
    is_unknown,
    plays
from plays
