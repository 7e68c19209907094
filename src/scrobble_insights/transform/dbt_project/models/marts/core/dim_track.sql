-- One row per track (artist + title, as scrobbled) with its MusicBrainz id and first and last play.
with plays as (
    select
        artist_name,
        track_name,
        min(played_at_utc) as first_played_at_utc,
        max(played_at_utc) as last_played_at_utc,
        count(*) as plays,
        max(track_mbid) as track_mbid
    from {{ ref('stg_lastfm__scrobbles') }}
    group by artist_name, track_name
)

select
    {{ surrogate_key(['artist_name', 'track_name']) }} as track_key,
    track_name,
    artist_name,
    {{ surrogate_key(['artist_name']) }} as artist_key,
    track_mbid,
    first_played_at_utc,
    last_played_at_utc,
    plays
from plays
